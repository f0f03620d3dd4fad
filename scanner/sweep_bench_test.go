package scanner

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/probes"
)

// BenchmarkSweepClosed measures the cost of a dead probe: a /24 of
// loopback addresses on the seven backup ports, nothing listening, so every
// connect is refused. Reported per probe.
func BenchmarkSweepClosed(b *testing.B) { benchClosed(b, nil) }

// BenchmarkSweepClosedNetDialer is the baseline for BenchmarkSweepClosed:
// the same sweep with the connect phase through a *net.Dialer.
func BenchmarkSweepClosedNetDialer(b *testing.B) { benchClosed(b, &net.Dialer{}) }

func benchClosed(b *testing.B, d probes.Dialer) {
	ports, _ := ParsePorts("backup")
	set, err := Expand(context.Background(), TargetConfig{Targets: []string{"127.9.0.0/24"}, Ports: ports})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := Sweep(context.Background(), Config{Concurrency: 256, ConnectTimeout: time.Second, Dialer: d}, set)
		if err != nil || r.Summary.Closed != int(set.Len()) {
			b.Fatalf("closed %d of %d: %v", r.Summary.Closed, set.Len(), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(uint64(b.N)*set.Len()), "ns/probe")
}

// BenchmarkSweepOpenPlaintext measures the open-port path without TLS
// work: one listener that greets like FTP, probed by the TLS probe.
func BenchmarkSweepOpenPlaintext(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("220 ready\r\n"))
			_ = c.Close()
		}
	}()
	set, err := Expand(context.Background(), TargetConfig{Targets: []string{ln.Addr().String()}})
	if err != nil {
		b.Fatal(err)
	}
	tp, err := probes.NewTLS(probes.TLSConfig{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Concurrency: 1, ConnectTimeout: time.Second, Probes: []probes.Probe{tp}}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Sweep(context.Background(), cfg, set)
		if err != nil || r.Summary.Plaintext != 1 {
			b.Fatalf("%+v %v", r.Summary, err)
		}
	}
}
