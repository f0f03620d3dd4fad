package findings

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

var ruleNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var ruleConfig = RuleConfig{Now: ruleNow, ExpiryWarn: 30 * 24 * time.Hour}

// goodEndpoint is a TLS endpoint that raises no finding: TLS 1.3, a
// trusted chain of leaf, intermediate and root, sound keys and hashes,
// a matching name, and 90 days to go.
func goodEndpoint() *report.Endpoint {
	day := 24 * time.Hour
	c := func(cn, issuer string) report.Certificate {
		return report.Certificate{
			Subject: "CN=" + cn, Issuer: "CN=" + issuer, CommonName: cn,
			NotBefore: ruleNow.Add(-30 * day), NotAfter: ruleNow.Add(90 * day), DaysLeft: 90,
			SignatureAlgorithm: "SHA256-RSA", KeyType: "RSA", KeyBits: 2048,
		}
	}
	leaf := c("www.example.test", "Issuing CA")
	leaf.SANs = []string{"www.example.test"}
	inter := c("Issuing CA", "Root CA")
	inter.IsCA = true
	root := c("Root CA", "Root CA")
	root.IsCA, root.SelfSigned = true, true
	return &report.Endpoint{
		Host: "www.example.test", IP: "192.0.2.1", Port: 443, State: report.StateOpen, Transport: report.TransportTLS,
		TLS: &report.TLS{Version: "TLS1.3", Cipher: "TLS_AES_128_GCM_SHA256", SNI: "www.example.test", Trusted: true,
			HostnameMatch: boolPtr(true), Chain: []report.Certificate{leaf, inter, root}},
	}
}

func findingIDs(fs []report.Finding) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}

func TestGoodEndpointRaisesNothing(t *testing.T) {
	if fs := evaluate(goodEndpoint(), ruleConfig); len(fs) != 0 {
		t.Errorf("good endpoint raised %v", findingIDs(fs))
	}
}

// ruleCase changes the good endpoint (or builds another) so that rule
// should, or should just not, be raised.
type ruleCase struct {
	name   string
	edit   func(ep *report.Endpoint) *report.Endpoint
	config func(c *RuleConfig)
	raised bool
	// severity is the finding's, when not the rule's; detail, when set, is
	// the exact detail wanted.
	severity report.Severity
	detail   string
}

// usePolicy is a ruleCase config that evaluates under the named policy.
func usePolicy(name string) func(c *RuleConfig) {
	return func(c *RuleConfig) {
		p, ok := PolicyByName(name)
		if !ok {
			panic("no policy " + name)
		}
		c.Policy = p
	}
}

// startTLSEndpoint is the good endpoint's TLS details behind FTP AUTH TLS
// on port 21.
func startTLSEndpoint(ep *report.Endpoint) *report.Endpoint {
	ep.Port, ep.Transport, ep.Protocol, ep.StartTLS = 21, report.TransportPlaintext, "ftp", "ftp"
	return ep
}

// https gives the good endpoint an HTTP answer and an HSTS header of maxAge
// seconds (none when maxAge is -2).
func https(ep *report.Endpoint, maxAge int64) *report.Endpoint {
	ep.HTTP = &report.HTTP{Status: 200}
	if maxAge != -2 {
		ep.TLS.HSTS = &report.HSTS{Header: fmt.Sprintf("max-age=%d", maxAge), MaxAge: maxAge}
	}
	return ep
}

// ecLeaf gives the good endpoint an ECDSA leaf of bits valid for days.
func ecLeaf(ep *report.Endpoint, bits, days int) *report.Endpoint {
	l := &ep.TLS.Chain[0]
	l.KeyType, l.KeyBits, l.SignatureAlgorithm = "EC", bits, "ECDSA-SHA256"
	l.NotAfter = l.NotBefore.Add(time.Duration(days) * 24 * time.Hour)
	return ep
}

