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

// order walks the probe indices of one shard in a spread-out order: a
// fixed permutation i -> (a*i + b) mod n of the whole space (as zmap and
// masscan do, so consecutive probes hit different hosts and ports), of
// which shard K/N takes positions K-1, K-1+N, K-1+2N, ... The same n gives
// the same order on every machine, so N shards cover the space exactly
// once between them.
type order struct {
	n, a, b     uint64
	first, step uint64
	count       uint64 // positions in this shard
}

func newOrder(n uint64, sh Shard) order {
	o := order{n: n, step: 1}
	if sh.N > 1 {
		o.first, o.step = sh.K-1, sh.N
	}
	if n > o.first {
		o.count = (n-o.first-1)/o.step + 1
	}
	if n < 2 {
		o.a = 1
		return o
	}
	// A multiplier near n/phi, coprime with n, spreads neighbours far apart.
	a := uint64(float64(n)*0.6180339887498949) | 1
	for gcd(a, n) != 1 {
		a += 2
	}
	o.a, o.b = a%n, (n/3)%n
	if o.a == 0 {
		o.a = 1
	}
	return o
}

// at is the probe index at position j of this shard, j < count.
func (o order) at(j uint64) uint64 {
	i := o.first + j*o.step
	hi, lo := bits.Mul64(o.a, i)
	_, r := bits.Div64(hi%o.n, lo, o.n)
	r, carry := bits.Add64(r, o.b, 0)
	if carry != 0 || r >= o.n {
		r -= o.n
	}
	return r
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
