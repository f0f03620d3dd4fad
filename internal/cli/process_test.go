package cli

// The binary at start-up and in the lab command: a signal stops it at any
// stage, and the lab's printed scan command works as printed.

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptDuringStartup: one SIGINT while --ca-file (a FIFO whose
// writer never finishes) is being read stops tlsweep within a second,
// exit 130, before anything is sent.
func TestInterruptDuringStartup(t *testing.T) {
	bin := buildTlsweep(t)
	for _, flag := range []string{"--ca-file", "--config", "--list"} {
		t.Run(flag, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "input.yaml")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			p := startScan(t, bin, collect, flag, fifo, "127.0.0.1")
			// A writer can open the FIFO without blocking only once
			// tlsweep has it open for reading: then it is in the read.
			w := openWriter(t, p, fifo)
			defer w.Close()
			if _, err := w.WriteString("# never ends\n"); err != nil {
				t.Fatal(err)
			}
			sent := p.signal(t, os.Interrupt)
			p.wait(t, time.Second)
			t.Logf("exited %s after SIGINT: %v", time.Since(sent).Round(time.Millisecond), p.err)
			var ee *exec.ExitError
			if !errors.As(p.err, &ee) || ee.ExitCode() != ExitInterrupted {
				t.Errorf("exit %v, want %d\nstderr: %s", p.err, ExitInterrupted, p.stderr.String())
			}
			if !strings.Contains(p.stderr.String(), "interrupted before the sweep started") {
				t.Errorf("stderr %q", p.stderr.String())
			}
		})
	}
}

// openWriter opens fifo for writing once p has it open for reading.
func openWriter(t *testing.T, p *scanProc, fifo string) *os.File {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return f
		}
		if !errors.Is(err, syscall.ENXIO) {
			t.Fatal(err)
		}
		select {
		case <-p.done:
			t.Fatalf("tlsweep ended (%v) before opening the FIFO\nstderr: %s", p.err, p.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("tlsweep did not open the FIFO in 30s")
		}
	}
}

// TestLabCommand runs `tlsweep lab`, then the scan command it prints, and
// stops the lab with one Ctrl-C.
func TestLabCommand(t *testing.T) {
	bin := buildTlsweep(t)
	lab := exec.Command(bin, "lab")
	stdout, err := lab.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	lab.Stderr = &stderr
	if err := lab.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- lab.Wait() }()
	t.Cleanup(func() { _ = lab.Process.Kill() })

	var try []string
	var listeners int
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "127.42.") {
			listeners++
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "tlsweep "); ok {
			try = strings.Fields(rest)
		}
		if strings.HasPrefix(line, "Ctrl-C stops the lab") {
			break
		}
	}
	if listeners != 9 || len(try) == 0 || try[0] != "scan" {
		t.Fatalf("lab printed %d listeners and the command %q; stderr %s", listeners, try, stderr.String())
	}
	out, err := exec.Command(bin, append([]string{"scan", "--no-color"}, try[1:]...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "code42-client") || !strings.Contains(string(out), "9 open") {
		t.Errorf("the printed command %q: %v\n%s", try, err, out)
	}
	if err := lab.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("lab exit %v, want 0; stderr %s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("lab still running 5s after Ctrl-C")
	}
}
