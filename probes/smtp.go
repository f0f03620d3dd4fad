package probes

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// SMTPConfig configures the SMTP probe.
type SMTPConfig struct {
	// Timeout bounds each wait for a reply and the TLS handshake.
	Timeout time.Duration
}

// SMTP asks a plaintext SMTP server to upgrade the connection with
// STARTTLS (RFC 3207). When the EHLO answer lists STARTTLS and the server
// agrees (220), it runs the TLS probe's handshake on the upgraded
// connection and records StartTLS "smtp" and the TLS session. It reads the
// greeting and sends EHLO, STARTTLS or QUIT; it never sends mail.
type SMTP struct {
	cfg SMTPConfig
	tls *TLS
}

// NewSMTP builds the probe; tls runs the handshake after STARTTLS.
func NewSMTP(cfg SMTPConfig, tls *TLS) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &SMTP{cfg: cfg, tls: tls}
}

// Name implements Probe.
func (*SMTP) Name() string { return "smtp" }

// smtpHelo is the name tlsweep gives in EHLO: a domain that cannot exist
// (RFC 2606), so no server mistakes it for a real one.
const smtpHelo = "tlsweep.invalid"

// Probe implements Probe.
func (p *SMTP) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.Protocol != ProtoSMTP || p.tls == nil {
		return nil
	}
	// Connect, greeting, EHLO and STARTTLS share one Timeout's worth of
	// waiting each; the handshake gets one more.
	rc, done, err := openConn(ctx, d, t, 5*p.cfg.Timeout, 0)
	if err != nil {
		return fmt.Errorf("smtp: connect: %w", err)
	}
	defer done()
	s := &ftpSession{conn: rc, br: bufio.NewReaderSize(rc, maxFTPLine), timeout: p.cfg.Timeout}
	upgraded, err := smtpNegotiate(s)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("scan interrupted: %w", ctx.Err())
		}
		return fmt.Errorf("smtp: %w", err)
	}
	if !upgraded {
		s.quit()
		return nil
	}
	info, err := upgradeTLS(ctx, p.tls, rc, rc.hard, s, t, p.cfg.Timeout)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("smtp: the server accepted STARTTLS but %w", err)
	}
	ep.StartTLS = ProtoSMTP
	ep.TLS = info
	return nil
}

// smtpNegotiate reads the greeting and sends EHLO, then STARTTLS when the
// server lists it. upgraded is true when the server answered 220 to it.
func smtpNegotiate(s *ftpSession) (upgraded bool, err error) {
	greet, err := s.read()
	if err != nil {
		return false, fmt.Errorf("greeting: %w", err)
	}
	if greet.Code != 220 {
		return false, fmt.Errorf("the server refused the session: %s", greet.text())
	}
	ehlo, err := s.command("EHLO " + smtpHelo)
	if err != nil {
		return false, fmt.Errorf("EHLO: %w", err)
	}
	if ehlo.Code != 250 || !smtpExtension(ehlo, "STARTTLS") {
		return false, nil
	}
	st, err := s.command("STARTTLS")
	if err != nil {
		return false, fmt.Errorf("STARTTLS: %w", err)
	}
	return st.Code == 220, nil
}

// smtpExtension reports whether an EHLO reply lists the extension kw: its
// lines after the first are "250-KEYWORD params" (RFC 5321 4.1.1.1).
func smtpExtension(r ftpReply, kw string) bool {
	for _, line := range r.Lines[min(1, len(r.Lines)):] {
		if len(line) < 4 {
			continue
		}
		if f := strings.Fields(line[4:]); len(f) > 0 && strings.EqualFold(f[0], kw) {
			return true
		}
	}
	return false
}
