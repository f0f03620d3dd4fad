// Package probes examines one open endpoint at a time. Each probe sits
// behind the small Probe interface and gets its network access through an
// injected Dialer, so tests point probes at loopback servers and the
// scanner can hand a probe the connection its connect phase already opened.
package probes

import (
	"context"
	"net"
	"net/netip"
	"strconv"

	"github.com/tlsweep/tlsweep/report"
)

// Target is the endpoint a probe examines.
type Target struct {
	// Host is the name the user gave, or the IP address as text.
	Host string
	IP   netip.Addr
	Port uint16
	// SNI is the server name sent in the ClientHello; empty sends none.
	SNI string
	// CheckHostname asks for the certificate to be checked against SNI.
	CheckHostname bool
}

// Addr is the address to dial, "ip:port".
func (t Target) Addr() string {
	return net.JoinHostPort(t.IP.String(), strconv.Itoa(int(t.Port)))
}

// Dialer opens connections. *net.Dialer is one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Probe learns one thing about an open endpoint and records it in ep.
// A probe that does not apply (say, an HTTP probe on an FTP port) returns
// nil and leaves ep alone. A returned error is recorded as the endpoint's
// error; the sweep goes on.
type Probe interface {
	Name() string
	Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error
}
