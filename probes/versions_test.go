package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// versionsCert is one RSA server certificate for every server of these tests.
var versionsCert = sync.OnceValues(func() (*lab.Cert, error) {
	return lab.Issue(lab.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"},
		IPs: []net.IP{loopback}}, nil)
})

func goServer(t *testing.T, cfg *tls.Config) Target {
	t.Helper()
	c, err := versionsCert()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{c.TLSCertificate()}
	return startTLS(t, cfg)
}

// enumerate runs the scan on target with a fresh probe.
func enumerate(t *testing.T, target Target, cfg VersionsConfig) *VersionsResult {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxConnections == 0 && !cfg.Full {
		// The algorithm, not the default scan's share of the budget
		// (TestVersionsCap, and TestConnectionBudget in internal/cli).
		cfg.MaxConnections = 100
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := NewVersions(cfg).enumerate(ctx, &net.Dialer{}, target, 0)
	if err != nil {
		t.Fatalf("enumerate: %v", err)
	}
	t.Logf("%s: versions %v, %d connections in %s", target.Addr(), res.Versions, res.Connections,
		res.Duration.Round(time.Millisecond))
	return res
}

// cipherList is "VERSION ID NAME strength" per accepted cipher, in order.
func cipherList(cs []report.AcceptedCipher) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s %s %s", c.Version, c.ID, c.Name, c.Strength))
	}
	return out
}

// want is the cipherList entries for ids accepted at version v.
func want(v uint16, ids ...uint16) []string {
	out := []string{}
	for _, id := range ids {
		out = append(out, cipherList([]report.AcceptedCipher{acceptedCipher(v, id)})...)
	}
	return out
}

func checkResult(t *testing.T, res *VersionsResult, versions []string, ciphers []string) {
	t.Helper()
	if !slices.Equal(res.Versions, versions) {
		t.Errorf("versions %v, want %v", res.Versions, versions)
	}
	if got := cipherList(res.Ciphers); !slices.Equal(got, ciphers) {
		t.Errorf("ciphers\n got %q\nwant %q", got, ciphers)
	}
}

func TestVersionsGoServers(t *testing.T) {
	gcm := tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	cases := []struct {
		name     string
		cfg      *tls.Config
		versions []string
		ciphers  []string // quick mode
		maxConns int
	}{
		{name: "tls1.2 only", cfg: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12},
			versions: []string{"TLS1.2"}, ciphers: []string{}, maxConns: 7},
		{name: "tls1.0 to tls1.3", cfg: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS13},
			versions: []string{"TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"}, ciphers: []string{}, maxConns: 10},
		{name: "tls1.3 only", cfg: &tls.Config{MinVersion: tls.VersionTLS13},
			versions: []string{"TLS1.3"}, ciphers: []string{}, maxConns: 6},
		{name: "tls1.2 with 3des", cfg: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{gcm, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
			versions: []string{"TLS1.2"}, ciphers: want(tlsinfo.TLS12, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA), maxConns: 8},
		{name: "tls1.0 to 1.2 with rc4 and 3des", cfg: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{gcm, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
			versions: []string{"TLS1.0", "TLS1.1", "TLS1.2"},
			// Go prefers 3DES to RC4.
			ciphers:  slices.Concat(want(tlsinfo.TLS10, 0x000A, 0xC011), want(tlsinfo.TLS11, 0x000A, 0xC011), want(tlsinfo.TLS12, 0x000A, 0xC011)),
			maxConns: 15},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := goServer(t, tc.cfg)
			res := enumerate(t, target, VersionsConfig{})
			checkResult(t, res, tc.versions, tc.ciphers)
			if res.Connections > tc.maxConns || res.Capped {
				t.Errorf("%d connections (capped %v), want at most %d", res.Connections, res.Capped, tc.maxConns)
			}
		})
	}
}

