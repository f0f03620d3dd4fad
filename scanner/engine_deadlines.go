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

// deadlineHeap is a binary min-heap of deadlines by at. With adaptive
// timing connects wait different times, so the next to expire is no
// longer simply the oldest; the heap finds it in O(log n) without
// allocating once grown (container/heap would box every entry).
type deadlineHeap []engineDeadline

func (h *deadlineHeap) push(d engineDeadline) {
	*h = append(*h, d)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].at <= s[i].at {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// peek is the earliest deadline; ok is false when the heap is empty.
func (h deadlineHeap) peek() (engineDeadline, bool) {
	if len(h) == 0 {
		return engineDeadline{}, false
	}
	return h[0], true
}

func (h *deadlineHeap) pop() engineDeadline {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s[l].at < s[m].at {
			m = l
		}
		if r := l + 1; r < len(s) && s[r].at < s[m].at {
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
