// Package mail sends a report by SMTP: a multipart message with a text
// part, an HTML part and attachments, over STARTTLS or implicit TLS, with
// AUTH PLAIN. It uses net/smtp from the standard library.
//
// The password lives only in Config.Password: Config's String and
// GoString leave it out, and no error quotes it.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"
)

// Security is how the connection to the SMTP server is protected.
type Security string

const (
	// Auto is ImplicitTLS on port 465 and StartTLS on any other port.
	Auto Security = ""
	// StartTLS connects in plaintext and requires the STARTTLS upgrade
	// before anything else is sent (RFC 3207). A server that does not offer
	// it is refused.
	StartTLS Security = "starttls"
	// ImplicitTLS speaks TLS from the first byte (RFC 8314, port 465).
	ImplicitTLS Security = "implicit"
	// Plaintext sends everything in the clear. Only for lab relays; a
	// password is never sent this way.
	Plaintext Security = "plaintext"
)

// DefaultTimeout caps a whole SMTP conversation when Config.Timeout is 0.
const DefaultTimeout = time.Minute

// Config says how to reach the SMTP server.
type Config struct {
	// Addr is the server's host:port.
	Addr     string
	Security Security
	// RootCAs verifies the server's certificate; nil means the system roots.
	RootCAs *x509.CertPool
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set, only ever over TLS.
	Username string
	Password string
	// HelloName is the name sent with EHLO; "localhost" when empty.
	HelloName string
	// Timeout caps the whole conversation; DefaultTimeout when 0.
	Timeout time.Duration
}

// String describes c without its password.
func (c Config) String() string {
	s := fmt.Sprintf("smtp %s (%s)", c.Addr, c.security())
	if c.Username != "" {
		s += " as " + c.Username
	}
	return s
}

// GoString describes c without its password, for %#v.
func (c Config) GoString() string { return "mail.Config{" + c.String() + "}" }

func (c Config) security() Security {
	if c.Security != Auto {
		return c.Security
	}
	if _, port, err := net.SplitHostPort(c.Addr); err == nil && port == "465" {
		return ImplicitTLS
	}
	return StartTLS
}

// Message is one mail.
type Message struct {
	From    string   // RFC 5322 address: "tlsweep <tlsweep@example.com>" or a bare address
	To      []string // one address each
	Subject string
	Date    time.Time // time.Now when zero
	Text    string    // text/plain part
	HTML    string    // text/html part; none when empty
	// Attachments follow the text and HTML parts.
	Attachments []Attachment
}

// Attachment is a file attached to a Message.
type Attachment struct {
	Name        string // file name shown to the reader
	ContentType string // e.g. application/json
	Data        []byte
}

// ErrNoStartTLS is returned when StartTLS is required and the server does
// not offer it.
var ErrNoStartTLS = errors.New("the smtp server does not offer STARTTLS")

// Send delivers m through the server cfg names. It refuses to go on without
// TLS unless cfg.Security is Plaintext, and never sends a password in the
// clear.
func Send(ctx context.Context, cfg Config, m *Message) error {
	raw, err := Build(m)
	if err != nil {
		return err
	}
	from, to, err := envelope(m)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return fmt.Errorf("smtp server %q: use HOST:PORT, e.g. smtp.example.com:587", cfg.Addr)
	}
	sec := cfg.security()
	switch sec {
	case StartTLS, ImplicitTLS, Plaintext:
	default:
		return fmt.Errorf("unknown smtp security %q: use starttls, implicit or plaintext", sec)
	}
	if cfg.Username != "" && sec == Plaintext {
		return errors.New("refusing to send the smtp password over a plaintext connection: use STARTTLS or implicit TLS, or drop the user name")
	}
	if cfg.Username != "" && cfg.Password == "" {
		return fmt.Errorf("no smtp password for user %q", cfg.Username)
	}

	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tlsConf := &tls.Config{ServerName: host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}

	conn, err := dial(ctx, cfg.Addr, sec, tlsConf)
	if err != nil {
		return err
	}
	// net/smtp knows no context: a deadline and a close on cancel stand in.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	err = converse(conn, host, cfg, sec, tlsConf, from, to, raw)
	if err != nil && (ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)) {
		cause := ctx.Err()
		if errors.Is(cause, context.Canceled) {
			return fmt.Errorf("sending to smtp server %s was cancelled: %w (%w)", cfg.Addr, cause, err)
		}
		return fmt.Errorf("smtp server %s did not finish within %v: %w (%w)", cfg.Addr, timeout, context.DeadlineExceeded, err)
	}
	return err
}

func dial(ctx context.Context, addr string, sec Security, tlsConf *tls.Config) (net.Conn, error) {
	var d net.Dialer
	var conn net.Conn
	var err error
	if sec == ImplicitTLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to smtp server %s: %w", addr, err)
	}
	return conn, nil
}

