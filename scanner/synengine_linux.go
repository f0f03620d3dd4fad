package scanner

import (
	"context"
	"encoding/binary"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
)

// The SYN discovery engine: one goroutine sends (new probes at --rate,
// resends and give-ups when their deadlines pass), one reads answers, one
// hands open ports to the examiners. The probes awaiting an answer are a
// table keyed by address and port, under one lock; a probe holds its
// host's --host-concurrency slot from its SYN until it is decided, and an
// open port's slot passes to its examination.

// synPending is a probe whose SYN awaits an answer.
type synPending struct {
	p       Probe
	sent    time.Duration // the last SYN went out (engine clock)
	first   time.Duration // the first SYN went out
	due     time.Duration // the wait ends
	learned bool          // due comes from a learned round trip
	retried bool          // in its second wait
	resent  bool          // and its SYN was sent again for it
	queued  bool          // its first SYN is in the sender's batch, not sent yet
}

// synDue is a probe whose wait ended: to send again, or filtered.
type synDue struct {
	p      Probe
	resend bool
}

type synEngine struct {
	cfg   *Config
	sock  *synSockets
	tx    *synSender
	src   *probeSource
	sink  *connectSink
	pace  *pacer
	dial  probes.Dialer // for IPv6 probes
	start time.Time

	mu        sync.Mutex // guards pending, deadlines, rtt and rearm
	pending   map[uint64]synPending
	deadlines synHeap
	rtt       *rttEstimator
	rearm     bool // the estimate just became usable
	// Evidence that resends find anything (see worthResend).
	silent, resent, resentAnswered uint64
	alive                          map[uint32]struct{} // addresses that have answered

	// The sender's own.
	waiting []Probe // their host is busy, or the same address and port is awaited
	freed   atomic.Uint64
	tried   uint64    // freed when waiting was last looked at
	triedAt time.Time // and when
	due     []synDue
	batch   []synOut // SYNs to send together (synbatch_linux.go)
	opens   chan Probe
	v6      chan Probe
	v6wg    sync.WaitGroup
}

// synKey names a probe by address and port, as its answer does.
func synKey(ip [4]byte, port uint16) uint64 {
	return uint64(binary.BigEndian.Uint32(ip[:]))<<16 | uint64(port)
}

// runSYN is the discovery phase of a --syn sweep, over sock.
func runSYN(ctx context.Context, cfg *Config, sock *synSockets, dial probes.Dialer, src *probeSource, sink *connectSink, pace *pacer) {
	tx, err := newSYNSender(sock)
	if err != nil { // the template is fixed: cannot happen
		runDialWorkers(ctx, cfg, dial, src, sink, pace)
		return
	}
	e := &synEngine{cfg: cfg, sock: sock, tx: tx, src: src, sink: sink, pace: pace, dial: dial, start: time.Now(),
		pending: make(map[uint64]synPending), alive: make(map[uint32]struct{}), rtt: newRTTEstimator(cfg.ConnectTimeout, cfg.FixedTimeout),
		opens: make(chan Probe, synOpensQueue), batch: make([]synOut, 0, synBatchSize(pace.interval))}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		defer close(e.opens)
		e.receive(stop)
	})
	readers.Go(func() {
		for p := range e.opens {
			e.sink.open(p, nil)
		}
	})
	e.sendAll(ctx)
	close(stop)
	readers.Wait()
	if e.v6 != nil {
		close(e.v6)
		e.v6wg.Wait()
	}
	// Interrupted: what still awaits an answer gives its host slot back.
	for _, pd := range e.pending {
		sink.hosts.release(pd.p.IP)
	}
}

func (e *synEngine) now() time.Duration { return time.Since(e.start) }

