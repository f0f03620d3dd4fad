package probes

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// httpDialer is a net.Dialer that remembers every address it was asked for.
type httpDialer struct {
	mu    sync.Mutex
	addrs []string
}

func (d *httpDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *httpDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

const httpTestTimeout = 3 * time.Second

func httpTLSProbe(t *testing.T) *TLS {
	t.Helper()
	tp, err := NewTLS(TLSConfig{Timeout: httpTestTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// httpScan runs the transport probes the scanner runs first (TLS, then
// plaintext), as in production, then probe; it returns the endpoint, the
// addresses probe dialed and probe's error.
func httpScan(t *testing.T, tgt Target, probe Probe) (*report.Endpoint, []string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ep := &report.Endpoint{Host: tgt.Host, IP: tgt.IP.String(), Port: int(tgt.Port), State: report.StateOpen}
	tp := httpTLSProbe(t)
	pp := NewPlaintext(PlaintextConfig{Timeout: httpTestTimeout})
	for _, pr := range []Probe{tp, pp} {
		if err := pr.Probe(ctx, &net.Dialer{}, tgt, ep); err != nil {
			t.Fatalf("%s probe: %v", pr.Name(), err)
		}
	}
	d := &httpDialer{}
	err := probe.Probe(ctx, d, tgt, ep)
	return ep, d.dialed(), err
}

func httpLocalTarget(port int) Target {
	ip := netip.MustParseAddr("127.0.0.1")
	return Target{Host: ip.String(), IP: ip, Port: uint16(port)}
}

func httpTestCert(t *testing.T) *lab.Cert {
	return mustIssue(t, lab.CertOptions{CommonName: "backup.lab", DNSNames: []string{"backup.lab"}, IPs: []net.IP{loopback}}, nil)
}

// TestHTTPNginxPlaintext checks the redirect to HTTPS on a plaintext port,
// and that it is reported, not followed.
func TestHTTPNginxPlaintext(t *testing.T) {
	cases := []struct {
		name string
		loc  string
		want report.HTTP
	}{
		{name: "redirect to https", loc: `return 301 https://$host$request_uri;`,
			want: report.HTTP{Status: 301, RedirectHTTPS: true, Location: "https://127.0.0.1/"}},
		{name: "redirect to http", loc: `return 302 http://$host:PORT/login;`,
			want: report.HTTP{Status: 302, Location: "http://127.0.0.1:PORT/login"}},
		{name: "ok", loc: `return 200 "backup console\n";`, want: report.HTTP{Status: 200}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port := httpNginx(t, nil, `server {
        listen 127.0.0.1:PORT;
        location / { `+tc.loc+` }
    }`)
			tgt := httpLocalTarget(port)
			ep, dialed, err := httpScan(t, tgt, NewHTTP(HTTPConfig{Timeout: httpTestTimeout}))
			if err != nil {
				t.Fatalf("http probe: %v", err)
			}
			if ep.Transport != report.TransportPlaintext || ep.Protocol != ProtoHTTP {
				t.Fatalf("transport %q protocol %q, want plaintext http", ep.Transport, ep.Protocol)
			}
			if ep.HTTP == nil {
				t.Fatal("ep.HTTP is nil")
			}
			got := *ep.HTTP
			if !strings.HasPrefix(got.Server, "nginx") {
				t.Errorf("Server = %q, want nginx...", got.Server)
			}
			got.Server = ""
			tc.want.Location = strings.ReplaceAll(tc.want.Location, "PORT", tgt.Addr()[len("127.0.0.1:"):])
			if got != tc.want {
				t.Errorf("HTTP = %+v, want %+v", got, tc.want)
			}
			if ep.TLS != nil {
				t.Errorf("TLS = %+v on a plaintext port", ep.TLS)
			}
			if want := []string{tgt.Addr()}; !reflect.DeepEqual(dialed, want) {
				t.Errorf("dialed %v, want only %v (a redirect is never followed)", dialed, want)
			}
			t.Logf("observed: %+v", *ep.HTTP)
		})
	}
}

// httpServe serves handle on a fresh 127.0.0.1 port until the test ends.
func httpServe(t *testing.T, handle func(net.Conn)) Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				handle(c)
			}()
		}
	}()
	return targetOf(t, ln.Addr())
}

// TestHTTPSkips: the probe leaves other endpoints alone without dialing.
func TestHTTPSkips(t *testing.T) {
	for _, ep := range []report.Endpoint{
		{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: ProtoFTP},
		{State: report.StateOpen, Transport: report.TransportTLS}, // handshake failed: no TLS record
		{State: report.StateOpen, Transport: report.TransportUnknown},
		{State: report.StateClosed},
		{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: ProtoFTP, StartTLS: "ftp", TLS: &report.TLS{}},
	} {
		d := &httpDialer{}
		if err := NewHTTP(HTTPConfig{}).Probe(context.Background(), d, httpLocalTarget(1), &ep); err != nil || ep.HTTP != nil || len(d.dialed()) != 0 {
			t.Errorf("%+v: err %v, dialed %v", ep, err, d.dialed())
		}
	}
}

