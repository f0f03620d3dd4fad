package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// output is where a report goes (docs "Output files"):
//   - stdout, without -o or with -o -;
//   - a regular file, or a name that does not exist yet: a temporary file
//     in the same folder, renamed over the destination only once complete,
//     so a killed run never leaves a truncated report in place of the last
//     one; the temporary file is removed on every other way out, the
//     second Ctrl-C included (see cleanups);
//   - a device or a FIFO: written directly, never replaced;
//   - a symbolic link: followed, and its target treated as above; the link
//     stays.
type output struct {
	io.Writer
	mu   sync.Mutex
	tmp  *os.File // the temporary file; nil once committed or aborted
	file *os.File // a device or FIFO written directly
	dest string   // where tmp is renamed to
}

// maxLinks bounds the symbolic links followed from -o.
const maxLinks = 40

// resolveOutput follows symbolic links from dest and returns the final
// path and what is there (nil when nothing is).
func resolveOutput(dest string) (string, fs.FileInfo, error) {
	for range maxLinks {
		fi, err := os.Lstat(dest)
		if errors.Is(err, fs.ErrNotExist) {
			return dest, nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return dest, fi, nil
		}
		target, err := os.Readlink(dest)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(dest), target)
		}
		dest = target
	}
	return "", nil, fmt.Errorf(errLinkLoop, dest)
}

// checkOutput refuses, before anything runs, a -o that cannot be a report:
// a folder.
func checkOutput(dest string) error {
	if dest == "" {
		return nil
	}
	_, fi, err := resolveOutput(dest)
	if err != nil {
		return fmt.Errorf(errOutput, dest, err)
	}
	if fi != nil && fi.IsDir() {
		return fmt.Errorf(errOutputFolder, dest)
	}
	return nil
}

// openOutput opens -o dest; "" is stdout. Opening a FIFO waits for its
// reader, and gives up when ctx ends.
func (e *env) openOutput(ctx context.Context, dest string) (*output, error) {
	if dest == "" {
		return &output{Writer: e.stdout}, nil
	}
	path, fi, err := resolveOutput(dest)
	if err != nil {
		return nil, fmt.Errorf(errCreateOutput, err)
	}
	switch {
	case fi != nil && fi.IsDir():
		return nil, fmt.Errorf(errOutputFolder, dest)
	case fi != nil && !fi.Mode().IsRegular():
		f, err := openSpecial(ctx, path)
		if err != nil {
			return nil, fmt.Errorf(errCreateOutput, err)
		}
		return &output{Writer: f, file: f}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf(errCreateOutput, err)
	}
	o := &output{Writer: tmp, tmp: tmp, dest: path}
	e.cleanup.add(o.abort)
	return o, nil
}

// openSpecial opens a device or FIFO for writing, without truncating or
// creating anything.
func openSpecial(ctx context.Context, path string) (*os.File, error) {
	return openInterruptibly(ctx, func() (*os.File, error) { return os.OpenFile(path, os.O_WRONLY, 0) })
}

// commit makes what was written the destination's content.
func (o *output) commit() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.file != nil {
		err := o.file.Close()
		o.file = nil
		return err
	}
	if o.tmp == nil {
		return nil
	}
	tmp := o.tmp
	o.tmp = nil
	err := tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), o.dest)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// abort drops what was written to a temporary file; the destination keeps
// its old content.
func (o *output) abort() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.file != nil {
		_ = o.file.Close()
		o.file = nil
	}
	if o.tmp != nil {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
		o.tmp = nil
	}
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
