package probes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tlsweep/tlsweep/report"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// VersionsConfig configures the version and cipher-suite scan.
type VersionsConfig struct {
	// Timeout bounds each connection (connect, hello, reply); it never
	// runs past the context's deadline. Default 5s.
	Timeout time.Duration
	// Full (--ciphers) enumerates every accepted suite of every accepted
	// version, in the server's preference order; otherwise only the weak
	// suites are looked for.
	Full bool
	// MaxConnections caps the connections one endpoint gets: 0 means
	// DefaultQuickConnections, or DefaultFullConnections with Full. The
	// version hellos (at most six) always run; suite checks stop at the
	// cap, and the result says Capped.
	MaxConnections int
}

// Connection caps per endpoint. The quick cap keeps the default scan
// within 12 connections per TLS endpoint, every check included: the
// handshake (1), a GET after a refused HEAD (1), this scan (7) and the
// vulnerability checks (at most 3); or, on a port upgraded in-band, the
// plaintext connection that found it, the upgrade's, this scan and the
// checks. A server with more weak suites than the cap leaves to find has
// them listed in part (CiphersCapped; --ciphers finds them all).
const (
	DefaultQuickConnections = 7
	DefaultFullConnections  = 512
)

// versionHellos is the most connections the version hellos take: TLS 1.3
// down to SSL 3.0, and SSL 2.0.
const versionHellos = 6

// Versions finds every protocol version a TLS endpoint accepts (SSL 2.0 to
// TLS 1.3) and the cipher suites it accepts, from hand-built hellos: each
// check is one fresh connection, one ClientHello, one reply read, closed.
//
// Quick mode costs 4 to 10 connections: one hello per version (a TLS 1.2
// hello answered at TLS 1.0 also settles TLS 1.1 and 1.0, and a modern
// server's protocol_version alert every older version), then per accepted
// version before TLS 1.3 one hello offering only the weak suites, repeated
// without each suite the server picks (elimination) until it refuses.
// Full mode eliminates over every suite valid at each accepted version.
type Versions struct{ cfg VersionsConfig }

// VersionsResult is what the scan found on one endpoint.
type VersionsResult struct {
	// Versions are the accepted versions' report names, oldest first.
	Versions []string
	// Ciphers are the accepted suites found, oldest version first and in
	// the order the server chose them within a version.
	Ciphers []report.AcceptedCipher
	// Highest is the newest accepted version (wire value, 0 if none);
	// HighestSuite names the suite its hello got.
	Highest      uint16
	HighestSuite string
	// Connections counts the connections made (dials attempted).
	Connections int
	// Capped is true when suite checks stopped at MaxConnections.
	Capped   bool
	Duration time.Duration
}

// NewVersions builds the probe.
func NewVersions(cfg VersionsConfig) *Versions {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultQuickConnections
		if cfg.Full {
			cfg.MaxConnections = DefaultFullConnections
		}
	}
	cfg.MaxConnections = max(cfg.MaxConnections, versionHellos)
	return &Versions{cfg: cfg}
}

// Name implements Probe.
func (*Versions) Name() string { return "versions" }

// Probe implements Probe. It runs after the TLS probe, on endpoints that
// speak TLS, and fills ep.TLS.Versions and ep.TLS.Ciphers. When the TLS
// probe's own handshake failed (an SSL 3.0-only server, say) but some
// version is accepted, it creates ep.TLS without a chain and clears the
// handshake error.
func (p *Versions) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS {
		return nil
	}
	return p.scan(ctx, d, t, ep)
}

// scan runs the version and suite scan on an endpoint known to speak TLS
// (from the first byte, or after an in-band upgrade d performs).
func (p *Versions) scan(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	// The handshake already proved its version; quick mode has nothing
	// else to learn from a hello at that version (the weak suites are
	// offered alone after), so it is not sent again.
	var known uint16
	if v, ok := tlsinfo.VersionByName(versionOf(ep)); ok && !p.cfg.Full && v.ID >= tlsinfo.SSL30 {
		known = v.ID
	}
	res, err := p.enumerate(ctx, d, t, known)
	applyVersions(res, t, ep)
	if err != nil {
		return fmt.Errorf("version scan: %w", err)
	}
	return nil
}

// versionOf is the version ep's handshake negotiated, "" without one.
func versionOf(ep *report.Endpoint) string {
	if ep.TLS == nil {
		return ""
	}
	return ep.TLS.Version
}

