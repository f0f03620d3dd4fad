package scanner_test

// Hostile-server suite: the real sweep, with the probes `tlsweep scan`
// builds (default and --discovery-only), against loopback servers that
// misbehave on purpose. Each case has an exact, bounded outcome; each sweep
// also holds a healthy TLS endpoint that must come out unharmed.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

const hostileTimeout = time.Second // --timeout; --endpoint-timeout is 4x

// hostileServer is a loopback listener whose handler gets a context that
// ends with the test, and that counts the connections it accepted.
type hostileServer struct {
	ln       net.Listener
	accepted atomic.Int64
}

func (h *hostileServer) addr() string { return h.ln.Addr().String() }

func startHostile(t *testing.T, addr string, handle func(ctx context.Context, c net.Conn)) *hostileServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileServer{ln: ln}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			wg.Go(func() {
				defer c.Close()
				stop := context.AfterFunc(ctx, func() { _ = c.Close() })
				defer stop()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				handle(ctx, c)
			})
		}
	})
	return h
}

func tlsRecord(typ byte, body []byte) []byte {
	return append([]byte{typ, 0x03, 0x03, byte(len(body) >> 8), byte(len(body))}, body...)
}

func handshakeMsg(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// readRecord reads one TLS record.
func readRecord(c net.Conn) (typ byte, body []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, nil, err
	}
	body = make([]byte, binary.BigEndian.Uint16(hdr[3:]))
	_, err = io.ReadFull(c, body)
	return hdr[0], body, err
}

// clientHelloSessionID is the legacy_session_id of a ClientHello record body.
func clientHelloSessionID(body []byte) ([]byte, bool) {
	// type(1) length(3) version(2) random(32) session_id_len(1)
	if len(body) < 39 || body[0] != 1 || len(body) < 39+int(body[38]) {
		return nil, false
	}
	return body[39 : 39+int(body[38])], true
}

// serverHello12 is a TLS 1.2 ServerHello choosing
// ECDHE-RSA-AES128-GCM-SHA256 that crypto/tls accepts.
func serverHello12() []byte {
	body := []byte{0x03, 0x03}
	body = append(body, bytes.Repeat([]byte{0x42}, 32)...)
	body = append(body, 0x00, 0xc0, 0x2f, 0x00) // no session id, suite, no compression
	return handshakeMsg(2, body)
}

var hrrRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// helloRetryRequest asks for another ClientHello with a cookie (RFC 8446
// section 4.1.4), echoing the client's session id as crypto/tls requires.
func helloRetryRequest(sessionID []byte) []byte {
	body := append([]byte{0x03, 0x03}, hrrRandom...)
	body = append(body, byte(len(sessionID)))
	body = append(body, sessionID...)
	body = append(body, 0x13, 0x01, 0x00)                                     // TLS_AES_128_GCM_SHA256, no compression
	ext := []byte{0x00, 0x2b, 0x00, 0x02, 0x03, 0x04}                         // supported_versions: TLS 1.3
	ext = append(ext, 0x00, 0x2c, 0x00, 0x06, 0x00, 0x04, 'c', 'o', 'o', 'k') // cookie
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	return handshakeMsg(2, body)
}

// tarpit accepts and never reads or writes.
func tarpit(ctx context.Context, _ net.Conn) { <-ctx.Done() }

