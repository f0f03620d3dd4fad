package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// VulnsConfig configures the known-vulnerability checks.
type VulnsConfig struct {
	// Timeout bounds each connection (connect, hello, the server's flight);
	// it never runs past the context's deadline. Default 5s.
	Timeout time.Duration
	// Wait bounds the wait for an answer that a patched server may never
	// send (a heartbeat it ignores, an oracle probe it leaves hanging).
	// Default Timeout/2, at most 1.5s.
	Wait time.Duration
	// Extra runs the checks that do not fit the default scan's budget of
	// 12 connections per TLS endpoint: ROBOT (one connection where RSA key
	// exchange is refused, five or seven where it is accepted) and
	// client-initiated renegotiation (one full TLS 1.2 handshake).
	Extra bool
}

// Vulns checks a TLS endpoint for the known TLS flaws testssl.sh looks for:
// Heartbleed, CCS injection, ROBOT, missing secure renegotiation,
// client-initiated renegotiation, compression (CRIME), TLS_FALLBACK_SCSV,
// the Diffie-Hellman group (Logjam), and a required client certificate.
//
// It runs after the Versions probe and uses what it found to run a check
// only where it applies. One "flight" connection answers several
// questions: its hello offers DHE suites first, DEFLATE and the heartbeat
// extension, and the server's first flight shows the secure-renegotiation
// extension, the compression method, the DH group, the leaf key and any
// certificate request; the heartbeat and the CCS-injection checks then run
// on that same connection. Further connections: one hello offering only
// DHE suites when the flight chose another key exchange, and one fallback
// hello when an older version is also accepted. So the checks cost 1 to 3
// connections, made one at a time. With Extra, ROBOT adds one hello
// offering only RSA key exchange, and four more handshakes when it is
// accepted (two more to confirm an oracle), and the renegotiation check one
// full TLS 1.2 handshake.
type Vulns struct {
	cfg VulnsConfig

	mu    sync.Mutex
	stats VulnsStats
}

// VulnsStats sums the checks' cost over every endpoint they ran on.
type VulnsStats struct {
	Endpoints      int
	Connections    int
	MaxPerEndpoint int
}

// NewVulns builds the probe.
func NewVulns(cfg VulnsConfig) *Vulns {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Wait <= 0 {
		cfg.Wait = min(cfg.Timeout/2, 1500*time.Millisecond)
	}
	return &Vulns{cfg: cfg}
}

// Name implements Probe.
func (*Vulns) Name() string { return "vulns" }

// Stats returns the totals so far (safe while the sweep runs).
func (p *Vulns) Stats() VulnsStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Probe implements Probe. It runs on endpoints that speak TLS and records
// its results in ep.TLS.Vulns.
func (p *Vulns) Probe(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS || ep.TLS == nil {
		return nil
	}
	return p.check(ctx, d, t, ep)
}

// check runs the checks on an endpoint known to speak TLS (from the first
// byte, or after an in-band upgrade d performs).
func (p *Vulns) check(ctx context.Context, d Dialer, t Target, ep *report.Endpoint) error {
	vs := &vulnScan{ctx: ctx, d: d, t: t, cfg: p.cfg, v: &report.Vulns{}}
	vs.accepted = acceptedWire(ep.TLS)
	err := vs.run()
	vs.v.Connections = vs.conns
	ep.TLS.Vulns = vs.v
	p.mu.Lock()
	p.stats.Endpoints++
	p.stats.Connections += vs.conns
	p.stats.MaxPerEndpoint = max(p.stats.MaxPerEndpoint, vs.conns)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("vulnerability checks: %w", err)
	}
	return nil
}

// acceptedWire lists the accepted versions as wire values, newest first.
func acceptedWire(t *report.TLS) []uint16 {
	var out []uint16
	for _, v := range tlsinfo.Versions() {
		if v.Name == t.Version || slices.Contains(t.Versions, v.Name) {
			out = append(out, v.ID)
		}
	}
	slices.Reverse(out)
	return out
}

// vulnScan is one endpoint's checks.
type vulnScan struct {
	ctx      context.Context
	d        Dialer
	t        Target
	cfg      VulnsConfig
	v        *report.Vulns
	accepted []uint16 // newest first
	conns    int
	err      error // the context ended or a connect failed
}

// legacy is the newest accepted version from SSL 3.0 to TLS 1.2, 0 if none.
func (vs *vulnScan) legacy() uint16 {
	for _, v := range vs.accepted {
		if v >= tlsinfo.SSL30 && v <= tlsinfo.TLS12 {
			return v
		}
	}
	return 0
}

func (vs *vulnScan) run() error {
	legacy := vs.legacy()
	if legacy == 0 {
		if slices.Contains(vs.accepted, tlsinfo.TLS13) {
			vs.clientCertTLS13()
		}
		return vs.err
	}
	fl := vs.flightChecks(legacy)
	steps := []func(){
		func() { vs.dheGroup(legacy, fl) },
		vs.fallback,
	}
	if vs.cfg.Extra {
		steps = append(steps, func() { vs.robot(legacy) }, vs.renegotiation)
	}
	for _, step := range steps {
		if vs.err != nil {
			break
		}
		step()
	}
	return vs.err
}

