// Package scanner expands targets and ports into probes, runs them through
// a bounded, cancellable two-stage pool (many cheap connects in flight, a
// smaller pool examining the ports found open), and collects what the
// probes learn into a report.
package scanner

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
)

// Config is what a sweep needs besides its targets.
type Config struct {
	// Concurrency caps connection attempts in flight (default 4096); a
	// probe sent again after a few round trips of silence is one attempt,
	// with two sockets.
	Concurrency int
	// ProbeConcurrency caps open endpoints examined at once (default 512).
	ProbeConcurrency int
	// HostConcurrency caps simultaneous connections to one address
	// (default DefaultHostConcurrency), every probe's connection included.
	HostConcurrency int
	// Rate caps new connection attempts per second (0: no cap); with SYN,
	// SYNs sent (the command's default is then DefaultSYNRate).
	Rate float64
	// SYN discovers open IPv4 ports with SYNs from a raw socket instead of
	// connects (see syn.go): root or CAP_NET_RAW, Linux only. IPv6 probes
	// are connected to as without it.
	SYN bool
	// ConnectTimeout bounds the TCP connect (default 3s): the longest a
	// probe waits for an answer. With adaptive timing (the default, see
	// FixedTimeout) a silent probe waits a few learned round trips, is
	// sent once more, and is filtered well before it.
	ConnectTimeout time.Duration
	// FixedTimeout turns adaptive timing off: every connect waits all of
	// ConnectTimeout, with no retry but the kernel's own. (The Dialer
	// connect phase always waits ConnectTimeout.)
	FixedTimeout bool
	// EndpointTimeout bounds everything done to one host:port once it is
	// open, all probes included (default 4x ConnectTimeout).
	EndpointTimeout time.Duration
	// Dialer, when set, opens every connection, the connect phase's too
	// (tests inject one). When nil the connect phase uses raw non-blocking
	// sockets on Linux and probes use a *net.Dialer.
	Dialer probes.Dialer
	// Probes run in order on each open endpoint.
	Probes []probes.Probe
	// Rules judge each endpoint; Rules.Now is refreshed from Now.
	Rules findings.RuleConfig
	// SNI, when set, is sent to every target and checked against certificates.
	SNI string
	// ShowClosed keeps closed and filtered endpoints in the report.
	ShowClosed bool
	// Shard scans slice K of N of the probe space.
	Shard Shard
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnEndpoint, when set, sees each endpoint the report keeps as soon as
	// it is done (jsonl streaming). It is called from one goroutine.
	OnEndpoint func(*report.Endpoint) error
	// StreamOnly, with OnEndpoint, keeps no endpoint in the report (only
	// the summary), so a streamed sweep's memory does not grow with what it
	// finds.
	StreamOnly bool
	// Progress, when set, is updated as probes finish.
	Progress *Progress
}

// Progress counts a running sweep; read it from any goroutine.
type Progress struct {
	Total atomic.Uint64 // probes in this sweep (set when it starts)
	Done  atomic.Uint64 // probes finished
	Open  atomic.Uint64 // open ports found
	// Retries counts second SYNs sent to probes silent after a few
	// learned round trips.
	Retries atomic.Uint64
	// RTT holds the round trips of the answered connects.
	RTT RTTHistogram
}

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 4096
	}
	if c.ProbeConcurrency <= 0 {
		c.ProbeConcurrency = 512
	}
	if c.HostConcurrency <= 0 {
		c.HostConcurrency = DefaultHostConcurrency
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 3 * time.Second
	}
	if c.EndpointTimeout <= 0 {
		c.EndpointTimeout = 4 * c.ConnectTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Progress == nil {
		c.Progress = new(Progress)
	}
}

// RaiseFileLimit lifts the process's open-file limit as far as cfg's
// connects in flight (two sockets for a retried one) and examiners need
// and the system allows, and returns
// the limit in force (0: unknown). Sweep fits its connects in flight under
// whatever limit it finds; the command calls this first so that a large
// --concurrency is not cut down. Go itself raises the soft limit to the
// hard one at start-up; only a privileged process (root or
// CAP_SYS_RESOURCE) can go beyond, up to the kernel's fs.nr_open.
func RaiseFileLimit(cfg Config) uint64 {
	cfg.defaults()
	return raiseOpenFileLimit(2*uint64(cfg.Concurrency) + 3*uint64(cfg.ProbeConcurrency) + fdMargin + 256)
}

// openPort is a port the connect phase found open, with its connection.
type openPort struct {
	p    Probe
	conn net.Conn
}

