package probes

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// HTTPConfig configures the HTTP probe.
type HTTPConfig struct {
	// Timeout bounds one exchange: connect, request and response head
	// together.
	Timeout time.Duration
	// UserAgent is sent with the request; default "tlsweep".
	UserAgent string
}

// HTTP sends one GET / to a plaintext port that answered HTTP. It records
// the status, the Server and Location headers and whether it redirects to
// https://. It never follows a redirect and reads no more than the
// response head. (Inside TLS, the TLS probe asks HEAD / on its own
// connection: see appProbe.)
type HTTP struct{ cfg HTTPConfig }

// NewHTTP builds the probe.
func NewHTTP(cfg HTTPConfig) *HTTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tlsweep"
	}
	return &HTTP{cfg: cfg}
}

// Name implements Probe.
func (*HTTP) Name() string { return "http" }

// maxHTTPHead caps the status line and headers read from one response.
const maxHTTPHead = 16 << 10

// errNotHTTP is what readHTTPHead returns when the peer's first bytes are
// not an HTTP status line.
var errNotHTTP = errors.New("not an http response")

// Probe implements Probe.
func (p *HTTP) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext || ep.Protocol != ProtoHTTP {
		return nil
	}
	head, err := p.exchange(ctx, d, t)
	if head == nil && err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("scan interrupted: %w", ctx.Err())
		}
		return fmt.Errorf("http request: %w", err)
	}
	location := head.get("Location")
	ep.HTTP = &report.HTTP{
		Status:        head.Status,
		Server:        FirstLine([]byte(head.get("Server"))),
		Location:      FirstLine([]byte(location)),
		RedirectHTTPS: isHTTPSURL(location),
	}
	if err != nil {
		return fmt.Errorf("http response from %s: %w", t.Addr(), err)
	}
	return nil
}

// exchange connects, sends the request and reads the response head. A
// non-nil head with an error is a head cut short (too long, or the
// connection ended inside it).
func (p *HTTP) exchange(ctx context.Context, d Dialer, t Target) (*httpHead, error) {
	rc, done, err := openConn(ctx, d, t, p.cfg.Timeout, 0)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer done()
	req := "GET / HTTP/1.1\r\n" +
		"Host: " + hostHeader(t, 80) + "\r\n" +
		"User-Agent: " + p.cfg.UserAgent + "\r\n" +
		"Accept: */*\r\n" +
		"Connection: close\r\n\r\n"
	if _, err := io.WriteString(rc, req); err != nil {
		return nil, fmt.Errorf("send request: %w", err)
	}
	return readHTTPHead(rc)
}

// hostHeader is the Host header for t: the server name, else the IP
// address, with the port unless it is the scheme's default.
func hostHeader(t Target, defaultPort int) string {
	host := t.SNI
	if host == "" || strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		host = t.IP.String()
	}
	if int(t.Port) == defaultPort {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(int(t.Port)))
}

func isHTTPSURL(loc string) bool {
	loc = strings.TrimSpace(loc)
	return len(loc) > len("https://") && strings.EqualFold(loc[:len("https://")], "https://")
}

// httpHead is the status line and headers of a response, in the order
// sent. Names keep the peer's spelling; look them up with get or first.
type httpHead struct {
	Status int
	Proto  string
	Fields []httpField
}

type httpField struct{ Name, Value string }