func applyVersions(res *VersionsResult, t Target, ep *report.Endpoint) {
	if ep.TLS == nil {
		if len(res.Versions) == 0 {
			return
		}
		ep.TLS = &report.TLS{Version: tlsinfo.VersionName(res.Highest), Cipher: res.HighestSuite,
			SNI: t.SNI, Chain: []report.Certificate{}}
		// The hellos saw versions that no handshake of the TLS probe
		// (crypto/tls, then tlsx's zcrypto) could complete: the endpoint
		// speaks TLS, but its certificate was never read. A server that
		// broke the protocol keeps that error.
		var he *HandshakeError
		if errors.As(ep.Cause, &he) && he.Reason != HandshakeBroken {
			ep.Fail(&NoChainError{Handshake: he})
		}
	}
	names := slices.Clone(res.Versions)
	// The TLS probe's handshake proved its version, whatever the hellos saw.
	if _, ok := tlsinfo.VersionByName(ep.TLS.Version); ok && !slices.Contains(names, ep.TLS.Version) {
		names = append(names, ep.TLS.Version)
	}
	var out []string
	for _, v := range tlsinfo.Versions() {
		if slices.Contains(names, v.Name) {
			out = append(out, v.Name)
		}
	}
	ep.TLS.Versions = out
	ep.TLS.Ciphers = res.Ciphers
	ep.TLS.CiphersCapped = res.Capped
}

// errStopped is what a check returns once the scan has stopped.
var errStopped = errors.New("scan stopped")

// session is one endpoint's scan: the connections it made and why it stopped.
type session struct {
	ctx     context.Context
	d       Dialer
	t       Target
	timeout time.Duration
	max     int
	conns   int
	capped  bool
	err     error // the context ended or a connect failed
}

func (s *session) stopped() bool { return s.capped || s.err != nil }

// exchange sends hello on a fresh connection and reads the reply.
func (s *session) exchange(hello []byte) (ServerReply, error) {
	if s.stopped() {
		return ServerReply{}, errStopped
	}
	if s.conns >= s.max {
		s.capped = true
		return ServerReply{}, errStopped
	}
	if err := s.ctxDone(); err != nil {
		s.err = err
		return ServerReply{}, err
	}
	s.conns++
	rc, done, err := openConn(s.ctx, s.d, s.t, s.timeout, 0)
	if err != nil {
		s.err = fmt.Errorf("connect: %w", err)
		if cerr := s.ctxDone(); cerr != nil {
			s.err = cerr
		}
		return ServerReply{}, s.err
	}
	defer done()
	if _, err := rc.Write(hello); err != nil {
		return ServerReply{}, err
	}
	r, err := ReadServerReply(rc, 0)
	if err != nil {
		s.err = s.ctxDone()
	}
	return r, err
}

// ctxDone is the context's error, or DeadlineExceeded once its deadline
// has passed (a connection deadline can fire before the context's timer).
func (s *session) ctxDone() error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if dl, ok := s.ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// scan holds what the version hellos learned.
type scan struct {
	*session
	accepted, refused map[uint16]bool
	seeds             map[uint16]*pick // per accepted version: the hello that showed it
	sslv2             []uint32
}

// enumerate runs the scan on t and returns what it found, one version
// already known to be accepted (0 for none) left out. The result is never
// nil; err says why it stopped early (the context ended, a connect
// failed), and the result then holds what was found before.
func (p *Versions) enumerate(ctx context.Context, d Dialer, t Target, known uint16) (*VersionsResult, error) {
	start := time.Now()
	sc := &scan{
		session:  &session{ctx: ctx, d: d, t: t, timeout: p.cfg.Timeout, max: p.cfg.MaxConnections},
		accepted: map[uint16]bool{}, refused: map[uint16]bool{}, seeds: map[uint16]*pick{},
	}
	if known != 0 {
		sc.accepted[known] = true
	}
	sc.versions()
	perVersion := sc.suites(p.cfg.Full)

	res := &VersionsResult{Connections: sc.conns, Capped: sc.capped}
	for _, rv := range tlsinfo.Versions() {
		if !sc.accepted[rv.ID] {
			continue
		}
		res.Versions = append(res.Versions, rv.Name)
		res.Highest = rv.ID
		if rv.ID == tlsinfo.SSL20 {
			res.Ciphers = append(res.Ciphers, sslv2Ciphers(sc.sslv2)...)
			if c := sslv2Ciphers(sc.sslv2); len(c) > 0 {
				res.HighestSuite = c[0].Name
			}
			continue
		}
		if sd := sc.seeds[rv.ID]; sd != nil {
			res.HighestSuite = suiteName(sd.suite)
		}
		for _, id := range perVersion[rv.ID] {
			res.Ciphers = append(res.Ciphers, acceptedCipher(rv.ID, id))
		}
	}
	res.Duration = time.Since(start)
	return res, sc.err
}