func TestRules(t *testing.T) {
	day := 24 * time.Hour
	leafOf := func(ep *report.Endpoint) *report.Certificate { return &ep.TLS.Chain[0] }
	cases := map[string][]ruleCase{
		"plaintext-listener": {
			{name: "open http", raised: true, edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 80, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "http"}
			}},
			{name: "open unknown plaintext", raised: true, edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 23, State: report.StateOpen, Transport: report.TransportPlaintext}
			}},
			{name: "closed port", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 80, State: report.StateClosed, Transport: report.TransportPlaintext, Protocol: "http"}
			}},
			{name: "tls port", edit: func(ep *report.Endpoint) *report.Endpoint { return ep }},
			{name: "ssh is encrypted", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 11322, State: report.StateOpen, Transport: report.TransportEncrypted, Protocol: "ssh",
					Banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"}
			}},
			{name: "http redirecting to https", raised: true, detail: "port 80 speaks HTTP without TLS, redirects to https",
				edit: func(*report.Endpoint) *report.Endpoint {
					return &report.Endpoint{Port: 80, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "http",
						HTTP: &report.HTTP{Status: 301, RedirectHTTPS: true, Location: "https://www.example.test/"}}
				}},
			{name: "http redirecting elsewhere", raised: true, detail: "port 80 speaks HTTP without TLS",
				edit: func(*report.Endpoint) *report.Endpoint {
					return &report.Endpoint{Port: 80, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "http",
						HTTP: &report.HTTP{Status: 302, Location: "http://login.example.test/"}}
				}},
			{name: "ftp with STARTTLS", raised: true, detail: "STARTTLS offered, not required", edit: startTLSEndpoint},
		},
		"unidentified-listener": {
			{name: "silent open port", raised: true, edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 9000, State: report.StateOpen, Transport: report.TransportUnknown, Error: "timeout"}
			}},
			{name: "filtered port", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 9000, State: report.StateFiltered, Transport: report.TransportUnknown}
			}},
			{name: "identified plaintext", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 21, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "ftp"}
			}},
			{name: "ssh", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 11322, State: report.StateOpen, Transport: report.TransportEncrypted, Protocol: "ssh"}
			}},
		},
		"deprecated-protocol": {
			{name: "TLS1.1", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Version = "TLS1.1"; return ep }},
			{name: "TLS1.0", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Version = "TLS1.0"; return ep }},
			{name: "SSL3.0", raised: true, severity: report.SeverityCritical,
				detail: "the server negotiated SSL3.0; allow only TLS 1.2 and TLS 1.3",
				edit:   func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Version = "SSL3.0"; return ep }},
			{name: "TLS1.2", edit: func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Version = "TLS1.2"; return ep }},
			{name: "accepts TLS1.0 and TLS1.1", raised: true, detail: "accepts TLS1.0, TLS1.1; allow only TLS 1.2 and TLS 1.3",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"}
					return ep
				}},
			{name: "accepts SSL3.0", raised: true, severity: report.SeverityCritical,
				detail: "accepts SSL3.0, TLS1.0; allow only TLS 1.2 and TLS 1.3",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"SSL3.0", "TLS1.0", "TLS1.2"}
					ep.TLS.Version = "TLS1.2"
					return ep
				}},
			{name: "accepts SSL2.0 only", raised: true, severity: report.SeverityCritical,
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions, ep.TLS.Version = []string{"SSL2.0"}, "SSL2.0"
					return ep
				}},
			{name: "accepts TLS1.2 and TLS1.3", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
				return ep
			}},
			{name: "STARTTLS TLS1.0", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Version = "TLS1.0"
				return startTLSEndpoint(ep)
			}},
		},
		"weak-cipher": {
			{name: "3DES accepted", raised: true,
				detail: "accepts TLS_RSA_WITH_3DES_EDE_CBC_SHA (TLS1.0, TLS1.2), TLS_RSA_WITH_RC4_128_SHA (TLS1.2); " +
					"disable 3DES, DES, RC4, NULL, EXPORT, anonymous, IDEA, RC2 and MD5 suites",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Ciphers = []report.AcceptedCipher{
						{Version: "TLS1.0", Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", ID: "0x000A", Strength: "weak"},
						{Version: "TLS1.2", Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", ID: "0x000A", Strength: "weak"},
						{Version: "TLS1.2", Name: "TLS_RSA_WITH_RC4_128_SHA", ID: "0x0005", Strength: "insecure"},
					}
					return ep
				}},
			{name: "search capped", raised: true,
				detail: "accepts TLS_DH_anon_WITH_AES_128_CBC_SHA (TLS1.2) and maybe more (the search stopped at its connection budget; " +
					"--ciphers lists them all); disable 3DES, DES, RC4, NULL, EXPORT, anonymous, IDEA, RC2 and MD5 suites",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Ciphers = []report.AcceptedCipher{{Version: "TLS1.2", Name: "TLS_DH_anon_WITH_AES_128_CBC_SHA", ID: "0x0034", Strength: "insecure"}}
					ep.TLS.CiphersCapped = true
					return ep
				}},
			{name: "RC4 negotiated", raised: true,
				detail: "negotiated TLS_RSA_WITH_RC4_128_SHA (TLS1.2); disable 3DES, DES, RC4, NULL, EXPORT, anonymous, IDEA, RC2 and MD5 suites",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Version, ep.TLS.Cipher = "TLS1.2", "TLS_RSA_WITH_RC4_128_SHA"
					return ep
				}},
			{name: "found by ID", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Ciphers = []report.AcceptedCipher{{Version: "TLS1.2", Name: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", ID: "0x0013"}}
				return ep
			}},
			{name: "unknown suite graded insecure", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Ciphers = []report.AcceptedCipher{{Version: "TLS1.2", Name: "VENDOR_SUITE", ID: "0xFF99", Strength: "insecure"}}
				return ep
			}},
			{name: "CBC and GCM suites", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Ciphers = []report.AcceptedCipher{
					{Version: "TLS1.2", Name: "TLS_RSA_WITH_AES_128_CBC_SHA", ID: "0x002F", Strength: "acceptable"},
					{Version: "TLS1.2", Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ID: "0xC02F", Strength: "strong"},
				}
				return ep
			}},
			{name: "unknown suite graded acceptable", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Ciphers = []report.AcceptedCipher{{Version: "TLS1.2", Name: "VENDOR_SUITE", ID: "0xFF99", Strength: "acceptable"}}
				return ep
			}},
		},
		"self-signed-certificate": {
			{name: "self-signed leaf", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain = ep.TLS.Chain[:1]
				leafOf(ep).SelfSigned = true
				ep.TLS.Trusted = false
				return ep
			}},
			{name: "STARTTLS self-signed leaf", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain = ep.TLS.Chain[:1]
				leafOf(ep).SelfSigned = true
				ep.TLS.Trusted = false
				return startTLSEndpoint(ep)
			}},
			{name: "self-signed leaf in --ca-file", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain = ep.TLS.Chain[:1]
				leafOf(ep).SelfSigned = true
				ep.TLS.Trusted = true
				return ep
			}},
		},
		"untrusted-certificate": {
			{name: "unknown issuer", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Trusted = false
				ep.TLS.TrustError = "x509: certificate signed by unknown authority"
				return ep
			}},
			{name: "untrusted but self-signed", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Trusted = false
				leafOf(ep).SelfSigned = true
				return ep
			}},
			{name: "trusted", edit: func(ep *report.Endpoint) *report.Endpoint { return ep }},
		},
		"certificate-unchecked": {
			{name: "versions seen, no chain", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain = []report.Certificate{}
				ep.Error = "certificate not read: no handshake could be completed (server sent alert handshake_failure (40))"
				return ep
			}, detail: "no certificate chain was read: certificate not read: no handshake could be completed (server sent alert handshake_failure (40))"},
			{name: "tls handshake failed, no tls section", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS = nil
				ep.Error = "tls handshake failed: handshake timed out"
				return ep
			}},
			{name: "chain read", edit: func(ep *report.Endpoint) *report.Endpoint { return ep }},
			{name: "plaintext", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 21, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "ftp"}
			}},
		},
		"expired-certificate": {
			{name: "leaf expired a second ago", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(-time.Second)
				return ep
			}},
			{name: "intermediate expired", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain[1].NotAfter = ruleNow.Add(-day)
				return ep
			}},
			{name: "leaf expires now", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow
				return ep
			}},
			{name: "STARTTLS leaf expired", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(-day)
				return startTLSEndpoint(ep)
			}},
		},
		"not-yet-valid-certificate": {
			{name: "leaf valid from tomorrow", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotBefore = ruleNow.Add(day)
				return ep
			}},
			{name: "leaf valid from now", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotBefore = ruleNow
				return ep
			}},
		},
		"expiring-certificate": {
			{name: "29 days left", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(29 * day)
				return ep
			}},
			{name: "31 days left", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(31 * day)
				return ep
			}},
			// The boundary: "expires sooner than --expiry-warn" (README), so
			// exactly 30 days left raises nothing and a second less does.
			{name: "exactly 30 days left", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(30 * day)
				return ep
			}},
			{name: "30 days less a second left", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(30*day - time.Second)
				return ep
			}},
			{name: "exactly 7 days left, warning at 7", config: func(c *RuleConfig) { c.ExpiryWarn = 7 * day },
				edit: func(ep *report.Endpoint) *report.Endpoint {
					leafOf(ep).NotAfter = ruleNow.Add(7 * day)
					return ep
				}},
			{name: "29 days left, warning at 7", config: func(c *RuleConfig) { c.ExpiryWarn = 7 * day },
				edit: func(ep *report.Endpoint) *report.Endpoint {
					leafOf(ep).NotAfter = ruleNow.Add(29 * day)
					return ep
				}},
			{name: "already expired", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).NotAfter = ruleNow.Add(-day)
				return ep
			}},
			{name: "intermediate expiring", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain[1].NotAfter = ruleNow.Add(2 * day)
				return ep
			}},
		},
		"hostname-mismatch": {
			{name: "mismatch", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.HostnameMatch = boolPtr(false)
				return ep
			}},
			{name: "mismatch without names", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.HostnameMatch = boolPtr(false)
				leafOf(ep).SANs, leafOf(ep).CommonName = nil, ""
				return ep
			}},
			{name: "not checked", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.HostnameMatch = nil
				return ep
			}},
			{name: "STARTTLS mismatch", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.HostnameMatch = boolPtr(false)
				return startTLSEndpoint(ep)
			}},
		},
		"weak-key": {
			{name: "RSA 2047", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { leafOf(ep).KeyBits = 2047; return ep }},
			{name: "RSA 1024 intermediate", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Chain[1].KeyBits = 1024; return ep }},
			{name: "DSA 1024", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).KeyType, leafOf(ep).KeyBits = "DSA", 1024
				return ep
			}},
			{name: "EC 192", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).KeyType, leafOf(ep).KeyBits = "EC", 192
				return ep
			}},
			{name: "RSA 2048", edit: func(ep *report.Endpoint) *report.Endpoint { leafOf(ep).KeyBits = 2048; return ep }},
			{name: "EC 224", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).KeyType, leafOf(ep).KeyBits = "EC", 224
				return ep
			}},
			{name: "Ed25519", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).KeyType, leafOf(ep).KeyBits = "Ed25519", 256
				return ep
			}},
		},
		"weak-signature": {
			{name: "SHA1 leaf", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).SignatureAlgorithm = "SHA1-RSA"
				return ep
			}},
			{name: "SHA1 self-signed leaf", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain = ep.TLS.Chain[:1]
				leafOf(ep).SignatureAlgorithm, leafOf(ep).SelfSigned = "SHA1-RSA", true
				return ep
			}},
			{name: "MD5 intermediate", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain[1].SignatureAlgorithm = "MD5-RSA"
				return ep
			}},
			{name: "ECDSA-SHA1 leaf", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).SignatureAlgorithm = "ECDSA-SHA1"
				return ep
			}},
			{name: "SHA1 self-signed root", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Chain[2].SignatureAlgorithm = "SHA1-RSA"
				return ep
			}},
			{name: "SHA256 leaf", edit: func(ep *report.Endpoint) *report.Endpoint {
				leafOf(ep).SignatureAlgorithm = "SHA256-RSA"
				return ep
			}},
		},
		"missing-hsts": {
			{name: "no header", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { return https(ep, -2) }},
			{name: "179 days", raised: true,
				detail: "Strict-Transport-Security max-age=15551999 (179 days) is under 15552000 (180 days)",
				edit:   func(ep *report.Endpoint) *report.Endpoint { return https(ep, 15551999) }},
			{name: "max-age=0", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { return https(ep, 0) }},
			{name: "invalid header", raised: true, edit: func(ep *report.Endpoint) *report.Endpoint { return https(ep, -1) }},
			{name: "180 days", edit: func(ep *report.Endpoint) *report.Endpoint { return https(ep, 15552000) }},
			{name: "180 days under mozilla-intermediate", raised: true, config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return https(ep, 15552000) }},
			{name: "two years under mozilla-intermediate", config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return https(ep, 63072000) }},
			{name: "TLS without an HTTP answer", edit: func(ep *report.Endpoint) *report.Endpoint { return ep }},
			{name: "STARTTLS with an HTTP answer", edit: func(ep *report.Endpoint) *report.Endpoint {
				return startTLSEndpoint(https(ep, -2))
			}},
			{name: "plaintext HTTP", edit: func(*report.Endpoint) *report.Endpoint {
				return &report.Endpoint{Port: 80, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "http", HTTP: &report.HTTP{Status: 200}}
			}},
		},
	}
	maps.Copy(cases, policyRuleCases())
	maps.Copy(cases, vulnRuleCases())

	for _, rule := range Rules {
		cs := cases[rule.ID]
		if !slices.ContainsFunc(cs, func(c ruleCase) bool { return c.raised }) ||
			!slices.ContainsFunc(cs, func(c ruleCase) bool { return !c.raised }) {
			t.Errorf("rule %s needs a case that raises it and one that does not", rule.ID)
		}
		for _, c := range cs {
			t.Run(rule.ID+"/"+c.name, func(t *testing.T) {
				cfg := ruleConfig
				if c.config != nil {
					c.config(&cfg)
				}
				fs := evaluate(c.edit(goodEndpoint()), cfg)
				var got *report.Finding
				for i := range fs {
					if fs[i].ID == rule.ID {
						got = &fs[i]
						break
					}
				}
				switch {
				case c.raised && got == nil:
					t.Errorf("not raised; findings: %v", findingIDs(fs))
				case !c.raised && got != nil:
					t.Errorf("raised: %+v", *got)
				case got != nil:
					sev := rule.Severity
					if c.severity != report.SeverityNone {
						sev = c.severity
					}
					if got.Severity != sev || got.Title != rule.Title || got.Detail == "" {
						t.Errorf("finding %+v does not match its rule (severity %s)", *got, sev)
					}
					if c.detail != "" && got.Detail != c.detail {
						t.Errorf("detail %q\nwant   %q", got.Detail, c.detail)
					}
				}
			})
		}
		delete(cases, rule.ID)
	}
	for id := range cases {
		t.Errorf("cases for %q, which is not a rule", id)
	}
}

