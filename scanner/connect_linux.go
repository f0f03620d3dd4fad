package scanner

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// rawAddr is an address as connect(2) takes it, kept in an engine slot:
// no allocation per probe, and no conversion per connect.
type rawAddr struct {
	sa  unix.RawSockaddrInet6 // a RawSockaddrInet4 for IPv4
	len uint8
}

// sockaddr is ap as the kernel takes it, with its address family.
func sockaddr(ap netip.AddrPort) (rawAddr, int) {
	var r rawAddr
	ip := ap.Addr().Unmap()
	port := (*[2]byte)(unsafe.Pointer(&r.sa.Port))
	port[0], port[1] = byte(ap.Port()>>8), byte(ap.Port()) // network order
	if ip.Is4() {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&r.sa))
		sa4.Family, sa4.Addr, r.len = unix.AF_INET, ip.As4(), unix.SizeofSockaddrInet4
		return r, unix.AF_INET
	}
	r.sa.Family, r.sa.Addr, r.len = unix.AF_INET6, ip.As16(), unix.SizeofSockaddrInet6
	return r, unix.AF_INET6
}

// connectRaw is connect(2) on a non-blocking socket, without telling the
// Go scheduler: it never blocks, so the scheduler has nothing to hand
// over meanwhile (a slow connect would otherwise lose the engine its P).
func connectRaw(fd int, a *rawAddr) error {
	_, _, e := syscall.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&a.sa)), uintptr(a.len))
	if e != 0 {
		return e
	}
	return nil
}

// disconnect ends socket fd's connect in flight (connect(2) to AF_UNSPEC):
// a socket waiting for an answer becomes unconnected, sends nothing (no
// RST for a SYN that was never answered) and can connect again. A
// socket(2) and a close(2) saved per silent probe.
func disconnect(fd int) error {
	sa := unix.RawSockaddr{Family: unix.AF_UNSPEC}
	_, _, e := syscall.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	if e != 0 {
		return e
	}
	return nil
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