// drip writes b one byte per 300ms, over and over.
func drip(b []byte) func(context.Context, net.Conn) {
	return func(ctx context.Context, c net.Conn) {
		for i := 0; ; i++ {
			if _, err := c.Write(b[i%len(b) : i%len(b)+1]); err != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}
}

// garbage writes pseudo-random bytes (fixed seed, so the case is the same
// every run) until the client leaves.
func garbage(_ context.Context, c net.Conn) {
	rng := rand.NewChaCha8([32]byte{'t', 'l', 's', 'w', 'e', 'e', 'p'})
	buf := make([]byte, 4096)
	for {
		_, _ = rng.Read(buf)
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

// endlessRecords answers with handshake records forever: the first opens
// a 64 KiB ServerHello, and each is followed by another full record.
func endlessRecords(_ context.Context, c net.Conn) {
	body := make([]byte, 16384)
	copy(body, []byte{0x02, 0x00, 0xff, 0xff, 0x03, 0x03})
	first := tlsRecord(0x16, body)
	rest := tlsRecord(0x16, make([]byte, 16384))
	if _, err := c.Write(first); err != nil {
		return
	}
	for {
		if _, err := c.Write(rest); err != nil {
			return
		}
	}
}

// oversizedCertificate answers a ClientHello with a ServerHello, then a
// Certificate message of 1 MB, sent in full.
func oversizedCertificate(_ context.Context, c net.Conn) {
	if _, _, err := readRecord(c); err != nil {
		return
	}
	const size = 1_000_000
	msg := handshakeMsg(11, make([]byte, size))
	// certificate_list length, then one "certificate" filling the message
	for i, n := range []int{size - 3, size - 6} {
		msg[4+3*i], msg[5+3*i], msg[6+3*i] = byte(n>>16), byte(n>>8), byte(n)
	}
	// The ServerHello goes out at once, so a loaded machine (CI runs
	// -race) never makes the scanner wait past its first-response
	// deadline while the megabyte is assembled.
	if _, err := c.Write(tlsRecord(0x16, serverHello12())); err != nil {
		return
	}
	var out []byte
	for len(msg) > 0 {
		n := min(len(msg), 16384)
		out = append(out, tlsRecord(0x16, msg[:n])...)
		msg = msg[n:]
	}
	_, _ = c.Write(out)
}

// resetMidHandshake reads the ClientHello and resets the connection.
func resetMidHandshake(_ context.Context, c net.Conn) {
	buf := make([]byte, 4096)
	_, _ = c.Read(buf)
	_ = c.(*net.TCPConn).SetLinger(0)
	_ = c.Close()
}

// alertEveryHello answers whatever arrives with a fatal handshake_failure.
func alertEveryHello(_ context.Context, c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
		if _, err := c.Write(tlsRecord(0x15, []byte{2, 40})); err != nil {
			return
		}
	}
}

func closeAtOnce(context.Context, net.Conn) {}

// helloThenHangUp sends half a ServerHello and closes.
func helloThenHangUp(_ context.Context, c net.Conn) {
	if _, _, err := readRecord(c); err != nil {
		return
	}
	rec := tlsRecord(0x16, serverHello12())
	_, _ = c.Write(rec[:len(rec)/2])
}

// sslv3Hello answers with an SSL 3.0 ServerHello, a version crypto/tls
// does not speak.
func sslv3Hello(_ context.Context, c net.Conn) {
	if _, _, err := readRecord(c); err != nil {
		return
	}
	rec := tlsRecord(0x16, serverHello12())
	rec[2], rec[10] = 0x00, 0x00 // record and ServerHello versions 0x0300
	_, _ = c.Write(rec)
	_, _ = io.Copy(io.Discard, c)
}

// endlessHRR answers every ClientHello with a HelloRetryRequest, as long
// as the client keeps asking; most is the most one connection took.
func endlessHRR(most *atomic.Int64) func(context.Context, net.Conn) {
	return func(_ context.Context, c net.Conn) {
		for n := int64(1); n <= 10000; {
			typ, body, err := readRecord(c)
			if err != nil {
				return
			}
			if typ != 0x16 {
				continue // the compatibility ChangeCipherSpec
			}
			sid, ok := clientHelloSessionID(body)
			if !ok {
				return
			}
			if _, err := c.Write(tlsRecord(0x16, helloRetryRequest(sid))); err != nil {
				return
			}
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			n++
		}
	}
}

// redirectTo answers an HTTP request with a 302 to location.
func redirectTo(location string) func(context.Context, net.Conn) {
	return func(_ context.Context, c net.Conn) {
		buf := make([]byte, 4096)
		if n, _ := c.Read(buf); n == 0 {
			return
		}
		_, _ = fmt.Fprintf(c, "HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", location)
	}
}

// healthy is a well-behaved TLS 1.3 server with a self-signed certificate.
type healthy struct {
	cert *lab.Cert
	cfg  *tls.Config
}

func newHealthy(t *testing.T) *healthy {
	c := issue(t, lab.CertOptions{CommonName: "healthy", Key: "p256", IPs: []net.IP{loopbackIP}}, nil)
	return &healthy{cert: c, cfg: &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c.TLSCertificate()}}}
}

