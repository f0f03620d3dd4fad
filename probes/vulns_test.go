package probes

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// tlsEndpoint is what the TLS and Versions probes leave for the checks.
func tlsEndpoint(t Target, versions ...string) *report.Endpoint {
	return &report.Endpoint{Host: t.Host, IP: t.IP.String(), Port: int(t.Port), State: report.StateOpen,
		Transport: report.TransportTLS, TLS: &report.TLS{Version: versions[len(versions)-1], Versions: versions}}
}

func runVulns(t *testing.T, tg Target, ep *report.Endpoint) *report.Vulns {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := NewVulns(VulnsConfig{Timeout: 3 * time.Second, Wait: 300 * time.Millisecond, Extra: true})
	if err := p.Probe(ctx, &net.Dialer{}, tg, ep); err != nil {
		t.Fatal(err)
	}
	if ep.TLS.Vulns == nil {
		t.Fatal("no results")
	}
	return ep.TLS.Vulns
}

func findingSet(ep *report.Endpoint) map[string]bool {
	out := map[string]bool{}
	fs, _ := findings.Evaluate(ep, findings.RuleConfig{Now: time.Now()})
	for _, f := range fs {
		out[f.ID] = true
	}
	return out
}

// vulnIDs are the findings the checks raise from their own connections.
var vulnIDs = []string{"heartbleed", "ccs-injection", "robot", "insecure-renegotiation",
	"tls-compression", "no-fallback-scsv", "weak-dh-group", "common-dh-prime"}

// TestVulnsRawFlaws runs the checks against raw servers that each have one
// flaw, and against one that has none: each flaw is found, and only it.
func TestVulnsRawFlaws(t *testing.T) {
	cases := []struct {
		name string
		cfg  flawConfig
		want []string
		// check looks at the recorded results.
		check func(t *testing.T, v *report.Vulns)
	}{
		{name: "patched", cfg: flawConfig{heartbeat: true, rsaKx: true, dhPrime: bigPrime(2048)},
			check: func(t *testing.T, v *report.Vulns) {
				if v.Heartbleed != report.VulnNotFound || v.CCSInjection != report.VulnNotFound ||
					v.ROBOT != report.VulnNotFound || v.FallbackSCSV != report.VulnNotFound ||
					v.Compression != "none" || v.DHBits != 2048 || v.SecureRenegotiation == nil || !*v.SecureRenegotiation {
					t.Errorf("patched server: %+v", *v)
				}
			}},
		{name: "heartbleed", cfg: flawConfig{heartbleed: true}, want: []string{"heartbleed"},
			check: func(t *testing.T, v *report.Vulns) {
				if v.HeartbleedBytes != 3+hbClaim+16 {
					t.Errorf("heartbleed_bytes %d, want %d", v.HeartbleedBytes, 3+hbClaim+16)
				}
			}},
		{name: "ccs injection", cfg: flawConfig{ccs: true}, want: []string{"ccs-injection"}},
		{name: "robot", cfg: flawConfig{robot: true, rsaKx: true}, want: []string{"robot"},
			check: func(t *testing.T, v *report.Vulns) {
				if v.ROBOTOracle != "strong" {
					t.Errorf("oracle %q, want strong", v.ROBOTOracle)
				}
			}},
		{name: "no secure renegotiation", cfg: flawConfig{noReneg: true}, want: []string{"insecure-renegotiation"}},
		{name: "deflate", cfg: flawConfig{deflate: true}, want: []string{"tls-compression"}},
		{name: "fallback ignored", cfg: flawConfig{noFallback: true}, want: []string{"no-fallback-scsv"}},
		{name: "rfc 5114 prime", cfg: flawConfig{dhPrime: rfc5114p1}, want: []string{"weak-dh-group", "common-dh-prime"},
			check: func(t *testing.T, v *report.Vulns) {
				if v.DHBits != 1024 || v.DHPrime == "" {
					t.Errorf("dh %d %q", v.DHBits, v.DHPrime)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startFlawServer(t, tc.cfg)
			ep := tlsEndpoint(s.Target, "TLS1.0", "TLS1.1", "TLS1.2")
			v := runVulns(t, s.Target, ep)
			got := findingSet(ep)
			for _, id := range vulnIDs {
				if want := contains(tc.want, id); got[id] != want {
					t.Errorf("%s raised %v, want %v (results %+v)", id, got[id], want, *v)
				}
			}
			if tc.check != nil {
				tc.check(t, v)
			}
			if int(s.conns.Load()) != v.Connections {
				t.Errorf("server saw %d connections, the checks counted %d", s.conns.Load(), v.Connections)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bigPrime stands in for an unpublished prime of the given size (only its
// length and shape matter to the checks).
func bigPrime(bits int) []byte {
	b := make([]byte, bits/8)
	for i := range b {
		b[i] = 0xc3
	}
	return b
}

// TestVulnsNamedFromEnumeration: EXPORT suites and SSL 2.0 that the version
// scan finds on a raw server are named FREAK, Logjam and DROWN, and a
// server with neither raises none of the three.
func TestVulnsNamedFromEnumeration(t *testing.T) {
	named := []string{"freak", "logjam-export", "drown"}
	cases := []struct {
		name string
		cfg  rawConfig
		want []string
	}{
		{"export suites and sslv2", rawConfig{
			suites: map[uint16][]uint16{tlsinfo.TLS10: {0x0003, 0x0014}}, downgrade: true,
			sslv2: []uint32{SSLv2RC4128Export40WithMD5}}, named},
		{"rsa export only", rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS10: {0x0008}}, downgrade: true},
			[]string{"freak"}},
		{"3des only", rawConfig{suites: map[uint16][]uint16{tlsinfo.TLS10: {0x000a}}, downgrade: true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startRawServer(t, tc.cfg)
			ep := &report.Endpoint{Host: srv.Host, IP: srv.IP.String(), Port: int(srv.Port),
				State: report.StateOpen, Transport: report.TransportTLS}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for _, p := range []Probe{NewVersions(VersionsConfig{Timeout: 2 * time.Second}),
				NewVulns(VulnsConfig{Timeout: 500 * time.Millisecond, Wait: 200 * time.Millisecond})} {
				_ = p.Probe(ctx, &net.Dialer{}, srv.Target, ep) // the raw server breaks off after its ServerHello
			}
			got := findingSet(ep)
			for _, id := range named {
				if got[id] != contains(tc.want, id) {
					t.Errorf("%s raised %v, want %v (versions %v, ciphers %v)", id, got[id], !got[id], ep.TLS.Versions, ep.TLS.Ciphers)
				}
			}
		})
	}
}