func TestEvaluateOrder(t *testing.T) {
	ep := goodEndpoint()
	ep.TLS.Version = "TLS1.0"                               // high
	ep.TLS.Chain[0].KeyBits = 1024                          // medium
	ep.TLS.Chain[0].NotAfter = ruleNow.Add(-24 * time.Hour) // high
	ep.TLS.Chain[1].SignatureAlgorithm = "SHA1-RSA"         // medium
	ep.TLS.HostnameMatch = boolPtr(false)                   // medium
	fs := evaluate(ep, ruleConfig)
	if !slices.IsSortedFunc(fs, func(a, b report.Finding) int { return int(b.Severity) - int(a.Severity) }) {
		t.Errorf("findings not highest severity first: %v", fs)
	}
	want := []string{"deprecated-protocol", "expired-certificate", "hostname-mismatch", "weak-key", "weak-signature"}
	if got := findingIDs(fs); !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v (rule order within a severity)", got, want)
	}
}

func TestExpiringDetailCountsDays(t *testing.T) {
	ep := goodEndpoint()
	ep.TLS.Chain[0].NotAfter = ruleNow.Add(29*24*time.Hour + time.Hour)
	fs := evaluate(ep, ruleConfig)
	if len(fs) != 1 || fs[0].Detail != "leaf expires on 2026-01-31, in 29 days" {
		t.Errorf("findings %+v", fs)
	}
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestRuleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.ID] {
			t.Errorf("rule %q appears twice", r.ID)
		}
		seen[r.ID] = true
		if !kebab.MatchString(r.ID) {
			t.Errorf("rule %q is not lowercase-kebab", r.ID)
		}
		if r.Title == "" || r.When == "" {
			t.Errorf("rule %q lacks a Title or When", r.ID)
		}
		if r.Severity < report.SeverityInfo || r.Severity > report.SeverityCritical {
			t.Errorf("rule %q has severity %v", r.ID, r.Severity)
		}
		if r.check == nil {
			t.Errorf("rule %q has no check", r.ID)
		}
	}
}

func boolPtr(b bool) *bool { return &b }

// evaluate is Evaluate's findings alone.
func evaluate(ep *report.Endpoint, c RuleConfig) []report.Finding {
	fs, _ := Evaluate(ep, c)
	return fs
}
