package probes

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cloudflare/cfssl/revoke"
	"github.com/projectdiscovery/fastdialer/fastdialer"
	"github.com/projectdiscovery/tlsx/pkg/tlsx/clients"
	tlsxtls "github.com/projectdiscovery/tlsx/pkg/tlsx/tls"
	"golang.org/x/net/proxy"

	"github.com/tlsweep/tlsweep/report"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// TLSConfig configures the TLS handshake probe.
type TLSConfig struct {
	// Timeout bounds the wait for the peer's first answer to the
	// ClientHello. Sub-second values are honoured.
	Timeout time.Duration
	// Patience bounds the whole handshake once the peer has answered, so a
	// slow or loaded server is not mistaken for a broken one (default 4x
	// Timeout; the endpoint deadline still applies).
	Patience time.Duration
	// Roots verify the chain; nil means the system roots.
	Roots *x509.CertPool
	// Now is the clock certificates are judged by; nil means time.Now.
	Now func() time.Time
}

// TLS is the transport probe: it runs a TLS handshake through tlsx on the
// endpoint and, when the peer answers with something other than TLS,
// classifies what it said. It fills Transport, TLS, Protocol and Banner.
type TLS struct {
	cfg    TLSConfig
	client *tlsxtls.Client
	hand   *handoff
	sigs   sigMemo
}

// NewTLS builds the probe. tlsx never dials on its own: every handshake
// runs on the connection the probe's Dialer gave it.
func NewTLS(cfg TLSConfig) (*TLS, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Patience < cfg.Timeout {
		cfg.Patience = 4 * cfg.Timeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	disableRevocationFetches()
	h := &handoff{conns: map[string]net.Conn{}, busy: map[string]chan struct{}{}}
	var pd proxy.Dialer = h
	fd, err := fastdialer.NewDialer(fastdialer.Options{
		// Only IP literals reach fastdialer (tlsweep resolves names with the
		// system resolver), so its resolver is never asked. It insists on
		// one; a loopback address keeps any accidental lookup on this
		// machine, and internal names never leak to public DNS.
		BaseResolvers: []string{"127.0.0.1:53"},
		MaxRetries:    1,
		CacheType:     fastdialer.Memory,
		DialerTimeout: cfg.Timeout,
		ProxyDialer:   &pd,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the tlsx dialer: %w", err)
	}
	secs := int((cfg.Patience + time.Second - 1) / time.Second)
	client, err := tlsxtls.New(&clients.Options{
		ScanMode:   "ctls",
		Timeout:    secs, // whole seconds in tlsx; the connection's hard deadline is ours
		Retries:    1,
		TLSChain:   true,
		Cert:       true, // PEM of every certificate, parsed again with crypto/x509
		Fastdialer: fd,
	})
	if err != nil {
		return nil, fmt.Errorf("set up tlsx: %w", err)
	}
	return &TLS{cfg: cfg, client: client, hand: h}, nil
}

var revocationOnce sync.Once

// disableRevocationFetches stops tlsx's revocation check (which runs on
// every certificate) from fetching CRL, OCSP and issuer URLs written in the
// scanned certificates: tlsweep contacts only the targets it was given.
func disableRevocationFetches() {
	revocationOnce.Do(func() {
		revoke.HTTPClient = &http.Client{Transport: refuseTransport{}}
	})
}

type refuseTransport struct{}

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("tlsweep does not fetch URLs found in certificates")
}

// Name implements Probe.
func (*TLS) Name() string { return "tls" }

// Probe implements Probe.
func (p *TLS) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	// Wait for any other handshake to this address (another host name on
	// the same IP) before the clock below starts.
	release, err := p.hand.reserve(ctx, t.Addr())
	if err != nil {
		return fmt.Errorf("scan interrupted: %w", err)
	}
	defer release()
	rc, done, err := openConn(ctx, d, t, p.cfg.Patience, 512)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer done()
	rc.expectAnswerBy(time.Now().Add(p.answerWait()))

	info, herr := p.handshake(rc, t)
	if herr == nil {
		ep.Transport = report.TransportTLS
		ep.TLS = info
		return nil
	}
	switch {
	case looksLikeTLS(rc.rec):
		ep.Transport = report.TransportTLS
		return handshakeFailure(rc.rec, herr)
	case len(rc.rec) > 0:
		ep.Transport = report.TransportPlaintext
		completeLine(rc)
		ep.Protocol = ClassifyBanner(rc.rec)
		ep.Banner = FirstLine(rc.rec)
		return nil
	}
	// Nothing came back. The plaintext probe tries again without a ClientHello.
	ep.Transport = report.TransportUnknown
	if ctx.Err() != nil {
		return fmt.Errorf("scan interrupted: %w", ctx.Err())
	}
	return &HandshakeError{HandshakeNoAnswer, describeReadErr(rc.readErr, p.cfg.Timeout)}
}