// Sweep probes every address and port of set (or of cfg.Shard's slice) and
// returns the report. When ctx is cancelled it starts no new work, abandons
// what is in flight and returns what finished, with Complete false. The
// caller fills Tool, Targets and Ports.
func Sweep(ctx context.Context, cfg Config, set *TargetSet) (*report.Report, error) {
	cfg.defaults()
	var syn *synSockets
	if cfg.SYN {
		var err error
		if syn, err = openSYN(); err != nil {
			return nil, err
		}
		defer syn.close()
	}
	r := &report.Report{Schema: report.Schema, StartedAt: cfg.Now().UTC(), Endpoints: []report.Endpoint{}}
	ord := newClassOrder(set.classes(), cfg.Shard)
	cfg.Progress.Total.Store(ord.count)
	// No more examiners (and channel slots) than probes: a huge
	// --probe-concurrency must not allocate for work that does not exist.
	examinersN := int(min(uint64(cfg.ProbeConcurrency), max(ord.count, 1)))

	fdLimit := raiseOpenFileLimit(0)
	sockets := fdBudget(2*cfg.Concurrency, examinersN, fdLimit) // a retried attempt has two
	cfg.Concurrency = fdBudget(cfg.Concurrency, examinersN, fdLimit)

	probeDialer := cfg.Dialer
	if probeDialer == nil {
		// Probe connections live seconds: TCP keepalive would only cost
		// four setsockopt(2) calls each.
		probeDialer = &net.Dialer{KeepAlive: -1}
	}
	hosts := newHostLimiter(cfg.HostConcurrency)
	pace := newPacer(cfg.Rate)

	results := make(chan *report.Endpoint, examinersN)
	col := startCollector(r, &cfg, results)

	opened := make(chan openPort, examinersN)
	sink := &connectSink{ctx: ctx, cfg: &cfg, hosts: hosts, opened: opened, results: results}
	// Keep an eighth of the examiners for the quick ports found meanwhile
	// (and the channel's buffer for bursts of them).
	busyAt := int64(examinersN - examinersN/8)
	src := &probeSource{set: set, ord: ord, busy: func() bool { return sink.examining.Load() >= busyAt }}
	connectDone := make(chan struct{})
	go func() {
		defer close(connectDone)
		if syn != nil {
			runSYN(ctx, &cfg, syn, probeDialer, src, sink, pace)
		} else if cfg.Dialer != nil || !runRawEngines(ctx, cfg.Concurrency, sockets, src, sink, pace) {
			runDialWorkers(ctx, &cfg, probeDialer, src, sink, pace)
		}
	}()
	examiners := startExaminers(ctx, &cfg, examinersN, probeDialer, sink, opened)
	<-connectDone
	close(opened)
	_ = examiners.Wait()
	close(results)
	<-col.done

	r.Summary.Closed += int(sink.closed.Load())
	r.Summary.Filtered += int(sink.filtered.Load())
	r.Summary.Probes += int(sink.closed.Load() + sink.filtered.Load())
	r.Summary.Hosts = int(set.Hosts())
	r.Summary.Timing = timingSummary(&cfg)
	r.Complete = ctx.Err() == nil && src.exhausted()
	r.FinishedAt = cfg.Now().UTC()
	SortEndpoints(r.Endpoints)
	if col.err != nil {
		return r, fmt.Errorf("write results: %w", col.err)
	}
	return r, nil
}

// collector adds each examined endpoint to the report and hands it to
// Config.OnEndpoint; err is the first error OnEndpoint returned, read
// once done is closed.
type collector struct {
	done chan struct{}
	err  error
}

func startCollector(r *report.Report, cfg *Config, results <-chan *report.Endpoint) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ep := range results {
			r.Summary.Count(ep)
			if cfg.OnEndpoint != nil && c.err == nil {
				c.err = cfg.OnEndpoint(ep)
			}
			if !cfg.StreamOnly || cfg.OnEndpoint == nil {
				r.Endpoints = append(r.Endpoints, *ep)
			}
		}
	}()
	return c
}

// startExaminers starts n examiners, each examining the open ports the
// connect phase sends to opened (sink's) until it is closed, and sending
// what they found to sink.results.
func startExaminers(ctx context.Context, cfg *Config, n int, dial probes.Dialer, sink *connectSink, opened <-chan openPort) *errgroup.Group {
	var g errgroup.Group
	for range n {
		g.Go(func() error {
			for op := range opened {
				ep, ok := examine(ctx, cfg, dial, sink.hosts, op)
				sink.examining.Add(-1)
				sink.hosts.release(op.p.IP)
				cfg.Progress.Done.Add(1)
				if ok {
					sink.results <- ep
				}
			}
			return nil
		})
	}
	return &g
}