func converse(conn net.Conn, host string, cfg Config, sec Security, tlsConf *tls.Config, from string, to []string, raw []byte) error {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp server %s: greeting: %w", cfg.Addr, err)
	}
	defer c.Close()
	hello := cfg.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("smtp server %s: EHLO: %w", cfg.Addr, err)
	}
	if sec == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%s: %w; ask for TLS on the relay, use implicit TLS for a port-465 server, or allow plaintext for a lab relay",
				cfg.Addr, ErrNoStartTLS)
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("smtp server %s: STARTTLS: %w; if the relay uses an internal CA, trust it with the CA file option", cfg.Addr, err)
		}
	}
	if cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp server %s does not offer AUTH: drop the user name if the relay needs no login", cfg.Addr)
		}
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, host)); err != nil {
			return fmt.Errorf("smtp server %s: login as %q failed: %w; check the user name and password", cfg.Addr, cfg.Username, err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp server %s refused sender %s: %w", cfg.Addr, from, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("smtp server %s refused recipient %s: %w", cfg.Addr, rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp server %s: DATA: %w", cfg.Addr, err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp server %s: send the message: %w", cfg.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp server %s did not accept the message: %w", cfg.Addr, err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// envelope returns the bare addresses of the sender and recipients.
func envelope(m *Message) (string, []string, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return "", nil, fmt.Errorf("sender %q: %w", m.From, err)
	}
	if len(m.To) == 0 {
		return "", nil, errors.New("no recipient: give at least one address")
	}
	to := make([]string, len(m.To))
	for i, s := range m.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return "", nil, fmt.Errorf("recipient %q: %w", s, err)
		}
		to[i] = a.Address
	}
	return from.Address, to, nil
}

// Build writes m as an RFC 5322 message with CRLF line ends:
// multipart/mixed holding a multipart/alternative (text/plain, then
// text/html) and the attachments. Text parts are quoted-printable,
// attachments base64, and non-ASCII headers RFC 2047 encoded.
func Build(m *Message) ([]byte, error) {
	if _, _, err := envelope(m); err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(m.From)
	to := make([]string, len(m.To))
	for i, s := range m.To {
		a, _ := mail.ParseAddress(s)
		to[i] = a.String()
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	var buf bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("Date", date.Format(time.RFC1123Z))
	h("From", from.String())
	h("To", strings.Join(to, ",\r\n "))
	h("Subject", fold(len("Subject: "), mime.QEncoding.Encode("utf-8", oneLine(m.Subject))))
	h("Message-ID", messageID(from.Address))
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")

	mixed := multipart.NewWriter(&buf)
	if err := mixed.SetBoundary(boundary()); err != nil {
		return nil, err
	}
	h("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	buf.WriteString("\r\n")

	var alt bytes.Buffer
	aw := multipart.NewWriter(&alt)
	if err := aw.SetBoundary(boundary()); err != nil {
		return nil, err
	}
	if err := textPart(aw, "text/plain", m.Text); err != nil {
		return nil, err
	}
	if m.HTML != "" {
		if err := textPart(aw, "text/html", m.HTML); err != nil {
			return nil, err
		}
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	pw, err := mixed.CreatePart(textproto.MIMEHeader{
		"Content-Type": {mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": aw.Boundary()})},
	})
	if err != nil {
		return nil, err
	}
	if _, err := pw.Write(alt.Bytes()); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		if err := attachment(mixed, a); err != nil {
			return nil, err
		}
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func textPart(w *multipart.Writer, mediaType, body string) error {
	pw, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(mediaType, map[string]string{"charset": "utf-8"})},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write([]byte(body)); err != nil {
		return err
	}
	return qp.Close()
}

func attachment(w *multipart.Writer, a Attachment) error {
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	name := oneLine(a.Name)
	pw, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(ct, map[string]string{"name": name})},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": name})},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(a.Data)
	for len(enc) > 76 {
		if _, err := fmt.Fprintf(pw, "%s\r\n", enc[:76]); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = fmt.Fprintf(pw, "%s\r\n", enc)
	return err
}

// oneLine replaces line breaks and other control characters with spaces,
// so a header value cannot start another header.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// boundary returns a random multipart boundary short enough to keep the
// Content-Type line under 78 characters.
func boundary() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "tlsweep-" + hex.EncodeToString(b[:])
}

// fold breaks a header value at spaces so no line is longer than 78
// characters; used is how much of the first line the header name takes.
func fold(used int, v string) string {
	var b strings.Builder
	width := used
	for i, word := range strings.Split(v, " ") {
		if i == 0 && used > 0 && used+len(word) > 78 {
			// Even the first word does not fit: start on the next line.
			b.WriteString("\r\n ")
			width = 1
		}
		if i > 0 {
			if width+1+len(word) > 78 {
				b.WriteString("\r\n")
				width = 0
			}
			b.WriteByte(' ')
			width++
		}
		b.WriteString(word)
		width += len(word)
	}
	return b.String()
}

// messageID returns a unique Message-ID in the sender's domain.
func messageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	domain := "tlsweep.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}
