package scanner

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestOrderIsPermutation: every index of the space appears exactly once,
// whether the space is one class or split into two classes of scattered
// spans (as a target set's ports are: seven blocks, the first class taking
// every third).
func TestOrderIsPermutation(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 7, 10, 64, 97, 1000, 4096, 65536 * 7} {
		var first, rest []span
		w := max(n/7, 1)
		for lo := uint64(0); lo < n; lo += w {
			sp := span{lo, min(w, n-lo)}
			if lo/w%3 == 0 {
				first = append(first, sp)
			} else {
				rest = append(rest, sp)
			}
		}
		for _, classes := range [][][]span{{{{0, n}}}, {first, rest}} {
			testPermutation(t, n, newClassOrder(classes, Shard{}))
		}
	}
}

func testPermutation(t *testing.T, n uint64, o order) {
	t.Helper()
	if o.count != n {
		t.Fatalf("n=%d: count %d", n, o.count)
	}
	seen := make([]bool, n)
	for j := range o.count {
		i := o.at(j)
		if i >= n || seen[i] {
			t.Fatalf("n=%d: position %d gives %d (out of range or repeated)", n, j, i)
		}
		seen[i] = true
	}
}

// TestShardsPartitionTheProbeSpace: the union of N shards is the unsharded
// probe set, with no overlap, for several N and target shapes.
func TestShardsPartitionTheProbeSpace(t *testing.T) {
	for _, cfg := range orderShapes() {
		set, err := Expand(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		all := map[Probe]bool{}
		whole := newClassOrder(set.classes(), Shard{})
		for j := range whole.count {
			all[set.At(whole.at(j))] = true
		}
		if uint64(len(all)) != set.Len() {
			t.Fatalf("%v: unsharded order covers %d of %d", cfg.Targets, len(all), set.Len())
		}
		for _, n := range []uint64{1, 2, 3, 5, 8, 13, 1000} {
			seen := map[Probe]int{}
			for k := uint64(1); k <= n; k++ {
				o := newClassOrder(set.classes(), Shard{K: k, N: n})
				for j := range o.count {
					seen[set.At(o.at(j))]++
				}
			}
			if len(seen) != len(all) {
				t.Errorf("%v N=%d: shards cover %d probes, want %d", cfg.Targets, n, len(seen), len(all))
			}
			for p, c := range seen {
				if c != 1 || !all[p] {
					t.Errorf("%v N=%d: probe %v seen %d times", cfg.Targets, n, p, c)
				}
			}
		}
	}
}

// orderShapes are target sets of every kind: address blocks, named hosts,
// pinned ports, with and without ports that are slow to examine.
func orderShapes() []TargetConfig {
	r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.0.0.1", "fd00::9"}, "db.example": {"10.0.0.2"}}}
	return []TargetConfig{
		{Targets: []string{"10.0.0.0/24"}, Ports: []int{4287, 4288, 11443}},
		{Targets: []string{"10.0.0.1-37", "fd00::/124", "10.9.9.9:8443"}, Ports: []int{443}},
		{Targets: []string{"192.0.2.0/28", "198.51.100.7"}, Ports: []int{1, 2, 3, 4, 5, 6, 7}},
		// named hosts with two addresses, pinned ports inside and outside -p
		{Targets: []string{"192.0.2.0/29", "web.example", "db.example:11443", "db.example:22", "10.9.9.9:443", "10.9.9.9:25"},
			Ports: []int{22, 443, 4287, 8443, 11000, 11443}, Resolver: r},
	}
}

// TestOrderSlowRunFirst: in every shard, the positions before split are
// exactly the shard's probes on ports slow to examine (HTTPS).
func TestOrderSlowRunFirst(t *testing.T) {
	for _, cfg := range orderShapes() {
		set, err := Expand(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range []Shard{{}, {K: 2, N: 3}, {K: 5, N: 5}, {K: 7, N: 1000}} {
			o := newClassOrder(set.classes(), sh)
			for j := range o.count {
				p := set.At(o.at(j))
				if slowToExamine(p.Port) != (j < o.split) {
					t.Fatalf("%v shard %v: %v at position %d, slow run ends at %d", cfg.Targets, sh, p, j, o.split)
				}
			}
		}
	}
}

// TestProbeSourceRuns: the source takes the slow run first while the
// examiners have room and the other run while they are busy, and under
// any interleaving hands every probe of the shard exactly once.
func TestProbeSourceRuns(t *testing.T) {
	set, err := Expand(context.Background(), orderShapes()[3])
	if err != nil {
		t.Fatal(err)
	}
	ord := newClassOrder(set.classes(), Shard{K: 2, N: 3})
	if ord.split == 0 || ord.split == ord.count {
		t.Fatalf("shape has no two runs: split %d of %d", ord.split, ord.count)
	}
	drain := func(src *probeSource) []Probe {
		var out []Probe
		for p, ok := src.take(); ok; p, ok = src.take() {
			out = append(out, p)
		}
		if !src.exhausted() {
			t.Error("source not exhausted after the last probe")
		}
		return out
	}
	free := drain(&probeSource{set: set, ord: ord, busy: func() bool { return false }})
	busy := drain(&probeSource{set: set, ord: ord, busy: func() bool { return true }})
	for _, got := range [][]Probe{free, busy} {
		if uint64(len(got)) != ord.count {
			t.Fatalf("took %d probes, want %d", len(got), ord.count)
		}
	}
	slow := int(ord.split)
	for j, p := range free {
		if slowToExamine(p.Port) != (j < slow) {
			t.Fatalf("examiners free: %v at %d, want the %d slow probes first", p, j, slow)
		}
	}
	for j, p := range busy {
		if slowToExamine(p.Port) != (j >= len(busy)-slow) {
			t.Fatalf("examiners busy: %v at %d, want the %d slow probes last", p, j, slow)
		}
	}

	// Concurrent takers while busy flips: every probe exactly once.
	var flip atomic.Uint32
	src := &probeSource{set: set, ord: ord, busy: func() bool { return flip.Add(1)%3 == 0 }}
	var mu sync.Mutex
	seen := map[Probe]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for p, ok := src.take(); ok; p, ok = src.take() {
				mu.Lock()
				seen[p]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if uint64(len(seen)) != ord.count || !src.exhausted() {
		t.Fatalf("concurrent takers saw %d distinct probes of %d", len(seen), ord.count)
	}
	for _, p := range free {
		if seen[p] != 1 {
			t.Fatalf("%v taken %d times", p, seen[p])
		}
	}
}

// TestOrderSpreadsHosts: consecutive probes do not hit the same host.
func TestOrderSpreadsHosts(t *testing.T) {
	set, err := Expand(context.Background(), TargetConfig{Targets: []string{"10.1.0.0/20"}, Ports: []int{4282, 4283, 4287, 4288, 11000, 11001, 11443}})
	if err != nil {
		t.Fatal(err)
	}
	o := newClassOrder(set.classes(), Shard{})
	prev := set.At(o.at(0))
	for j := uint64(1); j < 5000; j++ {
		p := set.At(o.at(j))
		if p.IP == prev.IP {
			t.Fatalf("positions %d and %d both hit %s", j-1, j, p.IP)
		}
		prev = p
	}
}

func TestParseShard(t *testing.T) {
	for _, ok := range []string{"1/1", "2/8", "8/8"} {
		if _, err := ParseShard(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"0/4", "5/4", "1/0", "x/2", "2", "1/2/3", "-1/2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
