package scanner

import (
	"context"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// rawConnector is the connect phase on Linux: a non-blocking connect(2)
// whose answer is read at once when the kernel already has it (loopback and
// near hosts refuse within the call), and otherwise awaited in Go's
// network poller. A refused or unreachable probe costs four system calls
// and no allocation beyond the socket address; only open ports become
// net.Conns.
type rawConnector struct{}

func defaultConnector() connector { return rawConnector{} }

func (rawConnector) connect(ctx context.Context, ap netip.AddrPort, timeout time.Duration) (net.Conn, report.State, error) {
	ip := ap.Addr().Unmap()
	var sa unix.Sockaddr
	domain := unix.AF_INET
	if ip.Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	} else {
		domain = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	}
	fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, "", os.NewSyscallError("socket", err)
	}
	err = unix.Connect(fd, sa)
	switch err {
	case nil:
		return fileConn(fd)
	case unix.EINPROGRESS:
		v, gerr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if gerr == nil && v != 0 {
			unix.Close(fd)
			return errnoState(unix.Errno(v))
		}
		return awaitConnect(ctx, fd, timeout)
	default:
		unix.Close(fd)
		return errnoState(err.(unix.Errno))
	}
}

func errnoState(e unix.Errno) (net.Conn, report.State, error) {
	switch e {
	case unix.ECONNREFUSED:
		return nil, report.StateClosed, nil
	case unix.EMFILE, unix.ENFILE, unix.EADDRNOTAVAIL, unix.ENOBUFS, unix.ENOMEM, unix.EAGAIN:
		return nil, "", os.NewSyscallError("connect", e)
	}
	return nil, report.StateFiltered, nil // unreachable, timed out, reset
}

// awaitConnect waits for a connect in progress: writable means decided.
func awaitConnect(ctx context.Context, fd int, timeout time.Duration) (net.Conn, report.State, error) {
	f := os.NewFile(uintptr(fd), "")
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = f.SetWriteDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, "", err
	}
	// RawWrite clears the poller's readiness before its first call, so a
	// connect that completed in between would never wake us: ask the
	// kernel directly each time, and wait only when it is still pending.
	soerr := 0
	werr := rc.Write(func(fd uintptr) bool {
		pfd := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if n, err := unix.Poll(pfd[:], 0); err == nil && n == 0 {
			return false // still connecting: wait for writability
		}
		soerr, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		return true
	})
	if werr != nil { // deadline: no answer
		f.Close()
		return nil, report.StateFiltered, nil
	}
	if soerr != 0 {
		f.Close()
		return errnoState(unix.Errno(soerr))
	}
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, "", err
	}
	return conn, report.StateOpen, nil
}

func fileConn(fd int) (net.Conn, report.State, error) {
	f := os.NewFile(uintptr(fd), "")
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, "", err
	}
	return conn, report.StateOpen, nil
}
