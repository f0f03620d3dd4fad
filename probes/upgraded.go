package probes

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// Upgraded runs the version and suite scan and the vulnerability checks
// on a plaintext endpoint that the FTP or SMTP probe upgraded in-band
// (AUTH TLS, STARTTLS): every connection they make is upgraded the same
// way first, so their hellos reach the TLS stack behind the plaintext
// protocol. It runs after those probes.
type Upgraded struct {
	timeout  time.Duration
	versions *Versions
	vulns    *Vulns // nil with --no-vulns
}

// NewUpgraded builds the probe over the pipeline's own version scan and
// vulnerability checks (vulns may be nil).
func NewUpgraded(timeout time.Duration, versions *Versions, vulns *Vulns) *Upgraded {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &Upgraded{timeout: timeout, versions: versions, vulns: vulns}
}

// Name implements Probe.
func (*Upgraded) Name() string { return "starttls-scan" }

// Probe implements Probe.
func (p *Upgraded) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.TLS == nil ||
		(ep.StartTLS != ProtoFTP && ep.StartTLS != ProtoSMTP) {
		return nil
	}
	ud := &upgradeDialer{d: d, proto: ep.StartTLS, timeout: p.timeout}
	if err := p.versions.scan(ctx, ud, t, ep); err != nil {
		return err
	}
	if p.vulns == nil {
		return nil
	}
	return p.vulns.check(ctx, ud, t, ep)
}

// errNotUpgraded: the server did not agree to upgrade this connection.
var errNotUpgraded = errors.New("the server refused the in-band upgrade to tls")

// upgradeDialer connects through d and upgrades the connection in-band
// (proto: ftp or smtp), returning it ready for a ClientHello.
type upgradeDialer struct {
	d       Dialer
	proto   string
	timeout time.Duration
}

// DialContext implements Dialer.
func (u *upgradeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := u.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	s := &ftpSession{conn: c, br: bufio.NewReaderSize(c, maxFTPLine), timeout: u.timeout}
	var ok bool
	if u.proto == ProtoSMTP {
		ok, err = smtpNegotiate(s)
	} else {
		ok, err = s.negotiate()
	}
	if err == nil && !ok {
		err = errNotUpgraded
	}
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: %w", u.proto, err)
	}
	_ = c.SetDeadline(time.Time{})
	return &replayConn{Conn: c, r: io.MultiReader(bytes.NewReader(s.buffered()), c)}, nil
}