// start serves HTTPS with HSTS on addr: a healthy server answers what it
// is asked at once, so the question of what speaks inside TLS costs it
// no wait.
func (h *healthy) start(t *testing.T, addr string) *hostileServer {
	return startHostile(t, addr, func(_ context.Context, c net.Conn) {
		tc := tls.Server(c, h.cfg)
		if tc.Handshake() != nil {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(io.LimitReader(tc, 4096)))
		if err != nil {
			return
		}
		_ = req.Body.Close()
		_, _ = io.WriteString(tc, "HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=31536000\r\n"+
			"Content-Length: 0\r\nConnection: close\r\n\r\n")
	})
}

// check asserts ep is the healthy server, fully examined.
func (h *healthy) check(t *testing.T, ep *report.Endpoint) {
	t.Helper()
	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS || ep.TLS == nil || ep.Error != "" {
		t.Fatalf("healthy endpoint %s:%d: state %s transport %s error %q tls %v", ep.IP, ep.Port, ep.State, ep.Transport, ep.Error, ep.TLS != nil)
	}
	if sum := sha256.Sum256(h.cert.X509.Raw); ep.TLS.Version != "TLS1.3" || len(ep.TLS.Chain) != 1 || ep.TLS.Chain[0].SHA256 != fmt.Sprintf("%x", sum) {
		t.Errorf("healthy endpoint: version %s chain %+v", ep.TLS.Version, ep.TLS.Chain)
	}
	checkIDs(t, ep, "self-signed-certificate")
}

// checkHTTP asserts the default probes found the healthy server's HTTP
// and its HSTS header.
func (h *healthy) checkHTTP(t *testing.T, ep *report.Endpoint) {
	t.Helper()
	if ep.TLS == nil || ep.TLS.AppProtocol != "http" || ep.TLS.HSTS == nil {
		t.Errorf("healthy endpoint %s:%d: app protocol and hsts not found: %+v", ep.IP, ep.Port, ep.TLS)
	}
}

// endpointAt finds addr's endpoint in rep.
func endpointAt(t *testing.T, rep *report.Report, addr string) *report.Endpoint {
	t.Helper()
	for i, ep := range rep.Endpoints {
		if net.JoinHostPort(ep.IP, strconv.Itoa(ep.Port)) == addr {
			return &rep.Endpoints[i]
		}
	}
	t.Fatalf("no endpoint for %s in %+v", addr, rep.Endpoints)
	return nil
}

// hostileCase is one misbehaving server and what the report must say.
type hostileCase struct {
	name      string
	handle    func(context.Context, net.Conn)
	transport report.Transport
	protocol  string
	banner    string         // prefix the banner must have ("" for none)
	errRE     *regexp.Regexp // the endpoint's error, whole; nil for no error
	findings  []string
	// With the default probes: the error when it differs, and whether the
	// versions probe's hellos found a version (it then adds ep.TLS without
	// a chain; the TLS probe's error stays).
	errDefault *regexp.Regexp
	tlsDefault bool
}

