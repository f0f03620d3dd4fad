package cli

// The connection budget of the default scan: at most 12 connections per
// TLS endpoint, one at a time, with the vulnerability checks and without.
// A counting TCP relay stands in front of real servers on loopback.

import (
	"encoding/json"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// countingRelay accepts on 127.0.0.1, counts connections and the most open
// at once, and relays each to backend.
type countingRelay struct {
	port int

	mu              sync.Mutex
	total, open, mx int
}

func startCountingRelay(t *testing.T, backend string) *countingRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &countingRelay{port: ln.Addr().(*net.TCPAddr).Port}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.total++
			r.open++
			r.mx = max(r.mx, r.open)
			r.mu.Unlock()
			wg.Go(func() {
				defer func() { r.mu.Lock(); r.open--; r.mu.Unlock() }()
				defer c.Close()
				b, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer b.Close()
				done := make(chan struct{})
				go func() { _, _ = io.Copy(b, c); b.(*net.TCPConn).CloseWrite(); close(done) }()
				_, _ = io.Copy(c, b)
				c.(*net.TCPConn).CloseWrite()
				<-done
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return r
}

func (r *countingRelay) take() (total, most int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	total, most = r.total, r.mx
	r.total, r.mx = 0, 0
	return total, most
}

// TestConnectionBudget scans real servers through the relay with and
// without --no-vulns and checks the per-endpoint budget.
func TestConnectionBudget(t *testing.T) {
	c, err := lab.Issue(lab.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := daemon.WriteCert(t, t.TempDir(), "server", c)
	servers := map[string]int{
		"openssl s_server": daemon.OpenSSLServer(t, "127.0.0.1", certFile, keyFile),
		"openssl s_server TLS 1.0-1.3": daemon.OpenSSLServer(t, "127.0.0.1", certFile, keyFile,
			"-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"),
		// gnutls-serv answers HEAD with a bare 501 page: GET / is asked on
		// one more connection, the most the question of what speaks inside
		// TLS may cost.
		"gnutls-serv": daemon.GnuTLSServer(t, certFile, keyFile, "NORMAL"),
		"nginx": daemon.NginxServer(t, `server { listen 127.0.0.1:PORT ssl; ssl_certificate `+certFile+
			`; ssl_certificate_key `+keyFile+`; add_header Strict-Transport-Security "max-age=31536000"; return 200 "ok"; }`),
	}
	// Postfix accepts 18 anonymous suites at each of TLS 1.0 to 1.2 with
	// its defaults; its STARTTLS port is scanned through the upgrade.
	pf := daemon.PostfixServer(t, "127.0.0.1", c)
	for name, addr := range map[string]string{"postfix smtps": pf.TLSAddr, "postfix starttls": pf.Addr} {
		_, p, _ := net.SplitHostPort(addr)
		servers[name], _ = strconv.Atoi(p)
	}
	for name, port := range servers {
		t.Run(name, func(t *testing.T) {
			r := startCountingRelay(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			for _, extra := range [][]string{{"--no-vulns"}, nil, {"--all-vulns"}} {
				args := append([]string{"scan", "--timeout", "5s", "-f", "json", "-p", strconv.Itoa(r.port)}, extra...)
				code, out, stderr := runCLI(t, append(args, "127.0.0.1")...)
				if code != ExitOK && code != ExitFindings {
					t.Fatalf("exit %d: %s\n%s", code, stderr, out)
				}
				total, most := r.take()
				t.Logf("%s %v: %d connections, at most %d at once", name, extra, total, most)
				flag := ""
				if len(extra) > 0 {
					flag = extra[0]
				}
				if flag != "--all-vulns" && total > 12 || most > 4 {
					t.Errorf("%v: %d connections (%d at once), over the budget of 12 (4)", extra, total, most)
				}
				checkVulnsField(t, flag, out)
			}
		})
	}
}

// checkVulnsField checks that the flags reach the pipeline: no tls.vulns
// with --no-vulns, the checks without ROBOT by default, ROBOT with
// --all-vulns.
func checkVulnsField(t *testing.T, flag, out string) {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%s: %v", flag, err)
	}
	if len(r.Endpoints) != 1 || r.Endpoints[0].TLS == nil {
		t.Fatalf("%s: not one TLS endpoint: %+v", flag, r.Endpoints)
	}
	v := r.Endpoints[0].TLS.Vulns
	switch {
	case flag == "--no-vulns" && v != nil:
		t.Errorf("--no-vulns: tls.vulns %+v", *v)
	case flag == "--no-vulns":
	case v == nil || v.CCSInjection != report.VulnNotFound:
		t.Errorf("%s: the checks did not run: %+v", flag, v)
	case (flag == "--all-vulns") != (v.ROBOT != ""):
		t.Errorf("%s: robot %q", flag, v.ROBOT)
	}
}
