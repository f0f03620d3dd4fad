package scanner

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// uint128 is a 16-byte address as a number, for interval arithmetic.
// IPv4 addresses are their IPv4-mapped values (::ffff:0:0/96), so the two
// families occupy disjoint parts of one space and never merge.
type uint128 struct{ hi, lo uint64 }

func u128From16(b [16]byte) uint128 {
	return uint128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (u uint128) cmp(v uint128) int {
	return cmp.Or(cmp.Compare(u.hi, v.hi), cmp.Compare(u.lo, v.lo))
}

// add64 and sub wrap around at 2^128.
func (u uint128) add64(n uint64) uint128 {
	lo, c := bits.Add64(u.lo, n, 0)
	return uint128{u.hi + c, lo}
}

func (u uint128) sub(v uint128) uint128 {
	lo, b := bits.Sub64(u.lo, v.lo, 0)
	hi, _ := bits.Sub64(u.hi, v.hi, b)
	return uint128{hi, lo}
}

// u128Addr turns u back into an address; IPv4-mapped values become IPv4.
func u128Addr(u uint128) netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], u.hi)
	binary.BigEndian.PutUint64(b[8:], u.lo)
	return netip.AddrFrom16(b).Unmap()
}
