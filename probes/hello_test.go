package probes

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
	"io"
	"math/big"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// helloCert is a self-signed RSA certificate for localhost.
var helloCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, err
})

// helloServer starts a crypto/tls server on 127.0.0.1:0 with cfg (and the
// test certificate). Every ClientHello it parses is sent on the channel.
func helloServer(t *testing.T, cfg *tls.Config) (string, <-chan *tls.ClientHelloInfo) {
	t.Helper()
	cert, err := helloCert()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.Clone()
	cfg.Certificates = []tls.Certificate{cert}
	hellos := make(chan *tls.ClientHelloInfo, 16)
	cfg.GetConfigForClient = func(chi *tls.ClientHelloInfo) (*tls.Config, error) {
		select {
		case hellos <- chi:
		default:
		}
		return nil, nil
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), hellos
}

// sendHello sends hello on a fresh connection to addr and reads the reply.
func sendHello(t *testing.T, addr string, hello []byte) (ServerReply, []byte, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(hello); err != nil {
		t.Fatal(err)
	}
	return readServerReply(c, 0)
}

// goHandshake runs a real crypto/tls handshake offering versions lo..hi
// and suites (nil: Go's defaults), for comparison with the raw probe.
func goHandshake(t *testing.T, addr string, lo, hi uint16, suites []uint16) tls.ConnectionState {
	t.Helper()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{
		InsecureSkipVerify: true, MinVersion: lo, MaxVersion: hi, CipherSuites: suites,
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("crypto/tls handshake: %v", err)
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState()
}

func TestHelloAgainstGoServers(t *testing.T) {
	cases := []struct {
		name   string
		server *tls.Config
		spec   HelloSpec
		want   ServerReply
		// goLo..goHi and goSuites: the same offer made by crypto/tls.
		goLo, goHi uint16
		goSuites   []uint16
	}{{
		name:   "tls12 ecdhe-rsa-aes128-gcm",
		server: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		spec:   HelloSpec{Version: 0x0303, Suites: []uint16{0xc030, 0xc02f, 0xc028, 0xc027, 0xc014, 0xc013, 0x009c, 0x002f, 0x000a, 0x0005}, SNI: "localhost"},
		want:   ServerReply{Kind: ReplyServerHello, Version: 0x0303, Suite: 0xc02f},
		goLo:   tls.VersionTLS12, goHi: tls.VersionTLS12, goSuites: []uint16{0xc030, 0xc02f, 0xc027, 0xc013, 0x009c, 0x002f, 0x000a, 0x0005},
	}, {
		name:   "tls10 rsa-aes128-cbc-sha",
		server: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
		spec:   HelloSpec{Version: 0x0301, Suites: []uint16{0x0035, 0x002f, 0x000a}},
		want:   ServerReply{Kind: ReplyServerHello, Version: 0x0301, Suite: 0x002f},
		goLo:   tls.VersionTLS10, goHi: tls.VersionTLS10, goSuites: []uint16{0x0035, 0x002f, 0x000a},
	}, {
		name:   "tls13 aes256-gcm",
		server: &tls.Config{MinVersion: tls.VersionTLS13},
		spec:   HelloSpec{Version: 0x0304, Suites: []uint16{0x1302}, SNI: "localhost."},
		want:   ServerReply{Kind: ReplyServerHello, Version: 0x0304, Suite: 0x1302},
	}, {
		name:   "tls12-only server offered only tls13",
		server: &tls.Config{MaxVersion: tls.VersionTLS12},
		spec:   HelloSpec{Version: 0x0304, Suites: []uint16{0x1301, 0x1302, 0x1303}},
		want:   ServerReply{Kind: ReplyAlert, AlertLevel: 2, AlertDesc: 70},
	}, {
		name:   "suite the server lacks",
		server: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		spec:   HelloSpec{Version: 0x0303, Suites: []uint16{0x000a, 0x0035, 0x0005}},
		want:   ServerReply{Kind: ReplyAlert, AlertLevel: 2, AlertDesc: 40},
	}, {
		name:   "hello retry request",
		server: &tls.Config{MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.CurveP256}},
		spec:   HelloSpec{Version: 0x0304, Suites: []uint16{0x1301}},
		want:   ServerReply{Kind: ReplyHelloRetry, Version: 0x0304, Suite: 0x1301},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, hellos := helloServer(t, tc.server)
			got, raw, err := sendHello(t, addr, BuildClientHello(tc.spec))
			if err != nil {
				t.Fatalf("reply % x: %v", raw, err)
			}
			if got.Kind == ReplyAlert {
				// Go writes alerts with the record version of the version
				// it was negotiating; only level and description matter.
				got.Version = 0
			}
			if !equalReply(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			select {
			case <-hellos:
			default:
				t.Error("crypto/tls did not get as far as choosing")
			}
			if tc.goHi != 0 {
				cs := goHandshake(t, addr, tc.goLo, tc.goHi, tc.goSuites)
				if cs.Version != got.Version || cs.CipherSuite != got.Suite {
					t.Errorf("crypto/tls negotiated %04x/%04x, the raw probe saw %04x/%04x",
						cs.Version, cs.CipherSuite, got.Version, got.Suite)
				}
			}
		})
	}
}