// dial opens one connection with the check's deadline.
func (vs *vulnScan) dial() (*recordConn, func(), error) {
	if vs.err != nil {
		return nil, nil, vs.err
	}
	if err := vs.ctx.Err(); err != nil {
		vs.err = err
		return nil, nil, err
	}
	deadline := time.Now().Add(vs.cfg.Timeout)
	if dl, ok := vs.ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	cctx, cancel := context.WithDeadline(vs.ctx, deadline)
	vs.conns++
	conn, err := vs.d.DialContext(cctx, "tcp", vs.t.Addr())
	if err != nil {
		cancel()
		vs.err = fmt.Errorf("connect: %w", err)
		if cerr := vs.ctx.Err(); cerr != nil {
			vs.err = cerr
		}
		return nil, nil, vs.err
	}
	stop := context.AfterFunc(cctx, func() { _ = conn.Close() })
	return newRecordConn(conn, deadline, 0), func() {
		stop()
		_ = conn.Close()
		cancel()
	}, nil
}

// hello sends a hello on a fresh connection and reads the server's flight.
// The connection is nil when none could be opened or written.
func (vs *vulnScan) hello(spec HelloSpec) (*recordConn, func(), *flight, error) {
	spec.SNI = vs.t.SNI
	rc, done, err := vs.dial()
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := rc.Write(BuildClientHello(spec)); err != nil {
		done()
		return nil, nil, nil, err
	}
	fl, err := readFlight(rc)
	return rc, done, fl, err
}

// waitFor sets a short read deadline for an answer a patched server may
// never send.
func (vs *vulnScan) waitFor(rc *recordConn) {
	_ = rc.SetReadDeadline(time.Now().Add(vs.cfg.Wait))
}

// suitesWhere lists the suites valid at v that match keep, in the order
// the version scan offers them.
func suitesWhere(v uint16, keep func(tlsinfo.CipherSuite) bool) []uint16 {
	var out []uint16
	for _, id := range suitesByVersion()[v].all {
		if cs, ok := tlsinfo.CipherSuiteByID(id); ok && keep(cs) {
			out = append(out, id)
		}
	}
	return out
}

func isDHE(cs tlsinfo.CipherSuite) bool {
	return cs.Kx == "DHE" && (cs.Auth == "RSA" || cs.Auth == "DSS") && !cs.Export
}

func isRSAKx(cs tlsinfo.CipherSuite) bool {
	return cs.Kx == "RSA" && cs.Auth == "RSA" && !cs.Export
}

func suiteIs(id uint16, f func(tlsinfo.CipherSuite) bool) bool {
	cs, ok := tlsinfo.CipherSuiteByID(id)
	return ok && f(cs)
}

// flightChecks runs the checks of the flight connection (see Vulns).
func (vs *vulnScan) flightChecks(legacy uint16) *flight {
	offer := suitesWhere(legacy, isDHE)
	for _, id := range suitesByVersion()[legacy].broad {
		if !slices.Contains(offer, id) {
			offer = append(offer, id)
		}
	}
	offer = offer[:min(len(offer), maxOffer)]
	rc, done, fl, err := vs.hello(HelloSpec{Version: legacy, Suites: offer, Deflate: true, Heartbeat: true})
	if rc == nil {
		return nil
	}
	defer done()
	if err != nil {
		return nil
	}
	sr := fl.secureReneg
	vs.v.SecureRenegotiation = &sr
	vs.v.Compression = "none"
	if fl.compression != 0 {
		vs.v.Compression = compressionName(fl.compression)
	}
	vs.noteDH(fl)
	alive := true
	if fl.heartbeat {
		alive = vs.heartbleed(rc, fl)
	} else {
		vs.v.Heartbleed = report.VulnNotApplicable
	}
	if alive && fl.certRequest {
		alive = vs.clientCert(rc, fl)
	}
	if alive {
		vs.ccsInjection(rc, fl)
	}
	return fl
}

func compressionName(m uint8) string {
	if m == 1 {
		return "deflate"
	}
	return fmt.Sprintf("method %d", m)
}

// noteDH records the DH group of a flight that used a DHE suite.
func (vs *vulnScan) noteDH(fl *flight) {
	if fl == nil || !suiteIs(fl.suite, isDHE) || fl.ske == nil {
		return
	}
	if p, _, err := dhParams(fl.ske); err == nil {
		vs.v.DHBits = p.BitLen()
		vs.v.DHPrime = knownPrime(p)
	}
}

// dheGroup learns the DH group with a hello offering only DHE suites,
// unless the flight already used one.
func (vs *vulnScan) dheGroup(legacy uint16, fl *flight) {
	if vs.v.DHBits != 0 || (fl != nil && suiteIs(fl.suite, isDHE)) {
		return
	}
	offer := suitesWhere(legacy, isDHE)
	if len(offer) == 0 {
		return
	}
	rc, done, fl2, err := vs.hello(HelloSpec{Version: legacy, Suites: offer[:min(len(offer), maxOffer)]})
	if rc == nil {
		return
	}
	defer done()
	if err == nil {
		vs.noteDH(fl2)
	}
}

// isAlert reports whether err is the alert desc (any when desc < 0).
func isAlert(err error, desc int) bool {
	var ae *alertError
	return errors.As(err, &ae) && (desc < 0 || int(ae.desc) == desc)
}

// timedOut reports whether err is a deadline.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
