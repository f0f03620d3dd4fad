package scanner

import (
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// startConnect opens a non-blocking socket and starts connecting it. When
// the kernel already has the answer (loopback and near hosts refuse within
// the call), done is true and state says what it is, the socket staying
// open only for StateOpen; otherwise fd is still connecting. err is a
// local failure (out of sockets, ports or memory).
func startConnect(ap netip.AddrPort) (fd int, state report.State, done bool, err error) {
	ip := ap.Addr().Unmap()
	var sa unix.Sockaddr
	domain := unix.AF_INET
	if ip.Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	} else {
		domain = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	}
	fd, err = unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, "", false, os.NewSyscallError("socket", err)
	}
	err = unix.Connect(fd, sa)
	switch err {
	case nil:
		return fd, report.StateOpen, true, nil
	case unix.EINPROGRESS:
		v, gerr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if gerr == nil && v != 0 {
			unix.Close(fd)
			state, err = errnoState(unix.Errno(v))
			return -1, state, true, err
		}
		return fd, "", false, nil
	default:
		unix.Close(fd)
		state, err = errnoState(err.(unix.Errno))
		return -1, state, true, err
	}
}

// errnoState reads a failed connect: refused is closed, a local shortage
// is an error (try again later), anything else (unreachable, timed out,
// reset) is filtered.
func errnoState(e unix.Errno) (report.State, error) {
	switch e {
	case unix.ECONNREFUSED:
		return report.StateClosed, nil
	case unix.EMFILE, unix.ENFILE, unix.EADDRNOTAVAIL, unix.ENOBUFS, unix.ENOMEM, unix.EAGAIN:
		return "", os.NewSyscallError("connect", e)
	}
	return report.StateFiltered, nil
}

// fileConn makes a connected socket a net.Conn; the descriptor is closed
// either way (net.FileConn keeps its own copy).
func fileConn(fd int) (net.Conn, report.State, error) {
	f := os.NewFile(uintptr(fd), "")
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, "", err
	}
	return conn, report.StateOpen, nil
}
