package probes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// PlaintextConfig configures the plaintext probe.
type PlaintextConfig struct {
	// Timeout bounds each wait for the peer.
	Timeout time.Duration
	// BannerWait is how long to wait for a server-first greeting before
	// sending an HTTP request; default a quarter of Timeout, at most 2s.
	BannerWait time.Duration
	// UserAgent is sent with the HTTP request.
	UserAgent string
}

// What the plaintext probe reports when a port would not say what it is.
var (
	// ErrClosedSilently: the peer hung up on the ClientHello and on the
	// greeting wait without a byte.
	ErrClosedSilently      = errors.New("connection closed without a response to a TLS ClientHello or a greeting wait")
	errClosedBeforeRequest = errors.New("connection closed before an HTTP request could be sent")
	errTLSOnSecondTry      = errors.New("the server answered in TLS only on a second connection")
)

// SilentError is a port that accepted connections and answered nothing:
// not a ClientHello, a greeting wait or an HTTP request. Wait says how the
// last wait ended.
type SilentError struct{ Wait string }

func (e *SilentError) Error() string {
	return "silent: no response to a TLS ClientHello, a greeting wait or an HTTP request (" + e.Wait + ")"
}

// Plaintext identifies an open port that did not answer a TLS ClientHello:
// on a fresh connection it waits for a greeting (FTP, SSH, SMTP, legacy
// protocols speak first), then sends an HTTP request (HTTP speaks second).
// It only runs when the transport is still unknown. An SSH greeting makes
// the endpoint encrypted, any other answer plaintext (see recordGreeting).
type Plaintext struct{ cfg PlaintextConfig }

// NewPlaintext builds the probe.
func NewPlaintext(cfg PlaintextConfig) *Plaintext {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.BannerWait <= 0 {
		cfg.BannerWait = min(cfg.Timeout/4, 2*time.Second)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tlsweep"
	}
	return &Plaintext{cfg: cfg}
}

// Name implements Probe.
func (*Plaintext) Name() string { return "plaintext" }

// Probe implements Probe.
func (p *Plaintext) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportUnknown {
		return nil
	}
	rc, done, err := openConn(ctx, d, t, p.cfg.BannerWait+p.cfg.Timeout, 512)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer done()
	buf := make([]byte, 512)

	_ = rc.SetReadDeadline(time.Now().Add(p.cfg.BannerWait))
	if n, _ := rc.Read(buf); n == 0 && !rc.timedOut() {
		ep.Fail(ErrClosedSilently)
		return nil
	}
	if len(rc.rec) == 0 {
		host := t.SNI
		if host == "" {
			host = t.Host
		}
		req := fmt.Sprintf("GET / HTTP/1.0\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n", host, p.cfg.UserAgent)
		_ = rc.SetWriteDeadline(time.Now().Add(p.cfg.Timeout))
		if _, err := rc.Write([]byte(req)); err != nil {
			ep.Fail(errClosedBeforeRequest)
			return nil
		}
		_ = rc.SetReadDeadline(time.Now().Add(p.cfg.Timeout))
		_, _ = rc.Read(buf)
	}
	if len(rc.rec) == 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("scan interrupted: %w", ctx.Err())
		}
		ep.Fail(&SilentError{describeReadErr(rc.readErr, p.cfg.Timeout)})
		return nil
	}
	completeLine(rc)
	if looksLikeTLS(rc.rec) {
		ep.Transport = report.TransportTLS
		ep.Fail(errTLSOnSecondTry)
		return nil
	}
	ep.Fail(nil)
	recordGreeting(ep, rc.rec)
	return nil
}
