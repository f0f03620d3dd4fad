package scanner_test

// Integration tests: the real sweep (scanner.Sweep with the TLS and
// plaintext probes, built as `tlsweep scan` builds them) against real
// server software started on loopback, with exact expectations.
//
// Every server binds 127.0.0.0/8 only, and every sweep targets only the
// addresses those servers listen on.

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// wantCert is what the report must say about c, judged at now. It is
// derived from the certificate the test made, independently of the probe.
func wantCert(c *lab.Cert, now time.Time, keyType string, keyBits int, sigAlg string, selfSigned bool) report.Certificate {
	x := c.X509
	sum := sha256.Sum256(x.Raw)
	sans := []string{}
	sans = append(sans, x.DNSNames...)
	for _, ip := range x.IPAddresses {
		sans = append(sans, ip.String())
	}
	return report.Certificate{
		Subject:            "CN=" + x.Subject.CommonName + ",O=tlsweep lab",
		Issuer:             "CN=" + x.Issuer.CommonName + ",O=tlsweep lab",
		CommonName:         x.Subject.CommonName,
		SANs:               sans,
		Serial:             hex.EncodeToString(x.SerialNumber.Bytes()),
		NotBefore:          x.NotBefore.UTC(),
		NotAfter:           x.NotAfter.UTC(),
		DaysLeft:           int(math.Floor(x.NotAfter.Sub(now).Hours() / 24)),
		SignatureAlgorithm: sigAlg,
		KeyType:            keyType,
		KeyBits:            keyBits,
		SHA256:             hex.EncodeToString(sum[:]),
		SelfSigned:         selfSigned,
		IsCA:               x.IsCA,
	}
}

// checkCert compares a reported certificate with the expected one. DaysLeft
// may be one lower when the sweep crossed a day boundary of the cert.
func checkCert(t *testing.T, what string, got, want report.Certificate) {
	t.Helper()
	if got.DaysLeft == want.DaysLeft-1 {
		got.DaysLeft = want.DaysLeft
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func checkIDs(t *testing.T, ep *report.Endpoint, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := findingIDs(ep); !slices.Equal(got, want) {
		t.Errorf("%s:%d findings = %v, want %v (%+v)", ep.IP, ep.Port, got, want, ep.Findings)
	}
}

// TestIntegrationOpenSSLTLS10SelfSigned: openssl s_server that speaks only
// TLS 1.0 with a self-signed RSA-2048 certificate.
func TestIntegrationOpenSSLTLS10SelfSigned(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.OpenSSL)
	dir := t.TempDir()
	cert := issue(t, lab.CertOptions{CommonName: "legacy-appliance", IPs: []net.IP{loopbackIP}}, nil)
	cf, kf := daemon.WriteCert(t, dir, "leaf", cert)
	// SECLEVEL=0: OpenSSL 3 refuses TLS 1.0's MD5+SHA-1 handshake signature
	// at any higher level.
	port := daemon.OpenSSLServer(t, "127.0.0.1", cf, kf, "-www", "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")
	now := time.Now()
	ep := sweepOne(t, port, sweepOptions{})

	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS || ep.Error != "" {
		t.Fatalf("state %s transport %s error %q, want open tls no error", ep.State, ep.Transport, ep.Error)
	}
	if ep.Protocol != "" || ep.Banner != "" {
		t.Errorf("protocol %q banner %q on a TLS port", ep.Protocol, ep.Banner)
	}
	if ep.TLS == nil {
		t.Fatal("no TLS details")
	}
	if ep.TLS.Version != "TLS1.0" {
		t.Errorf("version %q, want TLS1.0", ep.TLS.Version)
	}
	// s_server follows the client's order unless -serverpref is given.
	// crypto/tls (under tlsx) lists the ECDHE CBC suites AES-128 first
	// (cipherSuitesPreferenceOrder, the same on hardware with and without
	// AES instructions), TLS 1.0 has no GCM, and the key is RSA:
	// ECDHE-RSA-AES128-SHA.
	if ep.TLS.Cipher != "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" {
		t.Errorf("cipher %q, want TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", ep.TLS.Cipher)
	}
	if ep.TLS.Trusted || ep.TLS.TrustError != "self-signed certificate not in the trusted roots" {
		t.Errorf("trusted %v, trust error %q", ep.TLS.Trusted, ep.TLS.TrustError)
	}
	if ep.TLS.SNI != "" || ep.TLS.HostnameMatch != nil {
		t.Errorf("SNI %q hostname match %v for an address target without --sni", ep.TLS.SNI, ep.TLS.HostnameMatch)
	}
	if len(ep.TLS.Chain) != 1 {
		t.Fatalf("chain of %d, want the one self-signed certificate", len(ep.TLS.Chain))
	}
	checkCert(t, "leaf", ep.TLS.Chain[0], wantCert(cert, now, "RSA", 2048, "SHA256-RSA", true))
	checkIDs(t, ep, "deprecated-protocol", "self-signed-certificate") // s_server -www answers GET, not HEAD: no HTTP inside TLS, no HSTS judged
	if f := finding(ep, "deprecated-protocol"); f != nil && f.Severity != report.SeverityHigh {
		t.Errorf("deprecated-protocol severity %s", f.Severity)
	}
}

// TestIntegrationOpenSSLServerPreference: the same TLS 1.0 server told to
// prefer its own order picks OpenSSL's first DEFAULT suite for an RSA key.
func TestIntegrationOpenSSLServerPreference(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.OpenSSL)
	dir := t.TempDir()
	cert := issue(t, lab.CertOptions{CommonName: "legacy-appliance", IPs: []net.IP{loopbackIP}}, nil)
	cf, kf := daemon.WriteCert(t, dir, "leaf", cert)
	port := daemon.OpenSSLServer(t, "127.0.0.1", cf, kf, "-www", "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0", "-serverpref")
	ep := sweepOne(t, port, sweepOptions{})
	if ep.Transport != report.TransportTLS || ep.TLS == nil {
		t.Fatalf("transport %s, error %q", ep.Transport, ep.Error)
	}
	// OpenSSL's DEFAULT list ranks AES-256 above AES-128.
	if ep.TLS.Version != "TLS1.0" || ep.TLS.Cipher != "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" {
		t.Errorf("%s %s, want TLS1.0 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", ep.TLS.Version, ep.TLS.Cipher)
	}
	checkIDs(t, ep, "deprecated-protocol", "self-signed-certificate") // s_server -www answers GET, not HEAD: no HTTP inside TLS, no HSTS judged
}

