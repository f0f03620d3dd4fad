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

// FTPConfig configures the FTP probe.
type FTPConfig struct {
	// Timeout bounds each wait for a reply and the TLS handshake.
	Timeout time.Duration
}

// FTP asks a plaintext FTP server to upgrade the control connection with
// AUTH TLS (RFC 4217). When the server agrees it runs the TLS probe's
// handshake on the upgraded connection and records StartTLS "ftp" and the
// TLS session. It reads the greeting, sends FEAT, AUTH TLS and QUIT, and
// never logs in.
type FTP struct {
	cfg FTPConfig
	tls *TLS
}

// NewFTP builds the probe; tls runs the handshake after AUTH TLS.
func NewFTP(cfg FTPConfig, tls *TLS) *FTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &FTP{cfg: cfg, tls: tls}
}

// Name implements Probe.
func (*FTP) Name() string { return "ftp" }

// Caps on one FTP reply.
const (
	maxFTPLine  = 2048
	maxFTPReply = 16 << 10
)

// ftpReply is one (possibly multi-line) reply.
type ftpReply struct {
	Code  int
	Lines []string // as sent, without line ends
}

// text is the first line of the reply, escaped for display.
func (r ftpReply) text() string {
	if len(r.Lines) == 0 {
		return fmt.Sprint(r.Code)
	}
	return FirstLine([]byte(r.Lines[0]))
}

// Probe implements Probe.
func (p *FTP) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.Protocol != ProtoFTP || p.tls == nil {
		return nil
	}
	// Connect, greeting, FEAT and AUTH TLS share one Timeout's worth of
	// waiting each; the handshake gets one more.
	rc, done, err := openConn(ctx, d, t, 4*p.cfg.Timeout, 0)
	if err != nil {
		return fmt.Errorf("ftp: connect: %w", err)
	}
	defer done()
	hard := rc.hard
	s := &ftpSession{conn: rc, br: bufio.NewReaderSize(rc, maxFTPLine), timeout: p.cfg.Timeout}

	upgraded, err := s.negotiate()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("scan interrupted: %w", ctx.Err())
		}
		return fmt.Errorf("ftp: %w", err)
	}
	if !upgraded {
		s.quit()
		return nil
	}
	// The server answered 234: the next bytes on the wire are TLS.
	info, err := upgradeTLS(ctx, p.tls, rc, hard, s, t, p.cfg.Timeout)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("ftp: the server accepted AUTH TLS but %w", err)
	}
	// The session ends with the handshake; QUIT would have to go inside
	// it, so the connection just ends.
	ep.StartTLS = ProtoFTP
	ep.TLS = info
	return nil
}

// upgradeTLS runs the TLS probe's handshake on a plaintext connection whose
// server has just agreed to upgrade it (FTP AUTH TLS, SMTP STARTTLS).
// Bytes it sent early (already buffered by s) go to the handshake first.
func upgradeTLS(ctx context.Context, tp *TLS, rc net.Conn, hard time.Time, s *ftpSession, t Target, timeout time.Duration) (*report.TLS, error) {
	hc := newRecordConn(&replayConn{Conn: rc, r: io.MultiReader(bytes.NewReader(s.buffered()), rc)}, hard, 512)
	_ = hc.SetDeadline(time.Now().Add(timeout))
	info, herr := tp.handshake(hc, t)
	if herr != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("scan interrupted: %w", ctx.Err())
		}
		return nil, fmt.Errorf("the tls handshake failed: %s", describeUpgradeFailure(hc, herr, timeout))
	}
	return info, nil
}

// describeUpgradeFailure says what the server sent instead of a TLS handshake.
func describeUpgradeFailure(hc *recordConn, err error, wait time.Duration) string {
	switch {
	case looksLikeTLS(hc.rec):
		return handshakeFailure(hc.rec, err).Detail
	case len(hc.rec) > 0:
		return `the server answered in plaintext: "` + FirstLine(hc.rec) + `"`
	}
	return describeReadErr(hc.readErr, wait)
}

// ftpSession is the cleartext part of the control connection.
type ftpSession struct {
	conn    net.Conn
	br      *bufio.Reader
	timeout time.Duration
}

