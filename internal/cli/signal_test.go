package cli

// Signals against the real binary: an interrupted scan writes what
// finished, marked incomplete, and exits by the usual rules; a second
// signal ends the process at once and never leaves a truncated report.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// buildTlsweep builds the binary into a temporary directory.
func buildTlsweep(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the tlsweep binary for several seconds; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build tlsweep with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "tlsweep")
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/tlsweep/tlsweep").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tarpits are silent listeners; accepted counts the connections they took.
type tarpits struct {
	port     int
	accepted atomic.Int64
}

// waitAccepted waits until the tarpits have taken n connections: the sweep
// is under way and cannot end before --timeout.
func (tp *tarpits) waitAccepted(t *testing.T, p *scanProc, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for tp.accepted.Load() < n {
		select {
		case <-p.done:
			t.Fatalf("tlsweep ended (%v) before the tarpits took %d connections\nstderr: %s", p.err, n, p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tarpits took %d connections in 30s, want %d", tp.accepted.Load(), n)
		}
	}
}

// startTarpits listens on 127.77.0.1-n, all on one free port, and holds
// every connection open in silence until the test ends.
func startTarpits(t *testing.T, n int) *tarpits {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	var lns []net.Listener
	for attempt := 0; len(lns) < n; attempt++ {
		port := "0"
		if len(lns) > 0 {
			port = strconv.Itoa(lns[0].Addr().(*net.TCPAddr).Port)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.77.0."+strconv.Itoa(len(lns)+1), port))
		switch {
		case err == nil:
			lns = append(lns, ln)
		case attempt > 20:
			t.Fatalf("cannot listen on 127.77.0.%d:%s: %v", len(lns)+1, port, err)
		default: // the port is taken on that address: start over on another
			for _, l := range lns {
				l.Close()
			}
			lns = nil
		}
	}
	tp := &tarpits{port: lns[0].Addr().(*net.TCPAddr).Port}
	for _, ln := range lns {
		context.AfterFunc(ctx, func() { ln.Close() })
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				tp.accepted.Add(1)
				wg.Go(func() {
					<-ctx.Done()
					c.Close()
				})
			}
		})
	}
	return tp
}

// lockedBuffer is a bytes.Buffer safe to read while the process writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// scanProc is a running `tlsweep scan`.
type scanProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer // read it only after done
	stderr lockedBuffer
	lines  chan string // stdout lines, when streamed
	done   chan struct{}
	err    error
}

// How startScan handles the scan's stdout.
const (
	collect = iota // into a buffer
	stream         // line by line into scanProc.lines as well
	stall          // a pipe no one reads: writes block once it is full
)

