package scanner

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
)

// Adaptive timing for the connects made through a Dialer: the connect
// phase off Linux, the IPv6 probes of --syn, and an injected Dialer. It
// learns and waits as the event loop does (see rtt.go), with a floor of
// 200 ms instead of 100 (rttDialFloor): a connect with no
// answer after the learned wait is tried once more beside the first, which
// keeps waiting, and the probe is filtered when neither attempt has been
// answered by the retry's deadline (twice the first wait, within --timeout
// from the first attempt). A connect that went out before anything had
// answered waits all of --timeout, but takes the learned wait as soon as
// the first answers arrive.

// dialTiming is the round-trip estimate the dial workers share.
type dialTiming struct {
	progress *Progress

	mu    sync.Mutex
	rtt   *rttEstimator
	ready chan struct{} // closed when the estimate becomes usable
}

func newDialTiming(cfg *Config) *dialTiming {
	rtt := newRTTEstimator(cfg.ConnectTimeout, cfg.FixedTimeout)
	rtt.floor = rttDialFloor
	return &dialTiming{progress: cfg.Progress, rtt: rtt, ready: make(chan struct{})}
}

// wait is the first wait for a connect to ip (see rttEstimator.wait).
func (dt *dialTiming) wait(ip netip.Addr) (time.Duration, bool) {
	dt.mu.Lock()
	defer dt.mu.Unlock()
	return dt.rtt.wait(ip)
}

// observe learns the answer to a connect to ip that took r.
func (dt *dialTiming) observe(ip netip.Addr, r time.Duration) {
	dt.progress.RTT.Add(r)
	dt.mu.Lock()
	ready := dt.rtt.observe(ip, r)
	dt.mu.Unlock()
	if ready {
		close(dt.ready)
	}
}

// attempt is how one connect attempt ended.
type attempt struct {
	conn net.Conn
	err  error
	at   time.Duration // since the probe's first attempt
}

// answered reports whether the target answered the attempt: a connection,
// or a refusal (RST).
func (a attempt) answered() bool {
	return a.err == nil || errors.Is(a.err, syscall.ECONNREFUSED)
}

// dial connects to ap through d. It returns the connection (open), or
// the port's state, or a local failure (err) to be tried again later.
func (dt *dialTiming) dial(ctx context.Context, d probes.Dialer, pace *pacer, ap netip.AddrPort, timeout time.Duration) (net.Conn, report.State, error) {
	ip := ap.Addr()
	w, learned := dt.wait(ip)
	// Both attempts end together: at --timeout from the first, or at the
	// retry's deadline.
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	out := make(chan attempt, 2)
	try := func() {
		c, err := d.DialContext(actx, "tcp", ap.String())
		out <- attempt{conn: c, err: err, at: time.Since(start)}
	}
	go try()
	pending, retried := 1, false
	defer func() {
		if pending > 0 { // an attempt still out: close its connection if it comes
			go discard(out, pending)
		}
	}()

	timer := time.NewTimer(w)
	defer timer.Stop()
	var ready <-chan struct{}
	if !learned && !dt.rtt.fixed {
		ready = dt.ready
	}
	for pending > 0 {
		select {
		case a := <-out:
			pending--
			switch {
			case a.answered():
				cancel() // the other attempt, if any, is not needed
				dt.observe(ip, a.at)
				if a.err == nil {
					return a.conn, report.StateOpen, nil
				}
				return nil, report.StateClosed, nil
			case localFailure(a.err):
				if !retried {
					return nil, "", a.err
				}
			case !timedOut(a.err) && ctx.Err() == nil:
				return nil, report.StateFiltered, nil // unreachable: no wait helps
			}
		case <-ready:
			ready = nil
			if w, learned = dt.wait(ip); learned {
				timer.Reset(max(w-time.Since(start), 0))
			}
		case <-timer.C:
			switch {
			case retried:
				cancel() // the retry's wait is over: filtered
			case learned:
				rw := min(2*w, timeout-time.Since(start))
				if rw < rttFloor/2 || !pace.wait(ctx) { // a retry is a SYN too: --rate counts it
					break // too little left of --timeout to be worth it, or interrupted
				}
				retried = true
				dt.progress.Retries.Add(1)
				pending++
				go try()
				timer.Reset(rw)
			}
		}
	}
	return nil, report.StateFiltered, nil
}

// timedOut reports whether err is a deadline or cancellation.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ne) && ne.Timeout()
}

// discard closes the connections of attempts that end after the probe
// was decided.
func discard(out <-chan attempt, n int) {
	for range n {
		if a := <-out; a.conn != nil {
			a.conn.Close()
		}
	}
}
