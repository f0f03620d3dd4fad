package scanner

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestMinHeapOrder: deadlines come out of the heap earliest first, with
// pushes and pops interleaved as the engines do.
func TestMinHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h deadlineHeap
	var want []time.Duration
	var got []time.Duration
	for i := range 5000 {
		at := time.Duration(r.IntN(1000))
		h.push(engineDeadline{fd: int32(i), at: at})
		want = append(want, at)
		if i%3 == 0 {
			got = append(got, h.pop().at)
		}
	}
	for {
		if _, ok := h.peek(); !ok {
			break
		}
		got = append(got, h.pop().at)
	}
	if len(got) != len(want) {
		t.Fatalf("%d deadlines out, %d in", len(got), len(want))
	}
	// Each pop is the least of what was in the heap then: replay it.
	var in []time.Duration
	n := 0
	for i, at := range want {
		in = append(in, at)
		if i%3 == 0 {
			m := slices.Min(in)
			if got[n] != m {
				t.Fatalf("pop %d = %v, want %v", n, got[n], m)
			}
			in = slices.Delete(in, slices.Index(in, m), slices.Index(in, m)+1)
			n++
		}
	}
	slices.Sort(in)
	if !slices.Equal(got[n:], in) {
		t.Fatalf("the heap drained out of order")
	}
}
