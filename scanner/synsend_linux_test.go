package scanner

import (
	"errors"
	"testing"
)

// BenchmarkSYNSend is the per-probe path of a --syn sweep's sender: the
// source address from its cache, the cookie, the packet patched, and sent
// from the raw socket in batches of synBatchMax, one sendmmsg(2) each (to
// loopback, 127.0.0.0/8: run it in a network namespace of its own, as
// /work/wt/nsrun or unshare -n does). One op is one SYN; it allocates
// nothing.
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
	out := make([]synOut, 0, synBatchMax)
	send := func() {
		for i := 0; i < len(out); {
			n, err := tx.sendBatch(out[i:])
			if err != nil && !localFailure(err) {
				b.Fatal(err)
			}
			i += n
		}
		out = out[:0]
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out = append(out, synOut{ip: [4]byte{127, 9, byte(i >> 8), byte(i)}, port: 9})
		if len(out) == cap(out) {
			send()
		}
	}
	send()
}
