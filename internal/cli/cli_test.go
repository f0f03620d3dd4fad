package cli

// Helpers the in-process tests share: run Main, start the demo estate.

import (
	"bytes"
	"os"
	"path/filepath"
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
