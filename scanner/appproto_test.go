package scanner_test

// What speaks inside TLS, against real Debian servers through the sweep
// the scan command runs: nginx on the Code42 console port and on the
// Code42 client and server ports (HSTS is judged wherever HTTP answers in
// TLS), vsftpd with implicit TLS, and openssl s_server, which completes
// the handshake and then says nothing (no HSTS finding, and no wait of
// --timeout). The fixed Code42 ports listen on 127.12.0.1, an address no
// other test uses, so they cannot clash with tests running in parallel.

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

const appHost = "127.12.0.1"

// TestAppProtocolNginxCode42Ports: nginx with HSTS on 4285 (the console)
// and 4287 (a Code42 port the scan used to leave alone), without HSTS on
// 4288. All three are HTTP inside TLS; 4288 alone gets missing-hsts.
func TestAppProtocolNginxCode42Ports(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.Nginx)
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "code42.backup.test", IPs: []net.IP{net.ParseIP(appHost), loopbackIP}}, ca)
	cf, kf := daemon.WriteCert(t, t.TempDir(), "leaf", leaf)
	// The daemon helper waits for 127.0.0.1:PORT; the fixed ports are
	// bound by the same nginx, which fails to start if they are taken.
	daemon.NginxServer(t, fmt.Sprintf(`
    ssl_certificate %[1]s;
    ssl_certificate_key %[2]s;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
        listen 127.0.0.1:PORT ssl;
        listen %[3]s:4285 ssl;
        listen %[3]s:4287 ssl;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        location / { return 200 "Code42 console\n"; }
    }
    server {
        listen %[3]s:4288 ssl;
        location / { return 200 "Code42\n"; }
    }`, cf, kf, appHost))

	rep := sweep(t, []string{appHost}, []int{4285, 4287, 4288}, sweepOptions{caCerts: []*lab.Cert{ca}})
	if len(rep.Endpoints) != 3 {
		t.Fatalf("%d endpoints, want 3: %+v", len(rep.Endpoints), rep.Endpoints)
	}
	for i := range rep.Endpoints {
		ep := &rep.Endpoints[i]
		if ep.Transport != report.TransportTLS || ep.TLS == nil || ep.Error != "" {
			t.Fatalf("port %d: transport %s error %q, want TLS", ep.Port, ep.Transport, ep.Error)
		}
		if ep.TLS.AppProtocol != "http" || ep.TLS.AppBanner != "" {
			t.Errorf("port %d: app_protocol %q banner %q, want http", ep.Port, ep.TLS.AppProtocol, ep.TLS.AppBanner)
		}
		if ep.HTTP == nil || ep.HTTP.Status != 200 || !strings.HasPrefix(ep.HTTP.Server, "nginx") {
			t.Errorf("port %d: http %+v, want 200 from nginx", ep.Port, ep.HTTP)
		}
		switch ep.Port {
		case 4285, 4287:
			if h := ep.TLS.HSTS; h == nil || h.MaxAge != 31536000 || !h.IncludeSubDomains {
				t.Errorf("port %d: hsts %+v, want max-age=31536000; includeSubDomains", ep.Port, h)
			}
			checkIDs(t, ep)
		case 4288:
			if ep.TLS.HSTS != nil {
				t.Errorf("port 4288: hsts %+v, want none", *ep.TLS.HSTS)
			}
			checkIDs(t, ep, "missing-hsts")
		}
	}
}

// TestAppProtocolVsftpdImplicitTLS: vsftpd with implicit TLS (FTPS)
// greets inside TLS; the port is FTP in TLS, asked nothing over HTTP.
func TestAppProtocolVsftpdImplicitTLS(t *testing.T) {
	t.Parallel()
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "sesam.backup.test", IPs: []net.IP{loopbackIP}}, ca)
	port := daemon.VsftpdServer(t, "SEP sesam FTPS", leaf, "implicit_ssl=YES")
	ep := sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}})
	if ep.Transport != report.TransportTLS || ep.TLS == nil || ep.StartTLS != "" {
		t.Fatalf("transport %s starttls %q tls %+v, want implicit TLS", ep.Transport, ep.StartTLS, ep.TLS)
	}
	if ep.TLS.AppProtocol != "ftp" || ep.TLS.AppBanner != "220 SEP sesam FTPS" || ep.HTTP != nil || ep.TLS.HSTS != nil {
		t.Errorf("app_protocol %q banner %q http %+v hsts %+v, want ftp %q and no HTTP",
			ep.TLS.AppProtocol, ep.TLS.AppBanner, ep.HTTP, ep.TLS.HSTS, "220 SEP sesam FTPS")
	}
	if finding(ep, "missing-hsts") != nil {
		t.Error("missing-hsts on FTP inside TLS")
	}
}

// TestAppProtocolOpenSSLSilent: openssl s_server without -www completes
// the handshake, then neither greets nor answers HTTP. The port is
// "unknown" inside TLS, gets no HSTS finding, and the TLS probe gives up
// after its short waits, far inside --timeout.
func TestAppProtocolOpenSSLSilent(t *testing.T) {
	t.Parallel()
	daemon.Require(t, daemon.OpenSSL)
	ca := testCA(t)
	leaf := issue(t, lab.CertOptions{CommonName: "code42.backup.test", IPs: []net.IP{loopbackIP}}, ca)
	cf, kf := daemon.WriteCert(t, t.TempDir(), "leaf", leaf)
	port := daemon.OpenSSLServer(t, "127.0.0.1", cf, kf)

	ep := sweepOne(t, port, sweepOptions{caCerts: []*lab.Cert{ca}})
	if ep.Transport != report.TransportTLS || ep.TLS == nil || ep.Error != "" {
		t.Fatalf("transport %s error %q, want TLS", ep.Transport, ep.Error)
	}
	if ep.TLS.AppProtocol != "unknown" || ep.TLS.AppBanner != "" || ep.HTTP != nil || ep.TLS.HSTS != nil {
		t.Errorf("app_protocol %q banner %q http %+v hsts %+v, want unknown and nothing more",
			ep.TLS.AppProtocol, ep.TLS.AppBanner, ep.HTTP, ep.TLS.HSTS)
	}
	if finding(ep, "missing-hsts") != nil {
		t.Error("missing-hsts on a TLS port that does not speak HTTP")
	}

	// The pipeline's TLS probe alone, with --timeout 5s: the waits are a
	// fraction of a second and a second on loopback, not 5 s.
	const timeout = 5 * time.Second
	pipeline, err := probes.Default(probes.Config{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("127.0.0.1")
	tgt := probes.Target{Host: ip.String(), IP: ip, Port: uint16(port)}
	ep = &report.Endpoint{State: report.StateOpen}
	start := time.Now()
	if err := pipeline[0].Probe(context.Background(), &net.Dialer{}, tgt, ep); err != nil || ep.TLS == nil {
		t.Fatalf("tls probe: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second || ep.TLS.AppProtocol != "unknown" {
		t.Errorf("tls probe took %s (app_protocol %q) with --timeout %s", took, ep.TLS.AppProtocol, timeout)
	}
}