// timingSummary is what the connect phase learned of round trips.
func timingSummary(cfg *Config) *report.Timing {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p := cfg.Progress
	return &report.Timing{
		Adaptive:   !cfg.FixedTimeout,
		RTTSamples: p.RTT.Count(),
		RTTP50Ms:   ms(p.RTT.Quantile(0.5)),
		RTTP90Ms:   ms(p.RTT.Quantile(0.9)),
		Retries:    p.Retries.Load(),
	}
}

// probeSource hands this sweep's probes to every connect worker. A shard's
// positions form two runs (see order): the probes of ports slow to examine,
// then the others. The source takes from the slow run while the examiners
// have room, and from the other run while they are busy. Slow examinations
// (an HTTPS request may wait the whole timeout) thus start early and
// overlap the rest of the sweep instead of trailing it, while the other
// ports found meanwhile still find examiners. Each position is taken once,
// whatever the interleaving, so a shard's probe set does not depend on
// timing.
type probeSource struct {
	set *TargetSet
	ord order
	// busy reports that the examiners are nearly all taken; nil means
	// never.
	busy       func() bool
	slow, rest atomic.Uint64 // taken positions of each run
}

// take returns the next probe; false when none are left.
func (s *probeSource) take() (Probe, bool) {
	j, ok := uint64(0), false
	if s.busy == nil || !s.busy() {
		j, ok = s.takeSlow()
	}
	if !ok {
		j = s.ord.split + s.rest.Add(1) - 1
		ok = j < s.ord.count
	}
	if !ok {
		j, ok = s.takeSlow()
	}
	if !ok {
		return Probe{}, false
	}
	return s.set.At(s.ord.at(j)), true
}

// takeSlow claims the next position of the slow run, if any is left.
func (s *probeSource) takeSlow() (uint64, bool) {
	j := s.slow.Add(1) - 1
	return j, j < s.ord.split
}

func (s *probeSource) exhausted() bool {
	return s.slow.Load() >= s.ord.split && s.ord.split+s.rest.Load() >= s.ord.count
}

// connectSink receives what the connect phase learns about each probe.
type connectSink struct {
	ctx              context.Context
	cfg              *Config
	hosts            *hostLimiter
	opened           chan<- openPort
	results          chan<- *report.Endpoint
	closed, filtered atomic.Int64
	examining        atomic.Int64 // open ports handed on and not yet examined
}

// open hands an open port and its connection (nil: SYN discovery, the
// examiners connect) to the examiners, which release its host slot. False
// when the sweep was interrupted first.
func (s *connectSink) open(p Probe, c net.Conn) bool {
	s.cfg.Progress.Open.Add(1)
	s.examining.Add(1)
	select {
	case s.opened <- openPort{p, c}:
		return true
	case <-s.ctx.Done():
		s.examining.Add(-1)
		if c != nil {
			c.Close()
		}
		s.hosts.release(p.IP)
		return false
	}
}

// quiet records a closed or filtered probe and frees its host slot.
func (s *connectSink) quiet(p Probe, state report.State) {
	s.hosts.release(p.IP)
	s.cfg.Progress.Done.Add(1)
	switch {
	case s.cfg.ShowClosed:
		s.results <- quietEndpoint(p, state)
	case state == report.StateClosed:
		s.closed.Add(1)
	default:
		s.filtered.Add(1)
	}
}

// runDialWorkers is the connect phase through a Dialer: --concurrency
// workers, each connecting one probe at a time (tests inject a Dialer;
// systems without the event loop use a net.Dialer).
func runDialWorkers(ctx context.Context, cfg *Config, d probes.Dialer, src *probeSource, sink *connectSink, pace *pacer) {
	dc := newDialConnector(cfg, d, sink.hosts, pace)
	var workers errgroup.Group
	for range min(uint64(cfg.Concurrency), max(src.ord.count, 1)) {
		workers.Go(func() error {
			for ctx.Err() == nil {
				p, ok := src.take()
				if !ok {
					return nil
				}
				c, state, ok := dc.connect(ctx, p)
				if !ok {
					return nil // interrupted
				}
				if state != report.StateOpen {
					sink.quiet(p, state)
				} else if !sink.open(p, c) {
					return nil
				}
			}
			return nil
		})
	}
	_ = workers.Wait()
}

// dialConnector connects probes one at a time through a Dialer, with
// adaptive timing (see dialTiming).
type dialConnector struct {
	d       probes.Dialer
	hosts   *hostLimiter
	pace    *pacer
	timing  *dialTiming
	timeout time.Duration
}

