package scanner

import (
	"math/bits"
	"net/netip"
	"sync/atomic"
	"time"
)

// Adaptive timing. Every answered connect (a SYN-ACK or a RST) is a round
// trip sample. An estimator keeps a smoothed round trip and its variance
// in the manner of RFC 6298, for the whole sweep and for each network (a
// /24 of IPv4, a /64 of IPv6). A connect with no answer after a few times
// the learned round trip (never less than rttFloor, never more than
// --timeout) is sent once more, since a lost SYN is not a silent host; the
// first socket keeps listening meanwhile, and the retry gets twice the
// first wait, within what is left of --timeout. Until enough answers have
// come, a connect waits all of --timeout.

const (
	// rttFloor is the shortest first wait: scheduling hiccups and a busy
	// peer's accept queue must not make a live host look silent.
	rttFloor = 100 * time.Millisecond
	// rttDialFloor is the floor of the Dialer workers (dialTiming): their
	// answers reach them through the Go scheduler, a goroutine per
	// connect, which on a loaded machine adds tens of milliseconds.
	rttDialFloor = 2 * rttFloor
	// rttGlobalMin and rttNetMin are the answers needed before the
	// sweep's, and a network's, estimate is used.
	rttGlobalMin = 4
	rttNetMin    = 8
	// rttMaxNets bounds the networks with their own estimate (12 bytes
	// and a map slot each); later networks use the sweep's.
	rttMaxNets = 1 << 16
)

// rttState is one smoothed round trip (microseconds, which keeps a network
// to 12 bytes) and its variance.
type rttState struct {
	srtt, rttvar uint32
	n            uint32
}

func (s *rttState) add(us uint32) {
	if s.n == 0 {
		s.srtt, s.rttvar = us, us/2
	} else {
		d := int64(s.srtt) - int64(us)
		if d < 0 {
			d = -d
		}
		s.rttvar = uint32((3*int64(s.rttvar) + d) / 4)
		s.srtt = uint32((7*int64(s.srtt) + int64(us)) / 8)
	}
	if s.n < 1<<31 {
		s.n++
	}
}

// wait is a few round trips: the RFC 6298 timeout (srtt + 4 rttvar), and at
// least three times srtt.
func (s *rttState) wait() time.Duration {
	us := max(uint64(s.srtt)+4*uint64(s.rttvar), 3*uint64(s.srtt))
	return time.Duration(us) * time.Microsecond
}

// rttEstimator learns round trips for one connect event loop (no locking:
// each loop has its own and learns from the answers it reads).
type rttEstimator struct {
	floor   time.Duration // the shortest first wait
	ceiling time.Duration // --timeout
	fixed   bool          // --fixed-timeout: always wait the ceiling
	global  rttState
	nets    map[uint64]rttState
}

func newRTTEstimator(ceiling time.Duration, fixed bool) *rttEstimator {
	return &rttEstimator{floor: rttFloor, ceiling: ceiling, fixed: fixed, nets: make(map[uint64]rttState)}
}

// netKey names ip's network: its /24 (IPv4) or its /64 (IPv6).
func netKey(ip netip.Addr) uint64 {
	ip = ip.Unmap()
	if ip.Is4() {
		b := ip.As4()
		return 0xffff<<32 | uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2])
	}
	b := ip.As16()
	var k uint64
	for _, c := range b[:8] {
		k = k<<8 | uint64(c)
	}
	return k
}

// observe learns one answered connect to ip after r. It reports whether
// the sweep's estimate just became usable.
func (e *rttEstimator) observe(ip netip.Addr, r time.Duration) (ready bool) {
	us := uint32(min(max(r.Microseconds(), 1), 1<<32-1))
	was := e.global.n >= rttGlobalMin
	e.global.add(us)
	k := netKey(ip)
	s, ok := e.nets[k]
	if ok || len(e.nets) < rttMaxNets {
		s.add(us)
		e.nets[k] = s
	}
	return !was && e.global.n >= rttGlobalMin
}

// wait is how long a connect to ip waits before its retry, and whether it
// comes from a learned round trip (false: nothing learned yet, or fixed
// timing; the wait is --timeout and there is no retry).
func (e *rttEstimator) wait(ip netip.Addr) (time.Duration, bool) {
	if e.fixed {
		return e.ceiling, false
	}
	st := e.global
	if s, ok := e.nets[netKey(ip)]; ok && s.n >= rttNetMin {
		st = s
	} else if st.n < rttGlobalMin {
		return e.ceiling, false
	}
	return min(max(st.wait(), e.floor), e.ceiling), true
}

// retryWait is the retry's wait after a first wait of first, sent at sent
// (both on the engine's clock) and retried at now; 0 means no retry: what
// is left of --timeout is too short to be worth a second SYN.
func (e *rttEstimator) retryWait(first, sent, now time.Duration) time.Duration {
	left := sent + e.ceiling - now
	w := min(2*first, left)
	if w < rttFloor/2 {
		return 0
	}
	return w
}

// RTTHistogram counts round trip samples in logarithmic buckets (eight to
// each power of two of microseconds, about 9% wide), for the summary's
// percentiles and the progress line. Safe for concurrent use.
type RTTHistogram struct {
	buckets [rttBuckets]atomic.Uint64
	n       atomic.Uint64
}

const rttBuckets = 16 + 28*8 // up to 2^32 µs, over an hour

func rttBucket(us uint64) int {
	if us < 16 {
		return int(us)
	}
	b := bits.Len64(us) // 5 and up
	return min(16+(b-5)*8+int(us>>(b-4))&7, rttBuckets-1)
}

// rttBucketMid is the middle of bucket i, in microseconds.
func rttBucketMid(i int) float64 {
	if i < 16 {
		return float64(i)
	}
	b := (i-16)/8 + 5
	lo := uint64(8+(i-16)%8) << (b - 4)
	return float64(lo) + float64(uint64(1)<<(b-4))/2
}

// Add counts one sample.
func (h *RTTHistogram) Add(r time.Duration) {
	h.buckets[rttBucket(uint64(max(r.Microseconds(), 0)))].Add(1)
	h.n.Add(1)
}

// Count is the number of samples.
func (h *RTTHistogram) Count() uint64 { return h.n.Load() }

// Quantile is the q-quantile (0..1) of the samples, 0 without any.
func (h *RTTHistogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n-1)) + 1
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			return time.Duration(rttBucketMid(i) * float64(time.Microsecond))
		}
	}
	return time.Duration(rttBucketMid(rttBuckets-1) * float64(time.Microsecond))
}
