// Package scanner expands targets and ports into probes, runs them through
// a bounded, cancellable worker pool, and collects what the probes learn
// into a report.
package scanner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
)

// Config is what a sweep needs besides its targets.
type Config struct {
	// Concurrency caps endpoints in flight (default 256).
	Concurrency int
	// ConnectTimeout bounds the TCP connect (default 3s).
	ConnectTimeout time.Duration
	// EndpointTimeout bounds everything done to one host:port, all probes
	// included (default 4x ConnectTimeout).
	EndpointTimeout time.Duration
	// Dialer opens every connection (default a *net.Dialer).
	Dialer probes.Dialer
	// Probes run in order on each open endpoint.
	Probes []probes.Probe
	// Rules judge each endpoint; Rules.Now is refreshed from Now.
	Rules report.RuleConfig
	// SNI, when set, is sent to every target and checked against certificates.
	SNI string
	// ShowClosed keeps closed and filtered endpoints in the report.
	ShowClosed bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnEndpoint, when set, sees each endpoint the report keeps as soon as
	// it is done (jsonl streaming). It is called from one goroutine.
	OnEndpoint func(*report.Endpoint) error
}

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 256
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 3 * time.Second
	}
	if c.EndpointTimeout <= 0 {
		c.EndpointTimeout = 4 * c.ConnectTimeout
	}
	if c.Dialer == nil {
		c.Dialer = &net.Dialer{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Sweep probes every address and port of set and returns the report. It
// stops starting new work when ctx is cancelled and returns what finished,
// with Complete false. The caller fills Schema, Tool, Targets and Ports.
func Sweep(ctx context.Context, cfg Config, set *TargetSet) (*report.Report, error) {
	cfg.defaults()
	r := &report.Report{Schema: report.Schema, StartedAt: cfg.Now().UTC(), Endpoints: []report.Endpoint{}}
	results := make(chan *report.Endpoint, cfg.Concurrency)
	var quiet struct{ closed, filtered atomic.Int64 }

	var sinkErr error
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for ep := range results {
			r.Summary.Count(ep)
			if cfg.OnEndpoint != nil && sinkErr == nil {
				sinkErr = cfg.OnEndpoint(ep)
			}
			r.Endpoints = append(r.Endpoints, *ep)
		}
	}()

	var g errgroup.Group
	g.SetLimit(cfg.Concurrency)
	n := set.Len()
	dispatched := uint64(0)
	for ; dispatched < n; dispatched++ {
		if ctx.Err() != nil {
			break
		}
		p := set.At(dispatched)
		g.Go(func() error {
			ep, ok := scanOne(ctx, &cfg, p)
			if !ok {
				return nil // interrupted before it finished: not reported
			}
			if ep.State != report.StateOpen && !cfg.ShowClosed {
				if ep.State == report.StateClosed {
					quiet.closed.Add(1)
				} else {
					quiet.filtered.Add(1)
				}
				return nil
			}
			results <- ep
			return nil
		})
	}
	_ = g.Wait()
	close(results)
	<-collected

	r.Summary.Closed += int(quiet.closed.Load())
	r.Summary.Filtered += int(quiet.filtered.Load())
	r.Summary.Probes += int(quiet.closed.Load() + quiet.filtered.Load())
	r.Summary.Hosts = int(set.Hosts())
	r.Complete = ctx.Err() == nil && dispatched == n
	r.FinishedAt = cfg.Now().UTC()
	SortEndpoints(r.Endpoints)
	if sinkErr != nil {
		return r, fmt.Errorf("write results: %w", sinkErr)
	}
	return r, nil
}

// SortEndpoints orders endpoints by address, port and host name.
func SortEndpoints(eps []report.Endpoint) {
	slices.SortFunc(eps, func(a, b report.Endpoint) int {
		ai, _ := netip.ParseAddr(a.IP)
		bi, _ := netip.ParseAddr(b.IP)
		return cmp.Or(ai.Compare(bi), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Host, b.Host))
	})
}

// scanOne connects to one probe address and, when the port is open, runs
// every probe on it. ok is false when the sweep was interrupted before the
// endpoint was finished.
func scanOne(ctx context.Context, cfg *Config, p Probe) (ep *report.Endpoint, ok bool) {
	ectx, cancel := context.WithTimeout(ctx, cfg.EndpointTimeout)
	defer cancel()
	t := probes.Target{Host: p.Host, IP: p.IP, Port: uint16(p.Port), SNI: cfg.SNI}
	if t.SNI == "" && p.Host != p.IP.String() {
		t.SNI = p.Host
	}
	t.CheckHostname = t.SNI != ""

	ep = &report.Endpoint{Host: p.Host, IP: p.IP.String(), Port: p.Port, Service: ServiceName(p.Port), Findings: []report.Finding{}}
	cctx, ccancel := context.WithTimeout(ectx, cfg.ConnectTimeout)
	conn, err := cfg.Dialer.DialContext(cctx, "tcp", t.Addr())
	ccancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, false
		}
		ep.State = dialState(err)
		return ep, true
	}
	ep.State = report.StateOpen
	d := &primedDialer{conn: conn, base: cfg.Dialer}
	defer d.close()
	for _, pr := range cfg.Probes {
		if err := runProbe(ectx, pr, d, t, ep); err != nil {
			ep.Error = err.Error()
		}
		if ectx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, false
	}
	if ectx.Err() != nil {
		ep.Error = fmt.Sprintf("endpoint timed out after %s (--endpoint-timeout)", cfg.EndpointTimeout)
		if ep.Transport == "" {
			ep.Transport = report.TransportUnknown
		}
	}
	if ep.Transport == "" {
		ep.Transport = report.TransportUnknown
	}
	rules := cfg.Rules
	rules.Now = cfg.Now()
	ep.Findings = report.Evaluate(ep, rules)
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

// ProbePanicError is a probe that panicked; the endpoint reports it as its error.
type ProbePanicError struct {
	Probe string
	Value string
	Stack string
}

func (e *ProbePanicError) Error() string {
	return fmt.Sprintf("internal error in the %s probe: %s (please report it)", e.Probe, e.Value)
}

func dialState(err error) report.State {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return report.StateClosed
	}
	return report.StateFiltered
}

// primedDialer hands out the connection the connect phase opened on its
// first dial, so the first probe costs no new SYN, then dials afresh.
type primedDialer struct {
	mu   sync.Mutex
	conn net.Conn
	base probes.Dialer
}

func (d *primedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	c := d.conn
	d.conn = nil
	d.mu.Unlock()
	if c != nil {
		return c, nil
	}
	return d.base.DialContext(ctx, network, addr)
}

func (d *primedDialer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		_ = d.conn.Close()
		d.conn = nil
	}
}
