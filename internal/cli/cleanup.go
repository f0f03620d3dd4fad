package cli

import "sync"

// cleanups are what must happen on every way out of a command, including
// the second Ctrl-C that returns from Main while the command still runs:
// today, removing a temporary output file.
type cleanups struct {
	mu    sync.Mutex
	funcs []func()
}

// add registers f; it runs at most once.
func (c *cleanups) add(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.funcs = append(c.funcs, sync.OnceFunc(f))
}

// run runs every registered function, newest first.
func (c *cleanups) run() {
	c.mu.Lock()
	funcs := c.funcs
	c.funcs = nil
	c.mu.Unlock()
	for i := len(funcs) - 1; i >= 0; i-- {
		funcs[i]()
	}
}
