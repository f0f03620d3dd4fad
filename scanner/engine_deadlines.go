package scanner

import "time"

// engineDeadline is when the connect on socket fd (of generation gen)
// stops waiting. An entry whose socket has moved on (another generation,
// or another deadline since) is stale and skipped when it comes up.
type engineDeadline struct {
	fd  int32
	gen uint32
	at  time.Duration // since the engine started
}

func (d engineDeadline) due() time.Duration { return d.at }

// deadlineHeap holds the connect engine's deadlines.
type deadlineHeap = minHeap[engineDeadline]

// timed is an entry of a minHeap: it is due at a time since its engine
// started.
type timed interface{ due() time.Duration }

// minHeap is a binary min-heap of deadlines by due time. With adaptive
// timing connects wait different times, so the next to expire is no
// longer simply the oldest; the heap finds it in O(log n) without
// allocating once grown (container/heap would box every entry). Both
// engines (connect and --syn) use it.
type minHeap[T timed] []T

func (h *minHeap[T]) push(d T) {
	*h = append(*h, d)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].due() <= s[i].due() {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// peek is the earliest deadline; ok is false when the heap is empty.
func (h minHeap[T]) peek() (d T, ok bool) {
	if len(h) == 0 {
		return d, false
	}
	return h[0], true
}

func (h *minHeap[T]) pop() T {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s[l].due() < s[m].due() {
			m = l
		}
		if r := l + 1; r < len(s) && s[r].due() < s[m].due() {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
