package probes

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// The application-protocol probe runs on the TLS probe's own connection,
// once crypto/tls has completed the handshake: it costs no connection. It
// waits briefly for a server-first greeting (FTP, SMTP, SSH and the like
// speak first); when none comes it sends one HEAD / request and reads the
// answer's head. Both waits are short and bounded, since a service that
// neither greets nor answers HTTP (Code42 on 4287/4288) keeps the
// examiner until they end. Only a server that answers HEAD as HTTP but
// refuses it is asked GET /, on one more connection.
const (
	// greetFloor and greetCeil bound the greeting wait, twice the
	// handshake's duration in between: a greeting is written as soon as
	// the handshake is done, so it is in within a round trip.
	greetFloor = 200 * time.Millisecond
	greetCeil  = 750 * time.Millisecond
	// answerFloor is the least wait for the answer to HEAD; it is four
	// times the handshake's duration when that is longer, at most --timeout.
	answerFloor = time.Second
	// appKeep is how much of a non-HTTP answer is kept to classify it.
	appKeep = 512
)

// appWaits are the greeting wait and the HTTP answer wait after a
// handshake that took took, for a probe whose --timeout is timeout.
func appWaits(took, timeout time.Duration) (greet, answer time.Duration) {
	greet = min(max(2*took, greetFloor), greetCeil, timeout)
	answer = min(max(4*took, answerFloor), timeout)
	return greet, answer
}

// appProbe asks what speaks inside a TLS session.
type appProbe struct {
	timeout   time.Duration
	userAgent string
}

// run records in ep what speaks inside the session conn, whose handshake
// took took: ep.TLS.AppProtocol, and where HTTP answered, ep.HTTP and
// ep.TLS.HSTS; ep.TLS.AppBanner where something else spoke. It never
// fails: a session that says nothing is "unknown". It returns true when
// HTTP answered but not to HEAD (405 or 501, or a bare HTML page): a GET
// may then tell more (see get).
func (a appProbe) run(conn net.Conn, t Target, took time.Duration, ep *report.Endpoint) (tryGET bool) {
	greet, answer := appWaits(took, a.timeout)
	r := &keepReader{r: conn, keep: make([]byte, 0, appKeep)}
	ep.TLS.AppProtocol = ProtoUnknown

	_ = conn.SetReadDeadline(time.Now().Add(greet))
	n, err := r.Read(make([]byte, appKeep))
	switch {
	case n > 0: // a greeting
		a.classify(r, ep)
		return false
	case !isTimeout(err):
		return false // closed, or an alert (a client certificate is required)
	}
	_ = conn.SetDeadline(time.Now().Add(answer))
	if _, err := io.WriteString(conn, a.request("HEAD", t)); err != nil {
		return false
	}
	head, err := readHTTPHead(r)
	switch {
	case head != nil:
		ep.TLS.AppProtocol = ProtoHTTP
		recordHTTPS(head, ep)
		return head.Status == 405 || head.Status == 501
	case errors.Is(err, errNotHTTP):
		if isEcho(r.keep) {
			return false // our own request sent back: nothing is known
		}
		a.classify(r, ep) // a protocol that answers, or greets late
		return ep.TLS.AppProtocol == ProtoHTTP
	}
	return false
}

// isEcho reports whether what the server sent starts with the request
// line it was sent: an echo service (or a relay to one) says nothing of
// its own, and its "banner" would be tlsweep's own words.
func isEcho(got []byte) bool {
	return bytes.HasPrefix(got, []byte("HEAD / HTTP/1.1\r\n"))
}

// get asks GET / on a connection of its own, for a server that refused
// HEAD, and records the answer's head over what HEAD gave when there is
// one. It is the one connection the question of what speaks inside TLS
// may cost, and the server has already shown it speaks HTTP.
func (a appProbe) get(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) {
	rc, done, err := openConn(ctx, d, t, a.timeout, 0)
	if err != nil {
		return
	}
	defer done()
	tc := tls.Client(rc, &tls.Config{
		ServerName:         t.SNI,
		InsecureSkipVerify: true, //nolint:gosec // the TLS probe has verified the chain
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         tls.VersionTLS13,
		CipherSuites:       modernSuites,
	})
	if tc.HandshakeContext(ctx) != nil {
		return
	}
	if _, err := io.WriteString(tc, a.request("GET", t)); err != nil {
		return
	}
	if head, _ := readHTTPHead(tc); head != nil {
		ep.TLS.AppProtocol, ep.TLS.AppBanner = ProtoHTTP, ""
		recordHTTPS(head, ep)
	}
}

// request is the request for / with method: the Host header as a browser
// would send it.
func (a appProbe) request(method string, t Target) string {
	return method + " / HTTP/1.1\r\n" +
		"Host: " + hostHeader(t, 443) + "\r\n" +
		"User-Agent: " + a.userAgent + "\r\n" +
		"Accept: */*\r\n" +
		"Connection: close\r\n\r\n"
}

// classify names the protocol of what r has read and keeps its first line.
func (appProbe) classify(r *keepReader, ep *report.Endpoint) {
	r.completeLine()
	ep.TLS.AppProtocol = ClassifyBanner(r.keep)
	ep.TLS.AppBanner = FirstLine(r.keep)
}

// recordHTTPS records an answer to the request inside TLS: status,
// Server and Location, and the first Strict-Transport-Security header
// (RFC 6797 section 8.1: only the first is processed).
func recordHTTPS(head *httpHead, ep *report.Endpoint) {
	ep.HTTP = &report.HTTP{
		Status:   head.Status,
		Server:   FirstLine([]byte(head.get("Server"))),
		Location: FirstLine([]byte(head.get("Location"))),
	}
	if v, ok := head.first("Strict-Transport-Security"); ok {
		h := ParseHSTS(v)
		ep.TLS.HSTS = &h
	}
}

// keepReader keeps the first cap(keep) bytes read through it.
type keepReader struct {
	r    io.Reader
	keep []byte
}

func (k *keepReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if room := cap(k.keep) - len(k.keep); room > 0 && n > 0 {
		k.keep = append(k.keep, p[:min(n, room)]...)
	}
	return n, err
}

// completeLine reads on for a moment when the first line is cut mid-way.
func (k *keepReader) completeLine() {
	if c, ok := k.r.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	}
	buf := make([]byte, 256)
	for i := 0; i < 4 && !containsNewline(k.keep) && len(k.keep) < cap(k.keep); i++ {
		if _, err := k.Read(buf); err != nil {
			return
		}
	}
}

// isTimeout reports whether err is a deadline that passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
