package scanner_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
)

// TestAdaptiveTimingFirewalledNetwork sweeps a firewalled /24 in a network
// namespace of the test's own: 127.3.0.0-127 listen on one port and refuse
// another, nftables drops every SYN to 127.3.0.128-255 (silent, as behind
// a firewall), 127.3.0.7 answers 200 ms late among hosts that answer in
// microseconds (the first wait's 100 ms floor and the retry's 200 ms leave
// it 100 ms of slack on a loaded machine; the Dialer workers' 200 and
// 400 ms, 400 ms), and the first SYN to 127.3.0.9
// is lost. With --timeout 5s,
// the silent addresses must cost about the learned round trip (its floor,
// the retry, its wait), not the timeout, and nothing may be lost: through
// the Linux event loop, and through the Dialer workers (the connect phase
// off Linux, and --syn's IPv6 probes).
func TestAdaptiveTimingFirewalledNetwork(t *testing.T) {
	if !inOwnNetns(t) {
		return
	}
	nftRules(t, `table inet t {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 127.3.0.128/25 tcp flags & (syn|ack) == syn drop
		ip daddr 127.3.0.9 tcp flags & (syn|ack) == syn quota until 100 bytes drop
	}
}`)
	delayTo(t, "127.3.0.7", 200*time.Millisecond)
	ln := listen(t, "0.0.0.0:0", func(net.Conn) {})
	open := portOf(ln)
	closed := closedPort(t)
	set, err := scanner.Expand(context.Background(), scanner.TargetConfig{Targets: []string{"127.3.0.0/24"}, Ports: []int{open, closed}})
	if err != nil {
		t.Fatal(err)
	}
	// The bounds leave room for a loaded machine under -race, where the
	// Dialer workers (a goroutine per connect) learn round trips of 100 ms
	// and more; a fixed timeout would take all of 5 s.
	for _, mode := range []struct {
		name  string
		cfg   scanner.Config
		bound time.Duration
	}{
		{"event loop", scanner.Config{}, 2 * time.Second},
		{"dialer workers", scanner.Config{Dialer: &net.Dialer{}}, 3500 * time.Millisecond},
	} {
		t.Run(mode.name, func(t *testing.T) { sweepFirewalled(t, mode.cfg, mode.bound, set, open) })
	}
}

func sweepFirewalled(t *testing.T, cfg scanner.Config, bound time.Duration, set *scanner.TargetSet, open int) {
	const timeout = 5 * time.Second
	cfg.ConnectTimeout = timeout
	start := time.Now()
	r, err := scanner.Sweep(context.Background(), cfg, set)
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, ep := range r.Endpoints {
		found[ep.IP] = ep.State == report.StateOpen
	}
	for i := range 128 {
		if ip := fmt.Sprintf("127.3.0.%d", i); !found[ip] {
			t.Errorf("%s:%d not found open", ip, open)
		}
	}
	s := r.Summary
	if !r.Complete || s.Open != 128 || s.Closed != 128 || s.Filtered != 256 {
		t.Errorf("summary %+v complete=%v, want 128 open, 128 closed, 256 filtered", s, r.Complete)
	}
	tm := s.Timing
	if tm == nil || !tm.Adaptive || tm.Retries < 256 || tm.RTTSamples < 256 || tm.RTTP50Ms <= 0 || tm.RTTP90Ms < tm.RTTP50Ms {
		t.Errorf("timing %+v, want adaptive, a retry for each of the 256 silent probes, and round trips", tm)
	}
	// Silent probes wait the floor (100 ms; 200 ms for the Dialer
	// workers), then their retry twice that: about 300 (600) ms.
	if el > bound {
		t.Errorf("sweep took %v, want under %v (about three times the floor), not --timeout %v", el, bound, timeout)
	}
	t.Logf("swept in %v; timing %+v", el, *tm)
}