// sendAll sends every probe's SYN and decides the silent ones, until
// every probe is decided or ctx ends.
func (e *synEngine) sendAll(ctx context.Context) {
	for ctx.Err() == nil {
		if !e.expire(ctx) {
			return
		}
		issued := false
		for len(e.batch) < cap(e.batch) && e.issue(ctx) {
			issued = true
		}
		if len(e.batch) > 0 && !e.flush(ctx) {
			return
		}
		if issued {
			continue
		}
		e.mu.Lock()
		n := len(e.pending)
		next, ok := e.deadlines.peek()
		e.mu.Unlock()
		if n == 0 && len(e.waiting) == 0 && e.src.exhausted() {
			return
		}
		wait := synIdle
		if ok {
			wait = min(wait, max(next.at-e.now(), 0))
		}
		time.Sleep(wait)
	}
}

// issue puts the next probe's SYN in the batch: one held back for its host
// first, else a new one. False when there was nothing it could send.
func (e *synEngine) issue(ctx context.Context) bool {
	if p, ok := e.fromWaiting(); ok {
		e.queueNew(p)
		return true
	}
	e.mu.Lock()
	full := len(e.pending) >= synMaxPending
	e.mu.Unlock()
	if full || len(e.waiting) >= engineWaiting {
		return false
	}
	p, ok := e.src.take()
	if !ok {
		return false
	}
	if !p.IP.Unmap().Is4() {
		e.connectV6(ctx, p)
		return true
	}
	if !e.sink.hosts.tryAcquire(p.IP) {
		e.waiting = append(e.waiting, p)
		return true
	}
	e.queueNew(p)
	return true
}

// fromWaiting takes the first held-back probe whose host has a free slot,
// looking only when a probe was decided since the last look, or a
// millisecond has passed (an examination may have ended).
func (e *synEngine) fromWaiting() (Probe, bool) {
	if len(e.waiting) == 0 {
		return Probe{}, false
	}
	if f := e.freed.Load(); f == e.tried && time.Since(e.triedAt) < time.Millisecond {
		return Probe{}, false
	} else {
		e.tried, e.triedAt = f, time.Now()
	}
	for i, p := range e.waiting {
		if e.sink.hosts.tryAcquire(p.IP) {
			e.waiting = append(e.waiting[:i], e.waiting[i+1:]...)
			return p, true
		}
	}
	return Probe{}, false
}

// firstWait is how long a first SYN to ip waits: a few learned round
// trips, or (nothing learned yet, or --fixed-timeout) a third of
// --timeout, as the kernel resends a SYN after one of its three seconds.
func (e *synEngine) firstWait(ip netip.Addr) (time.Duration, bool) {
	w, learned := e.rtt.wait(ip)
	if !learned {
		return w / 3, false
	}
	return w, true
}

func (e *synEngine) decided() { e.freed.Add(1) }

// expire acts on the deadlines that have passed: a probe is sent again
// once, then filtered. False when ctx ended.
func (e *synEngine) expire(ctx context.Context) bool {
	now := e.now()
	e.mu.Lock()
	if e.rearm {
		e.rearmAll(now)
		e.rearm = false
	}
	e.due = e.due[:0]
	for len(e.due) < engineBatch {
		d, ok := e.deadlines.peek()
		if !ok || d.at > now {
			break
		}
		e.deadlines.pop()
		pd, ok := e.pending[d.key]
		if !ok || pd.due != d.at {
			continue // answered, or re-armed since
		}
		if w := e.resendWait(pd, now); w > 0 {
			pd.retried, pd.due = true, now+w
			if pd.resent = e.worthResend(d.key); pd.resent {
				pd.sent = now
				e.due = append(e.due, synDue{p: pd.p, resend: true})
			}
			e.pending[d.key] = pd
			e.deadlines.push(synDeadline{key: d.key, at: pd.due})
		} else {
			delete(e.pending, d.key)
			e.due = append(e.due, synDue{p: pd.p})
		}
	}
	e.mu.Unlock()
	for _, d := range e.due {
		if !d.resend {
			e.decided()
			e.sink.quiet(d.p, report.StateFiltered)
			continue
		}
		// A resend is a SYN too: it goes in the batch, and --rate counts it.
		ip, port := d.p.IP.Unmap().As4(), uint16(d.p.Port)
		e.batch = append(e.batch, synOut{key: synKey(ip, port), ip: ip, port: port, resend: true})
		if len(e.batch) == cap(e.batch) && !e.flush(ctx) {
			return false
		}
	}
	return true
}

