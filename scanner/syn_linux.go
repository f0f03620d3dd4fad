package scanner

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The raw sockets of stateless SYN discovery (--syn): one sends the SYNs
// (IPPROTO_RAW, headers written by tlsweep), one reads the answers
// (IPPROTO_TCP behind the kernel filter of synpacket.go). A plain TCP
// socket bound to the sweep's source port holds it, so no connection of
// this machine can take that port and be mistaken for, or disturbed by,
// the scan. The kernel answers each SYN-ACK with a RST, as nothing listens
// there: no half-open connection is left on the target.

// synSockets are one sweep's raw sockets and its source port.
type synSockets struct {
	send, recv, hold int
	sport            uint16
	cookie           synCookie
}

// synRecvBuf is the answer socket's buffer: a burst of answers while the
// reader is descheduled must not be dropped.
const synRecvBuf = 8 << 20

// synReadWake is how often a blocked read of answers wakes to see whether
// the sweep is over.
const synReadWake = 20 * time.Millisecond

// CheckSYN reports whether this process may send SYNs from a raw socket
// (--syn): nil, or an error wrapping ErrSYNPrivilege or ErrSYNUnsupported.
func CheckSYN() error {
	s, err := openSYN()
	if err != nil {
		return err
	}
	s.close()
	return nil
}

// openSYN opens a sweep's raw sockets.
func openSYN() (*synSockets, error) {
	s := &synSockets{send: -1, recv: -1, hold: -1}
	var err error
	if s.send, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW); err != nil {
		return nil, rawSocketError(err)
	}
	if err = s.holdPort(); err == nil {
		err = s.openRecv()
	}
	if err != nil {
		s.close()
		return nil, err
	}
	var k [16]byte
	_, _ = rand.Read(k[:]) // never fails (crypto/rand)
	s.cookie = synCookie{binary.LittleEndian.Uint64(k[:]), binary.LittleEndian.Uint64(k[8:])}
	return s, nil
}

func rawSocketError(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w: raw socket: %v", ErrSYNPrivilege, err)
	}
	return os.NewSyscallError("raw socket", err)
}

// holdPort binds a TCP socket to a free port and keeps it: the sweep's
// source port.
func (s *synSockets) holdPort() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	s.hold = fd
	if err := unix.Bind(fd, &unix.SockaddrInet4{}); err != nil {
		return os.NewSyscallError("bind", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	s.sport = uint16(sa.(*unix.SockaddrInet4).Port)
	return nil
}

// openRecv opens the answer socket with its filter.
func (s *synSockets) openRecv() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return rawSocketError(err)
	}
	s.recv = fd
	prog, err := synFilter(s.sport)
	if err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		filter[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return os.NewSyscallError("attach filter", err)
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, synRecvBuf) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, synRecvBuf)
	}
	tv := unix.NsecToTimeval(int64(synReadWake))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	// Packets queued before the filter was attached: read and drop them.
	var buf [synAnswer]byte
	for {
		if _, _, err := unix.Recvfrom(fd, buf[:], unix.MSG_DONTWAIT); err != nil {
			return nil
		}
	}
}

func (s *synSockets) close() {
	for _, fd := range []int{s.send, s.recv, s.hold} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// readReply waits (up to synReadWake) for the next answer to the sweep's
// SYNs. ok is false when none came; err is set only when the socket broke.
func (s *synSockets) readReply(buf []byte) (r synReply, ok bool, err error) {
	n, err := unix.Read(s.recv, buf)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return r, false, nil
	case err != nil:
		return r, false, os.NewSyscallError("read", err)
	}
	r, ok = parseReply(buf[:n], s.sport, s.cookie)
	return r, ok, nil
}

// synSender builds and sends SYNs (synbatch_linux.go): one goroutine's,
// allocation-free once it knows the source address for a destination's
// network.
type synSender struct {
	s      *synSockets
	pkt    *synPacket
	msgs   *synMsgs
	routes map[uint32][4]byte // a /24's source address
}

func newSYNSender(s *synSockets) (*synSender, error) {
	pkt, err := newSYNPacket(s.sport)
	if err != nil {
		return nil, err
	}
	return &synSender{s: s, pkt: pkt, msgs: newSYNMsgs(), routes: make(map[uint32][4]byte)}, nil
}

// source is the address the kernel would send from to ip, learned once
// per /24 from a UDP socket connected there (which sends nothing).
func (t *synSender) source(ip [4]byte) ([4]byte, error) {
	net := binary.BigEndian.Uint32(ip[:]) >> 8
	if src, ok := t.routes[net]; ok {
		return src, nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return [4]byte{}, err
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: 9, Addr: ip}); err != nil {
		return [4]byte{}, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return [4]byte{}, err
	}
	src := sa.(*unix.SockaddrInet4).Addr
	if len(t.routes) < rttMaxNets {
		t.routes[net] = src
	}
	return src, nil
}
