package scanner

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// Adaptive timing in the event loop (see rtt.go for what is learned): the
// first deadline of a connect comes from the learned round trip, the
// retry's from the first; a probe is filtered only when neither SYN has
// been answered by the retry's deadline.

// reap ends the connects whose deadline has passed (see expire). When the
// last epoll_wait read every event, an answer that came before polledAt
// has been read: the deadlines up to it pass without asking each socket
// again, and the later ones wait for the next epoll_wait. The second SYNs
// due go out last, on the sockets the filtered probes just gave back.
// False when the sweep was interrupted while handing an open port over.
func (e *engine) reap(sink *connectSink) bool {
	now, ask := e.now(), true
	if e.drained {
		now, ask = e.polledAt, false
	}
	e.retries = e.retries[:0]
	for {
		d, ok := e.deadlines.peek()
		if !ok || d.at > now {
			break
		}
		e.deadlines.pop()
		fd := int(d.fd)
		if fd >= len(e.slots) || e.slots[fd].gen != d.gen || e.slots[fd].due != d.at {
			continue // stale: decided, reused or re-armed since
		}
		w, ok := e.expire(fd, now, ask, sink)
		if !ok {
			return false
		}
		if w > 0 {
			e.retries = append(e.retries, pendingRetry{fd: int32(fd), gen: d.gen, wait: w})
		}
	}
	for _, r := range e.retries {
		if e.slots[r.fd].gen == r.gen && !e.retry(int(r.fd), r.wait, sink) {
			return false
		}
	}
	return true
}

// pendingRetry is a probe whose second SYN is due, waiting wait.
type pendingRetry struct {
	fd   int32
	gen  uint32
	wait time.Duration
}

// expire acts on socket fd's deadline: an answer not yet read decides the
// probe; otherwise a connect that waited a learned round trip is to be
// sent once more (retry > 0: its wait), and one that has had its retry
// (or waited all of --timeout) is filtered. ask: an answer may be queued
// behind events not read yet, so ask the sockets first. ok is false when
// the sweep was interrupted while handing an open port over.
func (e *engine) expire(fd int, now time.Duration, ask bool, sink *connectSink) (retry time.Duration, ok bool) {
	sl := &e.slots[fd]
	if ask {
		if err := connectRaw(fd, &sl.sa); err != unix.EALREADY {
			return 0, e.conclude(fd, err, sink)
		}
		if sl.twin != 0 {
			t := int(sl.twin - 1)
			if err := connectRaw(t, &e.slots[t].sa); err != unix.EALREADY {
				return 0, e.conclude(t, err, sink)
			}
		}
	}
	if !sl.retried && sl.learned {
		if w := e.rtt.retryWait(sl.due-sl.sent, sl.first, now); w > 0 {
			return w, true
		}
	}
	if t := sl.twin; t != 0 {
		e.drop(int(t - 1))
	}
	done := e.untrack(fd)
	e.retire(engineSocket{fd: fd, family: done.family, registered: true})
	sink.quiet(done.p, report.StateFiltered)
	return 0, true
}

// retry sends a second SYN for the probe waiting on socket fd, from a new
// socket that waits w; the first socket listens on meanwhile, so a late
// answer to either SYN counts. Out of sockets (or interrupted while waiting
// for --rate), the first one waits w more.
func (e *engine) retry(fd int, w time.Duration, sink *connectSink) bool {
	e.slots[fd].retried = true
	first := e.slots[fd]
	if e.inflight >= e.sockets || !e.pace.wait(e.ctx) { // a retry is a SYN too: --rate counts it
		e.extend(fd, w)
		return true
	}
	s, err := e.socket(first.family)
	if err != nil {
		e.extend(fd, w)
		return true
	}
	e.progress.Retries.Add(1)
	sent := e.now()
	next := engineSlot{p: first.p, sa: first.sa, twin: int32(fd) + 1, retried: true, second: true, learned: true, sent: sent, first: first.first, due: sent + w}
	err = e.connect(s.fd, &next.sa)
	if err != unix.EALREADY && err != unix.EINPROGRESS {
		// Answered at once: the retry decides, the first socket goes.
		e.drop(fd)
		next.twin = 0
		return e.decide(s, next, err, sink)
	}
	if e.watch(&s) != nil {
		unix.Close(s.fd)
		e.extend(fd, w)
		return true
	}
	e.track(s, next)
	e.slots[fd].twin = int32(s.fd) + 1
	e.slots[fd].due = never
	return true
}

// extend lets socket fd wait w more, instead of a retry that could not go.
func (e *engine) extend(fd int, w time.Duration) {
	sl := &e.slots[fd]
	sl.due = e.now() + w
	e.deadlines.push(engineDeadline{fd: int32(fd), gen: sl.gen, at: sl.due})
}

// rearm gives the connects that went out before anything had answered
// (waiting all of --timeout) the deadline the first answers now allow.
func (e *engine) rearm() {
	now := e.now()
	for fd := range e.slots {
		sl := &e.slots[fd]
		if sl.gen == 0 || sl.learned || sl.twin != 0 {
			continue
		}
		w, ok := e.rtt.wait(sl.p.IP)
		if !ok {
			continue
		}
		sl.learned = true
		if at := max(sl.sent+w, now); at < sl.due {
			sl.due = at
			e.deadlines.push(engineDeadline{fd: int32(fd), gen: sl.gen, at: at})
		}
	}
}