// TestIntegrationOpenSSLTLS13Trusted: openssl s_server, TLS 1.3 only, an
// ECDSA leaf signed by a CA passed as --ca-file, serving leaf and CA.
func TestIntegrationOpenSSLTLS13Trusted(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.OpenSSL)
	dir := t.TempDir()
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "backup-gw", Key: "p256",
		DNSNames: []string{"backup-gw.test"}, IPs: []net.IP{loopbackIP}}, ca)
	cf, kf := daemon.WriteCert(t, dir, "leaf", leaf)
	caFile := daemon.WriteFile(t, dir, "ca.crt", ca.CertPEM())
	// -serverpref: OpenSSL's own TLS 1.3 order (TLS_AES_256_GCM_SHA384
	// first) decides, not crypto/tls's, which puts ChaCha20 first on CPUs
	// without AES instructions.
	port := daemon.OpenSSLServer(t, "127.0.0.1", cf, kf, "-www", "-tls1_3", "-cert_chain", caFile, "-serverpref")
	now := time.Now()
	ep := sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}})

	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS || ep.Error != "" || ep.TLS == nil {
		t.Fatalf("state %s transport %s error %q", ep.State, ep.Transport, ep.Error)
	}
	if ep.TLS.Version != "TLS1.3" || ep.TLS.Cipher != "TLS_AES_256_GCM_SHA384" {
		t.Errorf("%s %s, want TLS1.3 TLS_AES_256_GCM_SHA384", ep.TLS.Version, ep.TLS.Cipher)
	}
	if !ep.TLS.Trusted || ep.TLS.TrustError != "" {
		t.Errorf("trusted %v, trust error %q; want trusted through the --ca-file CA", ep.TLS.Trusted, ep.TLS.TrustError)
	}
	if len(ep.TLS.Chain) != 2 {
		t.Fatalf("chain of %d, want leaf and CA", len(ep.TLS.Chain))
	}
	checkCert(t, "leaf", ep.TLS.Chain[0], wantCert(leaf, now, "EC", 256, "ECDSA-SHA256", false))
	checkCert(t, "CA", ep.TLS.Chain[1], wantCert(ca, now, "EC", 256, "ECDSA-SHA256", true))
	checkIDs(t, ep) // s_server -www answers GET, not HEAD: no HTTP inside TLS, no HSTS judged
	if ep.TLS.AppProtocol != "unknown" || ep.HTTP != nil {
		t.Errorf("app_protocol %q http %+v, want unknown and no HTTP", ep.TLS.AppProtocol, ep.HTTP)
	}
}

