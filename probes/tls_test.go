package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// startTLS serves cfg on a fresh 127.0.0.1 port; every accepted connection
// handshakes and then echoes a little, like a real service would.
func startTLS(t *testing.T, cfg *tls.Config) Target {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return targetOf(t, ln.Addr())
}

func targetOf(t *testing.T, a net.Addr) Target {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	return Target{Host: ap.Addr().String(), IP: ap.Addr(), Port: ap.Port()}
}

func mustIssue(t *testing.T, o lab.CertOptions, parent *lab.Cert) *lab.Cert {
	t.Helper()
	c, err := lab.Issue(o, parent)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func findingIDs(ep *report.Endpoint, now time.Time) []string {
	var ids []string
	fs, _ := findings.Evaluate(ep, findings.RuleConfig{Now: now, ExpiryWarn: 30 * 24 * time.Hour})
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return ids
}

var loopback = net.ParseIP("127.0.0.1")

// TestTLSCertificateMatrix runs the TLS probe against real crypto/tls
// servers, one per certificate fault, and checks every field it reports.
func TestTLSCertificateMatrix(t *testing.T) {
	now := time.Now()
	ca := mustIssue(t, lab.CertOptions{CommonName: "Test Internal CA", IsCA: true, Key: "p256",
		NotBefore: now.Add(-3 * 365 * 24 * time.Hour), NotAfter: now.Add(3 * 365 * 24 * time.Hour)}, nil)
	roots := x509.NewCertPool()
	roots.AddCert(ca.X509)
	day := 24 * time.Hour

	cases := []struct {
		name     string
		leaf     lab.CertOptions
		signed   bool // by ca, else self-signed
		cfg      *tls.Config
		sni      string
		version  string
		cipher   string
		keyType  string
		keyBits  int
		trusted  bool
		findings []string
	}{
		{name: "self-signed", leaf: lab.CertOptions{CommonName: "code42-authority", IPs: []net.IP{loopback}},
			cfg:     &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
			version: "TLS1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", keyType: "RSA", keyBits: 2048,
			findings: []string{"self-signed-certificate"}},
		{name: "ca-signed via --ca-file", leaf: lab.CertOptions{CommonName: "sesam.lab", DNSNames: []string{"sesam.lab"}, Key: "p256"}, signed: true,
			cfg: &tls.Config{MinVersion: tls.VersionTLS13}, sni: "sesam.lab",
			version: "TLS1.3", cipher: "TLS_AES_128_GCM_SHA256", keyType: "EC", keyBits: 256, trusted: true},
		{name: "expired", leaf: lab.CertOptions{CommonName: "old", NotBefore: now.Add(-400 * day), NotAfter: now.Add(-2 * day)}, signed: true,
			cfg: &tls.Config{MaxVersion: tls.VersionTLS12}, version: "TLS1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
			keyType: "RSA", keyBits: 2048, trusted: true, findings: []string{"expired-certificate"}},
		{name: "not yet valid", leaf: lab.CertOptions{CommonName: "future", NotBefore: now.Add(3 * day), NotAfter: now.Add(300 * day)}, signed: true,
			cfg: &tls.Config{MinVersion: tls.VersionTLS13}, version: "TLS1.3", cipher: "TLS_AES_128_GCM_SHA256",
			keyType: "RSA", keyBits: 2048, trusted: true, findings: []string{"not-yet-valid-certificate"}},
		{name: "expiring", leaf: lab.CertOptions{CommonName: "soon", NotBefore: now.Add(-300 * day), NotAfter: now.Add(10 * day)}, signed: true,
			cfg: &tls.Config{MinVersion: tls.VersionTLS13}, version: "TLS1.3", cipher: "TLS_AES_128_GCM_SHA256",
			keyType: "RSA", keyBits: 2048, trusted: true, findings: []string{"expiring-certificate"}},
		{name: "wrong hostname", leaf: lab.CertOptions{CommonName: "other.lab", DNSNames: []string{"other.lab"}}, signed: true,
			cfg: &tls.Config{MinVersion: tls.VersionTLS13}, sni: "backup.lab", version: "TLS1.3", cipher: "TLS_AES_128_GCM_SHA256",
			keyType: "RSA", keyBits: 2048, trusted: true, findings: []string{"hostname-mismatch"}},
		{name: "rsa-1024", leaf: lab.CertOptions{CommonName: "weak", Key: "rsa1024"}, signed: true,
			cfg: &tls.Config{MaxVersion: tls.VersionTLS12}, version: "TLS1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
			keyType: "RSA", keyBits: 1024, trusted: true, findings: []string{"weak-key"}},
		{name: "untrusted ca", leaf: lab.CertOptions{CommonName: "stranger", Key: "p384"}, signed: true,
			cfg: &tls.Config{MinVersion: tls.VersionTLS13, CipherSuites: nil}, version: "TLS1.3", cipher: "TLS_AES_128_GCM_SHA256",
			keyType: "EC", keyBits: 384, findings: []string{"untrusted-certificate"}},
		{name: "tls1.0", leaf: lab.CertOptions{CommonName: "legacy"}, signed: true,
			cfg:     &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}},
			version: "TLS1.0", cipher: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", keyType: "RSA", keyBits: 2048, trusted: true,
			findings: []string{"deprecated-protocol"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parent *lab.Cert
			if tc.signed {
				parent = ca
			}
			leaf := mustIssue(t, tc.leaf, parent)
			cfg := tc.cfg.Clone()
			cfg.Certificates = []tls.Certificate{leaf.TLSCertificate()}
			target := startTLS(t, cfg)
			target.SNI, target.CheckHostname = tc.sni, tc.sni != ""
			verifyRoots := roots
			if tc.name == "untrusted ca" {
				verifyRoots = x509.NewCertPool()
			}
			p, err := NewTLS(TLSConfig{Timeout: 3 * time.Second, Roots: verifyRoots})
			if err != nil {
				t.Fatal(err)
			}
			ep := &report.Endpoint{State: report.StateOpen, Port: int(target.Port)}
			if err := p.Probe(context.Background(), &net.Dialer{}, target, ep); err != nil {
				t.Fatalf("probe: %v", err)
			}
			if ep.Transport != report.TransportTLS || ep.TLS == nil {
				t.Fatalf("transport %q, tls %v", ep.Transport, ep.TLS)
			}
			got := ep.TLS
			if got.Version != tc.version || got.Cipher != tc.cipher {
				t.Errorf("negotiated %s %s, want %s %s", got.Version, got.Cipher, tc.version, tc.cipher)
			}
			if got.Trusted != tc.trusted {
				t.Errorf("trusted = %v (%s), want %v", got.Trusted, got.TrustError, tc.trusted)
			}
			if got.SNI != tc.sni {
				t.Errorf("sni %q, want %q", got.SNI, tc.sni)
			}
			if len(got.Chain) != 1 {
				t.Fatalf("chain has %d certificates, want 1", len(got.Chain))
			}
			c := got.Chain[0]
			if c.CommonName != tc.leaf.CommonName || c.KeyType != tc.keyType || c.KeyBits != tc.keyBits {
				t.Errorf("leaf %q %s-%d, want %q %s-%d", c.CommonName, c.KeyType, c.KeyBits, tc.leaf.CommonName, tc.keyType, tc.keyBits)
			}
			if c.SelfSigned != !tc.signed || c.IsCA {
				t.Errorf("self_signed %v is_ca %v", c.SelfSigned, c.IsCA)
			}
			if c.SHA256 != sha256Hex(leaf.X509.Raw) || !c.NotAfter.Equal(leaf.X509.NotAfter.UTC().Truncate(time.Second)) {
				t.Errorf("fingerprint or not_after differ: %s %s", c.SHA256, c.NotAfter)
			}
			if ids := findingIDs(ep, time.Now()); !slices.Equal(ids, tc.findings) {
				t.Errorf("findings %v, want %v", ids, tc.findings)
			}
		})
	}
}

