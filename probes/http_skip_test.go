package probes

import (
	"context"
	"crypto/tls"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// TestHTTPSkipsNotHTTPPorts: a TLS port known to carry another protocol
// (Code42) gets no HTTPS request, which it would leave unanswered.
func TestHTTPSkipsNotHTTPPorts(t *testing.T) {
	cert, err := lab.Issue(lab.CertOptions{CommonName: "code42"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { // a silent service inside TLS
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(3 * time.Second))
				_, _ = c.Read(make([]byte, 512))
			}()
		}
	}()
	target := targetOf(t, ln.Addr())
	tp, err := NewTLS(TLSConfig{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{true, false} {
		accepted.Store(0)
		ep := &report.Endpoint{State: report.StateOpen}
		if err := tp.Probe(context.Background(), &net.Dialer{}, target, ep); err != nil || ep.TLS == nil {
			t.Fatalf("tls probe: %v", err)
		}
		hp := NewHTTP(HTTPConfig{Timeout: 300 * time.Millisecond, NotHTTP: func(port uint16) bool { return skip && port == target.Port }})
		if err := hp.Probe(context.Background(), &net.Dialer{}, target, ep); err != nil {
			t.Fatal(err)
		}
		want := int32(2) // handshake, then the HTTPS request
		if skip {
			want = 1
		}
		if got := accepted.Load(); got != want || ep.HTTP != nil {
			t.Errorf("skip=%v: %d connections, http %+v; want %d and none", skip, got, ep.HTTP, want)
		}
	}
}