// TestIntegrationNginxPlaintextHTTP: nginx serving plain HTTP. The TLS
// probe's ClientHello is the first thing nginx reads; it is no HTTP
// request line, and nginx's answer is the banner.
func TestIntegrationNginxPlaintextHTTP(t *testing.T) {
	t.Parallel()
	port := daemon.NginxServer(t, `server {
        listen 127.0.0.1:PORT;
        location / { return 200 "sesam\n"; }
    }`)
	ep := sweepOne(t, port, sweepOptions{})
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.TLS != nil {
		t.Fatalf("state %s transport %s tls %v error %q, want open plaintext", ep.State, ep.Transport, ep.TLS, ep.Error)
	}
	if ep.Protocol != "http" {
		t.Errorf("protocol %q, want http", ep.Protocol)
	}
	// 0x16, the first byte of a TLS record, cannot start an HTTP method:
	// nginx rejects the request line at once.
	if ep.Banner != "HTTP/1.1 400 Bad Request" {
		t.Errorf("banner %q, want %q", ep.Banner, "HTTP/1.1 400 Bad Request")
	}
	if ep.Error != "" {
		t.Errorf("error %q", ep.Error)
	}
	checkIDs(t, ep, "plaintext-listener")
	if f := finding(ep, "plaintext-listener"); f != nil {
		want := fmt.Sprintf("port %d speaks HTTP without TLS", port)
		if f.Detail != want || f.Severity != report.SeverityHigh {
			t.Errorf("finding %+v, want detail %q severity high", f, want)
		}
	}
}

// TestIntegrationNginxHTTPS: nginx with TLS, a CA-signed RSA certificate
// for a host name, checked with --sni against the right and a wrong name.
func TestIntegrationNginxHTTPS(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.Nginx)
	dir := t.TempDir()
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "sesam.backup.test",
		DNSNames: []string{"sesam.backup.test"}, IPs: []net.IP{loopbackIP}}, ca)
	cf, kf := daemon.WriteCert(t, dir, "leaf", leaf)
	// ssl_protocols is explicit: nginx before 1.23.4 (Debian 12 ships
	// 1.22) leaves TLS 1.3 out of its default and would negotiate TLS 1.2.
	// ssl_prefer_server_ciphers makes OpenSSL's TLS 1.3 order decide the
	// suite (TLS_AES_256_GCM_SHA384 first) whatever the client's CPU.
	port := daemon.NginxServer(t, fmt.Sprintf(`server {
        listen 127.0.0.1:PORT ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers on;
        location / { return 200 "sesam\n"; }
    }`, cf, kf))
	now := time.Now()

	ep := sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}, sni: "sesam.backup.test"})
	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS || ep.Error != "" || ep.TLS == nil {
		t.Fatalf("state %s transport %s error %q", ep.State, ep.Transport, ep.Error)
	}
	if ep.Protocol != "" || ep.Banner != "" {
		t.Errorf("protocol %q banner %q on a TLS port", ep.Protocol, ep.Banner)
	}
	if ep.TLS.Version != "TLS1.3" || ep.TLS.Cipher != "TLS_AES_256_GCM_SHA384" {
		t.Errorf("%s %s, want TLS1.3 TLS_AES_256_GCM_SHA384", ep.TLS.Version, ep.TLS.Cipher)
	}
	if !ep.TLS.Trusted || ep.TLS.SNI != "sesam.backup.test" || ep.TLS.HostnameMatch == nil || !*ep.TLS.HostnameMatch {
		t.Errorf("trusted %v (%q) sni %q match %v", ep.TLS.Trusted, ep.TLS.TrustError, ep.TLS.SNI, ep.TLS.HostnameMatch)
	}
	if len(ep.TLS.Chain) != 1 {
		t.Fatalf("chain of %d, want the leaf only (nginx sends what ssl_certificate holds)", len(ep.TLS.Chain))
	}
	checkCert(t, "leaf", ep.TLS.Chain[0], wantCert(leaf, now, "RSA", 2048, "ECDSA-SHA256", false))
	checkIDs(t, ep, "missing-hsts")

	ep = sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}, sni: "stpd.other.test"})
	if ep.Transport != report.TransportTLS || ep.TLS == nil || ep.TLS.HostnameMatch == nil || *ep.TLS.HostnameMatch {
		t.Fatalf("transport %s tls %+v, want TLS with a failed hostname check", ep.Transport, ep.TLS)
	}
	checkIDs(t, ep, "hostname-mismatch", "missing-hsts")
	if f := finding(ep, "hostname-mismatch"); f != nil {
		want := `certificate names sesam.backup.test, 127.0.0.1, not "stpd.other.test"`
		if f.Detail != want {
			t.Errorf("detail %q, want %q", f.Detail, want)
		}
	}
}

