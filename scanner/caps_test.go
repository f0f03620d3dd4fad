package scanner_test

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// The sweep keeps what report.LimitStrings allows of a server's strings: a
// leaf with a 20,000-character common name and 400 SANs is stored cut to
// report.MaxNetworkString bytes (marked with …) and report.MaxSANs names,
// and the findings that name it are bounded too.
func TestSweepCapsServerStrings(t *testing.T) {
	long := strings.Repeat("A", 20000)
	sans := make([]string, 400)
	for i := range sans {
		sans[i] = strings.Repeat("b", 200) + ".example.test"
	}
	leaf := issue(t, lab.CertOptions{CommonName: long, DNSNames: sans, Key: "p256"}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}, MinVersion: tls.VersionTLS12}
	serve(t, tls.NewListener(ln, cfg), func(c net.Conn) {
		if tc, ok := c.(*tls.Conn); ok && tc.Handshake() == nil {
			silentConn(c)
		}
	})
	ep := sweepOne(t, portOf(ln), sweepOptions{})
	if ep.TLS == nil || len(ep.TLS.Chain) == 0 {
		t.Fatalf("no certificate seen: %+v", ep)
	}
	c := ep.TLS.Chain[0]
	for name, s := range map[string]string{"common_name": c.CommonName, "subject": c.Subject, "issuer": c.Issuer} {
		if len(s) > report.MaxNetworkString || !strings.HasSuffix(s, report.Ellipsis) {
			t.Errorf("%s: %d bytes, want at most %d ending in %s", name, len(s), report.MaxNetworkString, report.Ellipsis)
		}
	}
	if len(c.SANs) != report.MaxSANs {
		t.Errorf("%d SANs kept, want %d", len(c.SANs), report.MaxSANs)
	}
	for _, f := range ep.Findings {
		if len(f.Detail) > 4*report.MaxNetworkString {
			t.Errorf("%s: detail of %d bytes", f.ID, len(f.Detail))
		}
	}
}
