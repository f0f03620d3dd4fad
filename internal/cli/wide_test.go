package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// The table fits 120 columns when the output is not a terminal, with no
// rules; --wide gives the ruled table with every column.
func TestTableWideFlag(t *testing.T) {
	at := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	long := strings.Repeat("very-long-service-name-", 6)
	ep := report.Endpoint{Host: "10.0.0.1", IP: "10.0.0.1", Port: 443, Service: long, State: report.StateOpen,
		Transport: report.TransportTLS, TLS: &report.TLS{Version: "TLS1.2", Cipher: "TLS_RSA_WITH_AES_128_CBC_SHA"}}
	r := &report.Report{Schema: report.Schema, StartedAt: at, FinishedAt: at.Add(time.Second), Complete: true,
		Targets: []string{"10.0.0.1"}, Ports: []int{443}, Endpoints: []report.Endpoint{ep}}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "scan.json")
	if err := os.WriteFile(saved, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, fitted, stderr := runCLI(t, "report", saved)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(fitted, "\n"), "\n") {
		if n := len([]rune(line)); n > 120 {
			t.Errorf("fitted line of %d columns: %q", n, line)
		}
	}
	if strings.Contains(fitted, "─") || strings.Contains(fitted, "TLS_RSA_WITH") || !strings.Contains(fitted, "…") {
		t.Errorf("default table is not the fitted one:\n%s", fitted)
	}
	code, wide, stderr := runCLI(t, "report", saved, "--wide")
	if code != ExitOK {
		t.Fatalf("--wide: exit %d: %s", code, stderr)
	}
	if !strings.Contains(wide, "─") || !strings.Contains(wide, "TLS_RSA_WITH_AES_128_CBC_SHA") || !strings.Contains(wide, long) {
		t.Errorf("--wide table lacks rules or columns:\n%s", wide)
	}
}