// TestIntegrationVsftpdGreeting: vsftpd greets first; the greeting arrives
// in answer to the ClientHello and classifies the port as FTP.
func TestIntegrationVsftpdGreeting(t *testing.T) {
	t.Parallel()
	port := daemon.VsftpdServer(t, "SEP sesam FTP", nil)
	ep := sweepOne(t, port, sweepOptions{})
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.TLS != nil {
		t.Fatalf("state %s transport %s error %q, want open plaintext", ep.State, ep.Transport, ep.Error)
	}
	if ep.Protocol != "ftp" || ep.Banner != "220 SEP sesam FTP" || ep.Error != "" {
		t.Errorf("protocol %q banner %q error %q, want ftp, %q", ep.Protocol, ep.Banner, ep.Error, "220 SEP sesam FTP")
	}
	checkIDs(t, ep, "plaintext-listener")
	if f := finding(ep, "plaintext-listener"); f != nil {
		if want := fmt.Sprintf("port %d speaks FTP without TLS", port); f.Detail != want {
			t.Errorf("detail %q, want %q", f.Detail, want)
		}
	}
}

// TestIntegrationSilentListener: a port that accepts and never says a
// word is open, unidentified, and says why.
func TestIntegrationSilentListener(t *testing.T) {
	t.Parallel()
	ln := listen(t, "127.0.0.1:0", silentConn)
	port := portOf(ln)
	start := time.Now()
	// The probes wait 1s for the TLS answer, 250ms for a greeting and 1s
	// for the HTTP answer: 2.25s.
	ep := sweepOne(t, port, sweepOptions{timeout: time.Second, endpointTimeout: 10 * time.Second})
	t.Logf("silent endpoint took %s", time.Since(start).Round(time.Millisecond))
	if ep.State != report.StateOpen || ep.Transport != report.TransportUnknown || ep.TLS != nil {
		t.Fatalf("state %s transport %s, want open unknown", ep.State, ep.Transport)
	}
	if ep.Protocol != "" || ep.Banner != "" {
		t.Errorf("protocol %q banner %q from a silent port", ep.Protocol, ep.Banner)
	}
	wantErr := "silent: no response to a TLS ClientHello, a greeting wait or an HTTP request (no response within 1s)"
	if ep.Error != wantErr {
		t.Errorf("error %q, want %q", ep.Error, wantErr)
	}
	checkIDs(t, ep, "unidentified-listener")
	if f := finding(ep, "unidentified-listener"); f != nil {
		if !strings.Contains(f.Detail, "no response") || f.Severity != report.SeverityLow {
			t.Errorf("finding %+v", f)
		}
	}
}

