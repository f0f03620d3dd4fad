package scanner_test

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// TestIntegrationPostfix sweeps a real SMTP server, Debian's Postfix, on
// 127.25.0.1 through the pipeline the command line runs: its SMTP port
// is plaintext SMTP that upgrades with STARTTLS (the TLS session is
// described, CA-signed, and the port is still a plaintext listener:
// STARTTLS is offered, not required), and its wrapper-mode port is TLS
// with SMTP inside. On both the version scan and the flaw checks find what
// Postfix's default settings accept: TLS 1.0 and anonymous suites.
func TestIntegrationPostfix(t *testing.T) {
	t.Parallel()
	ca := testCA(t)
	host := "127.25.0.1"
	cert := issue(t, lab.CertOptions{CommonName: "mail.backup.test", DNSNames: []string{"mail.backup.test"},
		IPs: []net.IP{net.ParseIP(host)}}, ca)
	pf := daemon.PostfixServer(t, host, cert)
	var ports []int
	for _, a := range []string{pf.Addr, pf.TLSAddr} {
		ap := netip.MustParseAddrPort(a)
		ports = append(ports, int(ap.Port()))
	}
	rep := sweep(t, []string{host}, ports, sweepOptions{caCerts: []*lab.Cert{ca}})
	if len(rep.Endpoints) != 2 {
		t.Fatalf("want both SMTP ports, got %+v", rep.Endpoints)
	}
	for i := range rep.Endpoints {
		ep := &rep.Endpoints[i]
		t.Logf("%s:%d %s %s %q starttls=%q tls=%+v err=%q findings=%v", ep.IP, ep.Port, ep.Transport, ep.Protocol, ep.Banner,
			ep.StartTLS, ep.TLS, ep.Error, findingIDs(ep))
		if ep.Error != "" {
			t.Errorf("port %d: error %q", ep.Port, ep.Error)
		}
		if ep.TLS == nil || !ep.TLS.Trusted || len(ep.TLS.Chain) == 0 || ep.TLS.Chain[0].CommonName != "mail.backup.test" {
			t.Errorf("port %d: tls %+v, want the CA-signed chain of mail.backup.test", ep.Port, ep.TLS)
			continue
		}
		// Postfix's defaults for opportunistic TLS: TLS 1.0 and 1.1 (only
		// SSL 2 and 3 are excluded) and the anonymous DH suites, which a
		// sender that does not check certificates may use. Real verdicts,
		// on the STARTTLS port too: its scans go through the upgrade.
		// And no flaw, no HTTP finding.
		wantIDs := "deprecated-protocol weak-cipher"
		switch ep.Port {
		case ports[0]:
			if ep.Transport != report.TransportPlaintext || ep.Protocol != "smtp" || ep.StartTLS != "smtp" ||
				!strings.HasPrefix(ep.Banner, "220 mail.backup.test ESMTP Postfix") {
				t.Errorf("port %d: %s/%s starttls %q banner %q; want plaintext smtp upgraded by STARTTLS", ep.Port, ep.Transport, ep.Protocol, ep.StartTLS, ep.Banner)
			}
			if len(ep.Findings) == 0 || !strings.Contains(ep.Findings[0].Detail, "STARTTLS offered") {
				t.Errorf("port %d: findings %v; want plaintext-listener for STARTTLS offered, not required", ep.Port, ep.Findings)
			}
			wantIDs = "plaintext-listener " + wantIDs
		case ports[1]:
			if ep.Transport != report.TransportTLS || ep.TLS.AppProtocol != "smtp" || !strings.HasPrefix(ep.TLS.AppBanner, "220 mail.backup.test") {
				t.Errorf("port %d: %s, app protocol %q banner %q; want smtp inside TLS", ep.Port, ep.Transport, ep.TLS.AppProtocol, ep.TLS.AppBanner)
			}
		}
		if ids := strings.Join(findingIDs(ep), " "); ids != wantIDs {
			t.Errorf("port %d: findings %s; want %s", ep.Port, ids, wantIDs)
		}
		if !slices.Contains(ep.TLS.Versions, "TLS1.0") || !slices.ContainsFunc(ep.TLS.Ciphers, func(c report.AcceptedCipher) bool {
			return strings.Contains(c.Name, "_anon_") && c.Strength == "insecure"
		}) {
			t.Errorf("port %d: versions %v ciphers %v; want TLS 1.0 and anonymous suites", ep.Port, ep.TLS.Versions, ep.TLS.Ciphers)
		}
		if v := ep.TLS.Vulns; v == nil || v.Heartbleed == "" || v.CCSInjection != report.VulnNotFound || v.FallbackSCSV != report.VulnNotFound {
			t.Errorf("port %d: vulnerability checks %+v; want them run, nothing found", ep.Port, v)
		}
	}
}
