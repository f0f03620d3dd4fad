package probes

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflare/cfssl/revoke"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// startURLServer serves any GET or POST with 200 and a little body, on a
// loopback address of its own, and counts connections.
func startURLServer(t *testing.T) (*countingListener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.7:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "not a crl")
	})}
	go func() { _ = srv.Serve(cl) }()
	t.Cleanup(func() { _ = srv.Close() })
	return cl, "http://" + ln.Addr().String()
}

// issueWithURLs makes a certificate carrying CRL, OCSP and AIA issuer URLs
// (lab.Issue writes no AIA issuer URL, so the template is built here).
func issueWithURLs(t *testing.T, cn string, isCA bool, base string, parent *lab.Cert) *lab.Cert {
	t.Helper()
	key, err := lab.NewKey("p256")
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(90 * 24 * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{loopback},
		CRLDistributionPoints: []string{base + "/" + cn + ".crl"},
		OCSPServer:            []string{base + "/ocsp"},
		IssuingCertificateURL: []string{base + "/" + cn + "-issuer.crt"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent.X509, key.Public(), parent.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &lab.Cert{X509: c, Key: key}
}

// TestTLSNeverFetchesCertificateURLs: a chain whose certificates point at
// CRL, OCSP and issuer URLs on a listener of the test is scanned, and
// nothing connects to that listener, through crypto/tls or through the
// tlsx (zcrypto) handshake. tlsx's own connect path checks revocation on
// every certificate with cfssl, which would fetch all three; tlsweep
// neither takes that path nor overwrites cfssl's global HTTP client.
func TestTLSNeverFetchesCertificateURLs(t *testing.T) {
	urls, base := startURLServer(t)

	// The listener is reachable: had anything fetched the URLs, it would
	// have counted the connection.
	resp, err := http.Get(base + "/probe")
	if err != nil {
		t.Fatalf("the URL server is not reachable: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if n := urls.n.Swap(0); n != 1 {
		t.Fatalf("the URL server counted %d connections for one GET", n)
	}

	ca := mustIssue(t, lab.CertOptions{CommonName: "revocation test root", IsCA: true, Key: "p256"}, nil)
	inter := issueWithURLs(t, "intermediate", true, base, ca)
	leaf := issueWithURLs(t, "leaf", false, base, inter)
	roots := x509.NewCertPool()
	roots.AddCert(ca.X509)

	globalBefore := revoke.HTTPClient
	p, err := NewTLS(TLSConfig{Timeout: 3 * time.Second, Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		tgt := startTLS(t, &tls.Config{MinVersion: v, MaxVersion: v,
			Certificates: []tls.Certificate{leaf.TLSCertificate(inter)}})
		ep := &report.Endpoint{State: report.StateOpen}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := p.Probe(ctx, &net.Dialer{}, tgt, ep)
		cancel()
		if err != nil || ep.TLS == nil {
			t.Fatalf("version %x: probe error %v, tls %+v", v, err, ep.TLS)
		}
		if len(ep.TLS.Chain) != 2 || ep.TLS.Chain[0].SHA256 != sha256Hex(leaf.X509.Raw) || !ep.TLS.Trusted {
			t.Errorf("version %x: chain %+v trusted %v (%s)", v, ep.TLS.Chain, ep.TLS.Trusted, ep.TLS.TrustError)
		}
		if v == tls.VersionTLS12 {
			// The tlsx handshake, as for a server crypto/tls cannot speak to.
			info, err := p.tryLegacy(context.Background(), &net.Dialer{}, tgt, &HandshakeError{Reason: HandshakeAlert})
			if err != nil || len(info.Chain) != 2 || !info.Trusted {
				t.Errorf("legacy handshake: %v, %+v", err, info)
			}
		}
	}
	if revoke.HTTPClient != globalBefore {
		t.Error("cfssl's global revoke.HTTPClient was replaced")
	}
	// Let any stray fetch land before counting.
	time.Sleep(200 * time.Millisecond)
	if n := urls.n.Load(); n != 0 {
		t.Errorf("the CRL/OCSP/issuer URL server saw %d connections, want 0", n)
	}
}
