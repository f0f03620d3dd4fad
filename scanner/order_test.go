package scanner

import (
	"context"
	"testing"
)

// TestOrderIsPermutation: every index of the space appears exactly once.
func TestOrderIsPermutation(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 7, 10, 64, 97, 1000, 4096, 65536 * 7} {
		o := newOrder(n, Shard{})
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
}

// TestShardsPartitionTheProbeSpace: the union of N shards is the unsharded
// probe set, with no overlap, for several N and target shapes.
func TestShardsPartitionTheProbeSpace(t *testing.T) {
	r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.0.0.1", "fd00::9"}, "db.example": {"10.0.0.2"}}}
	shapes := []TargetConfig{
		{Targets: []string{"10.0.0.0/24"}, Ports: []int{4287, 4288, 11443}},
		{Targets: []string{"10.0.0.1-37", "fd00::/124", "10.9.9.9:8443"}, Ports: []int{443}},
		{Targets: []string{"192.0.2.0/28", "198.51.100.7"}, Ports: []int{1, 2, 3, 4, 5, 6, 7}},
		// named hosts with two addresses, pinned ports inside and outside -p
		{Targets: []string{"192.0.2.0/29", "web.example", "db.example:11443", "db.example:22", "10.9.9.9:443", "10.9.9.9:25"},
			Ports: []int{22, 443, 4287, 8443, 11000, 11443}, Resolver: r},
	}
	for _, cfg := range shapes {
		set, err := Expand(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		all := map[Probe]bool{}
		whole := newOrder(set.Len(), Shard{})
		for j := range whole.count {
			all[set.At(whole.at(j))] = true
		}
		if uint64(len(all)) != set.Len() {
			t.Fatalf("%v: unsharded order covers %d of %d", cfg.Targets, len(all), set.Len())
		}
		for _, n := range []uint64{1, 2, 3, 5, 8, 13, 1000} {
			seen := map[Probe]int{}
			for k := uint64(1); k <= n; k++ {
				o := newOrder(set.Len(), Shard{K: k, N: n})
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

// TestOrderSpreadsHosts: consecutive probes do not hit the same host.
func TestOrderSpreadsHosts(t *testing.T) {
	set, err := Expand(context.Background(), TargetConfig{Targets: []string{"10.1.0.0/20"}, Ports: []int{4282, 4283, 4287, 4288, 11000, 11001, 11443}})
	if err != nil {
		t.Fatal(err)
	}
	o := newOrder(set.Len(), Shard{})
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
