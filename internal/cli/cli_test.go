package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// runCLI runs tlsweep in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"tlsweep"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func startEstate(t *testing.T) (*lab.Estate, string) {
	t.Helper()
	e, err := lab.Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, e.CA.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return e, ca
}

// TestExitCodes checks the documented exit codes against the demo estate.
func TestExitCodes(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	e, ca := startEstate(t)
	fast := []string{"--timeout", "1s", "--ca-file", ca}
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"clean tls port", []string{"scan", "-p", "11443", "--expiry-warn", "10", e.Sesam}, ExitOK},
		{"findings below fail-on", []string{"scan", "-p", "4287", "--fail-on", "high", e.Code42}, ExitOK},
		{"finding at fail-on", []string{"scan", "-p", "4287", "--fail-on", "medium", e.Code42}, ExitFindings},
		{"plaintext listener is high", []string{"scan", "-p", "11000", "--fail-on", "high", e.Sesam}, ExitFindings},
		{"nothing open", []string{"scan", "-p", "9", "--fail-on", "info", e.Code42}, ExitOK},
		{"usage", []string{"scan", "-p", "0", e.Code42}, ExitUsage},
		{"output cannot be written", []string{"scan", "-p", "11443", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "r.json"), e.Sesam}, ExitFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(slices.Clone(tc.args[:1]), fast...)
			args = append(args, tc.args[1:]...)
			code, _, stderr := runCLI(t, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
		})
	}
}

// TestJSONShape pins the JSON contract: the keys scripts depend on.
func TestJSONShape(t *testing.T) {
	e, ca := startEstate(t)
	out := filepath.Join(t.TempDir(), "scan.json")
	code, stdout, stderr := runCLI(t, "scan", "--timeout", "1s", "--ca-file", ca, "-f", "json", "-o", out, e.Code42, e.Sesam)
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "document", doc, "schema", "tool", "started_at", "finished_at", "complete", "targets", "ports", "summary", "endpoints")
	wantKeys(t, "summary", doc["summary"].(map[string]any), "hosts", "probes", "open", "closed", "filtered", "tls", "plaintext", "unknown", "findings")
	wantKeys(t, "summary.findings", doc["summary"].(map[string]any)["findings"].(map[string]any), "critical", "high", "medium", "low", "info")
	if doc["schema"] != "tlsweep/v1" || doc["complete"] != true {
		t.Errorf("schema %v complete %v", doc["schema"], doc["complete"])
	}
	eps := doc["endpoints"].([]any)
	if len(eps) != 7 {
		t.Fatalf("%d endpoints, want the estate's 7", len(eps))
	}
	var sawTLS, sawPlain bool
	for _, x := range eps {
		ep := x.(map[string]any)
		wantKeys(t, "endpoint", ep, "host", "ip", "port", "state", "transport", "findings")
		switch ep["transport"] {
		case "tls":
			sawTLS = true
			tls := ep["tls"].(map[string]any)
			wantKeys(t, "tls", tls, "version", "cipher", "sni", "trusted", "chain")
			cert := tls["chain"].([]any)[0].(map[string]any)
			wantKeys(t, "certificate", cert, "subject", "issuer", "common_name", "sans", "serial", "not_before", "not_after",
				"days_left", "signature_algorithm", "key_type", "key_bits", "sha256", "self_signed", "is_ca")
		case "plaintext":
			sawPlain = true
			wantKeys(t, "plaintext endpoint", ep, "protocol", "banner")
		}
		for _, f := range ep["findings"].([]any) {
			wantKeys(t, "finding", f.(map[string]any), "id", "severity", "title", "detail")
		}
	}
	if !sawTLS || !sawPlain {
		t.Error("the estate should show both TLS and plaintext endpoints")
	}
}

func wantKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: %v", what, k, m)
		}
	}
}

// TestJSONLStreams checks one endpoint object per line, and nothing else.
func TestJSONLStreams(t *testing.T) {
	e, ca := startEstate(t)
	code, stdout, stderr := runCLI(t, "scan", "--timeout", "1s", "--ca-file", ca, "-f", "jsonl", "-p", "4287,4288,11000", e.Code42, e.Sesam)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 open endpoints:\n%s", len(lines), stdout)
	}
	for _, l := range lines {
		var ep map[string]any
		if err := json.Unmarshal([]byte(l), &ep); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		wantKeys(t, "jsonl endpoint", ep, "ip", "port", "transport")
	}
}

// TestDemo runs the README's first command.
func TestDemo(t *testing.T) {
	code, stdout, stderr := runCLI(t, "demo", "--no-color")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"code42-client", "self-signed-certificate", "deprecated-protocol", "plaintext/http", "plaintext/ftp",
		"unidentified-listener", "expiring-certificate", "2 hosts, 14 probes: 7 open (3 tls, 3 plaintext, 1 unknown), 7 closed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