func startScan(t *testing.T, bin string, stdout int, args ...string) *scanProc {
	t.Helper()
	p := &scanProc{cmd: exec.Command(bin, append([]string{"scan"}, args...)...), done: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	var pr *os.File
	if stdout == collect {
		p.cmd.Stdout = &p.stdout
	} else {
		var pw *os.File
		var err error
		if pr, pw, err = os.Pipe(); err != nil {
			t.Fatal(err)
		}
		p.cmd.Stdout = pw
		defer pw.Close()
		t.Cleanup(func() { pr.Close() })
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var reader sync.WaitGroup
	if stdout == stream {
		p.lines = make(chan string, 1024)
		reader.Go(func() {
			defer close(p.lines)
			sc := bufio.NewScanner(pr)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				p.stdout.WriteString(sc.Text() + "\n")
				p.lines <- sc.Text()
			}
		})
	}
	go func() {
		p.err = p.cmd.Wait()
		reader.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// stoppedBySecond reports whether the process ended the way a second
// Ctrl-C ends it: exit code 130 (README "Exit codes").
func (p *scanProc) stoppedBySecond() bool {
	var ee *exec.ExitError
	return errors.As(p.err, &ee) && ee.ExitCode() == ExitInterrupted
}

// wait waits up to limit for the process to end.
func (p *scanProc) wait(t *testing.T, limit time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("tlsweep still running %s after the signal\nstderr: %s", limit, p.stderr.String())
	}
}

func (p *scanProc) signal(t *testing.T, sig os.Signal) time.Time {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
	return time.Now()
}

// labFinished are the lab endpoints that finish at once; the silent one
// (4283) waits out --timeout and is still running when the signal comes.
func labFinished(e *lab.Estate) []string {
	var out []string
	for _, l := range e.Listeners() {
		if l.Port != "4283" {
			out = append(out, net.JoinHostPort(l.Host, l.Port))
		}
	}
	slices.Sort(out)
	return out
}

type jsonEndpoint struct {
	IP        string `json:"ip"`
	Port      int    `json:"port"`
	Transport string `json:"transport"`
}

func (e jsonEndpoint) addr() string { return net.JoinHostPort(e.IP, strconv.Itoa(e.Port)) }

// longTimeout keeps every tarpit endpoint busy far longer than any test
// waits, so a scan cannot end before the signal however loaded the
// machine: the tests wait for the tarpits' connections, never a sleep.
const longTimeout = "120s"

// scanArgs are the arguments of an interrupted scan: the lab plus 50
// silent listeners in 127.77.0.0/26 on port, each holding its endpoint
// for longTimeout.
func scanArgs(e *lab.Estate, port int, format, out string) []string {
	args := []string{"-f", format, "--timeout", longTimeout, "--no-progress", "-p", "backup," + strconv.Itoa(port)}
	if out != "" {
		args = append(args, "-o", out)
	}
	return append(args, "127.77.0.0/26", e.Code42, e.Sesam)
}

// readJSONL reads p's streamed endpoints until every address in want was
// seen.
func readJSONL(t *testing.T, p *scanProc, want []string) {
	t.Helper()
	var seen []string
	deadline := time.After(30 * time.Second)
	for len(seen) < len(want) {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("stream ended after %v\nstderr: %s", seen, p.stderr.String())
			}
			var ep jsonEndpoint
			if err := json.Unmarshal([]byte(line), &ep); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if slices.Contains(want, ep.addr()) {
				seen = append(seen, ep.addr())
			}
		case <-deadline:
			t.Fatalf("lab endpoints streamed: %v of %v", seen, want)
		}
	}
}

// signalSetup is what the signal subtests share: the binary, the lab,
// the tarpits and the lab endpoints that finish at once.
type signalSetup struct {
	bin  string
	e    *lab.Estate
	tp   *tarpits
	want []string
}

func TestSignals(t *testing.T) {
	bin := buildTlsweep(t)
	e, err := lab.Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	sig := &signalSetup{bin: bin, e: e, tp: startTarpits(t, 50), want: labFinished(e)}
	t.Run("sigint writes a partial report", func(t *testing.T) { signalPartialReport(t, sig) })
	t.Run("sigterm after the lab endpoints streamed", func(t *testing.T) { signalTermAfterLab(t, sig) })
	t.Run("second sigint exits at once", func(t *testing.T) { signalSecondStuck(t, sig) })
	t.Run("second signal keeps the old report and removes the temporary file", func(t *testing.T) { signalSecondCleanup(t, sig) })
}

