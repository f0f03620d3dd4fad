package scanner_test

import (
	"net"
	"os/exec"
	"path/filepath"
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
	// gnutls-serv answers HEAD with a bare 501 page: GET / then shows HTTP.
	checkIDs(t, ep, "deprecated-protocol", "weak-cipher", "missing-hsts")
	f := finding(ep, "weak-cipher")
	if f == nil || !strings.Contains(f.Detail, "TLS_RSA_WITH_3DES_EDE_CBC_SHA") || !strings.Contains(f.Detail, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA") {
		t.Errorf("weak-cipher %+v, want both 3DES suites named", f)
	}
}

// TestIntegrationOpenSSLDHEOnly: a TLS 1.2 server that offers only a
// finite-field DHE suite, as older Java stacks and hand-hardened OpenSSL
// configurations do. Go's crypto/tls has no DHE and is refused; tlsx's
// zcrypto handshake reads the chain, which is recorded and judged like any
// other, with the default pipeline and with --discovery-only.
func TestIntegrationOpenSSLDHEOnly(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.OpenSSL)
	dir := t.TempDir()
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "java-appliance", IPs: []net.IP{loopbackIP}}, ca)
	cf, kf := daemon.WriteCert(t, dir, "leaf", leaf)
	dh := filepath.Join(dir, "dh.pem")
	if out, err := exec.Command(daemon.OpenSSL, "genpkey", "-genparam", "-algorithm", "DH",
		"-pkeyopt", "dh_param:ffdhe2048", "-out", dh).CombinedOutput(); err != nil {
		t.Fatalf("openssl genpkey: %v\n%s", err, out)
	}
	port := daemon.OpenSSLServer(t, "127.0.0.1", cf, kf, "-www", "-no_tls1_3",
		"-cipher", "DHE-RSA-AES256-GCM-SHA384", "-dhparam", dh)
	for _, discovery := range []bool{false, true} {
		ep := sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}, discoveryOnly: discovery})
		if ep.Transport != report.TransportTLS || ep.TLS == nil {
			t.Fatalf("discovery-only %v: transport %s tls %+v error %q", discovery, ep.Transport, ep.TLS, ep.Error)
		}
		if ep.TLS.Version != "TLS1.2" || ep.TLS.Cipher != "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" {
			t.Errorf("discovery-only %v: %s %s", discovery, ep.TLS.Version, ep.TLS.Cipher)
		}
		if len(ep.TLS.Chain) != 1 || ep.TLS.Chain[0].CommonName != "java-appliance" || !ep.TLS.Trusted {
			t.Errorf("discovery-only %v: chain %+v trusted %v (%s)", discovery, ep.TLS.Chain, ep.TLS.Trusted, ep.TLS.TrustError)
		}
		// A trusted chain, TLS 1.2 and a strong suite: nothing to report (no
		// certificate-unchecked). The HTTPS request goes through crypto/tls
		// and gets no answer from a DHE-only server, so HSTS is not judged.
		checkIDs(t, ep)
	}
}