func TestVersionsFullGoServer(t *testing.T) {
	// Go orders suites by its own preference list: ECDHE AEAD, ECDHE CBC,
	// RSA AEAD, RSA CBC, 3DES. One suite per group makes the order exact.
	suites := []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}
	target := goServer(t, &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13, CipherSuites: suites})
	res := enumerate(t, target, VersionsConfig{Full: true})
	if !slices.Equal(res.Versions, []string{"TLS1.2", "TLS1.3"}) {
		t.Errorf("versions %v", res.Versions)
	}
	var tls12, tls13 []string
	for _, c := range res.Ciphers {
		if c.Version == "TLS1.2" {
			tls12 = append(tls12, c.Name)
		} else {
			tls13 = append(tls13, c.Name)
		}
	}
	wantOrder := []string{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
		"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}
	if !slices.Equal(tls12, wantOrder) {
		t.Errorf("TLS 1.2 suites %q, want %q", tls12, wantOrder)
	}
	// TLS 1.3 order depends on AES hardware and the client's first suite.
	slices.Sort(tls13)
	if want := []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}; !slices.Equal(tls13, want) {
		t.Errorf("TLS 1.3 suites %q, want %q", tls13, want)
	}
	for _, c := range res.Ciphers {
		if cs, _ := tlsinfo.CipherSuiteByName(c.Name); c.Strength != cs.Strength() || c.ID != fmt.Sprintf("0x%04X", cs.ID) {
			t.Errorf("%+v: want strength %s", c, cs.Strength())
		}
	}
	// Cost: 5 version hellos (the protocol_version alerts to TLS 1.1 and
	// 1.0 settle SSL 3.0), one per accepted suite bar the two the version
	// hellos found, one refusal per window (3 for TLS 1.2, 1 for TLS 1.3).
	if want := 5 + (5 + 3 - 2) + 3 + 1; res.Connections != want {
		t.Errorf("%d connections, want %d", res.Connections, want)
	}
}

func TestVersionsRawServers(t *testing.T) {
	const (
		rc4SHA, rc4MD5, export, aes128 = 0x0005, 0x0004, 0x0003, 0x002F
	)
	lastTLS12 := suitesByVersion()[tlsinfo.TLS12].all[len(suitesByVersion()[tlsinfo.TLS12].all)-1]
	cases := []struct {
		name     string
		cfg      rawConfig
		full     bool
		versions []string
		ciphers  []string
		conns    int
	}{
		{name: "ssl3.0 only, version intolerant", cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.SSL30: {rc4SHA, rc4MD5}}},
			versions: []string{"SSL3.0"}, ciphers: want(tlsinfo.SSL30, rc4SHA, rc4MD5), conns: 6 + 2},
		{name: "ssl3.0 only, downgrading", cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.SSL30: {rc4SHA, rc4MD5}}, downgrade: true},
			// TLS 1.3, TLS 1.2 (answered at SSL 3.0), SSL 2.0, then RC4-MD5 and a refusal.
			versions: []string{"SSL3.0"}, ciphers: want(tlsinfo.SSL30, rc4SHA, rc4MD5), conns: 3 + 2},
		{name: "export at tls1.0", cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS10: {aes128, export}}},
			versions: []string{"TLS1.0"}, ciphers: want(tlsinfo.TLS10, export), conns: 6 + 2},
		{name: "export at tls1.0, full", full: true, cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS10: {aes128, export}}},
			versions: []string{"TLS1.0"}, ciphers: want(tlsinfo.TLS10, aes128, export), conns: 6 + 1 + 2},
		{name: "sslv2 only", cfg: rawConfig{sslv2: []uint32{SSLv2RC4128WithMD5, SSLv2DES192EDE3CBCWithMD5}},
			versions: []string{"SSL2.0"}, ciphers: []string{
				"SSL2.0 0x010080 SSL_CK_RC4_128_WITH_MD5 insecure", "SSL2.0 0x0700C0 SSL_CK_DES_192_EDE3_CBC_WITH_MD5 insecure"},
			conns: 6},
		{name: "tls1.3 by hello retry request", full: true, cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS13: {0x1302, 0x1301}}, hrr: true},
			// TLS 1.3; TLS 1.2 and 1.1 refused with protocol_version by a
			// server that speaks TLS 1.3, which settles every older
			// version; SSL 2.0.
			versions: []string{"TLS1.3"}, ciphers: want(tlsinfo.TLS13, 0x1302, 0x1301), conns: 4 + 2},
		{name: "preferred suite beyond the first window", full: true,
			cfg:      rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS12: {lastTLS12, aes128}}},
			versions: []string{"TLS1.2"}, ciphers: want(tlsinfo.TLS12, lastTLS12, aes128),
			// 5 version hellos (the protocol_version alerts to TLS 1.1 and
			// 1.0 settle SSL 3.0), 3 windows (the last one picks
			// lastTLS12), a refusal, and one hello to order the two.
			conns: 5 + 3 + 1 + 1},
		{name: "tls1.2 and tls1.0, downgrading", cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS12: {aes128}, tlsinfo.TLS10: {aes128, export}}, downgrade: true},
			// A conforming server with a hole: the TLS 1.1 hello is answered
			// at TLS 1.0, so the hole is seen. 5 version hellos (TLS 1.3,
			// 1.2, 1.1 answered at 1.0, SSL 3.0, SSL 2.0), a refused weak
			// hello at TLS 1.2, and at TLS 1.0 one that finds the EXPORT
			// suite and a refusal.
			versions: []string{"TLS1.0", "TLS1.2"}, ciphers: want(tlsinfo.TLS10, export), conns: 5 + 1 + 2},
		{name: "tls1.2 and tls1.0, refusing tls1.1 outright", cfg: rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS12: {aes128}, tlsinfo.TLS10: {aes128, export}}},
			// GnuTLS with a hole: the TLS 1.1 hello gets protocol_version,
			// and TLS 1.0 is accepted all the same. 6 version hellos (one
			// alert settles nothing), a refused weak hello at TLS 1.2, and
			// at TLS 1.0 one that finds the EXPORT suite and a refusal.
			versions: []string{"TLS1.0", "TLS1.2"}, ciphers: want(tlsinfo.TLS10, export), conns: 6 + 1 + 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startRawServer(t, tc.cfg)
			res := enumerate(t, srv.Target, VersionsConfig{Full: tc.full})
			checkResult(t, res, tc.versions, tc.ciphers)
			if res.Connections != tc.conns || int(srv.conns.Load()) != tc.conns {
				t.Errorf("%d connections (server saw %d), want %d", res.Connections, srv.conns.Load(), tc.conns)
			}
		})
	}
}

