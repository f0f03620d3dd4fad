package scanner

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"
)

// FuzzParseReply feeds parseReply what a raw socket could return. It must
// never panic, must accept only a SYN-ACK or RST-ACK to the sweep's port
// that acknowledges the cookie of the address and port it names, and the
// kernel filter must pass every packet parseReply accepts (else a real
// answer would be dropped before parseReply saw it).
func FuzzParseReply(f *testing.F) {
	const sport = 40001
	c := synCookie{7, 9}
	good := c.seq(synTestDst, 443) + 1
	f.Add(reply(sport, 443, tcpSyn|tcpAck, good))
	f.Add(reply(sport, 443, tcpRst|tcpAck, good))
	f.Add(reply(sport, 443, tcpSyn, 0))
	f.Add([]byte{0x46, 0, 0, 0})
	prog, err := synFilter(sport)
	if err != nil {
		f.Fatal(err)
	}
	vm, err := bpf.NewVM(disassemble(f, prog))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		r, ok := parseReply(pkt, sport, c)
		if !ok {
			return
		}
		ihl := int(pkt[0]&0x0f) * 4
		tcp := pkt[ihl:]
		if binary.BigEndian.Uint16(tcp[2:]) != sport || binary.BigEndian.Uint32(tcp[8:]) != c.seq(r.ip, r.port)+1 {
			t.Fatalf("accepted %x: not to the sweep's port with its cookie", pkt)
		}
		if flags := tcp[13]; r.open != (flags&(tcpSyn|tcpAck|tcpRst) == tcpSyn|tcpAck) {
			t.Fatalf("accepted %x as open=%v with flags %#x", pkt, r.open, flags)
		}
		if n, err := vm.Run(pkt); err != nil || n == 0 {
			t.Fatalf("parseReply accepts %x but the kernel filter drops it (%d, %v)", pkt, n, err)
		}
	})
}