// versions sends one hello per version, newest first, skipping versions
// an earlier answer settled: a ServerHello at an older version settles the
// ones between, and a modern server's protocol_version alerts to two
// versions in a row every older one (refusesOlder).
func (sc *scan) versions() {
	lists := suitesByVersion()
	var alerted uint16 // the last version refused by refusesOlder's alert
	for _, v := range []uint16{tlsinfo.TLS13, tlsinfo.TLS12, tlsinfo.TLS11, tlsinfo.TLS10, tlsinfo.SSL30} {
		if sc.accepted[v] || sc.refused[v] {
			continue
		}
		win := lists[v].broad
		r, err := sc.exchange(BuildClientHello(HelloSpec{Version: v, Suites: win, SNI: sc.t.SNI}))
		if sc.stopped() {
			return
		}
		if err != nil || !sc.note(v, win, r) {
			sc.refused[v] = true
			if err == nil && sc.refusesOlder(v, r) {
				if alerted == v+1 {
					for _, w := range []uint16{tlsinfo.TLS11, tlsinfo.TLS10, tlsinfo.SSL30} {
						if w < v {
							sc.refused[w] = true
						}
					}
				}
				alerted = v
			}
		}
	}
	r, err := sc.exchange(BuildSSLv2ClientHello(nil))
	if err == nil && r.Kind == ReplySSLv2ServerHello {
		for _, sp := range r.SSLv2Suites {
			if slices.Contains(DefaultSSLv2Suites, sp) {
				sc.sslv2 = append(sc.sslv2, sp)
			}
		}
		sc.accepted[tlsinfo.SSL20] = len(sc.sslv2) > 0
	}
}

// refusesOlder reports whether the refusal r of a hello at v is a sign
// that every older version is refused too. A server must answer a legacy
// hello with the newest version it has at or below the hello's (RFC 5246
// E.1), so an outright protocol_version alert means it has none. Only a
// server that already accepted TLS 1.2 or 1.3 is taken at its word:
// version-intolerant stacks, which refuse any hello newer than their own
// version, are old ones that speak neither, and they still get a hello
// per version. And it takes two such alerts in a row (TLS 1.1 and 1.0,
// say) to settle the rest: GnuTLS with TLS 1.2 and 1.0 but not 1.1 answers
// a TLS 1.1 hello with protocol_version, and accepts TLS 1.0.
func (sc *scan) refusesOlder(v uint16, r ServerReply) bool {
	return v != tlsinfo.TLS13 && r.Kind == ReplyAlert && r.AlertDesc == tlsinfo.AlertProtocolVersion &&
		(sc.accepted[tlsinfo.TLS13] || sc.accepted[tlsinfo.TLS12])
}

// note records the ServerHello a hello at version v offering win got. A
// ServerHello at v accepts v. One at an older version w (with a suite
// valid there) accepts w and refuses every version above w up to v: the
// server picks the newest version it has. Anything else returns false.
func (sc *scan) note(v uint16, win []uint16, r ServerReply) bool {
	if (r.Kind != ReplyServerHello && r.Kind != ReplyHelloRetry) || !slices.Contains(win, r.Suite) {
		return false
	}
	w := r.Version
	switch {
	case w == v:
		sc.accepted[v] = true
		sc.seeds[v] = &pick{window: win, suite: r.Suite}
		return true
	case r.Kind == ReplyServerHello && w >= tlsinfo.SSL30 && w < v && validAt(w, r.Suite):
		sc.accepted[w] = true
		if sc.seeds[w] == nil {
			valid := slices.DeleteFunc(slices.Clone(win), func(id uint16) bool { return !validAt(w, id) })
			sc.seeds[w] = &pick{window: valid, suite: r.Suite}
		}
		for u := w + 1; u <= v; u++ {
			sc.refused[u] = true
		}
		return true
	}
	return false
}

// suites runs the suite checks: with full, an elimination over every
// suite of every accepted version in preference order; otherwise over the
// weak suites of each accepted version before TLS 1.3.
func (sc *scan) suites(full bool) map[uint16][]uint16 {
	lists := suitesByVersion()
	out := map[uint16][]uint16{}
	for _, v := range []uint16{tlsinfo.TLS13, tlsinfo.TLS12, tlsinfo.TLS11, tlsinfo.TLS10, tlsinfo.SSL30} {
		if !sc.accepted[v] || sc.stopped() {
			continue
		}
		switch {
		case full:
			out[v] = sc.eliminate(v, lists[v].all, sc.seeds[v], true)
		case v != tlsinfo.TLS13:
			seed := sc.seeds[v]
			if seed != nil && !isWeak(seed.suite) {
				seed = nil
			}
			out[v] = sc.eliminate(v, lists[v].weak, seed, false)
		}
	}
	return out
}
