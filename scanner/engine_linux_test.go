package scanner_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
)

// These tests drive the connect phase against real loopback sockets in
// each of the states it must tell apart: the event loop (no Dialer
// injected) and, where marked, the Dialer workers too, which systems
// without epoll use.

// connectPaths are the two connect phases, by the Config.Dialer that
// selects them.
var connectPaths = []struct {
	name   string
	dialer probes.Dialer
}{{"event loop", nil}, {"dial workers", &net.Dialer{}}}

// blackhole returns the port of a listener whose accept queue is full, so
// the kernel drops further SYNs to it: a connect there is never answered,
// as behind a firewall that drops.
func blackhole(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*unix.SockaddrInet4).Port
	// Fill the queue with a connection that is never accepted.
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return port
}

// countProbe counts the endpoints it examines and the most examined at
// once, holding each for hold.
type countProbe struct {
	hold      time.Duration
	mu        sync.Mutex
	now, peak int
	seen      atomic.Int64
}

func (*countProbe) Name() string { return "count" }

func (c *countProbe) Probe(ctx context.Context, d probes.Dialer, t probes.Target, ep *report.Endpoint) error {
	c.mu.Lock()
	c.now++
	c.peak = max(c.peak, c.now)
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.now--; c.mu.Unlock() }()
	c.seen.Add(1)
	conn, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(t.IP, t.Port).String())
	if err != nil {
		return err
	}
	defer conn.Close()
	select {
	case <-time.After(c.hold):
	case <-ctx.Done():
	}
	ep.Transport = report.TransportUnknown
	return nil
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

func TestEngineTellsOpenClosedFiltered(t *testing.T) {
	for _, path := range connectPaths {
		t.Run(path.name, func(t *testing.T) { testOpenClosedFiltered(t, path.dialer) })
	}
}

func testOpenClosedFiltered(t *testing.T, dialer probes.Dialer) {
	var accepted atomic.Int64
	open := listen(t, "127.0.0.1:0", func(c net.Conn) { accepted.Add(1); silentConn(c) })
	filtered := blackhole(t)
	closed := closedPort(t)
	set, err := scanner.Expand(context.Background(), scanner.TargetConfig{Targets: []string{"127.0.0.1"},
		Ports: []int{portOf(open), closed, filtered}})
	if err != nil {
		t.Fatal(err)
	}
	before := openFDs(t)
	cp := &countProbe{}
	start := time.Now()
	r, err := scanner.Sweep(context.Background(), scanner.Config{ConnectTimeout: 300 * time.Millisecond, ShowClosed: true, Probes: []probes.Probe{cp}, Dialer: dialer}, set)
	if err != nil {
		t.Fatal(err)
	}
	states := map[int]report.State{}
	for _, ep := range r.Endpoints {
		states[ep.Port] = ep.State
	}
	want := map[int]report.State{portOf(open): report.StateOpen, closed: report.StateClosed, filtered: report.StateFiltered}
	for port, st := range want {
		if states[port] != st {
			t.Errorf("port %d: %q, want %q (all: %v)", port, states[port], st, states)
		}
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("filtered port decided after %v, before the 300ms connect timeout", el)
	}
	// The probe's dial gets the connect phase's connection: one
	// connection in all reached the server (its accept loop may lag).
	for end := time.Now().Add(2 * time.Second); accepted.Load() == 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if cp.seen.Load() != 1 || accepted.Load() != 1 {
		t.Errorf("open port examined %d times, server accepted %d connections; want 1 and 1", cp.seen.Load(), accepted.Load())
	}
	if !r.Complete || r.Summary.Open != 1 || r.Summary.Closed != 1 || r.Summary.Filtered != 1 {
		t.Errorf("summary %+v complete=%v", r.Summary, r.Complete)
	}
	if after := openFDs(t); after > before {
		t.Errorf("descriptors: %d before the sweep, %d after", before, after)
	}
}

// TestEngineHostConcurrency: many open ports on one address, examined
// slowly, never hold more than --host-concurrency connections at once,
// and every one is still examined.
func TestEngineHostConcurrency(t *testing.T) {
	for _, path := range connectPaths {
		t.Run(path.name, func(t *testing.T) { testHostConcurrency(t, scanner.Config{Dialer: path.dialer}) })
	}
}