// completeLine reads on for a moment when a banner's first line was cut
// mid-way, so the report keeps the whole line.
func completeLine(rc *recordConn) {
	if len(rc.rec) == cap(rc.rec) || containsNewline(rc.rec) {
		return
	}
	_ = rc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 256)
	for i := 0; i < 4 && !containsNewline(rc.rec) && len(rc.rec) < cap(rc.rec); i++ {
		if _, err := rc.Read(buf); err != nil {
			return
		}
	}
}

func containsNewline(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

// Handshake runs one TLS handshake through tlsx on conn (already connected
// to t) and describes what it saw. FTP's AUTH TLS reuses it.
func (p *TLS) Handshake(conn net.Conn, t Target) (*report.TLS, error) {
	release, _ := p.hand.reserve(context.Background(), t.Addr())
	defer release()
	return p.handshake(conn, t)
}

// handshake is Handshake for a caller that holds the address's reservation.
func (p *TLS) handshake(conn net.Conn, t Target) (*report.TLS, error) {
	addr := t.Addr()
	p.hand.put(addr, conn)
	defer p.hand.take(addr)
	resp, err := p.client.ConnectWithOptions(t.IP.String(), "", strconv.Itoa(int(t.Port)),
		clients.ConnectOptions{SNI: t.SNI})
	if err != nil {
		return nil, err
	}
	chain, err := parsePEMChain(resp)
	if err != nil {
		return nil, err
	}
	now := p.cfg.Now()
	info := &report.TLS{
		Version: tlsxVersionName(resp.Version),
		Cipher:  resp.Cipher,
		SNI:     t.SNI,
		Chain:   describeChain(chain, now, &p.sigs),
	}
	if verr := verifyChain(chain, p.cfg.Roots, now, &p.sigs); verr != nil {
		info.TrustError = report.Escape(verr.Error())
	} else {
		info.Trusted = true
	}
	if t.CheckHostname && t.SNI != "" {
		ok := chain[0].VerifyHostname(t.SNI) == nil
		info.HostnameMatch = &ok
	}
	return info, nil
}

func parsePEMChain(resp *clients.Response) ([]*x509.Certificate, error) {
	var pems []string
	if resp.CertificateResponse != nil {
		pems = append(pems, resp.CertificateResponse.Certificate)
	}
	for _, c := range resp.Chain {
		if c != nil {
			pems = append(pems, c.Certificate)
		}
	}
	chain := make([]*x509.Certificate, 0, len(pems))
	for i, s := range pems {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, fmt.Errorf("certificate %d of the chain is missing from the tlsx response", i)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d of the chain: %w", i, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("the server sent no certificate")
	}
	return chain, nil
}

// HandshakeError is a TLS handshake that did not complete. Code tells the
// reasons apart by Reason, never by the text; Error is what the endpoint
// reports.
type HandshakeError struct {
	Reason HandshakeFailure
	Detail string // the explanation after the "tls handshake" prefix
}

func (e *HandshakeError) Error() string {
	if e.Reason == HandshakeNoAnswer {
		return "tls handshake: " + e.Detail
	}
	return "tls handshake failed: " + e.Detail
}

// HandshakeFailure says why a handshake did not complete.
type HandshakeFailure uint8

const (
	// HandshakeNoAnswer: nothing came back to the ClientHello.
	HandshakeNoAnswer HandshakeFailure = iota + 1
	// HandshakeAlert: the server answered with an alert.
	HandshakeAlert
	// HandshakeTimeout: the server stalled inside the handshake.
	HandshakeTimeout
	// HandshakeClosed: the server hung up inside the handshake.
	HandshakeClosed
	// HandshakeReadLimit: the server sent more than a probe reads.
	HandshakeReadLimit
	// HandshakeNoCommon: the server chose a version or suite the client
	// does not speak (SSL 3.0, finite-field DHE, an SSL 2.0 reply).
	HandshakeNoCommon
	// HandshakeBroken: malformed or out-of-order messages.
	HandshakeBroken
)

// handshakeFailure explains a handshake the peer answered in TLS but did
// not complete: an alert is named, a stall or a hang-up is said as such,
// a version or suite the client cannot speak is called one, and anything
// else is a server that broke the protocol. rec holds the peer's first
// bytes.
func handshakeFailure(rec []byte, err error) *HandshakeError {
	if len(rec) >= 7 && rec[0] == 0x15 {
		return &HandshakeError{HandshakeAlert, fmt.Sprintf("server sent alert %s", tlsinfo.AlertName(rec[6]))}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return &HandshakeError{HandshakeTimeout, "handshake timed out"}
	case errors.Is(err, ErrReadLimit):
		return &HandshakeError{HandshakeReadLimit, ErrReadLimit.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return &HandshakeError{HandshakeClosed, "the server closed the connection during the handshake"}
	case unspeakableHello(rec):
		return &HandshakeError{HandshakeNoCommon, "no version or cipher suite in common with a modern client"}
	}
	return &HandshakeError{HandshakeBroken, brokeTLS + ": " + FirstLine([]byte(tlsErrorText(err)))}
}

// unspeakableHello reports whether rec starts with a server hello the
// handshake client cannot accept: SSL 2.0, a version below TLS 1.0, or a
// suite crypto/tls does not implement.
func unspeakableHello(rec []byte) bool {
	r, err := ParseServerReply(rec)
	if err != nil && !errors.Is(err, ErrShortReply) {
		return false
	}
	switch r.Kind {
	case ReplySSLv2ServerHello:
		return true
	case ReplyServerHello:
		return r.Version < tls.VersionTLS10 || !goSpeaks(r.Suite)
	}
	return false
}

// goSpeaks reports whether crypto/tls implements the suite.
func goSpeaks(id uint16) bool {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if cs.ID == id {
				return true
			}
		}
	}
	return false
}

