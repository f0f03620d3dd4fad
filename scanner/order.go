package scanner

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Shard selects slice K of N (1 <= K <= N) of the probe space. The zero
// value is the whole space.
type Shard struct{ K, N uint64 }

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	kk, err1 := strconv.ParseUint(k, 10, 64)
	nn, err2 := strconv.ParseUint(n, 10, 64)
	if !ok || err1 != nil || err2 != nil || nn == 0 || kk == 0 || kk > nn {
		return Shard{}, fmt.Errorf("invalid --shard %q: use K/N with 1 <= K <= N, e.g. 2/8", s)
	}
	return Shard{K: kk, N: nn}, nil
}

func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// order walks the probe indices of one shard in a spread-out order. The
// space is split into classes that follow one another (the probes of ports
// slow to examine first, see TargetSet.classes); within a class a fixed
// permutation k -> (a*k + b) mod n (as zmap and masscan do, so consecutive
// probes hit different hosts and ports) picks the next index. Shard K/N
// takes positions K-1, K-1+N, K-1+2N, ... of the whole sequence. The same
// targets and ports give the same sequence on every machine, so N shards
// cover the space exactly once between them.
type order struct {
	classes     []permClass
	first, step uint64
	count       uint64 // positions in this shard
	split       uint64 // positions of this shard in the first class
}

// span is the probe indices lo, lo+1, ..., lo+n-1.
type span struct{ lo, n uint64 }

// permClass is one class of the sequence: n indices, listed by spans in
// ascending order, visited in the permutation's order.
type permClass struct {
	n, a, b uint64
	spans   []span
}

// newClassOrder orders the classes given, one after the other. Each class
// lists its indices as spans.
func newClassOrder(classes [][]span, sh Shard) order {
	o := order{step: 1}
	if sh.N > 1 {
		o.first, o.step = sh.K-1, sh.N
	}
	var n uint64
	for _, spans := range classes {
		c := newPermClass(spans)
		o.classes = append(o.classes, c)
		n += c.n
	}
	o.count = o.positions(n)
	if len(o.classes) > 0 {
		o.split = o.positions(o.classes[0].n)
	}
	return o
}

// positions counts this shard's positions below n.
func (o order) positions(n uint64) uint64 {
	if n <= o.first {
		return 0
	}
	return (n-o.first-1)/o.step + 1
}

func newPermClass(spans []span) permClass {
	c := permClass{a: 1, spans: spans}
	for _, s := range spans {
		c.n += s.n
	}
	n := c.n
	if n < 2 {
		return c
	}
	// A multiplier near n/phi, coprime with n, spreads neighbours far apart.
	a := uint64(float64(n)*0.6180339887498949) | 1
	for gcd(a, n) != 1 {
		a += 2
	}
	c.a, c.b = a%n, (n/3)%n
	if c.a == 0 {
		c.a = 1
	}
	return c
}

// at is the probe index at position j of this shard, j < count.
func (o order) at(j uint64) uint64 {
	i := o.first + j*o.step
	for k, c := range o.classes {
		if i < c.n || k == len(o.classes)-1 {
			return c.at(i)
		}
		i -= c.n
	}
	return 0 // no classes: count is 0 and there is no position j
}

// at is the index at position k of the class, k < n.
func (c permClass) at(k uint64) uint64 {
	if c.n == 0 {
		return 0
	}
	hi, lo := bits.Mul64(c.a, k)
	_, r := bits.Div64(hi%c.n, lo, c.n)
	r, carry := bits.Add64(r, c.b, 0)
	if carry != 0 || r >= c.n {
		r -= c.n
	}
	for _, s := range c.spans {
		if r < s.n {
			return s.lo + r
		}
		r -= s.n
	}
	return r // unreachable: the spans hold n indices
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