func hostileCases(hrrs *atomic.Int64, redirectLocation string) []hostileCase {
	silent := regexp.QuoteMeta("silent: no response to a TLS ClientHello, a greeting wait or an HTTP request (")
	broke := "^tls handshake failed: the server broke the TLS protocol: "
	re := regexp.MustCompile
	return []hostileCase{
		{name: "tarpit", handle: tarpit, transport: report.TransportUnknown,
			errRE: re("^" + silent + `no response within 1s\)$`), findings: []string{"unidentified-listener"}},
		{name: "byte-drip", handle: drip([]byte("220 slow ftp server ready\r\n")), transport: report.TransportPlaintext,
			protocol: "ftp", banner: "220", findings: []string{"plaintext-listener"},
			errDefault: re(`^ftp: greeting: no reply within 1s$`)},
		// A peer that has answered gets until the endpoint deadline (a
		// loaded server is slow, not broken); a drip is cut off there.
		{name: "byte-drip-tls", handle: drip(tlsRecord(0x16, serverHello12())), transport: report.TransportTLS,
			errRE: re(`^endpoint timed out after 4s \(--endpoint-timeout\)$`), findings: []string{"certificate-unchecked"}},
		{name: "garbage", handle: garbage, transport: report.TransportPlaintext,
			protocol: "unknown", banner: `V\xb3\x05Pz`, findings: []string{"plaintext-listener"}},
		{name: "endless-tls-records", handle: endlessRecords, transport: report.TransportTLS,
			errRE: re(broke + `local error: tls: error decoding message$`), findings: []string{"certificate-unchecked"}},
		{name: "oversized-certificate", handle: oversizedCertificate, transport: report.TransportTLS,
			errRE:    re(broke + `tls: handshake message of length 1000000 bytes exceeds maximum of 262144 bytes$`),
			findings: []string{"certificate-unchecked"}, tlsDefault: true},
		{name: "reset-mid-handshake", handle: resetMidHandshake, transport: report.TransportUnknown,
			errRE: re("^" + silent + `connection closed without a response\)$`), findings: []string{"unidentified-listener"}},
		{name: "alert-every-hello", handle: alertEveryHello, transport: report.TransportTLS,
			errRE: re(`^tls handshake failed: server sent alert handshake_failure \(40\)$`), findings: []string{"certificate-unchecked"}},
		{name: "close-on-accept", handle: closeAtOnce, transport: report.TransportUnknown,
			errRE:    re(`^connection closed without a response to a TLS ClientHello or a greeting wait$`),
			findings: []string{"unidentified-listener"}},
		{name: "endless-hello-retry-requests", handle: endlessHRR(hrrs), transport: report.TransportTLS,
			errRE: re(broke + `tls: server sent two HelloRetryRequest messages$`), findings: []string{"certificate-unchecked"}, tlsDefault: true},
		{name: "hello-then-hang-up", handle: helloThenHangUp, transport: report.TransportTLS,
			errRE: re(`^tls handshake failed: the server closed the connection during the handshake$`), findings: []string{"certificate-unchecked"}},
		{name: "sslv3-only", handle: sslv3Hello, transport: report.TransportTLS,
			errRE: re(`^tls handshake failed: no version or cipher suite in common with a modern client$`), findings: []string{"certificate-unchecked"}},
		{name: "http-redirect-elsewhere", handle: redirectTo(redirectLocation), transport: report.TransportPlaintext,
			protocol: "http", banner: "HTTP/1.1 302 Found", findings: []string{"plaintext-listener"}},
	}
}

