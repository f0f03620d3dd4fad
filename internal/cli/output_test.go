package cli

import (
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestOutputDevice: -o onto a device node writes to it and leaves the node
// (issue 14, 1). The node is made in a temporary folder, never in /dev.
func TestOutputDevice(t *testing.T) {
	_, scan := savedScans(t)
	dir := t.TempDir()
	dev := filepath.Join(dir, "null")
	// The same device as /dev/null (char 1,3); making one needs root.
	if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
	code, stdout, stderr := runCLI(t, "report", scan, "-f", "json", "-o", dev)
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	fi, err := os.Lstat(dev)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("the device node was replaced: %v %v", fi.Mode(), err)
	}
	assertOnly(t, dir, "null")
}

// TestOutputFIFO: -o onto a FIFO writes into it and leaves the FIFO.
func TestOutputFIFO(t *testing.T) {
	_, scan := savedScans(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	code, _, stderr := runCLI(t, "report", scan, "-f", "csv", "-o", fifo)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	select {
	case s := <-got:
		if !strings.HasPrefix(s, "host,ip,port") {
			t.Errorf("the reader got %q", s)
		}
	case <-time.After(5 * time.Second):
		// Unblock the reader's open, whatever is at the path now.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Errorf("the FIFO's reader got nothing in 5s")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
	assertOnly(t, dir, "pipe")
}

// TestOutputSymlink: -o onto a symbolic link writes its target and leaves
// the link; a dangling link makes its target.
func TestOutputSymlink(t *testing.T) {
	_, scan := savedScans(t)
	dir := t.TempDir()
	reports := t.TempDir()
	target := filepath.Join(reports, "latest.json")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "report.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "report", scan, "-f", "json", "-o", link); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), `"schema": "tlsweep/v1"`) {
		t.Errorf("the link target holds %q", b)
	}
	// A dangling link: the report is made where it points.
	dangling := filepath.Join(dir, "next.json")
	if err := os.Symlink("../"+filepath.Base(reports)+"/next.json", dangling); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "report", scan, "-f", "json", "-o", dangling); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the dangling link was replaced: %v", err)
	}
	if _, err := os.Stat(dangling); err != nil {
		t.Errorf("the link target was not made: %v", err)
	}
}

// TestOutputDash: -o - is standard output.
func TestOutputDash(t *testing.T) {
	_, scan := savedScans(t)
	code, stdout, _ := runCLI(t, "report", scan, "-f", "json", "-o", "-")
	if code != ExitOK || !strings.Contains(stdout, `"schema": "tlsweep/v1"`) {
		t.Errorf("exit %d, stdout %.80q", code, stdout)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("a file named - was made")
	}
}

// assertOnly fails unless dir holds exactly names (no temporary files).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// TestOutputRefused: -o onto a folder, or onto a file scan reads, is a
// usage error before anything is sent, and the file is untouched.
func TestOutputRefused(t *testing.T) {
	t.Setenv(passwordEnv, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	target := ln.Addr().String()
	list := writeFile(t, "targets.txt", target+"\n")
	cfg := writeFile(t, "c.yaml", "timeout: 1s\n")
	base := emptyBaseline(t)
	_, caFile := startEstate(t)
	pw := writeFile(t, "pw", "secret\n")
	mail := []string{"--mail-to", "o@example.test", "--mail-from", "t@example.test", "--smtp", "127.0.0.1:25", "--smtp-user", "u"}
	for _, tc := range []struct {
		name string
		args []string
		file string
		want string
	}{
		{"folder", []string{"-o", t.TempDir(), target}, "", "is a folder"},
		{"list", []string{"-l", list, "-o", list}, list, "is also the --list input"},
		{"config", []string{"--config", cfg, "-o", cfg, target}, cfg, "is also the --config input"},
		{"baseline", []string{"--baseline", base, "-f", "json", "-o", base, target}, base, "is also the --baseline input"},
		{"ca-file", []string{"--ca-file", caFile, "-o", caFile, target}, caFile, "is also the --ca-file input"},
		{"password file", append(mail, "--smtp-password-file", pw, "-o", pw, target), pw, "is also the --smtp-password-file input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before []byte
			if tc.file != "" {
				before, _ = os.ReadFile(tc.file)
			}
			code, stdout, stderr := runCLI(t, append([]string{"scan"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, ExitUsage, tc.want)
			}
			if tc.file != "" {
				if after, _ := os.ReadFile(tc.file); string(after) != string(before) {
					t.Errorf("%s changed", tc.file)
				}
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("%d connections reached the target; a refused -o must stop tlsweep before the sweep", n)
	}
}
