package scanner

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
)

var (
	synTestSrc = [4]byte{10, 0, 0, 1}
	synTestDst = [4]byte{10, 0, 7, 9}
)

// checksumOK: a header whose checksum field is right sums to 0xffff.
func checksumOK(b []byte, s uint32) bool { return fold(sum16(b, s)) == 0xffff }

// TestSYNPacket: the SYN parses back as an IPv4 header (x/net/ipv4) with
// both checksums right, from the sweep's port, with the cookie as its
// sequence number and only the SYN flag.
func TestSYNPacket(t *testing.T) {
	p, err := newSYNPacket(40001)
	if err != nil {
		t.Fatal(err)
	}
	c := synCookie{1, 2}
	seq := c.seq(synTestDst, 443)
	b := p.fill(synTestSrc, synTestDst, 443, seq)
	h, err := ipv4.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Len != 20 || h.TotalLen != synLen || h.Protocol != 6 || !h.Src.Equal(synTestSrc[:]) || !h.Dst.Equal(synTestDst[:]) || h.TTL != synTTL {
		t.Errorf("IP header %+v", h)
	}
	if !checksumOK(b[:synIPLen], 0) {
		t.Error("IP checksum wrong")
	}
	tcp := b[synIPLen:]
	if !checksumOK(tcp, sum16(b[12:20], ipProtoTC+synTCPLen)) {
		t.Error("TCP checksum wrong")
	}
	if sp, dp := binary.BigEndian.Uint16(tcp), binary.BigEndian.Uint16(tcp[2:]); sp != 40001 || dp != 443 {
		t.Errorf("ports %d -> %d", sp, dp)
	}
	if binary.BigEndian.Uint32(tcp[4:]) != seq || tcp[13] != tcpSyn || tcp[12]>>4 != synTCPLen/4 {
		t.Errorf("seq/flags/offset % x", tcp[4:14])
	}
	// Another probe patched into the same template: checksums still right.
	b = p.fill(synTestSrc, [4]byte{192, 168, 1, 200}, 8443, c.seq([4]byte{192, 168, 1, 200}, 8443))
	if !checksumOK(b[:synIPLen], 0) || !checksumOK(b[synIPLen:], sum16(b[12:20], ipProtoTC+synTCPLen)) {
		t.Error("checksums wrong after a second fill")
	}
}

// reply is the answer of dst:dport to a SYN from sport: flags and the
// acknowledgement number it carries.
func reply(sport, dport uint16, flags byte, ack uint32) []byte {
	b := make([]byte, 40)
	b[0], b[9] = 0x45, ipProtoTC
	copy(b[12:16], synTestDst[:])
	copy(b[16:20], synTestSrc[:])
	t := b[20:]
	binary.BigEndian.PutUint16(t, dport)
	binary.BigEndian.PutUint16(t[2:], sport)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12], t[13] = 5<<4, flags
	return b
}

// TestSYNReplies: a SYN-ACK is open and a RST closed only when they come to
// the sweep's port and acknowledge the cookie; the kernel filter passes
// exactly the SYN-ACKs and RSTs to that port.
func TestSYNReplies(t *testing.T) {
	const sport = 40001
	c := synCookie{7, 9}
	good := c.seq(synTestDst, 443) + 1
	prog, err := synFilter(sport)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(disassemble(t, prog))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		pkt          []byte
		filter, ok   bool
		open         bool
		fragmentedAt int
	}{
		{name: "SYN-ACK", pkt: reply(sport, 443, tcpSyn|tcpAck, good), filter: true, ok: true, open: true},
		{name: "RST-ACK", pkt: reply(sport, 443, tcpRst|tcpAck, good), filter: true, ok: true},
		{name: "SYN-ACK, wrong ack", pkt: reply(sport, 443, tcpSyn|tcpAck, good+1), filter: true},
		{name: "RST, wrong ack", pkt: reply(sport, 443, tcpRst|tcpAck, 12345), filter: true},
		{name: "SYN-ACK from another port", pkt: reply(sport, 444, tcpSyn|tcpAck, good), filter: true},
		{name: "SYN-ACK to another port", pkt: reply(sport+1, 443, tcpSyn|tcpAck, good)},
		{name: "our own SYN", pkt: reply(sport, 443, tcpSyn, 0)},
		{name: "data", pkt: reply(sport, 443, tcpAck, good)},
		{name: "fragment", pkt: reply(sport, 443, tcpSyn|tcpAck, good), fragmentedAt: 1},
	} {
		if tc.fragmentedAt > 0 {
			binary.BigEndian.PutUint16(tc.pkt[6:], uint16(tc.fragmentedAt))
		}
		n, err := vm.Run(tc.pkt)
		if err != nil {
			t.Fatal(err)
		}
		if (n > 0) != tc.filter {
			t.Errorf("%s: filter passed %d bytes, want pass=%v", tc.name, n, tc.filter)
		}
		r, ok := parseReply(tc.pkt, sport, c)
		if ok != tc.ok || ok && (r.open != tc.open || r.port != 443 || r.ip != synTestDst) {
			t.Errorf("%s: parseReply %+v, %v; want ok=%v open=%v", tc.name, r, ok, tc.ok, tc.open)
		}
	}
}

func disassemble(t testing.TB, raw []bpf.RawInstruction) []bpf.Instruction {
	t.Helper()
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("filter does not disassemble")
	}
	return prog
}

// BenchmarkSYNBuild is the per-probe work of building a SYN: its cookie,
// the template patched with addresses, port and checksums. It allocates
// nothing.
func BenchmarkSYNBuild(b *testing.B) {
	p, err := newSYNPacket(40001)
	if err != nil {
		b.Fatal(err)
	}
	c := synCookie{1, 2}
	dst := synTestDst
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dst[3] = byte(i)
		p.fill(synTestSrc, dst, 443, c.seq(dst, 443))
	}
}
