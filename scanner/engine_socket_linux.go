package scanner

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The event loop's sockets and system calls. On the machines tlsweep is
// measured on, a system call is what a probe costs (on a virtual machine
// each one is a trip through the hypervisor), so the loop makes few:
//
//   - A socket is registered with epoll once, edge-triggered, and then
//     serves probe after probe. A refused connect leaves it unconnected;
//     one given up on (silent) is disconnected, not closed. A silent probe
//     thus costs its connect and a disconnect, and a retried one the same
//     again: no socket(2), close(2) or epoll_ctl(2).
//   - A connect is asked again at once only while that pays: on loopback
//     the answer is often there already, across any real network never.
//   - A deadline is acted on without asking the socket again when the last
//     epoll_wait read every event up to it (see reap).
//   - Calls that cannot block go to the kernel without the Go scheduler's
//     bookkeeping (and its hand-off of the loop's thread).

// engineSocket is a socket, its address family and whether it is in the
// engine's epoll set.
type engineSocket struct {
	fd, family int
	registered bool
}

// socket returns a spare socket of family, or a new one. Linux lets a TCP
// socket whose connect was refused or disconnected connect again, so one
// socket serves many probes.
func (e *engine) socket(family int) (engineSocket, error) {
	i := familyIndex(family)
	if n := len(e.spare[i]); n > 0 {
		s := e.spare[i][n-1]
		e.spare[i] = e.spare[i][:n-1]
		e.nspare--
		return s, nil
	}
	fd, err := newSocket(family)
	return engineSocket{fd: fd, family: family}, err
}

// recycle keeps unconnected socket s for the next probe (or retry), and
// closes it when the engine would hold more sockets than it may have in
// flight, and engineSpares.
// Probes started together are given up on together, and the next ones
// then find their sockets ready.
func (e *engine) recycle(s engineSocket) {
	if e.inflight+e.nspare >= e.sockets+engineSpares {
		unix.Close(s.fd)
		return
	}
	i := familyIndex(s.family)
	e.spare[i] = append(e.spare[i], s)
	e.nspare++
}

// retire ends socket s's connect in flight and keeps the socket.
func (e *engine) retire(s engineSocket) {
	if disconnect(s.fd) != nil {
		unix.Close(s.fd)
		return
	}
	e.recycle(s)
}

func familyIndex(family int) int {
	if family == unix.AF_INET6 {
		return 1
	}
	return 0
}

// watch asks epoll for the end of s's connects, once per socket: the
// registration is edge-triggered and outlives each connect.
func (e *engine) watch(s *engineSocket) error {
	if s.registered {
		return nil
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLET, Fd: int32(s.fd)}
	if err := unix.EpollCtl(e.epfd, unix.EPOLL_CTL_ADD, s.fd, &ev); err != nil {
		return err
	}
	s.registered = true
	return nil
}

// quickFull is engine.quick when every connect asked again at once was
// answered; at quickFull/2 or more the loop keeps asking, and below it
// asks one connect in quickSample, to notice when answers come at once
// again.
const (
	quickFull   = 1024
	quickSample = 16
)

// connect sends the SYN of socket fd to a. Loopback and near hosts may
// have answered before the call returns; while they mostly have, the loop
// asks again at once: that reads the answer (EALREADY: still waiting)
// without a trip through epoll, and a refusal read this way leaves the
// socket unconnected, ready for the next probe. Across a real network the
// answer is never there yet, and the second call is not made.
func (e *engine) connect(fd int, a *rawAddr) error {
	err := connectRaw(fd, a)
	if err != unix.EINPROGRESS {
		return err
	}
	e.asked++
	if e.quick < quickFull/2 && e.asked%quickSample != 0 {
		return err
	}
	err = connectRaw(fd, a)
	if err == unix.EALREADY {
		e.quick -= e.quick / 16
	} else {
		e.quick += (quickFull - e.quick) / 16
	}
	return err
}

// poll reads the events of the engine's sockets, waiting up to wait for
// one. It notes when it returned and whether it read every event.
func (e *engine) poll(wait time.Duration) (int, error) {
	n, err := e.pollNow()
	if n == 0 && err == nil && wait > 0 {
		if e.park.pollable {
			n, err = e.park.wait(wait, e.pollNow)
		} else {
			// Round up: a wait cut to 0 ms would spin until the deadline.
			n, err = unix.EpollWait(e.epfd, e.events, int((wait+time.Millisecond-1)/time.Millisecond))
			n = max(n, 0)
		}
	}
	e.polledAt, e.drained = e.now(), err == nil && n < len(e.events)
	return n, err
}

// pollNow reads the events there are, without waiting: a call that cannot
// block, made without the scheduler's bookkeeping.
func (e *engine) pollNow() (int, error) {
	r, _, errno := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(e.epfd),
		uintptr(unsafe.Pointer(&e.events[0])), uintptr(len(e.events)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// epollPark lets an event loop wait for its epoll instance in the Go
// runtime's own poller (an epoll descriptor is readable while it has
// events) instead of in a blocking epoll_wait. A thread blocked in a system
// call makes the runtime hand its processor over and its monitor thread
// poll every 20 µs; a goroutine parked in the poller costs neither.
type epollPark struct {
	f        *os.File // owns the epoll descriptor
	rc       syscall.RawConn
	pollable bool // false: the runtime's poller would not take it
}

// parkOn wraps epfd, which it then owns, for waiting in the runtime's
// poller.
func parkOn(epfd int) *epollPark {
	_ = unix.SetNonblock(epfd, true) // O_NONBLOCK is what makes os.NewFile poll it
	f := os.NewFile(uintptr(epfd), "epoll")
	rc, err := f.SyscallConn()
	return &epollPark{f: f, rc: rc, pollable: err == nil && f.SetReadDeadline(time.Time{}) == nil}
}

// wait parks until the epoll instance has events, and reads them with
// read, or until d has passed (0 events).
func (p *epollPark) wait(d time.Duration, read func() (int, error)) (int, error) {
	var n int
	var err error
	_ = p.f.SetReadDeadline(time.Now().Add(d))
	rerr := p.rc.Read(func(uintptr) bool {
		n, err = read()
		return n > 0 || err != nil
	})
	if rerr != nil && !errors.Is(rerr, os.ErrDeadlineExceeded) {
		return 0, rerr
	}
	return n, err
}

func (p *epollPark) close() { p.f.Close() }
