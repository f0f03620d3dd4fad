package scanner

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// hostLimiter caps simultaneous connections per address. The probe order
// spreads hosts apart, so waits are rare; the map holds only addresses
// with a connection in flight.
type hostLimiter struct {
	limit int
	mu    sync.Mutex
	n     map[netip.Addr]int
	freed *sync.Cond
}

func newHostLimiter(limit int) *hostLimiter {
	h := &hostLimiter{limit: limit, n: make(map[netip.Addr]int)}
	h.freed = sync.NewCond(&h.mu)
	return h
}

// acquire takes a slot for ip; false when ctx ended first.
func (h *hostLimiter) acquire(ctx context.Context, ip netip.Addr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n[ip] < h.limit {
		h.n[ip]++
		return true
	}
	stop := context.AfterFunc(ctx, func() {
		h.mu.Lock()
		h.freed.Broadcast()
		h.mu.Unlock()
	})
	defer stop()
	for h.n[ip] >= h.limit {
		if ctx.Err() != nil {
			return false
		}
		h.freed.Wait()
	}
	h.n[ip]++
	return true
}

// tryAcquire takes a slot for ip if one is free, without waiting.
func (h *hostLimiter) tryAcquire(ip netip.Addr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n[ip] >= h.limit {
		return false
	}
	h.n[ip]++
	return true
}

func (h *hostLimiter) release(ip netip.Addr) {
	h.mu.Lock()
	c := h.n[ip] - 1
	if c <= 0 {
		delete(h.n, ip)
	} else {
		h.n[ip] = c
	}
	h.mu.Unlock()
	h.freed.Broadcast()
}

// pacer spaces connection attempts to at most rate per second, shared by
// every connect worker. A zero rate never waits.
//
// The schedule is absolute: each caller takes the next slot, interval
// after the previous one, and sleeps until it. A sleep always overshoots a
// little (timer and scheduler latency, some 100 µs to a few ms), so a
// caller finding its slot already past goes at once: the schedule catches
// up and the rate over a second is the one asked for. Only a debt of more
// than paceLag (idle time) is dropped, so a pause never turns into a burst
// of more than paceLag's worth of attempts.
type pacer struct {
	interval time.Duration
	next     atomic.Int64 // unix nanoseconds of the next free slot
}

// paceLag is how far behind its schedule the pacer may run and still catch
// up.
const paceLag = 25 * time.Millisecond

func newPacer(rate float64) *pacer {
	p := &pacer{}
	if rate > 0 {
		p.interval = max(time.Duration(float64(time.Second)/rate), 1)
		p.next.Store(time.Now().UnixNano())
	}
	return p
}

// wait blocks until this caller's slot; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool { return p.waitN(ctx, 1) }

// waitN takes the next n (>= 1) slots at once and blocks until the last of
// them: a caller sending n attempts together (the --syn sender's batches)
// sends none before its slot, so the rate and the catch-up rules are those
// of n single waits. False when ctx ended first.
func (p *pacer) waitN(ctx context.Context, n int) bool {
	if p.interval == 0 {
		return ctx.Err() == nil
	}
	span := int64(n) * int64(p.interval)
	now := time.Now().UnixNano()
	slot := p.next.Add(span) - span
	if floor := now - int64(paceLag); slot < floor {
		// Idle for a while: restart the schedule paceLag behind now.
		p.next.CompareAndSwap(slot+span, floor+span)
		slot = floor
	}
	last := slot + span - int64(p.interval)
	if last <= now {
		return ctx.Err() == nil // behind schedule: catch up
	}
	t := time.NewTimer(time.Duration(last - now))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// fdMargin is the descriptors kept for the rest of the process.
const fdMargin = 64

// fdBudget caps connection attempts in flight so that, under an open-file
// limit of limit (0: unknown), the examiners keep room for their
// connections (three each: one queued for it, the one it examines, one it
// dials) and the process a margin. Running out anyway is met by waiting
// and retrying, never reported as a target's state.
func fdBudget(concurrency, examiners int, limit uint64) int {
	const floor = 16
	if limit == 0 {
		return concurrency
	}
	room := int64(min(limit, 1<<30)) - 3*int64(examiners) - fdMargin
	return int(max(min(int64(concurrency), room), min(int64(concurrency), floor)))
}