func newDialConnector(cfg *Config, d probes.Dialer, hosts *hostLimiter, pace *pacer) *dialConnector {
	return &dialConnector{d: d, hosts: hosts, pace: pace, timing: newDialTiming(cfg), timeout: cfg.ConnectTimeout}
}

// connect takes a host slot and a rate token, then connects. A local
// failure (out of sockets) is retried after a pause. ok is false when the
// sweep was interrupted.
func (dc *dialConnector) connect(ctx context.Context, p Probe) (net.Conn, report.State, bool) {
	if !dc.hosts.acquire(ctx, p.IP) {
		return nil, "", false
	}
	for backoff := time.Millisecond; ; backoff = min(2*backoff, 200*time.Millisecond) {
		if !dc.pace.wait(ctx) {
			dc.hosts.release(p.IP)
			return nil, "", false
		}
		conn, state, err := dc.timing.dial(ctx, dc.d, dc.pace, p.addrPort(), dc.timeout)
		if ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			dc.hosts.release(p.IP)
			return nil, "", false
		}
		if err == nil {
			return conn, state, true
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
	}
}

func quietEndpoint(p Probe, state report.State) *report.Endpoint {
	return &report.Endpoint{Host: p.Name(), IP: p.IP.String(), Port: p.Port, Service: ServiceName(p.Port), State: state, Findings: []report.Finding{}}
}

// SortEndpoints orders endpoints by address, port and host name.
func SortEndpoints(eps []report.Endpoint) {
	slices.SortFunc(eps, func(a, b report.Endpoint) int {
		ai, _ := netip.ParseAddr(a.IP)
		bi, _ := netip.ParseAddr(b.IP)
		return cmp.Or(ai.Compare(bi), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Host, b.Host))
	})
}

// examine runs every probe on one open port under the endpoint deadline.
// ok is false when the sweep was interrupted before the endpoint finished.
func examine(ctx context.Context, cfg *Config, base probes.Dialer, hosts *hostLimiter, op openPort) (*report.Endpoint, bool) {
	deadline := time.Now().Add(cfg.EndpointTimeout)
	ectx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	// A probe can see the deadline pass (its connection's deadline fires)
	// a moment before ectx's timer does: go by the clock as well.
	expired := func() bool { return ectx.Err() != nil || !time.Now().Before(deadline) }
	p := op.p
	t := probes.Target{Host: p.Name(), IP: p.IP, Port: uint16(p.Port), SNI: cfg.SNI}
	if t.SNI == "" {
		t.SNI = p.Host // empty for address targets
	}
	t.CheckHostname = t.SNI != ""
	ep := quietEndpoint(p, report.StateOpen)
	d := newEndpointDialer(op.conn, base, hosts, p.IP)
	defer d.close()
	for _, pr := range cfg.Probes {
		if err := runProbe(ectx, pr, d, t, ep); err != nil {
			ep.Fail(err)
		}
		if expired() {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, false
	}
	if expired() {
		ep.Fail(&EndpointTimeoutError{cfg.EndpointTimeout})
	}
	if ep.Transport == "" {
		ep.Transport = report.TransportUnknown
	}
	ep.LimitStrings() // the JSON caps on what a server sent
	rules := cfg.Rules
	rules.Now = cfg.Now()
	findings.Apply(ep, rules)
	if ep.Findings == nil {
		ep.Findings = []report.Finding{}
	}
	return ep, true
}

// runProbe runs one probe and turns a panic into an error, so a peer's
// bytes can never crash the sweep.
func runProbe(ctx context.Context, pr probes.Probe, d probes.Dialer, t probes.Target, ep *report.Endpoint) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &ProbePanicError{Probe: pr.Name(), Value: fmt.Sprint(v), Stack: string(debug.Stack())}
		}
	}()
	return pr.Probe(ctx, d, t, ep)
}

// EndpointTimeoutError is an endpoint whose probes ran out of
// --endpoint-timeout.
type EndpointTimeoutError struct{ After time.Duration }

func (e *EndpointTimeoutError) Error() string {
	return fmt.Sprintf("endpoint timed out after %s (--endpoint-timeout)", e.After)
}

// Timeout reports true, as net.Error does for a deadline.
func (e *EndpointTimeoutError) Timeout() bool { return true }

// ProbePanicError is a probe that panicked; the endpoint reports it as its error.
type ProbePanicError struct {
	Probe string
	Value string
	Stack string
}

func (e *ProbePanicError) Error() string {
	return fmt.Sprintf("internal error in the %s probe: %s (please report it)", e.Probe, e.Value)
}
