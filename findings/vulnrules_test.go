package findings

import (
	"testing"

	"github.com/tlsweep/tlsweep/report"
)

// withVulns gives the good endpoint the vulnerability results v.
func withVulns(v report.Vulns) func(ep *report.Endpoint) *report.Endpoint {
	return func(ep *report.Endpoint) *report.Endpoint {
		ep.TLS.Vulns = &v
		return ep
	}
}

// withSuites makes the good endpoint a TLS 1.0 one accepting suites.
func withSuites(names ...string) func(ep *report.Endpoint) *report.Endpoint {
	return func(ep *report.Endpoint) *report.Endpoint {
		ep.TLS.Versions = []string{"TLS1.0", "TLS1.3"}
		for _, n := range names {
			ep.TLS.Ciphers = append(ep.TLS.Ciphers, report.AcceptedCipher{Version: "TLS1.0", Name: n})
		}
		return ep
	}
}

func vulnRuleCases() map[string][]ruleCase {
	yes, no := true, false
	return map[string][]ruleCase{
		"heartbleed": {
			{name: "over-read", raised: true, edit: withVulns(report.Vulns{Heartbleed: report.VulnFound, HeartbleedBytes: 83}),
				detail: "a heartbeat request carrying no payload got a 83-byte answer: the server sends its memory; upgrade OpenSSL"},
			{name: "patched", edit: withVulns(report.Vulns{Heartbleed: report.VulnNotFound})},
			{name: "no heartbeat", edit: withVulns(report.Vulns{Heartbleed: report.VulnNotApplicable})},
			{name: "not checked", edit: func(ep *report.Endpoint) *report.Endpoint { return ep }},
		},
		"ccs-injection": {
			{name: "accepted", raised: true, edit: withVulns(report.Vulns{CCSInjection: report.VulnFound})},
			{name: "refused", edit: withVulns(report.Vulns{CCSInjection: report.VulnNotFound})},
		},
		"robot": {
			{name: "strong oracle", raised: true, edit: withVulns(report.Vulns{ROBOT: report.VulnFound, ROBOTOracle: "strong"})},
			{name: "weak oracle", raised: true, severity: report.SeverityMedium, edit: withVulns(report.Vulns{ROBOT: report.VulnFound, ROBOTOracle: "weak"})},
			{name: "no oracle", edit: withVulns(report.Vulns{ROBOT: report.VulnNotFound})},
			{name: "no RSA key exchange", edit: withVulns(report.Vulns{ROBOT: report.VulnNotApplicable})},
		},
		"insecure-renegotiation": {
			{name: "no extension", raised: true, edit: withVulns(report.Vulns{SecureRenegotiation: &no})},
			{name: "extension", edit: withVulns(report.Vulns{SecureRenegotiation: &yes})},
			{name: "not checked (TLS 1.3 only)", edit: withVulns(report.Vulns{})},
		},
		"client-renegotiation": {
			{name: "accepted", raised: true, edit: withVulns(report.Vulns{ClientRenegotiation: report.VulnFound})},
			{name: "refused", edit: withVulns(report.Vulns{ClientRenegotiation: report.VulnNotFound})},
		},
		"tls-compression": {
			{name: "deflate", raised: true, edit: withVulns(report.Vulns{Compression: "deflate"}),
				detail: "the server chose deflate compression; disable TLS compression"},
			{name: "none", edit: withVulns(report.Vulns{Compression: "none"})},
		},
		"no-fallback-scsv": {
			{name: "fallback accepted", raised: true, edit: withVulns(report.Vulns{FallbackSCSV: report.VulnFound})},
			{name: "inappropriate_fallback", edit: withVulns(report.Vulns{FallbackSCSV: report.VulnNotFound})},
			{name: "one version", edit: withVulns(report.Vulns{FallbackSCSV: report.VulnNotApplicable})},
		},
		"weak-dh-group": {
			{name: "1024 bits", raised: true, edit: withVulns(report.Vulns{DHBits: 1024}),
				detail: "DHE uses a 1024-bit prime; use 2048 bits or more (RFC 7919 ffdhe2048), or ECDHE only"},
			{name: "512 bits", raised: true, severity: report.SeverityCritical, edit: withVulns(report.Vulns{DHBits: 512})},
			{name: "2048 bits", edit: withVulns(report.Vulns{DHBits: 2048, DHPrime: "RFC 7919 ffdhe2048"})},
			{name: "no DHE", edit: withVulns(report.Vulns{})},
		},
		"common-dh-prime": {
			{name: "Oakley group 2", raised: true, edit: withVulns(report.Vulns{DHBits: 1024, DHPrime: "RFC 2409 Oakley group 2"}),
				detail: "DHE uses the 1024-bit prime (RFC 2409 Oakley group 2)"},
			{name: "own 1024-bit prime", edit: withVulns(report.Vulns{DHBits: 1024})},
			{name: "ffdhe2048", edit: withVulns(report.Vulns{DHBits: 2048, DHPrime: "RFC 7919 ffdhe2048"})},
		},
		"freak": {
			{name: "RSA export", raised: true, edit: withSuites("TLS_RSA_EXPORT_WITH_RC4_40_MD5")},
			{name: "DHE export only", edit: withSuites("TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA")},
			{name: "no export", edit: withSuites("TLS_RSA_WITH_3DES_EDE_CBC_SHA")},
		},
		"logjam-export": {
			{name: "DHE export", raised: true, edit: withSuites("TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA")},
			{name: "RSA export only", edit: withSuites("TLS_RSA_EXPORT_WITH_RC4_40_MD5")},
		},
		"drown": {
			{name: "SSL 2.0", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Versions = []string{"SSL2.0", "TLS1.3"}
				return ep
			}},
			{name: "SSL 3.0", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Versions = []string{"SSL3.0", "TLS1.3"}
				return ep
			}},
		},
		"client-certificate-required": {
			{name: "required", raised: true, edit: withVulns(report.Vulns{ClientCertificate: "required"})},
			{name: "optional", edit: withVulns(report.Vulns{ClientCertificate: "optional"})},
			{name: "not asked", edit: withVulns(report.Vulns{})},
		},
	}
}

// TestVulnGradeCaps: each vulnerability result caps the good endpoint's A.
func TestVulnGradeCaps(t *testing.T) {
	no := false
	for _, tc := range []struct {
		v    report.Vulns
		want string
	}{
		{report.Vulns{Heartbleed: report.VulnFound}, "F"},
		{report.Vulns{CCSInjection: report.VulnFound}, "F"},
		{report.Vulns{ROBOT: report.VulnFound, ROBOTOracle: "strong"}, "F"},
		{report.Vulns{ROBOT: report.VulnFound, ROBOTOracle: "weak"}, "A"},
		{report.Vulns{DHBits: 768}, "F"},
		{report.Vulns{SecureRenegotiation: &no}, "C"},
		{report.Vulns{Compression: "deflate"}, "C"},
		{report.Vulns{DHBits: 1024}, "B"},
		{report.Vulns{DHBits: 2048, Compression: "none", ClientRenegotiation: report.VulnFound, FallbackSCSV: report.VulnFound}, "A"},
	} {
		ep := withVulns(tc.v)(goodEndpoint())
		if got, why := GradeReasons(ep, ruleConfig); got != tc.want {
			t.Errorf("%+v: grade %s (%v), want %s", tc.v, got, why, tc.want)
		}
	}
}
