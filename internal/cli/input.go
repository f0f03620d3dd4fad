package cli

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Size limits of the files tlsweep reads whole (docs: "Input limits").
// Each is far above any real file of its kind and far below what would
// hurt: `--ca-file /dev/zero` stops at the limit.
const (
	maxCAFile       = 4 << 20  // --ca-file, --smtp-ca-file: Debian's whole bundle is ~220 KB
	maxConfigFile   = 1 << 20  // --config
	maxPasswordFile = 64 << 10 // --smtp-password-file
)

// openInput opens name for reading, giving up when ctx ends first: opening
// a FIFO blocks until a writer comes, and a signal must still stop
// tlsweep. A give-up leaves the open blocked in its goroutine; the process
// is on its way out.
func openInput(ctx context.Context, name string) (*os.File, error) {
	return openInterruptibly(ctx, func() (*os.File, error) { return os.Open(name) })
}

// openInterruptibly runs open in a goroutine and returns its file, or
// ctx's error when ctx ends first; a file opened after that is closed.
func openInterruptibly(ctx context.Context, open func() (*os.File, error)) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := open()
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// readInput reads all of name, at most limit bytes, giving up when ctx
// ends first.
func readInput(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := openInput(ctx, name)
	if err != nil {
		return nil, err
	}
	type read struct {
		b   []byte
		err error
	}
	ch := make(chan read, 1)
	go func() {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, limit+1))
		ch <- read{b, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		if int64(len(r.b)) > limit {
			return nil, fmt.Errorf(errTooLarge, name, byteSize(limit))
		}
		return r.b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