func (hc hostileCase) check(t *testing.T, ep *report.Endpoint, defaults bool) {
	t.Helper()
	t.Logf("%s: %s:%d %s transport=%s protocol=%q banner=%q error=%q findings=%v",
		hc.name, ep.IP, ep.Port, ep.State, ep.Transport, ep.Protocol, ep.Banner, ep.Error, findingIDs(ep))
	wantTLS, errRE := false, hc.errRE
	if defaults {
		wantTLS = hc.tlsDefault
		if hc.errDefault != nil {
			errRE = hc.errDefault
		}
	}
	if ep.State != report.StateOpen || ep.Transport != hc.transport || (ep.TLS != nil) != wantTLS {
		t.Errorf("%s: state %s transport %s (tls %v), want open %s (tls %v)", hc.name, ep.State, ep.Transport, ep.TLS != nil, hc.transport, wantTLS)
	}
	if ep.TLS != nil && (len(ep.TLS.Chain) != 0 || len(ep.TLS.Versions) == 0) {
		t.Errorf("%s: tls %+v, want versions and no chain", hc.name, ep.TLS)
	}
	if ep.Protocol != hc.protocol || !strings.HasPrefix(ep.Banner, hc.banner) || (hc.banner == "") != (ep.Banner == "") {
		t.Errorf("%s: protocol %q banner %q, want %q and a banner starting %q", hc.name, ep.Protocol, ep.Banner, hc.protocol, hc.banner)
	}
	switch {
	case errRE == nil && ep.Error != "":
		t.Errorf("%s: error %q, want none", hc.name, ep.Error)
	case errRE != nil && !errRE.MatchString(ep.Error):
		t.Errorf("%s: error %q, want it to match %s", hc.name, ep.Error, errRE)
	}
	if got := findingIDs(ep); !slices.Equal(got, hc.findings) {
		t.Errorf("%s: findings %v, want %v", hc.name, got, hc.findings)
	}
}

// hostileSweep sweeps targets with the default probes, or with
// --discovery-only's.
func hostileSweep(t *testing.T, targets []string, defaults bool) *report.Report {
	t.Helper()
	return sweep(t, targets, nil, sweepOptions{timeout: hostileTimeout, discoveryOnly: !defaults})
}

// TestHostileServers sweeps each hostile server next to a healthy one,
// with the default probes and with --discovery-only's.
func TestHostileServers(t *testing.T) {
	t.Parallel()
	h := newHealthy(t)
	// The redirect points at a listener of ours on another address; no
	// probe may follow it.
	elsewhere := startHostile(t, "127.0.0.2:0", tarpit)
	var hrrs atomic.Int64
	for _, hc := range hostileCases(&hrrs, "https://"+elsewhere.addr()+"/login") {
		for _, defaults := range []bool{true, false} {
			name := hc.name + map[bool]string{true: "/default", false: "/discovery-only"}[defaults]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				bad := startHostile(t, "127.0.0.1:0", hc.handle)
				good := h.start(t, "127.0.0.1:0")
				start := time.Now()
				rep := hostileSweep(t, []string{bad.addr(), good.addr()}, defaults)
				took := time.Since(start)
				t.Logf("%s: sweep took %s", name, took.Round(time.Millisecond))
				if bound := 4*hostileTimeout + 3*time.Second; took > bound {
					t.Errorf("%s: sweep took %s, want under %s", name, took, bound)
				}
				if len(rep.Endpoints) != 2 {
					t.Fatalf("%s: %d endpoints, want 2: %+v", name, len(rep.Endpoints), rep.Endpoints)
				}
				ep := endpointAt(t, rep, bad.addr())
				hc.check(t, ep, defaults)
				if hc.name == "http-redirect-elsewhere" && defaults && (ep.HTTP == nil || ep.HTTP.Status != 302 ||
					ep.HTTP.Location != "https://"+elsewhere.addr()+"/login" || !ep.HTTP.RedirectHTTPS) {
					t.Errorf("http %+v, want the 302 recorded", ep.HTTP)
				}
				h.check(t, endpointAt(t, rep, good.addr()))
				if defaults {
					h.checkHTTP(t, endpointAt(t, rep, good.addr()))
				}
			})
		}
	}
	t.Cleanup(func() {
		// Subtests are done by now: Cleanup runs after them.
		time.Sleep(100 * time.Millisecond)
		if n := elsewhere.accepted.Load(); n != 0 {
			t.Errorf("the redirect target saw %d connections, want 0", n)
		}
		// crypto/tls and the hand-built hellos stop at the second
		// HelloRetryRequest of a connection.
		if n := hrrs.Load(); n != 2 {
			t.Errorf("a connection took %d HelloRetryRequests, want 2", n)
		}
	})
}

