package scanner

import (
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// sockaddr is ap as the kernel takes it, with its address family.
func sockaddr(ap netip.AddrPort) (unix.Sockaddr, int) {
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}, unix.AF_INET
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}, unix.AF_INET6
}

// newSocket opens a non-blocking TCP socket of family.
func newSocket(family int) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// errnoState reads a failed connect: refused is closed, a local shortage
// is an error (try again later), anything else (unreachable, timed out,
// reset) is filtered.
func errnoState(e unix.Errno) (report.State, error) {
	switch {
	case e == unix.ECONNREFUSED:
		return report.StateClosed, nil
	case localFailure(e):
		return "", os.NewSyscallError("connect", e)
	}
	return report.StateFiltered, nil
}

// fileConn makes a connected socket a net.Conn; the descriptor is closed
// either way (net.FileConn keeps its own copy).
func fileConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	return net.FileConn(f)
}

// openFileLimit is the process's open-file limit (0 when unknown). Go has
// already raised the soft limit to the hard one at start-up.
func openFileLimit() uint64 {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil {
		return 0
	}
	return lim.Cur
}
