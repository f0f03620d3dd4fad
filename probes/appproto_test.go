package probes

// The application-protocol probe against small TLS servers written here,
// for what a real server will not do on demand (a late greeting, a binary
// answer, headers in odd spellings). The real servers (nginx, vsftpd,
// openssl s_server) are in scanner/appproto_test.go, through the sweep.

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// appServe serves TLS on a fresh 127.0.0.1 port: after the handshake it
// writes greeting (if any), then reads the request head (if one comes)
// and writes answer. Each request head read is sent on the returned
// channel.
func appServe(t *testing.T, greeting, answer string) (Target, <-chan string) {
	t.Helper()
	return appServeFunc(t, greeting, func(string) string { return answer })
}

// appServeFunc is appServe answering each request head with answer(head).
func appServeFunc(t *testing.T, greeting string, answer func(head string) string) (Target, <-chan string) {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{httpTestCert(t).TLSCertificate()}}
	reqs := make(chan string, 8)
	tgt := httpServe(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		if greeting != "" {
			_, _ = io.WriteString(tc, greeting)
		}
		_ = tc.SetReadDeadline(time.Now().Add(3 * time.Second))
		br := bufio.NewReader(tc)
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			head.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		if head.Len() > 0 {
			reqs <- head.String()
			_, _ = io.WriteString(tc, answer(head.String()))
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(tc, 1<<16))
	})
	return tgt, reqs
}

// appRun runs the TLS probe with the application-protocol probe on, as
// the default pipeline builds it, and returns the endpoint, the addresses
// dialed and how long the probe took.
func appRun(t *testing.T, tgt Target, timeout time.Duration) (*report.Endpoint, []string, time.Duration) {
	t.Helper()
	list, err := Default(Config{Timeout: timeout, UserAgent: "tlsweep/test"})
	if err != nil {
		t.Fatal(err)
	}
	ep := &report.Endpoint{Host: tgt.Host, IP: tgt.IP.String(), Port: int(tgt.Port), State: report.StateOpen}
	d := &httpDialer{}
	start := time.Now()
	if err := list[0].Probe(context.Background(), d, tgt, ep); err != nil || ep.TLS == nil {
		t.Fatalf("tls probe: %v, tls %+v", err, ep.TLS)
	}
	return ep, d.dialed(), time.Since(start)
}

// TestAppHTTPRequestAndHeaders: one HEAD request on the handshake's own
// connection, and an awkward answer read right: the first HSTS header
// wins, header names in any case, quoted max-age, a Server header with
// terminal escapes, a body never read.
func TestAppHTTPRequestAndHeaders(t *testing.T) {
	tgt, reqs := appServe(t, "", "HTTP/1.1 200 OK\r\n"+
		"server: evil\x1b[31m/1.0\r\n"+
		"Strict-Transport-Security:   max-age=\"600\" ; PRELOAD \r\n"+
		"Strict-Transport-Security: max-age=0\r\n"+
		"Content-Length: 1000000\r\n\r\n"+strings.Repeat("x", 1<<15))
	tgt.SNI = "backup.lab"
	ep, dialed, _ := appRun(t, tgt, 3*time.Second)
	wantReq := "HEAD / HTTP/1.1\r\nHost: backup.lab:" + tgt.Addr()[len("127.0.0.1:"):] + "\r\n" +
		"User-Agent: tlsweep/test\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	select {
	case got := <-reqs:
		if got != wantReq {
			t.Errorf("request = %q, want %q", got, wantReq)
		}
	default:
		t.Error("no request")
	}
	if len(dialed) != 1 {
		t.Errorf("dialed %v, want the handshake's connection only", dialed)
	}
	if ep.TLS.AppProtocol != ProtoHTTP || ep.TLS.AppBanner != "" {
		t.Errorf("app_protocol %q banner %q, want http and no banner", ep.TLS.AppProtocol, ep.TLS.AppBanner)
	}
	if want := (report.HTTP{Status: 200, Server: `evil\x1b[31m/1.0`}); ep.HTTP == nil || *ep.HTTP != want {
		t.Errorf("HTTP = %+v, want %+v", ep.HTTP, want)
	}
	want := &report.HSTS{Header: `max-age="600" ; PRELOAD`, MaxAge: 600, Preload: true}
	if !reflect.DeepEqual(ep.TLS.HSTS, want) {
		t.Errorf("HSTS = %+v, want %+v", ep.TLS.HSTS, want)
	}
}

// TestAppHEADRefused: a server that answers HEAD as HTTP but refuses it
// (405, 501, or a bare HTML page as gnutls-serv sends) is asked GET / on
// one more connection, and that answer is what the report keeps.
func TestAppHEADRefused(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nServer: console\r\nStrict-Transport-Security: max-age=63072000\r\n\r\n"
	for name, refusal := range map[string]string{
		"405":  "HTTP/1.1 405 Method Not Allowed\r\nServer: console\r\n\r\n",
		"501":  "HTTP/1.0 501 Not Implemented\r\n\r\n",
		"html": "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<HTML><HEAD><TITLE>501 Method Not Implemented</TITLE>\n",
	} {
		t.Run(name, func(t *testing.T) {
			tgt, reqs := appServeFunc(t, "", func(head string) string {
				if strings.HasPrefix(head, "GET ") {
					return ok
				}
				return refusal
			})
			ep, dialed, _ := appRun(t, tgt, 3*time.Second)
			if len(dialed) != 2 || len(reqs) != 2 || !strings.HasPrefix(<-reqs, "HEAD / ") || !strings.HasPrefix(<-reqs, "GET / ") {
				t.Errorf("dialed %v: want the handshake's connection for HEAD, then one for GET", dialed)
			}
			if ep.TLS.AppProtocol != ProtoHTTP || ep.TLS.AppBanner != "" || ep.HTTP == nil || ep.HTTP.Status != 200 {
				t.Errorf("app_protocol %q banner %q http %+v, want http 200 from the GET", ep.TLS.AppProtocol, ep.TLS.AppBanner, ep.HTTP)
			}
			if ep.TLS.HSTS == nil || ep.TLS.HSTS.MaxAge != 63072000 {
				t.Errorf("hsts %+v, want the GET's", ep.TLS.HSTS)
			}
		})
	}
}