// TestIntegrationGarbageListener: a port that answers with binary noise is
// plaintext of an unknown protocol, and the banner is escaped.
func TestIntegrationGarbageListener(t *testing.T) {
	t.Parallel()
	// A fixed, non-TLS start (a NUL cannot begin a TLS record) with control
	// bytes, a backslash and bytes above 0x7f, then pseudo-random bytes from
	// a fixed seed: a run that fails can be run again with the same bytes.
	prefix := []byte("\x00\x9c\x1b[2J\x07C42\\\x7f\xff\x01")
	noise := make([]byte, 200)
	_, _ = rand.NewChaCha8([32]byte{'t', 'l', 's', 'w', 'e', 'e', 'p'}).Read(noise)
	ln := listen(t, "127.0.0.1:0", greetConn(append(prefix, noise...)))
	ep := sweepOne(t, portOf(ln), sweepOptions{timeout: time.Second})
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.TLS != nil {
		t.Fatalf("state %s transport %s error %q, want open plaintext", ep.State, ep.Transport, ep.Error)
	}
	if ep.Protocol != "unknown" || ep.Error != "" {
		t.Errorf("protocol %q error %q, want unknown and no error", ep.Protocol, ep.Error)
	}
	if want := `\x00\x9c\x1b[2J\x07C42\\\x7f\xff\x01`; !strings.HasPrefix(ep.Banner, want) {
		t.Errorf("banner %q does not start with %q", ep.Banner, want)
	}
	for i := 0; i < len(ep.Banner); i++ {
		if c := ep.Banner[i]; c < 0x20 || c >= 0x7f {
			t.Fatalf("banner %q holds raw byte %#x at %d", ep.Banner, c, i)
		}
	}
	// FirstLine stops adding once the line reaches 120 characters, so an
	// escape that straddles the cut adds up to 3 more, then "...".
	if len(ep.Banner) > 120+3+3 || !strings.HasSuffix(ep.Banner, "...") && len(ep.Banner) >= 120 {
		t.Errorf("banner of %d characters: %q", len(ep.Banner), ep.Banner)
	}
	checkIDs(t, ep, "plaintext-listener")
	if f := finding(ep, "plaintext-listener"); f != nil && !strings.Contains(f.Detail, "an unidentified plaintext protocol") {
		t.Errorf("detail %q", f.Detail)
	}
}

// TestIntegrationCloseOnAccept: a port that accepts and hangs up at once
// is open and unidentified.
func TestIntegrationCloseOnAccept(t *testing.T) {
	t.Parallel()
	ln := listen(t, "127.0.0.1:0", closeConn)
	ep := sweepOne(t, portOf(ln), sweepOptions{timeout: time.Second})
	if ep.State != report.StateOpen || ep.Transport != report.TransportUnknown || ep.TLS != nil {
		t.Fatalf("state %s transport %s error %q, want open unknown", ep.State, ep.Transport, ep.Error)
	}
	if ep.Protocol != "" || ep.Banner != "" {
		t.Errorf("protocol %q banner %q", ep.Protocol, ep.Banner)
	}
	if want := "connection closed without a response to a TLS ClientHello or a greeting wait"; ep.Error != want {
		t.Errorf("error %q, want %q", ep.Error, want)
	}
	checkIDs(t, ep, "unidentified-listener")
}

// TestIntegrationClosedPort: a refused port is counted, and listed only
// with --show-closed.
func TestIntegrationClosedPort(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	rep := sweep(t, []string{"127.0.0.1"}, []int{port}, sweepOptions{})
	want := report.Summary{Hosts: 1, Probes: 1, Closed: 1}
	if counts(rep.Summary) != want {
		t.Errorf("summary %+v, want %+v", rep.Summary, want)
	}
	if len(rep.Endpoints) != 0 {
		t.Errorf("endpoints %+v, want none without --show-closed", rep.Endpoints)
	}

	rep = sweep(t, []string{"127.0.0.1"}, []int{port}, sweepOptions{showClosed: true})
	if counts(rep.Summary) != want {
		t.Errorf("--show-closed summary %+v, want %+v", rep.Summary, want)
	}
	if len(rep.Endpoints) != 1 {
		t.Fatalf("--show-closed endpoints %+v, want one", rep.Endpoints)
	}
	ep := rep.Endpoints[0]
	if ep.IP != "127.0.0.1" || ep.Port != port || ep.State != report.StateClosed || ep.Transport != "" ||
		ep.TLS != nil || ep.Error != "" || len(ep.Findings) != 0 {
		t.Errorf("closed endpoint %+v", ep)
	}
}