func equalReply(a, b ServerReply) bool {
	return a.Kind == b.Kind && a.Version == b.Version && a.Suite == b.Suite &&
		a.AlertLevel == b.AlertLevel && a.AlertDesc == b.AlertDesc && slices.Equal(a.SSLv2Suites, b.SSLv2Suites)
}

// TestClientHelloParsedByGo checks what crypto/tls reads from our hellos.
func TestClientHelloParsedByGo(t *testing.T) {
	addr, hellos := helloServer(t, &tls.Config{MinVersion: tls.VersionTLS10})
	suites := []uint16{0xc02f, 0xc013, 0x002f, 0x000a, 0x0005, 0x0004, 0x0003, 0x00c4, 0xcca8}
	cases := []struct {
		spec     HelloSpec
		sni      string
		versions []uint16
		sigAlgs  bool
	}{
		{HelloSpec{Version: 0x0303, Suites: suites, SNI: "scan.example"}, "scan.example", []uint16{0x0303, 0x0302, 0x0301}, true},
		{HelloSpec{Version: 0x0301, Suites: suites, SNI: "127.0.0.1"}, "", []uint16{0x0301}, false},
		{HelloSpec{Version: 0x0304, Suites: []uint16{0x1301, 0x1302, 0x1303}, SNI: "::1"}, "", []uint16{0x0304}, true},
	}
	for _, tc := range cases {
		_, raw, err := sendHello(t, addr, BuildClientHello(tc.spec))
		if err != nil {
			t.Errorf("%04x: reply % x: %v", tc.spec.Version, raw, err)
		}
		var chi *tls.ClientHelloInfo
		select {
		case chi = <-hellos:
		case <-time.After(5 * time.Second):
			t.Fatalf("%04x: crypto/tls did not parse the hello", tc.spec.Version)
		}
		wantSuites := append(slices.Clone(tc.spec.Suites), SCSVRenegotiation)
		if !slices.Equal(chi.CipherSuites, wantSuites) {
			t.Errorf("%04x: suites %04x, want %04x", tc.spec.Version, chi.CipherSuites, wantSuites)
		}
		if chi.ServerName != tc.sni {
			t.Errorf("%04x: server name %q, want %q", tc.spec.Version, chi.ServerName, tc.sni)
		}
		if !slices.Equal(chi.SupportedVersions, tc.versions) {
			t.Errorf("%04x: versions %04x, want %04x", tc.spec.Version, chi.SupportedVersions, tc.versions)
		}
		curves := []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521, 0x100, 0x101}
		if !slices.Equal(chi.SupportedCurves, curves) || !slices.Equal(chi.SupportedPoints, []uint8{0}) {
			t.Errorf("%04x: curves %v points %v", tc.spec.Version, chi.SupportedCurves, chi.SupportedPoints)
		}
		if got := len(chi.SignatureSchemes) > 0; got != tc.sigAlgs {
			t.Errorf("%04x: signature schemes %v", tc.spec.Version, chi.SignatureSchemes)
		}
		if tc.sigAlgs && !slices.Contains(chi.SignatureSchemes, tls.ECDSAWithP256AndSHA256) {
			t.Errorf("%04x: no ecdsa_secp256r1_sha256 in %v", tc.spec.Version, chi.SignatureSchemes)
		}
	}
}

