package scanner

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
)

// TestStreamOnlyKeepsNoEndpoints: a streamed sweep hands every open
// endpoint to OnEndpoint and keeps only the summary.
func TestStreamOnlyKeepsNoEndpoints(t *testing.T) {
	var targets []string
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_, _ = c.Write([]byte("220 ready\r\n"))
				c.Close()
			}
		}()
		targets = append(targets, ln.Addr().String())
	}
	set, err := Expand(context.Background(), TargetConfig{Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := probes.NewTLS(probes.TLSConfig{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	cfg := Config{ConnectTimeout: 2 * time.Second, Probes: []probes.Probe{tp}, StreamOnly: true,
		OnEndpoint: func(ep *report.Endpoint) error { seen = append(seen, ep.Protocol); return nil }}
	r, err := Sweep(context.Background(), cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Endpoints) != 0 || len(seen) != 3 || r.Summary.Open != 3 || r.Summary.Plaintext != 3 || r.Summary.Findings.High != 3 {
		t.Errorf("kept %d endpoints, streamed %v, summary %+v", len(r.Endpoints), seen, r.Summary)
	}
}