// One SIGINT: the scan stops, writes what finished with "complete":
// false, says so on stderr and exits 0 (nothing is at --fail-on).
// The signal comes once every tarpit holds a connection; the report
// may hold only lab endpoints (the next subtest checks that every
// finished one is there).
func signalPartialReport(t *testing.T, s *signalSetup) {
	out := filepath.Join(t.TempDir(), "report.json")
	accepted := s.tp.accepted.Load()
	p := startScan(t, s.bin, collect, scanArgs(s.e, s.tp.port, "json", out)...)
	s.tp.waitAccepted(t, p, accepted+50)
	sent := p.signal(t, os.Interrupt)
	p.wait(t, 5*time.Second)
	t.Logf("exited %s after SIGINT: %v", time.Since(sent).Round(time.Millisecond), p.err)
	if p.err != nil {
		t.Fatalf("exit: %v, want 0\nstderr: %s", p.err, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "scan interrupted") {
		t.Errorf("stderr %q does not say the scan was interrupted", p.stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Complete  *bool          `json:"complete"`
		Endpoints []jsonEndpoint `json:"endpoints"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("report is not one JSON document: %v\n%s", err, b)
	}
	if doc.Complete == nil || *doc.Complete {
		t.Errorf("complete = %v, want false", doc.Complete)
	}
	for _, ep := range doc.Endpoints {
		if g := ep.addr(); strings.HasPrefix(g, "127.77.") || !slices.Contains(s.want, g) {
			t.Errorf("report holds %s, which cannot have finished", g)
		}
	}
}

// SIGTERM is handled as SIGINT. The JSONL stream shows when the lab's
// endpoints are done, so the signal comes exactly after them.
func signalTermAfterLab(t *testing.T, s *signalSetup) {
	accepted := s.tp.accepted.Load()
	p := startScan(t, s.bin, stream, scanArgs(s.e, s.tp.port, "jsonl", "")...)
	readJSONL(t, p, s.want)
	s.tp.waitAccepted(t, p, accepted+50)
	sent := p.signal(t, syscall.SIGTERM)
	p.wait(t, 5*time.Second)
	t.Logf("exited %s after SIGTERM: %v", time.Since(sent).Round(time.Millisecond), p.err)
	if p.err != nil {
		t.Fatalf("exit: %v, want 0\nstderr: %s", p.err, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "scan interrupted") {
		t.Errorf("stderr %q does not say the scan was interrupted", p.stderr.String())
	}
	for line := range strings.Lines(p.stdout.String()) {
		if !json.Valid([]byte(line)) {
			t.Errorf("stdout line %q is not JSON", line)
		}
	}
}

// A second SIGINT ends the process at once, even when the first left
// it stuck: here it writes an interrupted report of some thousand
// closed ports to a stdout pipe no one reads.
func signalSecondStuck(t *testing.T, s *signalSetup) {
	accepted := s.tp.accepted.Load()
	p := startScan(t, s.bin, stall, "-f", "json", "--timeout", longTimeout, "--no-progress", "--show-closed",
		"-p", "backup,"+strconv.Itoa(s.tp.port), "127.77.0.0/24")
	s.tp.waitAccepted(t, p, accepted+50)
	p.signal(t, os.Interrupt)
	select {
	case <-p.done:
		t.Fatalf("exited (%v) though its stdout is full; the test expects it stuck in the write", p.err)
	case <-time.After(500 * time.Millisecond):
	}
	sent := p.signal(t, os.Interrupt)
	p.wait(t, time.Second)
	t.Logf("exited %s after the second SIGINT: %v", time.Since(sent).Round(time.Millisecond), p.err)
	if !p.stoppedBySecond() {
		t.Errorf("exit %v, want exit 130", p.err)
	}
}

// SIGINT and SIGTERM together during the sweep: the second ends the
// process with 130 before any report is written; the report it was to
// replace is untouched, and the temporary output file is removed.
func signalSecondCleanup(t *testing.T, s *signalSetup) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	const sentinel = "previous report\n"
	if err := os.WriteFile(out, []byte(sentinel), 0o600); err != nil {
		t.Fatal(err)
	}
	accepted := s.tp.accepted.Load()
	p := startScan(t, s.bin, collect, "-f", "json", "-o", out, "--timeout", longTimeout, "--no-progress", "--show-closed",
		"-p", strconv.Itoa(s.tp.port), "127.77.0.0/26")
	s.tp.waitAccepted(t, p, accepted+50)
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("files in the output directory during the sweep: %v, want the report and a temporary file", entries)
	}
	// The process is frozen while both signals are sent, so they arrive
	// together: sent one after the other, a quick sweep could stop and
	// write its report between them on a loaded machine.
	p.signal(t, syscall.SIGSTOP)
	p.signal(t, os.Interrupt)
	p.signal(t, syscall.SIGTERM)
	sent := p.signal(t, syscall.SIGCONT)
	p.wait(t, time.Second)
	t.Logf("exited %s after the second signal: %v", time.Since(sent).Round(time.Millisecond), p.err)
	if !p.stoppedBySecond() {
		t.Errorf("exit %v, want exit 130\nstderr: %s", p.err, p.stderr.String())
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != sentinel {
		t.Errorf("the previous report was replaced (%v):\n%.300s", err, b)
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if en.Name() != "report.json" {
			t.Errorf("%s left in the output directory", en.Name())
		}
	}
}