func TestHTTPHostHeader(t *testing.T) {
	v6 := netip.MustParseAddr("::1")
	v4 := netip.MustParseAddr("10.0.0.5")
	cases := []struct {
		t    Target
		def  int
		want string
	}{
		{Target{IP: v4, Port: 443}, 443, "10.0.0.5"},
		{Target{IP: v4, Port: 8443}, 443, "10.0.0.5:8443"},
		{Target{IP: v4, Port: 80, SNI: "nas.lab"}, 80, "nas.lab"},
		{Target{IP: v6, Port: 443}, 443, "[::1]"},
		{Target{IP: v6, Port: 4285}, 443, "[::1]:4285"},
		{Target{IP: v4, Port: 443, SNI: "a\r\nX: y"}, 443, "10.0.0.5"},
	}
	for _, tc := range cases {
		if got := hostHeader(tc.t, tc.def); got != tc.want {
			t.Errorf("hostHeader(%+v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestHTTPReadHead(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		status int
		fields []httpField
		err    string // substring; "" no error
		notHTT bool
	}{
		{name: "simple", in: "HTTP/1.1 301 Moved\r\nLocation: https://x/\r\n\r\nbody", status: 301,
			fields: []httpField{{"Location", "https://x/"}}},
		{name: "bare LF, no reason", in: "HTTP/1.0 200\nServer: a\n\n", status: 200, fields: []httpField{{"Server", "a"}}},
		{name: "folded", in: "HTTP/1.1 200 OK\r\nX: a\r\n  b\r\n\r\n", status: 200, fields: []httpField{{"X", "a b"}}},
		{name: "interim 100", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nA: 1\r\n\r\n", status: 204,
			fields: []httpField{{"A", "1"}}},
		{name: "junk line skipped", in: "HTTP/1.1 200 OK\r\nno colon\r\nB: 2\r\n\r\n", status: 200, fields: []httpField{{"B", "2"}}},
		{name: "cut short", in: "HTTP/1.1 200 OK\r\nA: 1\r\n", status: 200, fields: []httpField{{"A", "1"}}, err: "unexpected EOF"},
		{name: "too long", in: "HTTP/1.1 200 OK\r\nA: 1\r\nB: " + strings.Repeat("b", 20000) + "\r\n\r\n", status: 200,
			fields: []httpField{{"A", "1"}}, err: "longer than 16 KiB"},
		{name: "ssh", in: "SSH-2.0-OpenSSH_9.2\r\n", notHTT: true},
		{name: "short", in: "HTT", notHTT: true},
		{name: "bad status", in: "HTTP/1.1 2OO OK\r\n\r\n", notHTT: true},
		{name: "empty", in: "", err: "no response"},
	}
	for _, tc := range cases {
		h, err := readHTTPHead(strings.NewReader(tc.in))
		switch {
		case tc.notHTT:
			if !errors.Is(err, errNotHTTP) {
				t.Errorf("%s: err %v, want errNotHTTP", tc.name, err)
			}
			continue
		case tc.err == "" && err != nil, tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		}
		if tc.status == 0 {
			continue
		}
		if h == nil || h.Status != tc.status || !reflect.DeepEqual(h.Fields, tc.fields) {
			t.Errorf("%s: head %+v, want %d %v", tc.name, h, tc.status, tc.fields)
		}
	}
}

func TestHTTPParseHSTS(t *testing.T) {
	cases := []struct {
		in   string
		want report.HSTS
	}{
		{"max-age=31536000; includeSubDomains; preload", report.HSTS{MaxAge: 31536000, IncludeSubDomains: true, Preload: true}},
		{"MAX-AGE = \"86400\" ;INCLUDESUBDOMAINS", report.HSTS{MaxAge: 86400, IncludeSubDomains: true}},
		{"max-age=0", report.HSTS{MaxAge: 0}},
		{"includeSubDomains", report.HSTS{MaxAge: -1, IncludeSubDomains: true}},
		{"max-age=abc", report.HSTS{MaxAge: -1}},
		{"max-age=-5", report.HSTS{MaxAge: -1}},
		{"max-age=", report.HSTS{MaxAge: -1}},
		{"max-age", report.HSTS{MaxAge: -1}},
		{"max-age=1; max-age=2", report.HSTS{MaxAge: -1}},
		{"max-age=10; preload; preload", report.HSTS{MaxAge: -1, Preload: true}},
		{"max-age=99999999999999999999999", report.HSTS{MaxAge: 1 << 31}},
		{`foo="a;b"; max-age=5;;`, report.HSTS{MaxAge: 5}},
		{"", report.HSTS{MaxAge: -1}},
	}
	for _, tc := range cases {
		tc.want.Header = FirstLine([]byte(tc.in))
		if got := ParseHSTS(tc.in); got != tc.want {
			t.Errorf("ParseHSTS(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func FuzzParseHSTS(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains; preload", `max-age="1"`, `a="\"`, "max-age=1;max-age=2", ";;="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := ParseHSTS(s)
		if h.MaxAge < -1 || h.MaxAge > 1<<31 {
			t.Fatalf("MaxAge %d", h.MaxAge)
		}
		if h.MaxAge >= 0 && !strings.Contains(strings.ToLower(s), "max-age") {
			t.Fatalf("MaxAge %d without a max-age directive", h.MaxAge)
		}
		if h.Header != FirstLine([]byte(s)) {
			t.Fatalf("Header %q", h.Header)
		}
	})
}

func FuzzReadHTTPHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nServer: nginx\r\nStrict-Transport-Security: max-age=1\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 301 Moved\r\nLocation: https://a/\r\n\r\n",
		"HTTP/1.0 200\n X\n\n", "\x16\x03\x01", "HTTP/",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &httpCountingReader{r: strings.NewReader(string(b))}
		h, err := readHTTPHead(r)
		if r.n > maxHTTPHead {
			t.Fatalf("read %d bytes, cap %d", r.n, maxHTTPHead)
		}
		if h != nil && (h.Status < 100 || h.Status > 999) {
			t.Fatalf("status %d", h.Status)
		}
		if h == nil && err == nil {
			t.Fatal("no head and no error")
		}
		if h != nil {
			_ = h.get("Server")
		}
	})
}

type httpCountingReader struct {
	r io.Reader
	n int
}

func (c *httpCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
