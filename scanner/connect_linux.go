package scanner

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

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

// raiseOpenFileLimit lifts the open-file limit towards need and returns
// the limit in force (0 when unknown). Go has already raised the soft
// limit to the hard one at start-up; a process allowed to (root, or
// CAP_SYS_RESOURCE) also gets its hard limit raised, up to the kernel's
// fs.nr_open.
func raiseOpenFileLimit(need uint64) uint64 {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil {
		return 0
	}
	if lim.Cur >= need {
		return lim.Cur
	}
	if lim.Max < need {
		if nr := nrOpen(); nr > lim.Max {
			up := unix.Rlimit{Cur: min(need, nr), Max: min(need, nr)}
			if unix.Setrlimit(unix.RLIMIT_NOFILE, &up) == nil {
				return up.Cur
			}
		}
	}
	up := unix.Rlimit{Cur: min(need, lim.Max), Max: lim.Max}
	if up.Cur > lim.Cur && unix.Setrlimit(unix.RLIMIT_NOFILE, &up) == nil {
		return up.Cur
	}
	return lim.Cur
}

// nrOpen is the kernel's cap on a process's open-file limit (0: unknown).
func nrOpen() uint64 {
	b, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