// brokeTLS starts the description of a handshake the server sent malformed
// or out-of-order messages in; the versions probe keeps such an error.
const brokeTLS = "the server broke the TLS protocol"

// tlsErrorText is the crypto/tls message inside a tlsx error, which reads
// `cause="could not do handshake" chain="tls: ..."`; any other error is
// its own text.
func tlsErrorText(err error) string {
	s := err.Error()
	if i := strings.Index(s, `chain="`); i >= 0 {
		if q, qerr := strconv.QuotedPrefix(s[i+len("chain="):]); qerr == nil {
			if u, uerr := strconv.Unquote(q); uerr == nil {
				return u
			}
		}
	}
	return s
}

// handoff is the dialer tlsx gets: it returns the connection the probe
// already holds for that address and refuses to dial anything else.
// tlsx names only the address it dials, so handshakes to one address (host
// names sharing an IP, scanned at once) take turns: reserve.
type handoff struct {
	mu    sync.Mutex
	conns map[string]net.Conn
	busy  map[string]chan struct{} // closed when the address is free again
}

// reserve waits until no other handshake uses addr and claims it; release
// frees it. It fails only when ctx ends first.
func (h *handoff) reserve(ctx context.Context, addr string) (release func(), err error) {
	for {
		h.mu.Lock()
		wait, busy := h.busy[addr]
		if !busy {
			done := make(chan struct{})
			h.busy[addr] = done
			h.mu.Unlock()
			return func() {
				h.mu.Lock()
				delete(h.busy, addr)
				h.mu.Unlock()
				close(done)
			}, nil
		}
		h.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (h *handoff) put(addr string, c net.Conn) {
	h.mu.Lock()
	h.conns[addr] = c
	h.mu.Unlock()
}

func (h *handoff) take(addr string) net.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.conns[addr]
	delete(h.conns, addr)
	return c
}

// Dial implements proxy.Dialer for fastdialer.
func (h *handoff) Dial(_, addr string) (net.Conn, error) {
	if c := h.take(addr); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("tlsweep: no connection prepared for %s", addr)
}

// answerWait is how long an open port gets to answer the ClientHello:
// twice --timeout, since the port already accepted the connection and a
// loaded scanner or server can be slow to get to it; never past Patience.
func (p *TLS) answerWait() time.Duration { return min(2*p.cfg.Timeout, p.cfg.Patience) }

// tlsxVersionName is the report name of a version as tlsx spells it (tls12).
func tlsxVersionName(v string) string {
	if rv, ok := tlsinfo.VersionByToken(v); ok {
		return rv.Name
	}
	return v
}
