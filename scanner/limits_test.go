package scanner

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestFDBudget: connection attempts in flight leave the examiners three
// descriptors each and a margin under the open-file limit, never fall
// below a working floor, and are untouched when the limit is unknown or
// roomy.
func TestFDBudget(t *testing.T) {
	for _, c := range []struct {
		conc, examiners int
		limit           uint64
		want            int
	}{
		{4096, 512, 0, 4096},         // unknown limit
		{4096, 512, 1 << 20, 4096},   // roomy
		{4096, 512, 1<<64 - 1, 4096}, // RLIM_INFINITY
		{4096, 512, 4096, 2496},      // 4096 - 3*512 - 64
		{4096, 512, 1500, 16},        // the examiners take it all: floor
		{10, 1, 1 << 20, 10},         // small sweeps keep their own cap
		{4096, 8, 200, 112},          // 200 - 3*8 - 64
	} {
		if got := fdBudget(c.conc, c.examiners, c.limit); got != c.want {
			t.Errorf("fdBudget(%d, %d, %d) = %d, want %d", c.conc, c.examiners, c.limit, got, c.want)
		}
	}
}

// TestPacerRate: callers of a pacer at 5,000/s get 5,000 slots a second
// (within a few percent), although each sleep overshoots: the schedule
// catches up instead of restarting from the late wake-up. Two callers, as
// two event loops share one.
func TestPacerRate(t *testing.T) {
	const rate, n = 5000, 5000
	p := newPacer(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range n / 2 {
				p.wait(context.Background())
			}
		})
	}
	wg.Wait()
	got := float64(n) / time.Since(start).Seconds()
	if got < 0.95*rate || got > 1.05*rate {
		t.Errorf("%.0f attempts/s, want %d within 5%%", got, rate)
	}
}

// TestPacerIdleNoBurst: after a pause, at most paceLag's worth of slots
// go at once.
func TestPacerIdleNoBurst(t *testing.T) {
	p := newPacer(1000)
	p.wait(context.Background())
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	for range 50 {
		p.wait(context.Background())
	}
	// 25 slots banked at most (25 ms at 1,000/s), then one per ms.
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Errorf("50 attempts after a pause took %v: the pause was banked", el)
	}
}

// TestRaiseFileLimit: a soft open-file limit below what --concurrency
// needs is raised (to the hard limit at least), and a roomy one is left.
func TestRaiseFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Max < 2048 {
		t.Skip("open-file limit unknown or too low", err)
	}
	t.Cleanup(func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	})
	low := syscall.Rlimit{Cur: 1024, Max: lim.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	cfg := Config{Concurrency: 1500, ProbeConcurrency: 8}
	want := min(uint64(1500+3*8+fdMargin+256), lim.Max)
	if got := RaiseFileLimit(cfg); got < want {
		t.Errorf("limit %d after raising for %d connects in flight, want at least %d", got, cfg.Concurrency, want)
	}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil || now.Cur < want {
		t.Errorf("soft limit now %d, want at least %d (%v)", now.Cur, want, err)
	}
	if got := RaiseFileLimit(Config{Concurrency: 10, ProbeConcurrency: 1}); got != now.Cur {
		t.Errorf("a roomy limit changed: %d, was %d", got, now.Cur)
	}
}
