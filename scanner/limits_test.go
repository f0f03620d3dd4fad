package scanner

import "testing"

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