// TestAppGreetings: a server that speaks first is named by its greeting
// and sent no HTTP request; one that greets after the greeting wait is
// still named by it, from the answer to the request.
func TestAppGreetings(t *testing.T) {
	const late = "220 slow.backup.test ESMTP\r\n500 5.5.2 Error: bad syntax\r\n"
	cases := []struct {
		name, greeting, answer, want, banner string
		request                              bool
	}{
		{"ftp", "220 (vsFTPd 3.0.3)\r\n", "500 Unknown command.\r\n", ProtoFTP, "220 (vsFTPd 3.0.3)", false},
		{"smtp", "220 mail.backup.test ESMTP Postfix\r\n", "502 5.5.2 Error\r\n", ProtoSMTP, "220 mail.backup.test ESMTP Postfix", false},
		{"ssh", "SSH-2.0-OpenSSH_9.6\r\n", "Invalid SSH identification string.\r\n", ProtoSSH, "SSH-2.0-OpenSSH_9.6", false},
		// Greets only once the request is in (after the greeting wait).
		{"late smtp", "", late, ProtoSMTP, "220 slow.backup.test ESMTP", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tgt, reqs := appServe(t, tc.greeting, tc.answer)
			ep, _, _ := appRun(t, tgt, 3*time.Second)
			if ep.TLS.AppProtocol != tc.want || ep.TLS.AppBanner != tc.banner || ep.HTTP != nil || ep.TLS.HSTS != nil {
				t.Errorf("app_protocol %q banner %q http %+v hsts %+v, want %q %q and no HTTP",
					ep.TLS.AppProtocol, ep.TLS.AppBanner, ep.HTTP, ep.TLS.HSTS, tc.want, tc.banner)
			}
			select {
			case r := <-reqs:
				if !tc.request {
					t.Errorf("sent %q to a server that spoke first", r)
				}
			default:
				if tc.request {
					t.Error("no request after the greeting wait")
				}
			}
		})
	}
}

// TestAppSilentOrBinary: a service inside TLS that says nothing, or
// answers the request in its own binary protocol, is "unknown", with no
// HTTP record, and holds the probe for the short waits only, not
// --timeout.
func TestAppSilentOrBinary(t *testing.T) {
	for name, answer := range map[string]string{"binary": "\x00\x00\x00\x10c42\x01\x02", "silent": ""} {
		t.Run(name, func(t *testing.T) {
			tgt, _ := appServe(t, "", answer)
			const timeout = 5 * time.Second
			ep, _, took := appRun(t, tgt, timeout)
			if ep.TLS.AppProtocol != ProtoUnknown || ep.HTTP != nil || ep.TLS.HSTS != nil || ep.Error != "" {
				t.Errorf("app_protocol %q, HTTP %+v, HSTS %+v, Error %q: want unknown and nothing more",
					ep.TLS.AppProtocol, ep.HTTP, ep.TLS.HSTS, ep.Error)
			}
			if want := FirstLine([]byte(answer)); ep.TLS.AppBanner != want {
				t.Errorf("app_banner %q, want %q", ep.TLS.AppBanner, want)
			}
			// The handshake on loopback takes milliseconds: the waits are
			// at their floors, 200 ms and 1 s.
			if took > 2*time.Second {
				t.Errorf("took %s with --timeout %s", took, timeout)
			}
		})
	}
}

// TestAppEcho: a service that sends back what it is sent is unknown,
// and our own request is not recorded as its banner.
func TestAppEcho(t *testing.T) {
	tgt, _ := appServeFunc(t, "", func(head string) string { return head })
	ep, _, _ := appRun(t, tgt, 5*time.Second)
	if ep.TLS.AppProtocol != ProtoUnknown || ep.TLS.AppBanner != "" || ep.HTTP != nil || ep.TLS.HSTS != nil {
		t.Errorf("app_protocol %q, app_banner %q, HTTP %+v, HSTS %+v: want unknown and nothing more",
			ep.TLS.AppProtocol, ep.TLS.AppBanner, ep.HTTP, ep.TLS.HSTS)
	}
}

// TestAppWaits: the waits follow the handshake's duration between their
// floors and ceilings, never past --timeout.
func TestAppWaits(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct{ took, timeout, greet, answer time.Duration }{
		{2 * ms, 3 * time.Second, 200 * ms, time.Second},
		{150 * ms, 3 * time.Second, 300 * ms, time.Second},
		{500 * ms, 3 * time.Second, 750 * ms, 2 * time.Second},
		{2 * time.Second, 3 * time.Second, 750 * ms, 3 * time.Second},
		{2 * ms, 100 * ms, 100 * ms, 100 * ms},
	} {
		g, a := appWaits(tc.took, tc.timeout)
		if g != tc.greet || a != tc.answer {
			t.Errorf("handshake %s, timeout %s: waits %s and %s, want %s and %s", tc.took, tc.timeout, g, a, tc.greet, tc.answer)
		}
	}
}