// panicProbe panics on one port, as a probe with a bug would on a peer's
// unexpected bytes.
type panicProbe struct{ port uint16 }

func (panicProbe) Name() string { return "boom" }

func (p panicProbe) Probe(_ context.Context, _ probes.Dialer, t probes.Target, _ *report.Endpoint) error {
	if t.Port == p.port {
		var m map[string]int
		m["x"]++ //lint:ignore SA5000 a nil-map write: a runtime panic, not a deliberate one
	}
	return nil
}

// TestProbePanicIsContained: a panicking probe costs its endpoint, with an
// error that says so, and nothing else.
func TestProbePanicIsContained(t *testing.T) {
	t.Parallel()
	h := newHealthy(t)
	good := h.start(t, "127.0.0.1:0")
	victim := h.start(t, "127.0.0.1:0")
	port := netip.MustParseAddrPort(victim.addr()).Port()
	rep := sweep(t, []string{victim.addr(), good.addr()}, nil,
		sweepOptions{timeout: hostileTimeout, first: []probes.Probe{panicProbe{port}}})
	ep := endpointAt(t, rep, victim.addr())
	if want := "internal error in the boom probe: assignment to entry in nil map (please report it)"; ep.Error != want {
		t.Errorf("error %q, want %q", ep.Error, want)
	}
	h.check(t, endpointAt(t, rep, good.addr()))
}

// TestHostileCrowd: 20 hostile endpoints and 3 healthy ones, each on its
// own loopback address, in one sweep with the default probes: it ends
// within the endpoint timeout (plus slack), reports every endpoint as
// alone, and its memory stays bounded.
func TestHostileCrowd(t *testing.T) {
	t.Parallel()
	h := newHealthy(t)
	var hrrs atomic.Int64
	elsewhere := startHostile(t, "127.61.1.1:0", tarpit)
	cases := hostileCases(&hrrs, "http://"+elsewhere.addr()+"/")
	var targets []string
	bad := map[string]hostileCase{}
	for i := range 20 {
		hc := cases[i%len(cases)]
		s := startHostile(t, "127.61.0."+strconv.Itoa(i+1)+":0", hc.handle)
		targets = append(targets, s.addr())
		bad[s.addr()] = hc
	}
	var good []string
	for i := range 3 {
		good = append(good, h.start(t, "127.61.0."+strconv.Itoa(101+i)+":0").addr())
	}
	targets = append(targets, good...)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	rep := hostileSweep(t, targets, true)
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("23 endpoints in %s; heap %d KiB -> %d KiB; %d MiB allocated during the sweep (servers included)",
		took.Round(time.Millisecond), before.HeapAlloc>>10, after.HeapAlloc>>10, (after.TotalAlloc-before.TotalAlloc)>>20)
	if bound := 4*hostileTimeout + 5*time.Second; took > bound {
		t.Errorf("sweep took %s, want under %s", took, bound)
	}
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB over the sweep", grew>>20)
	}
	if len(rep.Endpoints) != 23 || rep.Summary.Open != 23 {
		t.Fatalf("%d endpoints (%d open), want 23", len(rep.Endpoints), rep.Summary.Open)
	}
	for _, addr := range good {
		h.check(t, endpointAt(t, rep, addr))
		h.checkHTTP(t, endpointAt(t, rep, addr))
	}
	for addr, hc := range bad {
		hc.check(t, endpointAt(t, rep, addr), true)
	}
	time.Sleep(100 * time.Millisecond)
	if n := elsewhere.accepted.Load(); n != 0 {
		t.Errorf("the redirect target saw %d connections, want 0", n)
	}
}
