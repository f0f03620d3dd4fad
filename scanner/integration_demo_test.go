package scanner_test

// The demo estate, swept the way `tlsweep demo` sweeps it.

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// TestIntegrationDemoEstate sweeps the demo estate on the backup profile
// with the demo CA trusted and the default pipeline: exactly the rows and
// findings `tlsweep demo` prints. It fails when the versions probe
// (weak-cipher on 4288), the HTTP probe (missing-hsts on 11443 and on the
// Code42 console 4285) or the FTP probe (AUTH TLS and expiring-certificate
// on 11001; the scans through that upgrade) leaves probes.Default, or when the backup profile loses the
// consoles (4285, 4280).
func TestIntegrationDemoEstate(t *testing.T) {
	t.Parallel()
	e, err := lab.Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	ports, err := scanner.ParsePorts("backup")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep := sweep(t, []string{e.Code42, e.Sesam}, ports, sweepOptions{timeout: time.Second, endpointTimeout: 10 * time.Second,
		caCerts: []*lab.Cert{e.CA}})
	t.Logf("demo sweep took %s", time.Since(start).Round(time.Millisecond))

	type row struct {
		ip                        string
		port                      int
		service                   string
		transport                 report.Transport
		protocol, version, banner string
		trusted                   bool
		findings                  []string
	}
	want := []row{
		{e.Code42, 4280, "code42-console-http", "plaintext", "http", "", "HTTP/1.1 400 Bad Request", false, []string{"plaintext-listener"}},
		{e.Code42, 4282, "code42-legacy-client", "plaintext", "unknown", "", `\x00\x00\x00\x0bC42LEGACY\x01\x05`, false, []string{"plaintext-listener"}},
		{e.Code42, 4283, "code42-legacy-server", "unknown", "", "", "", false, []string{"unidentified-listener"}},
		{e.Code42, 4285, "code42-console", "tls", "", "TLS1.3", "", false, []string{"self-signed-certificate", "missing-hsts"}},
		{e.Code42, 4287, "code42-client", "tls", "", "TLS1.2", "", false, []string{"self-signed-certificate"}},
		{e.Code42, 4288, "code42-server", "tls", "", "TLS1.0", "", true, []string{"deprecated-protocol", "weak-cipher", "weak-key"}},
		{e.Sesam, 11000, "sesam-http", "plaintext", "http", "", "HTTP/1.1 400 Bad Request", false, []string{"plaintext-listener"}},
		{e.Sesam, 11001, "sesam-ftp", "plaintext", "ftp", "TLS1.3", "220 SEP sesam STPD FTP server ready", true, []string{"plaintext-listener", "expiring-certificate"}},
		{e.Sesam, 11443, "sesam-https", "tls", "", "TLS1.3", "", true, []string{"expiring-certificate", "missing-hsts"}},
	}
	var got []row
	for i := range rep.Endpoints {
		ep := &rep.Endpoints[i]
		r := row{ep.IP, ep.Port, ep.Service, ep.Transport, ep.Protocol, "", ep.Banner, false, findingIDs(ep)}
		if ep.TLS != nil {
			r.version, r.trusted = ep.TLS.Version, ep.TLS.Trusted
		}
		got = append(got, r)
		t.Logf("%s:%d %s %s %s %s %q trusted=%v %v err=%q", r.ip, r.port, r.service, r.transport, r.protocol, r.version, r.banner, r.trusted, r.findings, ep.Error)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("demo table:\n got %+v\nwant %+v", got, want)
	}
	wantSum := report.Summary{Hosts: 2, Probes: 24, Open: 9, Closed: 15, TLS: 4, Plaintext: 4, Unknown: 1,
		Findings: report.SeverityCounts{High: 6, Medium: 5, Low: 3}}
	if counts(rep.Summary) != wantSum {
		t.Errorf("summary %+v, want %+v", rep.Summary, wantSum)
	}
	for i := range rep.Endpoints {
		ep := &rep.Endpoints[i]
		switch ep.Port {
		case 4288:
			// Code42's weak default: ECDHE-RSA-AES128-SHA is the first suite
			// of the lab server's list that crypto/tls offers.
			if ep.TLS.Cipher != "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" || len(ep.TLS.Chain) != 2 ||
				ep.TLS.Chain[0].KeyType != "RSA" || ep.TLS.Chain[0].KeyBits != 1024 {
				t.Errorf("4288: cipher %s chain %+v", ep.TLS.Cipher, ep.TLS.Chain)
			}
		case 4287:
			if ep.TLS.TrustError != "self-signed certificate not in the trusted roots" {
				t.Errorf("4287 trust error %q", ep.TLS.TrustError)
			}
		case 4283:
			if !strings.Contains(ep.Error, "no response") {
				t.Errorf("4283 error %q, want it to say there was no response", ep.Error)
			}
		case 11001:
			// The AUTH TLS session gets the version scan and the flaw
			// checks too, each connection upgraded first (probes.Upgraded).
			if v := ep.TLS.Vulns; !slices.Equal(ep.TLS.Versions, []string{"TLS1.2", "TLS1.3"}) || v == nil || v.FallbackSCSV != report.VulnNotFound {
				t.Errorf("11001 through AUTH TLS: versions %v, checks %+v; want TLS1.2 and TLS1.3 scanned and the checks run", ep.TLS.Versions, v)
			}
		case 11443:
			if l := ep.TLS.Chain[0]; l.DaysLeft != 20 || l.CommonName != "sesam-server" {
				t.Errorf("11443 leaf %s, %d days left; want sesam-server, 20", l.CommonName, l.DaysLeft)
			}
		}
	}
}