// TestIntegrationManyHosts sweeps 40 loopback addresses on two ports,
// three of which listen (Linux routes all of 127.0.0.0/8 to lo).
func TestIntegrationManyHosts(t *testing.T) {
	t.Parallel()
	cert := issue(t, lab.CertOptions{CommonName: "many", IPs: []net.IP{net.ParseIP("127.3.0.7")}}, nil)
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}, MinVersion: tls.VersionTLS12}

	var p1, p2 int
	for attempt := 0; ; attempt++ {
		a, err := net.Listen("tcp", "127.3.0.7:0")
		if err != nil {
			t.Skipf("cannot bind 127.3.0.7 (is 127.0.0.0/8 routed to lo?): %v", err)
		}
		p1 = portOf(a)
		b, err1 := net.Listen("tcp", net.JoinHostPort("127.3.0.23", strconv.Itoa(p1)))
		c, err2 := net.Listen("tcp", "127.3.0.40:0")
		// Two ports are wanted: a second ephemeral port equal to the
		// first would leave one, and 40 probes instead of 80.
		if err1 != nil || err2 != nil || portOf(c) == p1 {
			for _, l := range []net.Listener{a, b, c} {
				if l != nil {
					l.Close()
				}
			}
			if attempt == 5 {
				t.Fatalf("bind: %v %v", err1, err2)
			}
			continue
		}
		p2 = portOf(c)
		serve(t, tls.NewListener(a, tlsCfg), func(c net.Conn) {
			if tc, ok := c.(*tls.Conn); ok && tc.Handshake() == nil {
				silentConn(c)
			}
		})
		serve(t, b, greetConn([]byte("220 mail.backup.test ESMTP Postfix\r\n")))
		serve(t, c, greetConn([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")))
		break
	}

	rep := sweep(t, []string{"127.3.0.1-40"}, []int{p1, p2}, sweepOptions{})
	wantSum := report.Summary{Hosts: 40, Probes: 80, Open: 3, Closed: 77, TLS: 1, Encrypted: 1, Plaintext: 1,
		Findings: report.SeverityCounts{High: 1, Medium: 1}}
	if counts(rep.Summary) != wantSum {
		t.Errorf("summary %+v, want %+v", rep.Summary, wantSum)
	}
	type row struct {
		ip        string
		port      int
		transport report.Transport
		protocol  string
		findings  []string
	}
	want := []row{
		{"127.3.0.7", p1, "tls", "", []string{"self-signed-certificate"}},
		{"127.3.0.23", p1, "plaintext", "smtp", []string{"plaintext-listener"}},
		{"127.3.0.40", p2, "encrypted", "ssh", []string{}}, // SSH is encrypted: no plaintext-listener
	}
	var got []row
	for i := range rep.Endpoints {
		ep := &rep.Endpoints[i]
		got = append(got, row{ep.IP, ep.Port, ep.Transport, ep.Protocol, findingIDs(ep)})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoints:\n got %+v\nwant %+v", got, want)
	}
}

// TestIntegrationNginxVirtualHosts: one nginx port serving two certificates
// by SNI, swept as twelve host names and the bare address, all on
// 127.0.0.1 and all probed at once. Each endpoint must carry the
// certificate its own name got.
func TestIntegrationNginxVirtualHosts(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.Nginx)
	dir := t.TempDir()
	ca := testCA(t)
	hosts := hostsFile{}
	targets := []string{"127.0.0.1", "alpha.backup.test", "beta.backup.test"}
	alphaNames := []string{"alpha.backup.test"}
	for i := 1; i <= 10; i++ {
		name := fmt.Sprintf("vh%02d.backup.test", i)
		alphaNames = append(alphaNames, name)
		targets = append(targets, name)
	}
	for _, name := range targets[1:] {
		hosts[name] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	alpha := issue(t, lab.CertOptions{CommonName: "alpha.backup.test", DNSNames: alphaNames, IPs: []net.IP{loopbackIP}}, ca)
	beta := issue(t, lab.CertOptions{CommonName: "beta.backup.test", DNSNames: []string{"beta.backup.test"}}, ca)
	acf, akf := daemon.WriteCert(t, dir, "alpha", alpha)
	bcf, bkf := daemon.WriteCert(t, dir, "beta", beta)
	port := daemon.NginxServer(t, fmt.Sprintf(`server {
        listen 127.0.0.1:PORT ssl default_server;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        return 200 "alpha\n";
    }
    server {
        listen 127.0.0.1:PORT ssl;
        server_name beta.backup.test;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        return 200 "beta\n";
    }`, acf, akf, bcf, bkf))

	rep := sweep(t, targets, []int{port}, sweepOptions{caCerts: []*lab.Cert{ca}, resolver: hosts})
	n := len(targets)
	if want := (report.Summary{Hosts: n, Probes: n, Open: n, TLS: n, Findings: report.SeverityCounts{Low: n}}); counts(rep.Summary) != want {
		t.Errorf("summary %+v, want %+v", rep.Summary, want)
	}
	if len(rep.Endpoints) != n {
		t.Fatalf("%d endpoints, want %d", len(rep.Endpoints), n)
	}
	for i := range rep.Endpoints {
		ep := &rep.Endpoints[i]
		if ep.Host != targets[i] { // sorted by host name after IP and port
			t.Errorf("endpoint %d is %s, want %s", i, ep.Host, targets[i])
		}
		if ep.Transport != report.TransportTLS || ep.Error != "" || ep.TLS == nil || len(ep.TLS.Chain) == 0 {
			t.Errorf("%s: transport %s error %q tls %+v", ep.Host, ep.Transport, ep.Error, ep.TLS)
			continue
		}
		wantCN, wantSNI := "alpha.backup.test", ep.Host
		switch ep.Host {
		case "beta.backup.test":
			wantCN = "beta.backup.test"
		case "127.0.0.1":
			wantSNI = "" // an address target sends no SNI and checks no name
		}
		match := ep.TLS.HostnameMatch
		if got := ep.TLS.Chain[0].CommonName; got != wantCN || ep.TLS.SNI != wantSNI ||
			(wantSNI == "") != (match == nil) || (match != nil && !*match) || !ep.TLS.Trusted {
			t.Errorf("%s: leaf %q sni %q match %v trusted %v; want leaf %q sni %q", ep.Host, got, ep.TLS.SNI, match, ep.TLS.Trusted, wantCN, wantSNI)
		}
		checkIDs(t, ep, "missing-hsts")
	}
}

// TestIntegrationOpenSSLIPv6: openssl s_server on ::1, TLS 1.2 only, with
// a self-signed certificate naming ::1.
func TestIntegrationOpenSSLIPv6(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.OpenSSL)
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	dir := t.TempDir()
	cert := issue(t, lab.CertOptions{CommonName: "v6-appliance", Key: "p384", IPs: []net.IP{net.IPv6loopback}}, nil)
	cf, kf := daemon.WriteCert(t, dir, "leaf", cert)
	// -serverpref with OpenSSL's DEFAULT order and an ECDSA key:
	// ECDHE-ECDSA-AES256-GCM-SHA384 comes first.
	port := daemon.OpenSSLServer(t, "::1", cf, kf, "-www", "-tls1_2", "-serverpref")
	now := time.Now()
	ep := sweepOneAt(t, "::1", port, sweepOptions{})
	if ep.IP != "::1" || ep.Transport != report.TransportTLS || ep.Error != "" || ep.TLS == nil {
		t.Fatalf("ip %s transport %s error %q", ep.IP, ep.Transport, ep.Error)
	}
	if ep.TLS.Version != "TLS1.2" || ep.TLS.Cipher != "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" {
		t.Errorf("%s %s, want TLS1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", ep.TLS.Version, ep.TLS.Cipher)
	}
	if len(ep.TLS.Chain) != 1 {
		t.Fatalf("chain of %d", len(ep.TLS.Chain))
	}
	checkCert(t, "leaf", ep.TLS.Chain[0], wantCert(cert, now, "EC", 384, "ECDSA-SHA384", true))
	checkIDs(t, ep, "self-signed-certificate") // s_server -www answers GET, not HEAD: no HTTP inside TLS, no HSTS judged
}

// counts is a summary without its timing, which varies from run to run.
func counts(s report.Summary) report.Summary {
	s.Timing = nil
	return s
}