// negotiate reads the greeting and sends FEAT and AUTH TLS. upgraded is
// true when the server answered 234; false when it refused AUTH TLS.
func (s *ftpSession) negotiate() (upgraded bool, err error) {
	greet, err := s.read()
	if err == nil && greet.Code == 120 { // "service ready in nnn minutes", then 220
		greet, err = s.read()
	}
	if err != nil {
		return false, fmt.Errorf("greeting: %w", err)
	}
	if greet.Code != 220 {
		return false, fmt.Errorf("the server refused the session: %s", greet.text())
	}
	// FEAT lists AUTH TLS on servers that have it; the answer only
	// matters in that the server keeps to the protocol. A refusal (500)
	// is fine.
	if _, err := s.command("FEAT"); err != nil {
		return false, fmt.Errorf("FEAT: %w", err)
	}
	auth, err := s.command("AUTH TLS")
	if err != nil {
		return false, fmt.Errorf("AUTH TLS: %w", err)
	}
	return auth.Code == 234, nil
}

// command sends one command line and reads its reply.
func (s *ftpSession) command(cmd string) (ftpReply, error) {
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
	if _, err := io.WriteString(s.conn, cmd+"\r\n"); err != nil {
		return ftpReply{}, fmt.Errorf("send: %w", err)
	}
	return s.read()
}

// read waits up to the timeout for one reply.
func (s *ftpSession) read() (ftpReply, error) {
	_ = s.conn.SetReadDeadline(time.Now().Add(s.timeout))
	r, err := readFTPReply(s.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return r, fmt.Errorf("no reply within %s", s.timeout.Round(time.Millisecond))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r, errors.New("the server closed the connection")
	}
	return r, err
}

// quit says goodbye and waits briefly for the 221.
func (s *ftpSession) quit() {
	wait := min(s.timeout, time.Second)
	_ = s.conn.SetWriteDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(s.conn, "QUIT\r\n"); err != nil {
		return
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(wait))
	_, _ = readFTPReply(s.br)
}

// buffered returns the bytes read past the last reply.
func (s *ftpSession) buffered() []byte {
	b, _ := s.br.Peek(s.br.Buffered())
	return bytes.Clone(b)
}

// readFTPReply reads one reply (RFC 959 section 4.2): "ddd text", or
// "ddd-text" and lines up to one starting "ddd " with the same code. It
// reads at most maxFTPReply bytes and lines of at most maxFTPLine bytes,
// and nothing past the reply's last line.
func readFTPReply(br *bufio.Reader) (ftpReply, error) {
	var r ftpReply
	total := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return r, fmt.Errorf("reply line longer than %d bytes", br.Size())
		}
		if err != nil {
			if errors.Is(err, io.EOF) && (len(line) > 0 || len(r.Lines) > 0) {
				err = io.ErrUnexpectedEOF
			}
			return r, err
		}
		total += len(line)
		if total > maxFTPReply {
			return r, fmt.Errorf("reply longer than %d KiB", maxFTPReply>>10)
		}
		text := string(bytes.TrimRight(line, "\r\n"))
		r.Lines = append(r.Lines, text)
		code, sep, ok := replyCode(text)
		if len(r.Lines) == 1 {
			if !ok {
				return r, errors.New("not a reply line: " + report.Quote(FirstLine(line)))
			}
			r.Code = code
			if sep != '-' {
				return r, nil
			}
			continue
		}
		if ok && code == r.Code && sep != '-' {
			return r, nil
		}
	}
}

// replyCode parses the "ddd" and the byte after it (0 at the line's end).
func replyCode(line string) (code int, sep byte, ok bool) {
	if len(line) < 3 {
		return 0, 0, false
	}
	for i := range 3 {
		c := line[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		code = code*10 + int(c-'0')
	}
	if line[0] < '1' || line[0] > '5' {
		return 0, 0, false
	}
	if len(line) > 3 {
		sep = line[3]
		if sep != ' ' && sep != '-' {
			return 0, 0, false
		}
	}
	return code, sep, true
}

// replayConn reads r (bytes already buffered, then the connection)
// instead of the connection alone.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }
