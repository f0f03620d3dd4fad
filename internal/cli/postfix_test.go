package cli

import (
	"mime"
	"net"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// TestScanMailsThroughPostfix is the cron job's last step against a real
// mail server: the scan's report goes to Debian's Postfix over SMTP with
// STARTTLS, its certificate checked against --smtp-ca-file, and Postfix
// accepts the message (and holds it, relaying nothing).
func TestScanMailsThroughPostfix(t *testing.T) {
	e, ca := startEstate(t)
	host := "127.25.1.1"
	cert, err := lab.Issue(lab.CertOptions{CommonName: "mail.backup.test", IPs: []net.IP{net.ParseIP(host)}}, e.CA)
	if err != nil {
		t.Fatal(err)
	}
	pf := daemon.PostfixServer(t, host, cert)
	code, _, stderr := runCLI(t, "scan", "--timeout", "1s", "--ca-file", ca, "-p", "4287", "-f", "json", "--no-progress",
		"-o", t.TempDir()+"/scan.json",
		"--mail-to", "ops@example.test", "--mail-from", "tlsweep@example.test", "--smtp", pf.Addr, "--smtp-ca-file", ca,
		e.Code42)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	held := pf.Held()
	if len(held) != 1 {
		t.Fatalf("postfix holds %d messages; stderr %s", len(held), stderr)
	}
	msg := held[0]
	var subject string
	for _, line := range strings.Split(msg, "\n") {
		if s, ok := strings.CutPrefix(line, "Subject: "); ok {
			subject, _ = new(mime.WordDecoder).DecodeHeader(s)
		}
	}
	if !strings.HasPrefix(subject, "tlsweep: ") || !strings.Contains(subject, e.Code42) {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{"From: <tlsweep@example.test>", "To: <ops@example.test>", "application/json"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the held message lacks %q:\n%.2000s", want, msg)
		}
	}
	// Postfix notes the TLS session in the Received header it adds.
	if !strings.Contains(msg, "(using TLSv1.3") {
		t.Errorf("not delivered over TLS:\n%.1000s", msg)
	}
}
