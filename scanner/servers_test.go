package scanner_test

// Helpers for the integration tests: they start real server software from
// Debian (openssl s_server, nginx, vsftpd) and small in-process listeners,
// always on loopback, and run the sweep exactly as `tlsweep scan` does.

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// Server binaries the integration tests run, and the Debian packages that
// ship them.
const (
	opensslBin = "/usr/bin/openssl"
	nginxBin   = "/usr/sbin/nginx"
	vsftpdBin  = "/usr/sbin/vsftpd"
)

var aptPackages = map[string]string{
	opensslBin: "openssl",
	nginxBin:   "nginx-light (or nginx)",
	vsftpdBin:  "vsftpd",
}

// requireBinary skips the test when path is not installed, except on CI
// (CI set in the environment), which installs the packages: there a
// missing binary fails the test rather than silently testing less.
func requireBinary(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return
	}
	pkg := aptPackages[path]
	if pkg == "" {
		pkg = "the package that ships " + filepath.Base(path)
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing on CI (install the Debian package %s)", path, pkg)
	}
	t.Skipf("%s is not installed; apt-get install %s to run this test", path, pkg)
}

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

// syncBuffer collects a process's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a server process the test started.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// startServer runs the server that args(port) describes on a free port of
// host (a loopback address) and waits until the port accepts connections. A server that
// exits before it listens (it lost the port to someone else) is retried on
// another port. The process is killed in t.Cleanup.
func startServer(t *testing.T, name, host string, args func(port int) []string) (*proc, int) {
	t.Helper()
	var last string
	for range 3 {
		port := freePort(t, host)
		p := spawn(t, name, args(port))
		if err := waitAccepting(p, net.JoinHostPort(host, strconv.Itoa(port)), 10*time.Second); err != nil {
			p.kill()
			last = fmt.Sprintf("%s: %v\n%s", name, err, p.out.String())
			continue
		}
		return p, port
	}
	t.Fatalf("server did not start:\n%s", last)
	return nil, 0
}

func spawn(t *testing.T, name string, argv []string) *proc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	out := &syncBuffer{}
	cmd.Stdin = nil // /dev/null
	cmd.Stdout = out
	cmd.Stderr = out
	// A process group of its own, so cleanup reaches children (vsftpd
	// forks one per connection) and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// kill ends the process group the test started and waits for it.
func (p *proc) kill() {
	if !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// waitAccepting polls addr until a TCP connect succeeds, the process
// exits, or the time is up.
func waitAccepting(p *proc, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if p.exited() {
			return fmt.Errorf("exited before listening on %s: %v", addr, p.err)
		}
		c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not accepting after %s: %v", addr, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeCert writes c's certificate and key as PEM files into dir.
func writeCert(t *testing.T, dir, name string, c *lab.Cert) (certFile, keyFile string) {
	t.Helper()
	key, err := c.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name+".crt", c.CertPEM()), writeFile(t, dir, name+".key", key)
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

// opensslServer runs `openssl s_server -www` with the given certificate
// files and extra flags on a free port of host. -www answers an HTTP GET
// with a status page and never reads stdin; s_server serves one connection
// at a time and loops until it is killed.
func opensslServer(t *testing.T, host, certFile, keyFile string, flags ...string) int {
	t.Helper()
	requireBinary(t, opensslBin)
	_, port := startServer(t, "openssl s_server", host, func(port int) []string {
		return slices.Concat([]string{opensslBin, "s_server",
			"-accept", net.JoinHostPort(host, strconv.Itoa(port)),
			"-cert", certFile, "-key", keyFile, "-www", "-quiet"}, flags)
	})
	return port
}

// nginxServer runs nginx in the foreground, single process, with the
// server block srv (where PORT stands for the port) on a free port.
func nginxServer(t *testing.T, srv string) int {
	t.Helper()
	requireBinary(t, nginxBin)
	dir := t.TempDir()
	_, port := startServer(t, "nginx", "127.0.0.1", func(port int) []string {
		conf := fmt.Sprintf(`daemon off;
master_process off;
user root;
pid %[1]s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    %[2]s
}
`, dir, strings.ReplaceAll(srv, "PORT", strconv.Itoa(port)))
		path := writeFile(t, dir, "nginx.conf", []byte(conf))
		return []string{nginxBin, "-c", path, "-p", dir + "/", "-e", "stderr"}
	})
	return port
}

// vsftpdServer runs vsftpd standalone in the foreground with banner as
// its greeting. vsftpd refuses to serve with both local and anonymous
// logins disabled (it greets "500 OOPS: vsftpd: both local and anonymous
// access disabled!"), so anonymous login is on, read-only, rooted in an
// empty directory; the tests never log in.
func vsftpdServer(t *testing.T, banner string) int {
	t.Helper()
	requireBinary(t, vsftpdBin)
	dir := t.TempDir()
	// vsftpd insists on an empty directory it can chroot into that no one
	// but root can write; t.TempDir is 0700 and owned by the test's user.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	_, port := startServer(t, "vsftpd", "127.0.0.1", func(port int) []string {
		conf := fmt.Sprintf(`listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=%[1]d
background=NO
anonymous_enable=YES
anon_root=%[3]s
local_enable=NO
write_enable=NO
ftpd_banner=%[2]s
secure_chroot_dir=%[3]s
run_as_launching_user=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
vsftpd_log_file=%[4]s/vsftpd.log
`, port, banner, empty, dir)
		path := writeFile(t, dir, "vsftpd.conf", []byte(conf))
		return []string{vsftpdBin, path}
	})
	return port
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
	resolver        scanner.Resolver
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

// sweep runs the real sweep over targets and ports, built as runScan in
// cli_scan.go builds it: the TLS probe then the plaintext probe, the
// system roots plus the --ca-file CAs, a plain net.Dialer, --expiry-warn 30.
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
	tlsProbe, err := probes.NewTLS(probes.TLSConfig{Timeout: o.timeout, Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	cfg := scanner.Config{
		Concurrency:     256,
		ConnectTimeout:  o.timeout,
		EndpointTimeout: o.endpointTimeout,
		Dialer:          &net.Dialer{},
		Probes: []probes.Probe{
			tlsProbe,
			probes.NewPlaintext(probes.PlaintextConfig{Timeout: o.timeout, UserAgent: "tlsweep/test"}),
		},
		Rules:      report.RuleConfig{ExpiryWarn: 30 * 24 * time.Hour},
		SNI:        o.sni,
		ShowClosed: o.showClosed,
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
