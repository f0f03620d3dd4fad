package scanner

import (
	"context"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// The connect phase on Linux, when no Dialer is injected, is one event loop
// per core rather than a goroutine per connection in flight. Each loop
// keeps its share of --concurrency non-blocking connects on its own epoll
// instance and a heap of deadlines (with adaptive timing each connect waits
// its own time, see rtt.go). No goroutine, no timer, no runtime poller
// entry per probe; only open ports become net.Conns. A probe costs few
// system calls besides its connect (see engine_socket_linux.go).

const (
	engineBatch   = 64                    // connects started between two looks at the events
	engineMaxWait = 20 * time.Millisecond // longest sleep, so cancellation and waiting hosts are seen
	engineWaiting = 64                    // probes held back for a busy host before taking new ones
	engineSpares  = 128                   // sockets kept for reuse beyond the engine's limit
	engineEvents  = 512                   // events read by one epoll_wait
)

// runRawEngines runs the connect phase until every probe of src is decided
// or ctx ends, with at most concurrency attempts in flight, and sockets
// sockets (a retried attempt has two). False when the event loops could
// not start (no epoll), and the caller falls back to goroutine workers.
func runRawEngines(ctx context.Context, concurrency, sockets int, src *probeSource, sink *connectSink, pace *pacer) bool {
	n := min(runtime.GOMAXPROCS(0), 4)
	if src.ord.count < uint64(n)*engineBatch {
		n = 1
	}
	engines := make([]*engine, 0, n)
	for range n {
		e, err := newEngine(max(concurrency/n, 1), max(sockets/n, 1), sink.cfg)
		if err != nil {
			for _, e := range engines {
				e.close()
			}
			return false
		}
		engines = append(engines, e)
	}
	done := make(chan struct{}, n)
	for _, e := range engines {
		go func() {
			defer func() { done <- struct{}{} }()
			defer e.close()
			e.run(ctx, src, sink, pace)
		}()
	}
	for range n {
		<-done
	}
	return true
}

// engineSlot is a connect in flight, indexed by its socket (registered
// with epoll), with the address it is connecting to; gen tells a reused descriptor from the one
// a deadline was set for (0: free). A retried probe has two slots, each
// naming the other as its twin: the first SYN's socket keeps listening
// (due never) while the retry's waits out the probe's last deadline.
type engineSlot struct {
	p       Probe
	sa      rawAddr
	family  int
	gen     uint32
	twin    int32         // the other socket of a retried probe, plus one (0: none)
	retried bool          // the probe's second SYN has gone, or could not
	second  bool          // this socket sent the second SYN
	learned bool          // due comes from a learned round trip, not --timeout
	sent    time.Duration // this socket's SYN went out
	first   time.Duration // the probe's first SYN went out
	due     time.Duration // this socket stops waiting (0: not set yet)
}

// never is the deadline of a first socket whose retry holds the probe's.
const never = time.Duration(1<<63 - 1)

type engine struct {
	epfd      int
	park      *epollPark // waits for epfd's events, and owns it
	limit     int
	start     time.Time
	gen       uint32
	slots     []engineSlot // by descriptor
	deadlines deadlineHeap
	rtt       *rttEstimator
	progress  *Progress
	ctx       context.Context // the sweep's, for the retries' pacing
	pace      *pacer
	inflight  int     // sockets, a retried probe's two included
	seconds   int     // sockets of those that sent a probe's second SYN
	sockets   int     // the most sockets in flight
	waiting   []Probe // their host was at --host-concurrency
	events    []unix.EpollEvent
	// polledAt is when the last epoll_wait returned; drained, that it
	// read every event there was. Every answer that came before polledAt
	// has then been read.
	polledAt time.Duration
	drained  bool
	retries  []pendingRetry    // second SYNs due, sent once reap has freed sockets
	spare    [2][]engineSocket // sockets to reuse, IPv4 and IPv6
	nspare   int
	quick    int32         // how often a connect asked again at once was answered, of 1024
	asked    uint32        // connects that could have been asked again at once
	pauseTil time.Duration // out of sockets: start nothing before this
	backoff  time.Duration
}

func newEngine(limit, sockets int, cfg *Config) (*engine, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	e := &engine{epfd: epfd, limit: limit, sockets: sockets, start: time.Now(), events: make([]unix.EpollEvent, engineEvents),
		quick: quickFull, rtt: newRTTEstimator(cfg.ConnectTimeout, cfg.FixedTimeout), progress: cfg.Progress}
	e.park = parkOn(epfd)
	return e, nil
}

func (e *engine) now() time.Duration { return time.Since(e.start) }

func (e *engine) close() { e.park.close() }

func (e *engine) run(ctx context.Context, src *probeSource, sink *connectSink, pace *pacer) {
	e.ctx, e.pace = ctx, pace
	defer e.abandon(sink)
	for ctx.Err() == nil {
		more := e.issue(ctx, src, sink, pace)
		if e.inflight == 0 && len(e.waiting) == 0 && src.exhausted() {
			return
		}
		wait := time.Duration(0)
		if !more {
			wait = engineMaxWait
			if d, ok := e.deadlines.peek(); ok {
				wait = min(wait, max(d.at-e.now(), 0))
			}
			if e.pauseTil > 0 {
				wait = min(wait, max(e.pauseTil-e.now(), 0))
			}
		}
		n, err := e.poll(wait)
		if err != nil && err != unix.EINTR {
			return // the epoll descriptor is broken: abandon is all that is left
		}
		for _, ev := range e.events[:max(n, 0)] {
			if !e.settle(int(ev.Fd), sink) {
				return
			}
		}
		if !e.reap(sink) {
			return
		}
	}
}

// issue starts connects until the engine is full, a batch has gone out or
// there is nothing to start now. more is true when it stopped only for the
// batch size.
func (e *engine) issue(ctx context.Context, src *probeSource, sink *connectSink, pace *pacer) (more bool) {
	if e.pauseTil > 0 {
		if e.now() < e.pauseTil {
			return false
		}
		e.pauseTil = 0
	}
	// Probes held back for a busy host go first, in order.
	kept := e.waiting[:0]
	for i, p := range e.waiting {
		if e.full() || ctx.Err() != nil || e.pauseTil > 0 {
			kept = append(kept, e.waiting[i:]...)
			break
		}
		if !sink.hosts.tryAcquire(p.IP) {
			kept = append(kept, p)
			continue
		}
		if !e.begin(ctx, p, sink, pace) {
			kept = append(kept, e.waiting[i+1:]...)
			break
		}
	}
	e.waiting = kept
	for range engineBatch {
		if e.full() || len(e.waiting) >= engineWaiting || e.pauseTil > 0 || ctx.Err() != nil {
			return false
		}
		p, ok := src.take()
		if !ok {
			return false
		}
		if !sink.hosts.tryAcquire(p.IP) {
			e.waiting = append(e.waiting, p)
			continue
		}
		if !e.begin(ctx, p, sink, pace) {
			return false
		}
	}
	return true
}

// full reports that the engine may start no attempt now: --concurrency
// counts attempts (a probe and its retry are one), and the sockets of the
// retries in flight must fit too.
func (e *engine) full() bool {
	return e.inflight-e.seconds >= e.limit || e.inflight >= e.sockets
}

// begin connects one probe whose host slot is held. False when the engine
// must stop starting connects for now (interrupted, or out of sockets and
// the probe is back in the waiting list).
func (e *engine) begin(ctx context.Context, p Probe, sink *connectSink, pace *pacer) bool {
	if !pace.wait(ctx) {
		sink.hosts.release(p.IP)
		return false
	}
	sa, family := sockaddr(p.addrPort())
	s, err := e.socket(family)
	if err != nil {
		e.shortage(p, sink)
		return false
	}
	sent := e.now()
	sl := engineSlot{p: p, sa: sa, sent: sent, first: sent}
	return e.decide(s, sl, e.connect(s.fd, &sl.sa), sink)
}

// decide acts on what connect(2) to sl.sa said about sl.p's socket s.
// False when the engine must stop starting connects for now.
func (e *engine) decide(s engineSocket, sl engineSlot, err error, sink *connectSink) bool {
	p := sl.p
	switch err {
	case unix.EALREADY, unix.EINPROGRESS:
		if err := e.watch(&s); err != nil {
			unix.Close(s.fd)
			e.shortage(p, sink)
			return false
		}
		if sl.due == 0 {
			w, learned := e.rtt.wait(p.IP)
			sl.due, sl.learned = sl.sent+w, learned
		}
		e.track(s, sl)
	case nil, unix.EISCONN:
		e.answered(sl)
		e.backoff = 0
		return e.handOver(s, p, sink)
	case unix.ECONNREFUSED:
		e.answered(sl)
		e.recycle(s)
		sink.quiet(p, report.StateClosed)
	default:
		unix.Close(s.fd)
		errno, _ := err.(unix.Errno)
		state, lerr := errnoState(errno)
		if lerr != nil {
			e.shortage(p, sink)
			return false
		}
		sink.quiet(p, state)
	}
	e.backoff = 0
	return true
}

// shortage gives back the host slot of a probe that hit a local shortage
// (out of sockets, ports or memory), puts the probe back at the front and
// pauses new connects, doubling the pause up to 200 ms.
func (e *engine) shortage(p Probe, sink *connectSink) {
	sink.hosts.release(p.IP)
	e.waiting = append([]Probe{p}, e.waiting...)
	e.backoff = min(max(2*e.backoff, time.Millisecond), 200*time.Millisecond)
	e.pauseTil = e.now() + e.backoff
}

// track keeps sl as socket s's connect in flight, until sl.due.
func (e *engine) track(s engineSocket, sl engineSlot) {
	fd := s.fd
	if fd >= len(e.slots) {
		e.slots = append(e.slots, make([]engineSlot, fd+1-len(e.slots)+len(e.slots)/2)...)
	}
	e.gen++
	if e.gen == 0 {
		e.gen = 1
	}
	sl.family, sl.gen = s.family, e.gen
	e.slots[fd] = sl
	if sl.second {
		e.seconds++
	}
	if sl.due != never {
		e.deadlines.push(engineDeadline{fd: int32(fd), gen: e.gen, at: sl.due})
	}
	e.inflight++
}

func (e *engine) untrack(fd int) engineSlot {
	sl := e.slots[fd]
	e.slots[fd] = engineSlot{}
	e.inflight--
	if sl.second {
		e.seconds--
	}
	return sl
}

// settle reads the answer to a connect the kernel has decided by asking
// connect(2) again. False when the sweep was interrupted while handing an
// open port over.
func (e *engine) settle(fd int, sink *connectSink) bool {
	if fd < 0 || fd >= len(e.slots) || e.slots[fd].gen == 0 {
		return true // a socket decided meanwhile, or a spare
	}
	err := connectRaw(fd, &e.slots[fd].sa)
	if err == unix.EALREADY {
		return true // woken early: the answer wakes it again
	}
	return e.conclude(fd, err, sink)
}

// conclude ends socket fd's connect with what connect(2) said (err), and
// its twin's, if any: the first answer decides the probe.
func (e *engine) conclude(fd int, err error, sink *connectSink) bool {
	sl := e.untrack(fd)
	if sl.twin != 0 {
		e.drop(int(sl.twin - 1))
	}
	s := engineSocket{fd: fd, family: sl.family, registered: true}
	if err == unix.EALREADY {
		err = unix.ETIMEDOUT // could not wait on: no answer is filtered
	}
	return e.decide(s, sl, err, sink)
}

// drop ends the connect on socket fd, the spare twin of a decided probe,
// and keeps the socket for another.
func (e *engine) drop(fd int) {
	if fd >= 0 && fd < len(e.slots) && e.slots[fd].gen != 0 {
		sl := e.untrack(fd)
		e.retire(engineSocket{fd: fd, family: sl.family, registered: true})
	}
}

// answered learns the round trip of an answered connect.
func (e *engine) answered(sl engineSlot) {
	r := e.now() - sl.sent
	e.progress.RTT.Add(r)
	if e.rtt.observe(sl.p.IP, r) {
		e.rearm()
	}
}

// handOver makes an open socket a net.Conn for the examiners.
func (e *engine) handOver(s engineSocket, p Probe, sink *connectSink) bool {
	if s.registered {
		_ = unix.EpollCtl(e.epfd, unix.EPOLL_CTL_DEL, s.fd, nil)
	}
	conn, err := fileConn(s.fd)
	if err != nil { // out of descriptors for the dup: try the probe again
		e.shortage(p, sink)
		return true
	}
	return sink.open(p, conn)
}

// abandon closes what is still in flight when the sweep ends early.
func (e *engine) abandon(sink *connectSink) {
	for fd := range e.slots {
		if e.slots[fd].gen != 0 {
			if t := e.slots[fd].twin; t != 0 {
				e.drop(int(t - 1)) // one host slot for the two
			}
			sl := e.untrack(fd)
			unix.Close(fd)
			sink.hosts.release(sl.p.IP)
		}
	}
	e.waiting = nil
	for i := range e.spare {
		for _, s := range e.spare[i] {
			unix.Close(s.fd)
		}
		e.spare[i] = nil
	}
	e.nspare = 0
}