// TestBuildClientHelloLayout walks the bytes of built hellos.
func TestBuildClientHelloLayout(t *testing.T) {
	for _, v := range []uint16{0x0300, 0x0301, 0x0302, 0x0303, 0x0304} {
		for n := 0; n <= 200; n += 7 {
			suites := make([]uint16, n)
			for i := range suites {
				suites[i] = uint16(0xc000 + i)
			}
			b := BuildClientHello(HelloSpec{Version: v, Suites: suites, SNI: "example.com"})
			wantRec := max(min(v, 0x0301), 0x0300)
			if b[0] != 22 || binary.BigEndian.Uint16(b[1:3]) != wantRec || int(binary.BigEndian.Uint16(b[3:5])) != len(b)-5 {
				t.Fatalf("%04x/%d: bad record header % x", v, n, b[:5])
			}
			hl := int(b[6])<<16 | int(b[7])<<8 | int(b[8])
			if b[5] != 1 || hl != len(b)-9 {
				t.Fatalf("%04x/%d: bad handshake header % x", v, n, b[5:9])
			}
			if l := len(b) - 5; l >= 256 && l < 512 && v != 0x0300 { // SSL 3.0 hellos have no extensions to pad with
				t.Errorf("%04x/%d: hello of %d bytes is in the F5 range", v, n, l)
			}
			body := b[9:]
			if legacy := binary.BigEndian.Uint16(body); legacy != min(v, 0x0303) || body[34] != 32 {
				t.Errorf("%04x: legacy_version %04x, session id length %d", v, legacy, body[34])
			}
			p := body[35+32:]
			sl := int(binary.BigEndian.Uint16(p))
			if sl != 2*(n+1) || binary.BigEndian.Uint16(p[sl:]) != SCSVRenegotiation {
				t.Fatalf("%04x/%d: suites length %d", v, n, sl)
			}
			if p = p[2+sl:]; p[0] != 1 || p[1] != 0 || (v == 0x0300) != (len(p) == 2) {
				t.Fatalf("%04x: compression and extensions % x", v, p)
			}
			if p = p[2:]; v == 0x0300 {
				continue
			}
			if int(binary.BigEndian.Uint16(p)) != len(p)-2 {
				t.Fatalf("%04x/%d: extensions length", v, n)
			}
			var types []uint16
			for p = p[2:]; len(p) >= 4; {
				el := int(binary.BigEndian.Uint16(p[2:]))
				types = append(types, binary.BigEndian.Uint16(p))
				p = p[4+el:]
			}
			if len(p) != 0 {
				t.Errorf("%04x/%d: %d stray bytes after extensions", v, n, len(p))
			}
			if slices.Contains(types, extKeyShare) != (v == 0x0304) || slices.Contains(types, extSupportedVersions) != (v == 0x0304) {
				t.Errorf("%04x: extensions %v", v, types)
			}
		}
	}
	big := make([]uint16, MaxHelloSuites+100)
	if b := BuildClientHello(HelloSpec{Version: 0x0303, Suites: big}); len(b) > 16<<10 {
		t.Errorf("hello with %d suites is %d bytes", len(big), len(b))
	}
	if a, b := BuildClientHello(HelloSpec{Version: 0x0303}), BuildClientHello(HelloSpec{Version: 0x0303}); bytes.Equal(a[11:43], b[11:43]) {
		t.Error("two hellos share a random")
	}
}

func TestBuildSSLv2ClientHello(t *testing.T) {
	b := BuildSSLv2ClientHello(nil)
	// Header (length 46), CLIENT-HELLO, version 2, 21 bytes of specs, no
	// session id, 16-byte challenge; then the specs.
	want := []byte{0x80, 46, 1, 0, 2, 0, 21, 0, 0, 0, 16,
		1, 0, 0x80, 2, 0, 0x80, 3, 0, 0x80, 4, 0, 0x80, 5, 0, 0x80, 6, 0, 0x40, 7, 0, 0xc0}
	if len(b) != 48 || !bytes.Equal(b[:32], want) {
		t.Errorf("got % x", b)
	}
	if b := BuildSSLv2ClientHello([]uint32{0x080080}); len(b) != 2+9+3+16 || !bytes.Equal(b[11:14], []byte{8, 0, 0x80}) {
		t.Errorf("one spec: % x", b)
	}
}

// Hand-made replies.

