package probes

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"sync"
	"time"

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
	// Roots verify the chain; nil means the system roots plus ExtraRoots,
	// loaded when the first chain is verified (a scan that finds no TLS
	// never loads them).
	Roots *x509.CertPool
	// ExtraRoots are trusted besides the system roots when Roots is nil.
	ExtraRoots []*x509.Certificate
	// Now is the clock certificates are judged by; nil means time.Now.
	Now func() time.Time
	// AppProtocol asks, on the handshake's connection, what speaks inside
	// TLS (a greeting wait, then one HEAD / request): tls.app_protocol,
	// and http and tls.hsts where HTTP answers.
	AppProtocol bool
	// UserAgent is sent with the HEAD request; default "tlsweep".
	UserAgent string
}

// TLS is the transport probe: it runs a TLS handshake on the endpoint
// (crypto/tls, and tlsx's zcrypto mode for what crypto/tls cannot speak)
// and, when the peer answers with something other than TLS, classifies
// what it said. It fills Transport, TLS, Protocol and Banner; with
// AppProtocol, also what speaks inside TLS (see appProbe).
type TLS struct {
	cfg    TLSConfig
	app    appProbe
	legacy legacyHandshaker
	roots  func() *x509.CertPool
	sigs   sigMemo
}

// NewTLS builds the probe. Every handshake runs on a connection the
// probe's Dialer gave it.
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
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tlsweep"
	}
	app := appProbe{timeout: cfg.Timeout, userAgent: cfg.UserAgent}
	return &TLS{cfg: cfg, app: app, legacy: ztlsHandshaker{}, roots: rootsFor(cfg)}, nil
}

// rootsFor returns the pool chains are verified against, built on first
// use; nil means crypto/x509's own system roots, which load lazily too.
func rootsFor(cfg TLSConfig) func() *x509.CertPool {
	if cfg.Roots != nil || len(cfg.ExtraRoots) == 0 {
		return func() *x509.CertPool { return cfg.Roots }
	}
	return sync.OnceValue(func() *x509.CertPool {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		for _, c := range cfg.ExtraRoots {
			pool.AddCert(c)
		}
		return pool
	})
}

// Name implements Probe.
func (*TLS) Name() string { return "tls" }

// Probe implements Probe.
func (p *TLS) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	rc, done, err := openConn(ctx, d, t, p.cfg.Patience, 512)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer done()
	rc.expectAnswerBy(time.Now().Add(p.answerWait()))

	sess, info, herr := p.session(rc, t)
	if herr != nil && looksLikeTLS(rc.rec) {
		sess = nil
		info, herr = p.tryLegacy(ctx, d, t, handshakeFailure(rc.rec, herr))
	}
	if herr == nil {
		ep.Transport = report.TransportTLS
		ep.TLS = info
		if p.cfg.AppProtocol && sess != nil && p.app.run(sess.conn, t, sess.took, ep) {
			done() // one connection at a time
			p.app.get(ctx, d, t, ep)
		}
		return nil
	}
	switch {
	case looksLikeTLS(rc.rec):
		ep.Transport = report.TransportTLS
		return herr
	case len(rc.rec) > 0:
		completeLine(rc)
		recordGreeting(ep, rc.rec)
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

// modernSuites are every suite crypto/tls implements, the insecure ones
// included (RC4, 3DES, CBC-SHA256): a handshake that shows a weak suite is
// worth more than one refused.
var modernSuites = func() []uint16 {
	var ids []uint16
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			ids = append(ids, cs.ID)
		}
	}
	return ids
}()

// handshake runs one crypto/tls handshake on conn (already connected to t)
// and judges what it saw. FTP's AUTH TLS reuses it.
func (p *TLS) handshake(conn net.Conn, t Target) (*report.TLS, error) {
	_, info, err := p.session(conn, t)
	return info, err
}

// tlsSession is a completed crypto/tls handshake: the session, and how
// long the handshake took.
type tlsSession struct {
	conn *tls.Conn
	took time.Duration
}

// session is handshake that also returns the session.
func (p *TLS) session(conn net.Conn, t Target) (*tlsSession, *report.TLS, error) {
	start := time.Now()
	tc := tls.Client(conn, &tls.Config{
		ServerName:         t.SNI,
		InsecureSkipVerify: true, //nolint:gosec // the chain is verified below, against the configured roots
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         tls.VersionTLS13,
		CipherSuites:       modernSuites,
	})
	if err := tc.Handshake(); err != nil {
		return nil, nil, err
	}
	sess := &tlsSession{conn: tc, took: time.Since(start)}
	st := tc.ConnectionState()
	info, err := p.judge(t, st.Version, st.CipherSuite, st.PeerCertificates)
	return sess, info, err
}

// judge describes and verifies the chain a handshake at version and suite
// brought back.
func (p *TLS) judge(t Target, version, suite uint16, chain []*x509.Certificate) (*report.TLS, error) {
	if len(chain) == 0 {
		return nil, errNoCertificate
	}
	now := p.cfg.Now()
	info := &report.TLS{
		Version: tlsinfo.VersionName(version),
		Cipher:  suiteName(suite),
		SNI:     t.SNI,
		Chain:   describeChain(chain, now, &p.sigs),
	}
	if verr := verifyChain(chain, p.roots(), now, &p.sigs); verr != nil {
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

// answerWait is how long an open port gets to answer the ClientHello:
// twice --timeout, since the port already accepted the connection and a
// loaded scanner or server can be slow to get to it; never past Patience.
func (p *TLS) answerWait() time.Duration { return min(2*p.cfg.Timeout, p.cfg.Patience) }
