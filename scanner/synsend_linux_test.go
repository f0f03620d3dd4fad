package scanner

import (
	"errors"
	"testing"
)

// BenchmarkSYNSend is the per-probe path of a --syn sweep's sender: the
// source address from its cache, the cookie, the packet patched and sent
// from the raw socket (to loopback, 127.0.0.0/8: run it in a network
// namespace of its own, as /work/wt/nsrun or unshare -n does). It
// allocates nothing per SYN.
func BenchmarkSYNSend(b *testing.B) {
	s, err := openSYN()
	if errors.Is(err, ErrSYNPrivilege) {
		b.Skip("needs root or CAP_NET_RAW")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	tx, err := newSYNSender(s)
	if err != nil {
		b.Fatal(err)
	}
	dst := [4]byte{127, 9, 0, 0}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dst[3] = byte(i)
		if err := tx.send(dst, 9); err != nil && !localFailure(err) {
			b.Fatal(err)
		}
	}
}
