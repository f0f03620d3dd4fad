package probes

// The vulnerability checks against real, patched Debian servers started on
// loopback: they must raise nothing there but what the configuration
// really has (a 1024-bit DH group, a required client certificate).

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// scanReal runs the version scan and then the checks, as a scan does.
func scanReal(t *testing.T, tg Target) *report.Endpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ep := &report.Endpoint{Host: tg.Host, IP: tg.IP.String(), Port: int(tg.Port), State: report.StateOpen,
		Transport: report.TransportTLS}
	for _, p := range []Probe{NewVersions(VersionsConfig{Timeout: 3 * time.Second}), NewVulns(VulnsConfig{Timeout: 3 * time.Second, Extra: true})} {
		if err := p.Probe(ctx, &net.Dialer{}, tg, ep); err != nil {
			t.Fatalf("%s: %v", p.Name(), err)
		}
	}
	if ep.TLS == nil || ep.TLS.Vulns == nil {
		t.Fatalf("no TLS results: %+v", ep)
	}
	t.Logf("versions %v, checks %+v", ep.TLS.Versions, *ep.TLS.Vulns)
	return ep
}

// wantVulnFindings checks that of the vulnerability findings exactly want
// are raised.
func wantVulnFindings(t *testing.T, ep *report.Endpoint, want ...string) {
	t.Helper()
	got := findingSet(ep)
	for _, id := range append(vulnIDs, "client-renegotiation", "client-certificate-required", "freak", "logjam-export", "drown") {
		if got[id] != contains(want, id) {
			t.Errorf("%s raised %v, want %v (versions %v, results %+v)", id, got[id], !got[id], ep.TLS.Versions, *ep.TLS.Vulns)
		}
	}
}

func realCert(t *testing.T) (string, string) {
	t.Helper()
	c := mustIssue(t, lab.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}}, nil)
	return daemon.WriteCert(t, t.TempDir(), "server", c)
}

func TestVulnsOpenSSL(t *testing.T) {
	certFile, keyFile := realCert(t)
	dh := filepath.Join(t.TempDir(), "dh1024.pem")
	if out, err := exec.Command(daemon.OpenSSL, "genpkey", "-genparam", "-algorithm", "DH",
		"-pkeyopt", "group:dh_1024_160", "-out", dh).CombinedOutput(); err != nil {
		t.Fatalf("dh params: %v\n%s", err, out)
	}
	cases := []struct {
		name  string
		flags []string
		want  []string
		check func(t *testing.T, v *report.Vulns)
	}{
		{name: "defaults", check: func(t *testing.T, v *report.Vulns) {
			if v.ROBOT != report.VulnNotFound || v.CCSInjection != report.VulnNotFound || v.FallbackSCSV != report.VulnNotFound ||
				v.ClientRenegotiation != report.VulnNotFound {
				t.Errorf("checks did not run to a verdict: %+v", *v)
			}
		}},
		{name: "client renegotiation allowed", flags: []string{"-client_renegotiation"}, want: []string{"client-renegotiation"}},
		{name: "TLS 1.0 only", flags: []string{"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"}},
		{name: "TLS 1.0 to 1.3", flags: []string{"-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"},
			check: func(t *testing.T, v *report.Vulns) {
				if v.FallbackSCSV != report.VulnNotFound {
					t.Errorf("fallback_scsv %q", v.FallbackSCSV)
				}
			}},
		{name: "1024-bit DH", flags: []string{"-no_tls1_3", "-dhparam", dh, "-cipher", "DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"},
			want: []string{"weak-dh-group", "common-dh-prime"},
			check: func(t *testing.T, v *report.Vulns) {
				if v.DHBits != 1024 {
					t.Errorf("dh_bits %d", v.DHBits)
				}
			}},
		{name: "client certificate required", flags: []string{"-Verify", "1"}, want: []string{"client-certificate-required"}},
		{name: "client certificate required, TLS 1.3 only", flags: []string{"-Verify", "1", "-tls1_3"},
			want: []string{"client-certificate-required"}},
		{name: "client certificate optional", flags: []string{"-verify", "1"},
			check: func(t *testing.T, v *report.Vulns) {
				if v.ClientCertificate != "optional" || v.CCSInjection != report.VulnNotFound {
					t.Errorf("client_certificate %q, ccs_injection %q", v.ClientCertificate, v.CCSInjection)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port := daemon.OpenSSLServer(t, "127.0.0.1", certFile, keyFile, tc.flags...)
			ep := scanReal(t, targetOf(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}))
			wantVulnFindings(t, ep, tc.want...)
			if tc.check != nil {
				tc.check(t, ep.TLS.Vulns)
			}
		})
	}
}

func TestVulnsNginx(t *testing.T) {
	c := mustIssue(t, lab.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}}, nil)
	port := httpNginx(t, c, `server { listen 127.0.0.1:PORT ssl; ssl_certificate CERT; ssl_certificate_key KEY; return 200 "ok"; }`)
	ep := scanReal(t, targetOf(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}))
	wantVulnFindings(t, ep)
}

// TestVulnsGnuTLS runs the checks against gnutls-serv with heartbeats on:
// a patched server that echoes the heartbeat extension. GnuTLS accepts
// client-initiated (secure) renegotiation unless told not to, as testssl.sh
// also reports: that one finding is expected.
func TestVulnsGnuTLS(t *testing.T) {
	daemon.Require(t, gnutlsServ)
	certFile, keyFile := realCert(t)
	port := daemon.Start(t, "gnutls-serv", "127.0.0.1", func(port int) []string {
		return []string{gnutlsServ, "--heartbeat", "--x509certfile", certFile, "--x509keyfile", keyFile,
			"-p", strconv.Itoa(port), "--priority", "NORMAL:+VERS-TLS1.1:+VERS-TLS1.0"}
	})
	ep := scanReal(t, targetOf(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}))
	wantVulnFindings(t, ep, "client-renegotiation")
	if v := ep.TLS.Vulns; v.Heartbleed != report.VulnNotFound {
		t.Errorf("heartbleed %q: the heartbeat check did not run", v.Heartbleed)
	}
}

const gnutlsServ = "/usr/bin/gnutls-serv"
