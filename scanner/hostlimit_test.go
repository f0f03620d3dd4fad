package scanner_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// peakListener counts the connections the server holds open at once,
// across every listener that shares it: the server's view, as the bench
// rig measures it.
type peakListener struct {
	net.Listener
	live, peak *atomic.Int64
}

func (l peakListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := l.live.Add(1)
	for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
	}
	return &peakConn{Conn: c, live: l.live}, nil
}

type peakConn struct {
	net.Conn
	live *atomic.Int64
	once sync.Once
}

func (c *peakConn) Close() error {
	c.once.Do(func() { c.live.Add(-1) })
	return c.Conn.Close()
}

// countingDialer counts the connections the scanner holds open at once:
// from dial until the scanner closes them.
type countingDialer struct {
	net.Dialer
	live, peak atomic.Int64
}

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	n := d.live.Add(1)
	for p := d.peak.Load(); n > p && !d.peak.CompareAndSwap(p, n); p = d.peak.Load() {
	}
	return &peakConn{Conn: c, live: &d.live}, nil
}

// TestHostConnectionLimit: one address with ten HTTPS ports, scanned with
// the default pipeline (every check, vulnerability checks included) and
// the default --host-concurrency, never holds more than 4 connections
// from the scanner at once.
func TestHostConnectionLimit(t *testing.T) {
	const addr = "127.77.0.1"
	cert := issue(t, lab.CertOptions{CommonName: addr, IPs: []net.IP{net.ParseIP(addr)}, Key: "p256"}, nil)
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS10,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.X509.Raw}, PrivateKey: cert.Key}},
	}
	var live, peak atomic.Int64
	var ports []int
	for range 10 {
		ln, err := net.Listen("tcp", addr+":0")
		if err != nil {
			t.Skipf("no %s on this machine: %v", addr, err)
		}
		srv := &http.Server{
			Handler:     http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }),
			ReadTimeout: 10 * time.Second,
			ErrorLog:    log.New(io.Discard, "", 0),
		}
		go func() { _ = srv.Serve(tls.NewListener(peakListener{ln, &live, &peak}, cfg)) }()
		t.Cleanup(func() { _ = srv.Close() })
		ports = append(ports, portOf(ln))
	}
	if got := scanner.DefaultHostConcurrency; got != 4 {
		t.Errorf("DefaultHostConcurrency = %d, want 4", got)
	}
	d := &countingDialer{}
	rep := sweep(t, []string{addr}, ports, sweepOptions{dialer: d})
	tlsEndpoints := 0
	for _, ep := range rep.Endpoints {
		if ep.TLS != nil {
			tlsEndpoints++
		}
	}
	if tlsEndpoints != len(ports) {
		t.Fatalf("%d TLS endpoints found, want %d", tlsEndpoints, len(ports))
	}
	// The server's own count lags the scanner's closes by a goroutine
	// wake-up, so it is logged; the scanner's count is the one asserted.
	t.Logf("%d ports on %s: the scanner held at most %d connections at once (the server counted %d)", len(ports), addr, d.peak.Load(), peak.Load())
	if p := d.peak.Load(); p > 4 {
		t.Errorf("the scanner held %d simultaneous connections to one address, want at most 4", p)
	}
}