func TestVersionsCap(t *testing.T) {
	weak := suitesByVersion()[tlsinfo.TLS12].weak
	srv := startRawServer(t, rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS12: weak}})
	res := enumerate(t, srv.Target, VersionsConfig{MaxConnections: DefaultQuickConnections})
	// 5 version hellos (TLS 1.3, 1.2, 1.1 and 1.0, whose protocol_version
	// alerts settle SSL 3.0, SSL 2.0); the one at TLS 1.2 found a suite too.
	if !res.Capped || res.Connections != DefaultQuickConnections || len(res.Ciphers) != DefaultQuickConnections-5+1 {
		t.Errorf("capped %v, %d connections, %d ciphers", res.Capped, res.Connections, len(res.Ciphers))
	}
	if got := int(srv.conns.Load()); got != DefaultQuickConnections {
		t.Errorf("server saw %d connections", got)
	}
}

func TestVersionsTimeouts(t *testing.T) {
	srv := startRawServer(t, rawConfig{silent: true})
	t.Run("each check times out", func(t *testing.T) {
		start := time.Now()
		res := enumerate(t, srv.Target, VersionsConfig{Timeout: 100 * time.Millisecond})
		if len(res.Versions) != 0 || res.Connections != 6 {
			t.Errorf("versions %v after %d connections", res.Versions, res.Connections)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("took %s", el)
		}
	})
	t.Run("context deadline cuts a check short", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := NewVersions(VersionsConfig{Timeout: 10 * time.Second}).enumerate(ctx, &net.Dialer{}, srv.Target, 0)
		if !errors.Is(err, context.DeadlineExceeded) || res.Connections != 1 {
			t.Errorf("err %v after %d connections", err, res.Connections)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("took %s", el)
		}
	})
	t.Run("connect fails", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		target := targetOf(t, ln.Addr())
		ln.Close()
		res, err := NewVersions(VersionsConfig{}).enumerate(context.Background(), &net.Dialer{}, target, 0)
		if err == nil || !strings.HasPrefix(err.Error(), "connect: ") || res.Connections != 1 {
			t.Errorf("err %v after %d connections", err, res.Connections)
		}
	})
}

// countingDialer is a net.Dialer that counts its dials.
type countingDialer struct {
	net.Dialer
	n atomic.Int64
}

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.n.Add(1)
	return d.Dialer.DialContext(ctx, network, addr)
}

// scanLike runs probes on target the way the scanner does.
func scanLike(t *testing.T, target Target, ps ...Probe) *report.Endpoint {
	t.Helper()
	return scanLikeWith(t, &net.Dialer{}, target, ps...)
}

func scanLikeWith(t *testing.T, d Dialer, target Target, ps ...Probe) *report.Endpoint {
	t.Helper()
	ep := &report.Endpoint{Host: target.Host, IP: target.IP.String(), Port: int(target.Port), State: report.StateOpen}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, p := range ps {
		if err := p.Probe(ctx, d, target, ep); err != nil {
			ep.Fail(err)
		}
	}
	return ep
}

