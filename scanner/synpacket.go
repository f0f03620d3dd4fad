package scanner

import (
	"encoding/binary"
	"net"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
)

// The packets of stateless SYN discovery (--syn, see syn_linux.go): the
// SYN sent from a raw socket, the answers (SYN-ACK: open, RST: closed)
// read back, and the kernel filter that lets only those answers through.
//
// Every SYN of a sweep leaves from one source port and carries a sequence
// number derived from a per-sweep secret and the destination address and
// port (a cookie, as masscan does). An answer counts only when it comes to
// that port and acknowledges that number: a stray packet, or one meant for
// another program, is rejected without any state to look up.

const (
	synIPLen  = 20 // IPv4 header, no options
	synTCPLen = 24 // TCP header with one option (MSS)
	synLen    = synIPLen + synTCPLen
	synMSS    = 1460   // the MSS option every SYN carries, as a stack's would
	synWindow = 64240  // the window Linux offers in a SYN
	tcpSyn    = 0x02   // TCP flag bits
	tcpRst    = 0x04   // ...
	tcpAck    = 0x10   // ...
	synAnswer = 128    // bytes of an answer the filter passes: headers only
	ipProtoTC = 6      // IPPROTO_TCP
	ipFragOff = 0x1fff // fragment offset bits of the IPv4 header
	ipDF      = ipv4.DontFragment
	synTTL    = 64
	synAnsMin = synIPLen + 20 // shortest answer: two bare headers
)

// synCookie makes the sequence numbers of one sweep's SYNs.
type synCookie struct{ k0, k1 uint64 }

// mix64 is the splitmix64 finalizer: every input bit moves every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// seq is the sequence number of the SYN to ip:port.
func (c synCookie) seq(ip [4]byte, port uint16) uint32 {
	x := c.k0 ^ (uint64(binary.BigEndian.Uint32(ip[:]))<<16 | uint64(port))
	return uint32(mix64(mix64(x) ^ c.k1))
}

// synPacket is one SYN, built once from a template and patched for each
// probe in place: building and sending a SYN allocates nothing.
type synPacket struct {
	b [synLen]byte
}

// newSYNPacket is the template of a sweep's SYNs from source port sport.
// The IPv4 header comes from golang.org/x/net/ipv4; its addresses are set
// per probe.
func newSYNPacket(sport uint16) (*synPacket, error) {
	h := ipv4.Header{Version: ipv4.Version, Len: synIPLen, TotalLen: synLen, Flags: ipDF, TTL: synTTL,
		Protocol: ipProtoTC, Src: net.IPv4zero.To4(), Dst: net.IPv4zero.To4()}
	ip, err := h.Marshal()
	if err != nil {
		return nil, err
	}
	p := new(synPacket)
	copy(p.b[:], ip)
	// Linux and most systems write TotalLen in network order, but BSDs
	// want host order for raw sends: the kernel this runs on is Linux.
	binary.BigEndian.PutUint16(p.b[2:], synLen)
	binary.BigEndian.PutUint16(p.b[6:], 0x4000) // DF, offset 0
	t := p.b[synIPLen:]
	binary.BigEndian.PutUint16(t[0:], sport)
	t[12] = synTCPLen / 4 << 4
	t[13] = tcpSyn
	binary.BigEndian.PutUint16(t[14:], synWindow)
	t[20], t[21] = 2, 4 // MSS option
	binary.BigEndian.PutUint16(t[22:], synMSS)
	return p, nil
}

// fill makes the template the SYN from src to dst:dport with sequence
// number seq, checksums included, and returns it.
func (p *synPacket) fill(src, dst [4]byte, dport uint16, seq uint32) []byte {
	b := &p.b
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint16(b[10:], ^fold(sum16(b[:synIPLen], 0)))
	t := b[synIPLen:]
	binary.BigEndian.PutUint16(t[2:], dport)
	binary.BigEndian.PutUint32(t[4:], seq)
	t[16], t[17] = 0, 0
	// The pseudo-header: addresses, protocol and TCP length.
	s := sum16(b[12:20], ipProtoTC+synTCPLen)
	binary.BigEndian.PutUint16(t[16:], ^fold(sum16(t, s)))
	return b[:]
}

// sum16 adds b's big-endian 16-bit words (len(b) even) to s.
func sum16(b []byte, s uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	return s
}

// fold is the one's complement sum of s's halves.
func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// synReply is an answer to one of the sweep's SYNs.
type synReply struct {
	ip   [4]byte
	port uint16
	open bool // SYN-ACK; false is a RST (closed)
}

// parseReply reads pkt, an IPv4 packet as a raw socket returns it, as an
// answer to one of the SYNs sent from sport with cookie c. ok is false for
// anything else: another protocol or port, a fragment, a packet that
// acknowledges some other number.
func parseReply(pkt []byte, sport uint16, c synCookie) (r synReply, ok bool) {
	if len(pkt) < synAnsMin || pkt[0]>>4 != 4 || pkt[9] != ipProtoTC ||
		binary.BigEndian.Uint16(pkt[6:])&ipFragOff != 0 {
		return r, false
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < synIPLen || len(pkt) < ihl+20 {
		return r, false
	}
	t := pkt[ihl:]
	if binary.BigEndian.Uint16(t[2:]) != sport {
		return r, false
	}
	flags := t[13]
	switch {
	case flags&(tcpSyn|tcpAck|tcpRst) == tcpSyn|tcpAck:
		r.open = true
	case flags&tcpRst != 0 && flags&tcpAck != 0:
	default:
		return r, false
	}
	copy(r.ip[:], pkt[12:16])
	r.port = binary.BigEndian.Uint16(t[0:])
	if binary.BigEndian.Uint32(t[8:]) != c.seq(r.ip, r.port)+1 {
		return r, false
	}
	return r, true
}

// synFilter is the kernel filter (classic BPF) of the answer socket: IPv4
// TCP to sport, unfragmented, a SYN-ACK or a RST; the headers only. The
// cookie is checked after, by parseReply.
func synFilter(sport uint16) ([]bpf.RawInstruction, error) {
	return bpf.Assemble([]bpf.Instruction{
		/* 0 */ bpf.LoadAbsolute{Off: 6, Size: 2}, // flags and fragment offset
		/* 1 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: ipFragOff, SkipTrue: 8},
		/* 2 */ bpf.LoadMemShift{Off: 0}, // X = IP header length
		/* 3 */ bpf.LoadIndirect{Off: 2, Size: 2}, // TCP destination port
		/* 4 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(sport), SkipTrue: 5},
		/* 5 */ bpf.LoadIndirect{Off: 13, Size: 1}, // TCP flags
		/* 6 */ bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpSyn | tcpAck | tcpRst},
		/* 7 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpSyn | tcpAck, SkipTrue: 3},
		/* 8 */ bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpRst},
		/* 9 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpRst, SkipTrue: 1},
		/* 10 */ bpf.RetConstant{Val: 0}, // drop
		/* 11 */ bpf.RetConstant{Val: synAnswer}, // pass the headers
	})
}