// testHostConcurrency sweeps 12 open ports of one address with cfg at
// --host-concurrency 2: every port is examined, never more than 2 at once.
func testHostConcurrency(t *testing.T, cfg scanner.Config) {
	var ports []int
	for range 12 {
		ports = append(ports, portOf(listen(t, "127.0.0.1:0", silentConn)))
	}
	set, err := scanner.Expand(context.Background(), scanner.TargetConfig{Targets: []string{"127.0.0.1"}, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	cp := &countProbe{hold: 30 * time.Millisecond}
	cfg.HostConcurrency, cfg.ConnectTimeout, cfg.Probes = 2, time.Second, []probes.Probe{cp}
	r, err := scanner.Sweep(context.Background(), cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	if cp.seen.Load() != 12 || r.Summary.Open != 12 || !r.Complete {
		t.Errorf("examined %d of 12, summary %+v", cp.seen.Load(), r.Summary)
	}
	if cp.peak > 2 {
		t.Errorf("%d endpoints of one host examined at once, --host-concurrency is 2", cp.peak)
	}
}

// TestEngineCancelClosesInFlight: cancelling while connects wait on
// silent ports returns at once, says incomplete and leaks no socket.
func TestEngineCancelClosesInFlight(t *testing.T) {
	ports := []int{blackhole(t), blackhole(t), blackhole(t)}
	set, err := scanner.Expand(context.Background(), scanner.TargetConfig{Targets: []string{"127.0.0.1-127.0.0.1"}, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	before := openFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	r, err := scanner.Sweep(ctx, scanner.Config{ConnectTimeout: 10 * time.Second}, set)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("sweep took %v to stop after cancel", el)
	}
	if r.Complete {
		t.Error("an interrupted sweep says complete")
	}
	if after := openFDs(t); after > before {
		t.Errorf("descriptors: %d before the sweep, %d after", before, after)
	}
}

// TestEngineRetriesWhenOutOfDescriptors: with the descriptor limit a few
// above what is open, connects to silent ports fail locally (EMFILE) while
// the first ones wait. Those are retried, never reported as a state of the
// target: silent ports end filtered, refusing ones closed, none is lost.
func TestEngineRetriesWhenOutOfDescriptors(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	var ports []int
	for range 24 {
		ports = append(ports, blackhole(t))
	}
	closed := map[int]bool{}
	for range 24 {
		closed[closedPort(t)] = true
	}
	for p := range closed {
		ports = append(ports, p)
	}
	set, err := scanner.Expand(context.Background(), scanner.TargetConfig{Targets: []string{"127.0.0.1"}, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	tight := lim
	tight.Cur = uint64(openFDs(t) + 6)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &tight); err != nil {
		t.Skip(err)
	}
	r, err := scanner.Sweep(context.Background(), scanner.Config{Concurrency: 64, HostConcurrency: 64, ConnectTimeout: 100 * time.Millisecond}, set)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Filtered != 24 || r.Summary.Closed != len(closed) || !r.Complete {
		t.Errorf("summary %+v complete=%v, want 24 filtered and %d closed", r.Summary, r.Complete, len(closed))
	}
}

// TestEngineSocketServesManyProbes: with one attempt in flight, the event
// loop's few sockets serve probe after probe, silent, refused and open in
// turn: a socket given up on (disconnected, not closed) must connect again
// and find the next port open, and a refused one likewise. Nothing is
// lost and no descriptor is left behind.
func TestEngineSocketServesManyProbes(t *testing.T) {
	var ports []int
	for range 5 {
		ports = append(ports, blackhole(t), closedPort(t), portOf(listen(t, "127.0.0.1:0", silentConn)))
	}
	set, err := scanner.Expand(context.Background(), scanner.TargetConfig{Targets: []string{"127.0.0.1"}, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	before := openFDs(t)
	cp := &countProbe{}
	r, err := scanner.Sweep(context.Background(), scanner.Config{Concurrency: 1, ConnectTimeout: 400 * time.Millisecond,
		ShowClosed: true, Probes: []probes.Probe{cp}}, set)
	if err != nil {
		t.Fatal(err)
	}
	got := map[report.State]int{}
	for _, ep := range r.Endpoints {
		got[ep.State]++
	}
	if got[report.StateOpen] != 5 || got[report.StateClosed] != 5 || got[report.StateFiltered] != 5 || !r.Complete {
		t.Errorf("states %v complete=%v, want 5 open, 5 closed, 5 filtered", got, r.Complete)
	}
	if cp.seen.Load() != 5 {
		t.Errorf("%d open ports examined, want 5", cp.seen.Load())
	}
	if after := openFDs(t); after > before {
		t.Errorf("descriptors: %d before the sweep, %d after", before, after)
	}
}