func TestVersionsProbe(t *testing.T) {
	tlsProbe, err := NewTLS(TLSConfig{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ssl3.0-only server gets a tls section", func(t *testing.T) {
		srv := startRawServer(t, rawConfig{suites: map[uint16][]uint16{tlsinfo.SSL30: {0x0005}}})
		vp := NewVersions(VersionsConfig{Timeout: 5 * time.Second})
		d := &countingDialer{}
		ep := scanLikeWith(t, d, srv.Target, tlsProbe, vp)
		// Neither handshake reads a certificate from this server (it sends
		// none): the endpoint gets its TLS section and says why it has no
		// chain.
		var nc *NoChainError
		if !errors.As(ep.Cause, &nc) || ep.Transport != report.TransportTLS || ep.TLS == nil ||
			ep.Error != "certificate not read: no handshake could be completed (server sent alert protocol_version (70))" {
			t.Fatalf("error %q, transport %s, tls %+v", ep.Error, ep.Transport, ep.TLS)
		}
		if ep.TLS.Version != "SSL3.0" || ep.TLS.Cipher != "TLS_RSA_WITH_RC4_128_SHA" || len(ep.TLS.Chain) != 0 ||
			!slices.Equal(ep.TLS.Versions, []string{"SSL3.0"}) {
			t.Errorf("tls %+v", ep.TLS)
		}
		if got, w := cipherList(ep.TLS.Ciphers), want(tlsinfo.SSL30, 0x0005); !slices.Equal(got, w) {
			t.Errorf("ciphers %q, want %q", got, w)
		}
		// The TLS probe's two connections aside: crypto/tls's, refused with
		// protocol_version, and the tlsx (zcrypto) retry, which gets no chain
		// from this server.
		if n := d.n.Load() - 2; n != 7 {
			t.Errorf("the versions probe made %d connections, want 7", n)
		}
	})
	t.Run("go server keeps the handshake's details", func(t *testing.T) {
		target := goServer(t, &tls.Config{MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS12})
		ep := scanLike(t, target, tlsProbe, NewVersions(VersionsConfig{Timeout: 5 * time.Second}))
		if ep.Error != "" || ep.TLS == nil || ep.TLS.Version != "TLS1.2" || len(ep.TLS.Chain) != 1 {
			t.Fatalf("error %q, tls %+v", ep.Error, ep.TLS)
		}
		if !slices.Equal(ep.TLS.Versions, []string{"TLS1.1", "TLS1.2"}) || len(ep.TLS.Ciphers) != 0 {
			t.Errorf("versions %v, ciphers %v", ep.TLS.Versions, ep.TLS.Ciphers)
		}
	})
	t.Run("a tls1.3 handshake spares the tls1.3 hello", func(t *testing.T) {
		target := goServer(t, &tls.Config{MinVersion: tls.VersionTLS12})
		alone := enumerate(t, target, VersionsConfig{Timeout: 5 * time.Second})
		vp := NewVersions(VersionsConfig{Timeout: 5 * time.Second})
		d := &countingDialer{}
		ep := scanLikeWith(t, d, target, tlsProbe, vp)
		if ep.TLS == nil || ep.TLS.Version != "TLS1.3" || !slices.Equal(ep.TLS.Versions, []string{"TLS1.2", "TLS1.3"}) {
			t.Fatalf("tls %+v", ep.TLS)
		}
		if n := int(d.n.Load()) - 1; n != alone.Connections-1 {
			t.Errorf("%d connections after a TLS 1.3 handshake, want %d (one fewer than alone)", n, alone.Connections-1)
		}
	})
	t.Run("not tls", func(t *testing.T) {
		ep := &report.Endpoint{State: report.StateOpen, Transport: report.TransportPlaintext}
		if err := NewVersions(VersionsConfig{}).Probe(context.Background(), failDialer{}, Target{}, ep); err != nil || ep.TLS != nil {
			t.Errorf("err %v, tls %+v", err, ep.TLS)
		}
	})
}

type failDialer struct{}

func (failDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("dialed")
}

func TestSuiteLists(t *testing.T) {
	for v, l := range suitesByVersion() {
		if len(l.broad) == 0 || len(l.broad) > maxOffer || !slices.Equal(l.all[:len(l.broad)], l.broad) {
			t.Errorf("%04x: broad list of %d", v, len(l.broad))
		}
		seen := map[uint16]bool{}
		for _, id := range l.all {
			if seen[id] || !validAt(v, id) {
				t.Errorf("%04x: %04x repeated or invalid", v, id)
			}
			seen[id] = true
		}
		for _, id := range l.weak {
			if !isWeak(id) || !seen[id] {
				t.Errorf("%04x: weak list holds %04x", v, id)
			}
		}
		if v != tlsinfo.TLS13 {
			// Everything crypto/tls and other common stacks ship is in the first hello.
			for _, id := range l.all[len(l.broad):] {
				if c, _ := tlsinfo.CipherSuiteByID(id); suiteRank(c, map[uint16]int{}) <= 1 {
					t.Errorf("%04x: %s is not in the version hello", v, c.Name)
				}
			}
			for _, id := range []uint16{0x000A, 0x0005, 0x0003, 0x0001, 0x0034, 0x0009, 0x0007, 0x002F} {
				if !slices.Contains(l.broad, id) {
					t.Errorf("%04x: broad list lacks %04x", v, id)
				}
			}
		}
	}
	if got := suitesByVersion()[tlsinfo.TLS13].broad; !slices.Equal(got, []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305}) {
		t.Errorf("tls1.3 hello offers %04x", got)
	}
}
