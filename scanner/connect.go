package scanner

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
)

// dialProbe opens the first connection to a probe address through d. A
// non-nil error is a local failure (out of sockets, ports or memory): the
// probe is tried again, it says nothing about the target.
func dialProbe(ctx context.Context, d probes.Dialer, ap netip.AddrPort, timeout time.Duration) (net.Conn, report.State, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := d.DialContext(cctx, "tcp", ap.String())
	if err == nil {
		return conn, report.StateOpen, nil
	}
	if localFailure(err) {
		return nil, "", err
	}
	return nil, dialState(err), nil
}

func dialState(err error) report.State {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return report.StateClosed
	}
	return report.StateFiltered
}

// localFailure reports errors that are this machine's, not the target's.
func localFailure(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.ENOBUFS) ||
		errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.EAGAIN)
}