// resendWait is how long the resend of pd waits; 0 means no resend (it
// had one, or --timeout is spent): pd is filtered.
func (e *synEngine) resendWait(pd synPending, now time.Duration) time.Duration {
	switch {
	case pd.retried:
		return 0
	case pd.learned:
		return e.rtt.retryWait(pd.due-pd.sent, pd.first, now)
	}
	return max(pd.first+e.cfg.ConnectTimeout-now, 0)
}

// worthResend decides whether the probe key, silent after its first wait,
// has its SYN sent again (it waits its second wait either way, so a slow
// host is still heard). A resend is for a lost SYN, and on a firewalled
// network nearly every silent probe is silent for good: resending them
// all would double the SYNs, and the time at --rate. So a silent probe is
// resent when its address has answered another probe (a live host: a SYN
// to it was lost, or its accept queue was full), and otherwise while
// resends prove useful: the first synResendProof always, then all as long
// as at least one in synResendUseful was answered, else one in
// synResendSample, to keep watching for loss. e.mu is held.
func (e *synEngine) worthResend(key uint64) bool {
	e.silent++
	_, alive := e.alive[uint32(key>>16)]
	ok := alive || e.resent < synResendProof || e.resentAnswered*synResendUseful >= e.resent || e.silent%synResendSample == 0
	if ok {
		e.resent++
	}
	return ok
}

// rearmAll gives the probes sent before anything had answered the wait
// the first answers now allow. e.mu is held.
func (e *synEngine) rearmAll(now time.Duration) {
	for key, pd := range e.pending {
		if pd.learned || pd.retried || pd.queued {
			continue
		}
		w, ok := e.rtt.wait(pd.p.IP)
		if !ok {
			continue
		}
		pd.learned = true
		if at := max(pd.sent+w, now); at < pd.due {
			pd.due = at
			e.deadlines.push(synDeadline{key: key, at: at})
		}
		e.pending[key] = pd
	}
}

// receive reads answers until stop is closed.
func (e *synEngine) receive(stop <-chan struct{}) {
	buf := make([]byte, synAnswer)
	for {
		select {
		case <-stop:
			return
		default:
		}
		r, ok, err := e.sock.readReply(buf)
		if err != nil {
			return // the socket broke: what awaits an answer is filtered
		}
		if ok {
			e.answer(r)
		}
	}
}

// answer decides the probe r answers, if it still awaits one.
func (e *synEngine) answer(r synReply) {
	key := synKey(r.ip, r.port)
	now := e.now()
	e.mu.Lock()
	pd, ok := e.pending[key]
	ok = ok && !pd.queued // else an answer to an earlier probe, given up
	if ok {
		delete(e.pending, key)
		if e.rtt.observe(pd.p.IP, now-pd.sent) {
			e.rearm = true
		}
		if pd.resent {
			e.resentAnswered++
		}
		if len(e.alive) < synMaxAlive {
			e.alive[uint32(key>>16)] = struct{}{}
		}
	}
	e.mu.Unlock()
	if !ok {
		return // a duplicate, or an answer to a probe given up
	}
	e.cfg.Progress.RTT.Add(now - pd.sent)
	e.decided()
	if r.open {
		e.opens <- pd.p
	} else {
		e.sink.quiet(pd.p, report.StateClosed)
	}
}

// connectV6 hands an IPv6 probe to the connect workers: SYN discovery is
// IPv4 only.
func (e *synEngine) connectV6(ctx context.Context, p Probe) {
	if e.v6 == nil {
		e.v6 = make(chan Probe)
		dc := newDialConnector(e.cfg, e.dial, e.sink.hosts, e.pace)
		for range min(e.cfg.Concurrency, synV6Workers) {
			e.v6wg.Go(func() {
				for p := range e.v6 {
					c, state, ok := dc.connect(ctx, p)
					switch {
					case !ok: // interrupted
					case state != report.StateOpen:
						e.sink.quiet(p, state)
					default:
						e.sink.open(p, c)
					}
				}
			})
		}
	}
	select {
	case e.v6 <- p:
	case <-ctx.Done():
	}
}
