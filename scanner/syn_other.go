//go:build !linux

package scanner

import (
	"context"

	"github.com/tlsweep/tlsweep/probes"
)

type synSockets struct{}

func (*synSockets) close() {}

// CheckSYN reports whether this process may send SYNs from a raw socket
// (--syn): never off Linux.
func CheckSYN() error { return ErrSYNUnsupported }

func openSYN() (*synSockets, error) { return nil, ErrSYNUnsupported }

// runSYN is never called here: openSYN fails first.
func runSYN(context.Context, *Config, *synSockets, probes.Dialer, *probeSource, *connectSink, *pacer) {
}
