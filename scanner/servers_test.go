package scanner_test

// Helpers for the integration tests: they start real server software from
// Debian (openssl s_server, nginx, vsftpd) and small in-process listeners,
// always on loopback, and run the sweep exactly as `tlsweep scan` does.

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// freePort returns a TCP port that was free on host a moment ago: it
// listens on host:0 and closes the listener. A server started on it may
// still lose a race for the port; startServer retries for that reason.
func freePort(t *testing.T, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// closedPort returns a port on 127.0.0.1 that refuses connections.
func closedPort(t *testing.T) int {
	t.Helper()
	for range 10 {
		p := freePort(t, "127.0.0.1")
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), time.Second)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				return p
			}
			t.Fatal(err)
		}
		c.Close()
	}
	t.Fatal("no refused port found on 127.0.0.1")
	return 0
}

func issue(t *testing.T, o lab.CertOptions, parent *lab.Cert) *lab.Cert {
	t.Helper()
	c, err := lab.Issue(o, parent)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var loopbackIP = net.ParseIP("127.0.0.1")

// testCA makes a CA for the tests' CA-signed certificates.
func testCA(t *testing.T) *lab.Cert {
	return issue(t, lab.CertOptions{CommonName: "tlsweep integration CA", IsCA: true, Key: "p256"}, nil)
}

// listen opens a TCP listener on addr and serves every connection with
// handle until the test ends.
func listen(t *testing.T, addr string, handle func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, handle)
	return ln
}

func serve(t *testing.T, ln net.Listener, handle func(net.Conn)) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					select {
					case <-done:
						c.Close()
					case <-stop:
					}
				}()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				handle(c)
			}()
		}
	}()
}

func portOf(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// Connection handlers for in-process listeners.

// silentConn accepts and never writes; it drains what the client sends.
func silentConn(c net.Conn) { _, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<16)) }

// closeConn closes the connection right after accept.
func closeConn(net.Conn) {}

// greetConn writes b on accept, then drains.
func greetConn(b []byte) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := c.Write(b); err != nil {
			return
		}
		silentConn(c)
	}
}

// sweepOptions are the command-line choices a test makes.
type sweepOptions struct {
	timeout time.Duration // --timeout (default 2s)
	// --endpoint-timeout (default 4x timeout, as in the CLI). Tests that
	// wait out a silent port give it room, so a loaded machine (2 cores,
	// -race) cannot turn "no response" into "endpoint timed out".
	endpointTimeout time.Duration
	caCerts         []*lab.Cert // --ca-file contents
	sni             string      // --sni
	showClosed      bool        // --show-closed
	discoveryOnly   bool        // --discovery-only
	resolver        scanner.Resolver
	// first are probes run before the default ones (a test's own probe).
	first []probes.Probe
	// dialer, when set, is injected for the connect phase and the probes.
	dialer probes.Dialer
}

// hostsFile resolves names from a fixed table, like /etc/hosts would: the
// tests never ask DNS.
type hostsFile map[string][]netip.Addr

func (h hostsFile) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := h[strings.ToLower(host)]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// sweep runs the real sweep over targets and ports, built as the scan
// command builds it: probes.Default's pipeline, the system roots plus the
// --ca-file CAs, no injected Dialer (the raw connect phase and a
// net.Dialer for probes, as in production), --expiry-warn 30.
func sweep(t *testing.T, targets []string, ports []int, o sweepOptions) *report.Report {
	t.Helper()
	if o.timeout == 0 {
		o.timeout = 2 * time.Second
	}
	if o.endpointTimeout == 0 {
		o.endpointTimeout = 4 * o.timeout
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	for _, c := range o.caCerts {
		roots.AddCert(c.X509)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if o.resolver == nil {
		o.resolver = hostsFile{} // names must be in the test's table
	}
	set, err := scanner.Expand(ctx, scanner.TargetConfig{Targets: targets, Ports: ports, MaxHosts: 65536, Resolver: o.resolver})
	if err != nil {
		t.Fatalf("Expand(%v, %v): %v", targets, ports, err)
	}
	pipeline, err := probes.Default(probes.Config{
		Timeout: o.timeout, Patience: o.endpointTimeout, Roots: roots, UserAgent: "tlsweep/test",
		DiscoveryOnly: o.discoveryOnly,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := scanner.Config{
		Concurrency:     256,
		ConnectTimeout:  o.timeout,
		EndpointTimeout: o.endpointTimeout,
		Probes:          append(o.first, pipeline...),
		Rules:           findings.RuleConfig{ExpiryWarn: 30 * 24 * time.Hour},
		SNI:             o.sni,
		ShowClosed:      o.showClosed,
		Dialer:          o.dialer,
	}
	rep, err := scanner.Sweep(ctx, cfg, set)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if !rep.Complete {
		t.Fatalf("sweep did not complete")
	}
	return rep
}

// sweepOne sweeps 127.0.0.1 on one port and returns its only endpoint.
func sweepOne(t *testing.T, port int, o sweepOptions) *report.Endpoint {
	t.Helper()
	return sweepOneAt(t, "127.0.0.1", port, o)
}

func sweepOneAt(t *testing.T, target string, port int, o sweepOptions) *report.Endpoint {
	t.Helper()
	rep := sweep(t, []string{target}, []int{port}, o)
	if len(rep.Endpoints) != 1 {
		t.Fatalf("want 1 endpoint, got %d: %+v", len(rep.Endpoints), rep.Endpoints)
	}
	ep := &rep.Endpoints[0]
	t.Logf("%s:%d %s transport=%s protocol=%q banner=%q error=%q findings=%v",
		target, port, ep.State, ep.Transport, ep.Protocol, ep.Banner, ep.Error, findingIDs(ep))
	if ep.TLS != nil {
		t.Logf("  tls version=%s cipher=%s trusted=%v trust_error=%q chain=%d",
			ep.TLS.Version, ep.TLS.Cipher, ep.TLS.Trusted, ep.TLS.TrustError, len(ep.TLS.Chain))
	}
	return ep
}

// findingIDs lists ep's finding ids in report order (highest severity first).
func findingIDs(ep *report.Endpoint) []string {
	ids := []string{}
	for _, f := range ep.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

func finding(ep *report.Endpoint, id string) *report.Finding {
	for i := range ep.Findings {
		if ep.Findings[i].ID == id {
			return &ep.Findings[i]
		}
	}
	return nil
}
