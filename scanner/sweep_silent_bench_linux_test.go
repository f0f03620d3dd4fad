package scanner

import (
	"context"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkSweepSilent measures what a firewalled network costs tlsweep:
// 127.9.0.0/21 on two ports, one refused (the answers adaptive timing
// learns from) and one silent (a listener on every loopback address whose
// accept queue is full, so the kernel drops each SYN, as a firewall does).
// Half the probes wait a learned round trip, are sent once more and end
// filtered. --concurrency is an eighth of the probes, so sockets serve
// many probes each, as in a large sweep. cpu-ns/probe is the process's
// CPU time (user and system) per probe: the figure that bounds a sweep on
// a busy machine.
func BenchmarkSweepSilent(b *testing.B) {
	silent := silentPort(b)
	closed := refusedPort(b)
	set, err := Expand(context.Background(), TargetConfig{Targets: []string{"127.9.0.0/21"}, Ports: []int{silent, closed}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		r, err := Sweep(context.Background(), Config{Concurrency: 512}, set)
		if err != nil || r.Summary.Filtered != int(set.Len()/2) || r.Summary.Closed != int(set.Len()/2) {
			b.Fatalf("summary %+v: %v", r.Summary, err)
		}
	}
	b.StopTimer()
	probes := float64(uint64(b.N) * set.Len())
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/probes, "cpu-ns/probe")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/probes, "ns/probe")
}

// silentPort is a port on which every loopback address drops SYNs: its
// listener's accept queue is full.
func silentPort(b *testing.B) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{}); err != nil {
		b.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		b.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		b.Fatal(err)
	}
	port := sa.(*unix.SockaddrInet4).Port
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return port
}

// refusedPort is a port nothing listens on.
func refusedPort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