// first returns the value of the first field called name (any case).
func (h *httpHead) first(name string) (string, bool) {
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

func (h *httpHead) get(name string) string {
	v, _ := h.first(name)
	return v
}

// readHTTPHead reads one response head from r and nothing of the body,
// at most maxHTTPHead bytes in all. It returns errNotHTTP when r does not
// start with "HTTP/"; a head with an error when the status line parsed
// but the headers were cut short. Interim 1xx responses are skipped.
func readHTTPHead(r io.Reader) (*httpHead, error) {
	lr := &io.LimitedReader{R: r, N: maxHTTPHead}
	br := bufio.NewReaderSize(lr, 4096)
	for {
		h, err := readOneHead(br, lr)
		if err != nil || h.Status >= 200 || h.Status == 101 {
			return h, err
		}
	}
}

func readOneHead(br *bufio.Reader, lr *io.LimitedReader) (*httpHead, error) {
	start, err := br.Peek(5)
	switch {
	case len(start) == 0:
		return nil, fmt.Errorf("no response: %w", err)
	case !bytes.Equal(start, []byte("HTTP/")):
		return nil, errNotHTTP
	}
	line, err := readHeadLine(br, lr)
	if err != nil {
		return nil, fmt.Errorf("status line: %w", err)
	}
	h, ok := parseStatusLine(line)
	if !ok {
		return nil, errNotHTTP
	}
	for {
		line, err := readHeadLine(br, lr)
		if err != nil {
			return h, fmt.Errorf("headers: %w", err)
		}
		if line == "" {
			return h, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			// obsolete line folding: a continuation of the previous field
			if n := len(h.Fields); n > 0 {
				h.Fields[n-1].Value = strings.TrimSpace(h.Fields[n-1].Value + " " + strings.TrimSpace(line))
			}
			continue
		}
		name, value, found := strings.Cut(line, ":")
		if !found {
			continue // not a field; browsers skip such lines too
		}
		h.Fields = append(h.Fields, httpField{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
}

// readHeadLine reads one line without its CRLF or LF.
func readHeadLine(br *bufio.Reader, lr *io.LimitedReader) (string, error) {
	s, err := br.ReadString('\n')
	if err != nil {
		if lr.N == 0 && br.Buffered() == 0 {
			return "", fmt.Errorf("response head longer than %d KiB", maxHTTPHead>>10)
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// parseStatusLine parses "HTTP/1.1 200 OK" (the reason may be missing).
func parseStatusLine(line string) (*httpHead, bool) {
	proto, rest, _ := strings.Cut(line, " ")
	if !strings.HasPrefix(proto, "HTTP/") {
		return nil, false
	}
	rest = strings.TrimLeft(rest, " ")
	code, _, _ := strings.Cut(rest, " ")
	if len(code) != 3 {
		return nil, false
	}
	n := 0
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return nil, false
		}
		n = n*10 + int(c-'0')
	}
	if n < 100 {
		return nil, false
	}
	return &httpHead{Status: n, Proto: proto}, true
}

// hstsMaxAgeCap is the value a max-age too large to represent counts as
// (RFC 9111 section 1.2.2, for delta-seconds).
const hstsMaxAgeCap = 1 << 31

// ParseHSTS parses a Strict-Transport-Security header value (RFC 6797
// section 6.1). Directive names are case-insensitive; values may be
// quoted; space around ';' and '=' is allowed; unknown directives are
// ignored. MaxAge is -1 when the header is invalid, which browsers ignore:
// max-age missing, not digits, or any directive given twice. Header is
// the value escaped for display (see FirstLine).
func ParseHSTS(v string) report.HSTS {
	h := report.HSTS{Header: FirstLine([]byte(v)), MaxAge: -1}
	seen := map[string]int{}
	maxAge := int64(-1)
	for _, d := range splitDirectives(v) {
		name, value, hasValue := strings.Cut(d, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		seen[name]++
		switch name {
		case "max-age":
			if hasValue {
				maxAge = parseDeltaSeconds(unquote(strings.TrimSpace(value)))
			}
		case "includesubdomains":
			h.IncludeSubDomains = true
		case "preload":
			h.Preload = true
		}
	}
	for _, n := range seen {
		if n > 1 {
			return h
		}
	}
	h.MaxAge = maxAge
	return h
}

// splitDirectives splits v at semicolons outside quoted strings.
func splitDirectives(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// unquote strips a quoted-string's quotes and backslash escapes.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseDeltaSeconds parses 1*DIGIT; -1 when s is anything else.
func parseDeltaSeconds(s string) int64 {
	if s == "" {
		return -1
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return -1
		}
		if n < hstsMaxAgeCap {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, hstsMaxAgeCap)
}
