package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// output is stdout, or a temporary file renamed over -o only once
// complete, so a killed run never leaves a truncated report in place of
// the last one. The temporary file is removed on every other way out,
// including the second Ctrl-C (see cleanups).
type output struct {
	io.Writer
	mu   sync.Mutex
	tmp  *os.File // nil once committed or aborted
	dest string
}

// openOutput opens -o dest; "" is stdout.
func (e *env) openOutput(dest string) (*output, error) {
	if dest == "" {
		return &output{Writer: e.stdout}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf(errCreateOutput, err)
	}
	o := &output{Writer: tmp, tmp: tmp, dest: dest}
	e.cleanup.add(o.abort)
	return o, nil
}

// commit makes what was written the destination's content.
func (o *output) commit() error {
	o.mu.Lock()
	defer o.mu.Unlock()
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

// abort drops what was written; the destination keeps its old content.
func (o *output) abort() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tmp != nil {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
		o.tmp = nil
	}
}
