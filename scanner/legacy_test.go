package scanner_test

import (
	"net"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// TestIntegrationGnuTLS3DES: gnutls-serv offering TLS 1.0 to 1.2, AES and
// 3DES (Debian's OpenSSL 3 offers no 3DES), scanned with the default
// pipeline: the handshake gets TLS 1.2 with AES, and the weak-suite hellos
// of the versions probe raise weak-cipher naming both 3DES suites.
func TestIntegrationGnuTLS3DES(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "legacy-stpd", IPs: []net.IP{loopbackIP}}, ca)
	cf, kf := daemon.WriteCert(t, dir, "leaf", leaf)
	port := daemon.GnuTLSServer(t, cf, kf,
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:-CIPHER-ALL:+AES-128-GCM:+AES-128-CBC:+3DES-CBC:-KX-ALL:+RSA:+ECDHE-RSA")
	ep := sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}})
	if ep.Transport != report.TransportTLS || ep.TLS == nil || ep.Error != "" {
		t.Fatalf("transport %s tls %+v error %q", ep.Transport, ep.TLS, ep.Error)
	}
	if ep.TLS.Version != "TLS1.2" || !ep.TLS.Trusted || len(ep.TLS.Chain) != 1 {
		t.Errorf("version %s trusted %v (%s) chain %d", ep.TLS.Version, ep.TLS.Trusted, ep.TLS.TrustError, len(ep.TLS.Chain))
	}
	if got := strings.Join(ep.TLS.Versions, " "); got != "TLS1.0 TLS1.1 TLS1.2" {
		t.Errorf("versions %s", got)
	}
	checkIDs(t, ep, "deprecated-protocol", "weak-cipher", "missing-hsts")
	f := finding(ep, "weak-cipher")
	if f == nil || !strings.Contains(f.Detail, "TLS_RSA_WITH_3DES_EDE_CBC_SHA") || !strings.Contains(f.Detail, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA") {
		t.Errorf("weak-cipher %+v, want both 3DES suites named", f)
	}
}