// TestTLSChainAndWeakSignature sends leaf + intermediate; the intermediate
// is SHA-1 signed by the root, which weak-signature must name.
func TestTLSChainAndWeakSignature(t *testing.T) {
	root := mustIssue(t, lab.CertOptions{CommonName: "Root", IsCA: true}, nil)
	inter := mustIssue(t, lab.CertOptions{CommonName: "Intermediate", IsCA: true, SignatureAlgorithm: x509.SHA1WithRSA}, root)
	leaf := mustIssue(t, lab.CertOptions{CommonName: "leaf", IPs: []net.IP{loopback}}, inter)
	target := startTLS(t, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{leaf.TLSCertificate(inter)}})
	roots := x509.NewCertPool()
	roots.AddCert(root.X509)
	p, err := NewTLS(TLSConfig{Timeout: 3 * time.Second, Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	ep := &report.Endpoint{State: report.StateOpen}
	if err := p.Probe(context.Background(), &net.Dialer{}, target, ep); err != nil {
		t.Fatal(err)
	}
	chain := ep.TLS.Chain
	if len(chain) != 2 || chain[1].CommonName != "Intermediate" || !chain[1].IsCA || chain[1].SignatureAlgorithm != "SHA1-RSA" {
		t.Fatalf("chain = %+v", chain)
	}
	if !slices.Contains(chain[0].SANs, "127.0.0.1") {
		t.Errorf("leaf SANs %v lack the IP", chain[0].SANs)
	}
	ids := findingIDs(ep, time.Now())
	// Go, like browsers, refuses SHA-1 signatures in a chain: the chain is
	// untrusted as well as weakly signed.
	if !slices.Equal(ids, []string{"untrusted-certificate", "weak-signature"}) {
		t.Errorf("findings %v, want [untrusted-certificate weak-signature]", ids)
	}
	if !strings.Contains(ep.TLS.TrustError, "SHA1") {
		t.Errorf("trust error %q does not name SHA-1", ep.TLS.TrustError)
	}
}