func serverHelloMsg(version, suite uint16, random []byte, exts ...[]byte) []byte {
	body := binary.BigEndian.AppendUint16(nil, version)
	if random == nil {
		random = bytes.Repeat([]byte{0xab}, 32)
	}
	body = append(body, random...)
	body = append(body, 32)
	body = append(body, bytes.Repeat([]byte{0x11}, 32)...)
	body = binary.BigEndian.AppendUint16(body, suite)
	body = append(body, 0)
	if exts != nil {
		all := slices.Concat(exts...)
		body = binary.BigEndian.AppendUint16(body, uint16(len(all)))
		body = append(body, all...)
	}
	return append([]byte{2, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func record(typ byte, version uint16, frag []byte) []byte {
	b := []byte{typ, byte(version >> 8), byte(version), byte(len(frag) >> 8), byte(len(frag))}
	return append(b, frag...)
}

var supportedVersions13 = []byte{0x00, 0x2b, 0x00, 0x02, 0x03, 0x04}

func sslv2ServerHello(cert []byte, specs ...uint32) []byte {
	m := []byte{4, 0, 1, 0, 2}
	m = binary.BigEndian.AppendUint16(m, uint16(len(cert)))
	m = binary.BigEndian.AppendUint16(m, uint16(3*len(specs)))
	m = binary.BigEndian.AppendUint16(m, 16)
	m = append(m, cert...)
	for _, s := range specs {
		m = append(m, byte(s>>16), byte(s>>8), byte(s))
	}
	m = append(m, bytes.Repeat([]byte{0x42}, 16)...)
	return append([]byte{byte(len(m)>>8) | 0x80, byte(len(m))}, m...)
}

func TestParseServerReplyHandMade(t *testing.T) {
	sh12 := serverHelloMsg(0x0303, 0xc02f, nil, []byte{0xff, 0x01, 0x00, 0x01, 0x00})
	sh13 := serverHelloMsg(0x0303, 0x1301, nil, supportedVersions13)
	hrr := serverHelloMsg(0x0303, 0x1302, helloRetryRandom, supportedVersions13)
	cert := []byte{11, 0, 0, 3, 0, 0, 0}
	done := []byte{14, 0, 0, 0}
	split := slices.Concat(record(22, 0x0303, sh12[:3]), record(22, 0x0303, sh12[3:40]), record(22, 0x0303, sh12[40:]))
	cases := []struct {
		name string
		in   []byte
		want ServerReply
	}{
		{"tls12", record(22, 0x0303, sh12), ServerReply{Kind: ReplyServerHello, Version: 0x0303, Suite: 0xc02f}},
		{"split over three records", split, ServerReply{Kind: ReplyServerHello, Version: 0x0303, Suite: 0xc02f}},
		{"coalesced", record(22, 0x0301, slices.Concat(sh12, cert, done)), ServerReply{Kind: ReplyServerHello, Version: 0x0303, Suite: 0xc02f}},
		{"record not all here", record(22, 0x0303, slices.Concat(sh12, cert, done))[:5+len(sh12)+2], ServerReply{Kind: ReplyServerHello, Version: 0x0303, Suite: 0xc02f}},
		{"ssl3 without extensions", record(22, 0x0300, serverHelloMsg(0x0300, 0x000a, nil)), ServerReply{Kind: ReplyServerHello, Version: 0x0300, Suite: 0x000a}},
		{"tls13", record(22, 0x0303, sh13), ServerReply{Kind: ReplyServerHello, Version: 0x0304, Suite: 0x1301}},
		{"hello retry request", record(22, 0x0303, hrr), ServerReply{Kind: ReplyHelloRetry, Version: 0x0304, Suite: 0x1302}},
		{"alert", record(21, 0x0301, []byte{2, 40}), ServerReply{Kind: ReplyAlert, Version: 0x0301, AlertLevel: 2, AlertDesc: 40}},
		{"sslv2 server hello", sslv2ServerHello([]byte{0x30, 0x82, 0, 0}, 0x010080, 0x0700c0), ServerReply{Kind: ReplySSLv2ServerHello, Version: 0x0002, SSLv2Suites: []uint32{0x010080, 0x0700c0}}},
		{"sslv2 error", []byte{0x80, 0x03, 0x00, 0x00, 0x01}, ServerReply{Kind: ReplySSLv2Error, Version: 0x0002, AlertDesc: 1}},
	}
	for _, tc := range cases {
		got, err := ParseServerReply(tc.in)
		if err != nil || !equalReply(got, tc.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
			continue
		}
		// Prefixes need more bytes until the reply is whole; longer ones
		// parse the same.
		done := false
		for i := range tc.in {
			r, err := ParseServerReply(tc.in[:i])
			switch {
			case err == nil && equalReply(r, tc.want):
				done = true
			case done || !errors.Is(err, ErrShortReply):
				t.Fatalf("%s: prefix of %d bytes: %+v, %v", tc.name, i, r, err)
			}
		}
	}
	if h := sha256.Sum256([]byte("HelloRetryRequest")); !bytes.Equal(h[:], helloRetryRandom) {
		t.Error("helloRetryRandom is not SHA-256(\"HelloRetryRequest\")")
	}
}

func TestParseServerReplyErrors(t *testing.T) {
	notTLS := []string{"HTTP/1.1 400 Bad Request\r\n\r\n", "SSH-2.0-OpenSSH_9.6\r\n", "220 smtp ESMTP\r\n", "\x17\x03\x03\x00\x10", "\x14\x03\x03\x00\x01\x01",
		"\x16\x03\x03\x00\x00", "\x16\x03\x03\xff\xff", "\x16\x02\x00", "\x15\x03\x09", "\x80\x05\x09", "\x80\x05\x00"}
	for _, s := range notTLS {
		_, err := ParseServerReply([]byte(s))
		var re *RecordError
		if !errors.As(err, &re) {
			t.Errorf("%q: %v, want a RecordError", s, err)
			continue
		}
		if n := min(len(s), 5); string(re.Header[:n]) != s[:n] {
			t.Errorf("%q: header % x", s, re.Header)
		}
	}
	var re *RecordError
	if _, err := ParseServerReply([]byte("HTTP/1.1 400")); !errors.As(err, &re) || string(re.Header[:]) != "HTTP/" || re.Error() == "" {
		t.Errorf("http: %v", err)
	}
	sh := serverHelloMsg(0x0303, 0xc02f, nil, supportedVersions13)
	badExtLen := slices.Clone(sh)
	badExtLen[4+70+1]++ // the extensions length after version, random, session id, suite, compression
	bad := map[string][]byte{
		"certificate first":      record(22, 0x0303, []byte{11, 0, 0, 0}),
		"short server hello":     record(22, 0x0303, []byte{2, 0, 0, 4, 3, 3, 0, 0}),
		"long session id":        record(22, 0x0303, slices.Concat(sh[:4+34], []byte{33}, sh[4+35:])),
		"bad extensions length":  record(22, 0x0303, badExtLen),
		"bad supported_versions": record(22, 0x0303, serverHelloMsg(0x0303, 0x1301, nil, []byte{0, 0x2b, 0, 3, 3, 4, 0})),
		"huge server hello":      record(22, 0x0303, []byte{2, 0xff, 0xff, 0xff}),
		"alert of one byte":      record(21, 0x0303, []byte{2}),
		"alert mid-handshake":    slices.Concat(record(22, 0x0303, sh[:10]), record(21, 0x0303, []byte{2, 40})),
	}
	for name, in := range bad {
		if _, err := ParseServerReply(in); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%s: %v, want ErrMalformedReply", name, err)
		}
	}
}

func TestReadServerReply(t *testing.T) {
	reply := slices.Concat(record(22, 0x0303, serverHelloMsg(0x0303, 0xc02f, nil)), record(22, 0x0303, []byte{14, 0, 0, 0}))
	var bytewise, trickle [][]byte
	for i := range reply {
		bytewise = append(bytewise, reply[i:i+1])
	}
	// A 60000-byte ServerHello trickling in 1000-byte records.
	trickle = append(trickle, record(22, 0x0303, []byte{2, 0, 0xea, 0x60}))
	for range 60 {
		trickle = append(trickle, record(22, 0x0303, make([]byte, 1000)))
	}
	var re *RecordError
	cases := []struct {
		name   string
		writes [][]byte
		ok     func(error) bool
	}{
		{"byte by byte", bytewise, func(err error) bool { return err == nil }},
		{"closed at once", nil, func(err error) bool { return errors.Is(err, io.EOF) }},
		{"closed mid-reply", [][]byte{reply[:20]}, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"plaintext", [][]byte{[]byte("HTTP/1.1 400 Bad Request\r\n")}, func(err error) bool { return errors.As(err, &re) }},
		{"max reached", trickle, func(err error) bool { return errors.Is(err, ErrShortReply) }},
	}
	for _, tc := range cases {
		a, b := net.Pipe()
		go func() {
			defer b.Close()
			for _, w := range tc.writes {
				if _, err := b.Write(w); err != nil {
					return
				}
			}
		}()
		_ = a.SetDeadline(time.Now().Add(5 * time.Second))
		r, err := ReadServerReply(a, 5000)
		a.Close()
		if !tc.ok(err) || (err == nil && r.Suite != 0xc02f) {
			t.Errorf("%s: %+v, %v", tc.name, r, err)
		}
	}
}

// TestHelloOpenSSL checks a TLS 1.0 hello against openssl s_server.
func TestHelloOpenSSL(t *testing.T) {
	cert, err := lab.Issue(lab.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := daemon.WriteCert(t, t.TempDir(), "server", cert)
	port := daemon.OpenSSLServer(t, "127.0.0.1", certFile, keyFile, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	suites := []uint16{0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f, 0x000a}
	got, raw, err := sendHello(t, addr, BuildClientHello(HelloSpec{Version: 0x0301, Suites: suites, SNI: "localhost"}))
	if err != nil {
		t.Fatalf("reply % x: %v", raw, err)
	}
	if got.Kind != ReplyServerHello || got.Version != 0x0301 || !slices.Contains(suites, got.Suite) {
		t.Errorf("got %+v, want a TLS 1.0 ServerHello with one of %04x", got, suites)
	}
	// Offered TLS 1.2, the same server negotiates down to TLS 1.0.
	got, raw, err = sendHello(t, addr, BuildClientHello(HelloSpec{Version: 0x0303, Suites: suites}))
	if err != nil {
		t.Fatalf("reply % x: %v", raw, err)
	}
	if got.Kind != ReplyServerHello || got.Version != 0x0301 {
		t.Errorf("tls1.2 hello to a tls1.0-only server: %+v", got)
	}
}

// FuzzParseServerReply: ParseServerReply never panics, and agrees with
// itself on extensions and prefixes of its input.
func FuzzParseServerReply(f *testing.F) {
	// Real replies captured from the servers in the tests above.
	// crypto/tls TLS 1.2 ServerHello, Certificate (cut)
	f.Add([]byte("\x16\x03\x03\x00C\x02\x00\x00?\x03\x03\xf2}\xbb\x16=p\xe8\x91\x18\x83\x94\xe2\x13\xad\xd2\xcc\xbd\xc8\x088\x92*\xa9\xcd\xcb{ w\xbf\xc81'\x00\xc0/\x00\x00\x17\x00#\x00\x00\xff\x01\x00\x01\x00\x00\x17\x00\x00\x00\x0b\x00\x02\x01\x00\x00\x00\x00\x00\x16\x03\x03\x02\xf4\x0b\x00\x02\xf0\x00\x02\xed\x00\x02\xea0\x82\x02\xe60\x82\x01\xce\xa0\x03\x02\x01\x02\x02\x01\x010\x0d\x06\x09*\x86H\x86\xf7\x0d\x01\x01\x0b\x05\x000\x141\x120\x10\x06\x03U\x04\x03\x13\x09localhost0\x1e\x17\x0d261123"))
	// crypto/tls TLS 1.0 ServerHello, Certificate (cut)
	f.Add([]byte("\x16\x03\x01\x00?\x02\x00\x00;\x03\x01t:I\xa5\xd2\x84\x8e\x9c\xe0\xfc&\xfb\xa3>\xd3Y\xe4\xd9\x8e\x88BXD\xbcf\xacR\xa4\xb3\x8d\x919\x00\x00/\x00\x00\x13\x00#\x00\x00\xff\x01\x00\x01\x00\x00\x17\x00\x00\x00\x0b\x00\x02\x01\x00\x16\x03\x01\x02\xf4\x0b\x00\x02\xf0\x00\x02\xed\x00\x02\xea0\x82\x02\xe60\x82\x01\xce\xa0\x03\x02\x01\x02\x02\x01\x010\x0d\x06\x09*\x86H\x86\xf7\x0d\x01\x01\x0b\x05\x000\x141\x120\x10\x06\x03U\x04\x03\x13\x09localhost0\x1e\x17\x0d2611231038"))
	// crypto/tls TLS 1.3 ServerHello, ChangeCipherSpec, encrypted records (cut)
	f.Add([]byte("\x16\x03\x03\x00z\x02\x00\x00v\x03\x03\xff\x04\xb8\xcc,->\xd3$h\x83\xba\xfa_\x04\xf3\xc4\xd8\x0eW\xa4\xcb\xed?\xb9)\xca\xcc\x87\xe4\x9e\x00 \xdfV\xfa\xc4x4\xc0*^\x8c\x98SH&\xa9\xc7w\xa6?\x91\xa3<\xb7\xf1\xcf\x81Z\xed\xfb,\xf1\x17\x13\x02\x00\x00.\x00+\x00\x02\x03\x04\x003\x00$\x00\x1d\x00 U|MwQs\xc8t\xf2\xaaC\xe6\x09\x1f{\x97\xd1\xf9@T\xc4F\xf5\xb6 e;F7/\xd7'\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x1b\x09E\x90\xa7\xd1\x0f\x83\xdfo\x87;l"))
	// crypto/tls alert protocol_version
	f.Add([]byte("\x15\x03\x01\x00\x02\x02F"))
	// crypto/tls alert handshake_failure
	f.Add([]byte("\x15\x03\x03\x00\x02\x02("))
	// crypto/tls HelloRetryRequest, ChangeCipherSpec
	f.Add([]byte("\x16\x03\x03\x00X\x02\x00\x00T\x03\x03\xcf!\xadt\xe5\x9aa\x11\xbe\x1d\x8c\x02\x1ee\xb8\x91\xc2\xa2\x11\x16z\xbb\x8c^\x07\x9e\x09\xe2\xc8\xa83\x9c S\x1e9\xe9\xde\xc3p\x09\xc3\xc5\xf1p\xead\xbd\xa5<\xa664\x05\xcf`\xe2>\x10\xa1^}\xfed;\x13\x01\x00\x00\x0c\x00+\x00\x02\x03\x04\x003\x00\x02\x00\x17\x14\x03\x03\x00\x01\x01"))
	// openssl s_server -tls1 ServerHello, Certificate (cut)
	f.Add([]byte("\x16\x03\x01\x00A\x02\x00\x00=\x03\x01\xd0n\x05\x1f>z\xa4\xc1+\xc1\x0e\x22:\xf1\xf0\xf5\x80\xde\x1f\x1b\x9d\xd7#)}\xac\x82\xaa\x5c\x0f\xb4\xf1\x00\xc0\x14\x00\x00\x15\xff\x01\x00\x01\x00\x00\x0b\x00\x04\x03\x00\x01\x02\x00#\x00\x00\x00\x17\x00\x00\x16\x03\x01\x02\xf4\x0b\x00\x02\xf0\x00\x02\xed\x00\x02\xea0\x82\x02\xe60\x82\x01\xce\xa0\x03\x02\x01\x02\x02\x01\x010\x0d\x06\x09*\x86H\x86\xf7\x0d\x01\x01\x0b\x05\x000\x141\x120\x10\x06\x03U\x04\x03\x13\x09localhost0\x1e\x17\x0d26112310"))
	// Hand-made.
	f.Add(slices.Concat(record(22, 0x0303, serverHelloMsg(0x0303, 0xc02f, nil)[:7]), record(22, 0x0303, serverHelloMsg(0x0303, 0xc02f, nil)[7:])))
	f.Add(sslv2ServerHello([]byte{0x30, 0x82, 0, 0}, 0x010080, 0x0700c0))
	f.Add([]byte{0x80, 0x03, 0x00, 0x00, 0x01})
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseServerReply(b)
		var re *RecordError
		switch {
		case err == nil:
			if r.Kind < ReplyServerHello || r.Kind > ReplySSLv2Error {
				t.Fatalf("kind %d", r.Kind)
			}
			if len(r.SSLv2Suites) > len(b)/3 {
				t.Fatalf("%d sslv2 suites from %d bytes", len(r.SSLv2Suites), len(b))
			}
			// More bytes after a whole reply change nothing.
			r2, err2 := ParseServerReply(append(slices.Clone(b), 0x16, 0x03, 0x03, 0xff, 0xff, 0x00))
			if err2 != nil || !equalReply(r, r2) {
				t.Fatalf("with trailing bytes: %+v %v, was %+v", r2, err2, r)
			}
		case errors.Is(err, ErrShortReply):
			// A prefix of an incomplete reply is incomplete too.
			if len(b) > 0 {
				if _, err2 := ParseServerReply(b[:len(b)-1]); !errors.Is(err2, ErrShortReply) {
					t.Fatalf("prefix: %v", err2)
				}
			}
		case errors.As(err, &re), errors.Is(err, ErrMalformedReply):
		default:
			t.Fatalf("untyped error %v", err)
		}
	})
}
