package findings

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// suites sets the endpoint's accepted suites as version/name pairs.
func suites(ep *report.Endpoint, pairs ...string) *report.Endpoint {
	for i := 0; i+1 < len(pairs); i += 2 {
		ep.TLS.Ciphers = append(ep.TLS.Ciphers, report.AcceptedCipher{Version: pairs[i], Name: pairs[i+1]})
	}
	return ep
}

func versions(ep *report.Endpoint, vs ...string) *report.Endpoint {
	ep.TLS.Versions = vs
	ep.TLS.Version = vs[len(vs)-1]
	return ep
}

func TestGrade(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name string
		edit func(ep *report.Endpoint) *report.Endpoint
		want string
		// why, when set, must be a substring of one of the reasons.
		why string
	}{
		{"good endpoint", func(ep *report.Endpoint) *report.Endpoint { return ep }, "A", "score"},
		{"ECDSA P-256 TLS 1.2 and 1.3", func(ep *report.Endpoint) *report.Endpoint {
			return suites(versions(ecLeaf(ep, 256, 90), "TLS1.2", "TLS1.3"),
				"TLS1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS1.3", "TLS_AES_256_GCM_SHA384")
		}, "A", ""},
		{"HSTS 180 days", func(ep *report.Endpoint) *report.Endpoint { return https(ep, 15552000) }, "A+", "A+"},
		{"HSTS 179 days", func(ep *report.Endpoint) *report.Endpoint { return https(ep, 15551999) }, "A", ""},
		{"HSTS but capped", func(ep *report.Endpoint) *report.Endpoint {
			return https(versions(ep, "TLS1.1", "TLS1.2", "TLS1.3"), 63072000)
		}, "B", "TLS 1.0 or TLS 1.1"},

		// T: trust.
		{"untrusted chain", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Trusted = false; return ep }, "T", "not trusted"},
		{"self-signed", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Chain = ep.TLS.Chain[:1]
			ep.TLS.Chain[0].SelfSigned, ep.TLS.Trusted = true, false
			return ep
		}, "T", "self-signed"},
		{"leaf expired", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Chain[0].NotAfter = ruleNow.Add(-day); return ep }, "T", "expired"},
		{"intermediate not yet valid", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Chain[1].NotBefore = ruleNow.Add(day)
			return ep
		}, "T", "not yet valid"},
		{"SHA-1 leaf", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Chain[0].SignatureAlgorithm = "SHA1-RSA"; return ep }, "T", "SHA-1"},
		{"SHA-1 self-signed root", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Chain[2].SignatureAlgorithm = "SHA1-RSA"
			return ep
		}, "A", ""},
		{"T wins over F", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Trusted = false
			return versions(ep, "SSL2.0", "TLS1.2")
		}, "T", ""},

		// M: name mismatch.
		{"hostname mismatch", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.HostnameMatch = boolPtr(false); return ep }, "M", "host name"},
		{"hostname not checked", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.HostnameMatch = nil; return ep }, "A", ""},

		// F.
		{"SSL 2.0 accepted", func(ep *report.Endpoint) *report.Endpoint { return versions(ep, "SSL2.0", "TLS1.2", "TLS1.3") }, "F", "SSL 2.0"},
		{"SSL 3.0 only", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Cipher = "TLS_RSA_WITH_AES_128_CBC_SHA"
			return versions(ep, "SSL3.0")
		}, "F", "no version newer than SSL 3.0"},
		{"EXPORT suite", func(ep *report.Endpoint) *report.Endpoint {
			return suites(ep, "TLS1.0", "TLS_RSA_EXPORT_WITH_RC4_40_MD5")
		}, "F", "EXPORT"},
		{"NULL suite", func(ep *report.Endpoint) *report.Endpoint { return suites(ep, "TLS1.2", "TLS_RSA_WITH_NULL_SHA256") }, "F", "NULL"},
		{"anonymous suite", func(ep *report.Endpoint) *report.Endpoint {
			return suites(ep, "TLS1.2", "TLS_DH_anon_WITH_AES_128_GCM_SHA256")
		}, "F", "anonymous"},
		{"RSA-1023 leaf", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Chain[0].KeyBits = 1023; return ep }, "F", "under 1024"},
		{"MD5 intermediate", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Chain[1].SignatureAlgorithm = "MD5-RSA"
			return ep
		}, "F", "MD5"},

		// C.
		{"SSL 3.0 accepted", func(ep *report.Endpoint) *report.Endpoint { return versions(ep, "SSL3.0", "TLS1.2", "TLS1.3") }, "C", "accepts SSL 3.0"},
		{"RC4 with TLS 1.2", func(ep *report.Endpoint) *report.Endpoint {
			return suites(versions(ep, "TLS1.2", "TLS1.3"), "TLS1.2", "TLS_ECDHE_RSA_WITH_RC4_128_SHA")
		}, "C", "RC4 with TLS 1.1 or newer"},
		{"3DES with TLS 1.2", func(ep *report.Endpoint) *report.Endpoint {
			return suites(versions(ep, "TLS1.2", "TLS1.3"), "TLS1.2", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA")
		}, "C", "64-bit block"},
		{"TLS 1.0 only", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Cipher = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
			return versions(ep, "TLS1.0")
		}, "C", "no TLS 1.2"},

		// B.
		{"TLS 1.0 accepted", func(ep *report.Endpoint) *report.Endpoint { return versions(ep, "TLS1.0", "TLS1.2", "TLS1.3") }, "B", "TLS 1.0 or TLS 1.1"},
		{"TLS 1.1 negotiated", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Version, ep.TLS.Cipher = "TLS1.1", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
			return ep
		}, "C", "no TLS 1.2"},
		{"RC4 with TLS 1.0 only", func(ep *report.Endpoint) *report.Endpoint {
			return suites(versions(ep, "TLS1.0", "TLS1.2", "TLS1.3"), "TLS1.0", "TLS_RSA_WITH_RC4_128_SHA")
		}, "B", "RC4 with TLS 1.0 or older"},
		{"3DES with TLS 1.0 only", func(ep *report.Endpoint) *report.Endpoint {
			return suites(versions(ep, "TLS1.0", "TLS1.2", "TLS1.3"), "TLS1.0", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
		}, "B", ""},
		{"RSA-1024 leaf", func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Chain[0].KeyBits = 1024; return ep }, "B", "under 2048"},
		{"EC P-192 leaf", func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 192, 90) }, "B", "under 2048"},
		{"static RSA negotiated", func(ep *report.Endpoint) *report.Endpoint {
			ep.TLS.Version, ep.TLS.Cipher = "TLS1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"
			return ep
		}, "B", "forward-secret"},
		{"static RSA accepted, ECDHE negotiated", func(ep *report.Endpoint) *report.Endpoint {
			return suites(versions(ep, "TLS1.2", "TLS1.3"), "TLS1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256")
		}, "A", ""},

		// STARTTLS endpoints are graded too.
		{"STARTTLS", startTLSEndpoint, "A", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep := c.edit(goodEndpoint())
			got, why := GradeReasons(ep, ruleConfig)
			if got != c.want {
				t.Errorf("grade %s, want %s; %q", got, c.want, why)
			}
			if g := Grade(ep, ruleConfig); g != got {
				t.Errorf("Grade %s, GradeReasons %s", g, got)
			}
			if c.why != "" && !strings.Contains(strings.Join(why, "\n"), c.why) {
				t.Errorf("reasons %q lack %q", why, c.why)
			}
		})
	}
}

func TestGradeScore(t *testing.T) {
	ep := suites(versions(goodEndpoint(), "TLS1.0", "TLS1.2", "TLS1.3"),
		"TLS1.0", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS1.3", "TLS_AES_256_GCM_SHA384")
	// protocol (90+100)/2, key exchange RSA-2048 90, cipher (80+100)/2.
	score, parts := gradeScore(ep)
	if want := 0.3*95 + 0.3*90 + 0.4*90; math.Abs(score-want) > 1e-9 {
		t.Errorf("score %v (%s), want %v", score, parts, want)
	}
	if parts != "protocol 95, key exchange 90, cipher 90" {
		t.Errorf("parts %q", parts)
	}
	for _, c := range []struct {
		score float64
		want  string
	}{{100, "A"}, {80, "A"}, {79.9, "B"}, {65, "B"}, {50, "C"}, {35, "D"}, {20, "E"}, {19.9, "F"}, {0, "F"}} {
		if got := gradeLetters[scoreGrade(c.score)]; got != c.want {
			t.Errorf("score %v: %s, want %s", c.score, got, c.want)
		}
	}
	// 40-bit export suites drag the score itself down, not only the cap.
	ep = suites(versions(goodEndpoint(), "SSL3.0"), "SSL3.0", "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA")
	ep.TLS.Cipher = "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"
	if score, parts := gradeScore(ep); score >= 50 {
		t.Errorf("SSL 3.0 EXPORT score %v (%s)", score, parts)
	}
	// Nothing known but the certificate: the key exchange alone decides.
	ep = goodEndpoint()
	ep.TLS.Version, ep.TLS.Cipher = "", ""
	if score, parts := gradeScore(ep); score != 90 || parts != "key exchange 90" {
		t.Errorf("score %v (%s), want 90 from the key alone", score, parts)
	}
}

// Evaluate returns the grade and leaves the endpoint as it was; Apply
// stores findings and grade.
func TestEvaluateGrade(t *testing.T) {
	ep := goodEndpoint()
	ep.TLS.Version = "TLS1.0"
	before := fmt.Sprintf("%+v %+v", *ep, *ep.TLS)
	fs, grade := Evaluate(ep, ruleConfig)
	if grade != "C" || len(fs) != 1 {
		t.Errorf("grade %q, findings %v; want C and one finding", grade, findingIDs(fs))
	}
	if after := fmt.Sprintf("%+v %+v", *ep, *ep.TLS); after != before {
		t.Errorf("Evaluate changed the endpoint:\n%s\n%s", before, after)
	}
	Apply(ep, ruleConfig)
	if ep.TLS.Grade != "C" || !slices.Equal(findingIDs(ep.Findings), findingIDs(fs)) {
		t.Errorf("after Apply: grade %q, findings %v", ep.TLS.Grade, findingIDs(ep.Findings))
	}
	plain := &report.Endpoint{Port: 80, State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "http"}
	if fs, g := Evaluate(plain, ruleConfig); g != "" || len(fs) != 1 {
		t.Errorf("plaintext endpoint graded %q with %v", g, findingIDs(fs))
	}
	Apply(plain, ruleConfig)
	if plain.TLS != nil || len(plain.Findings) != 1 {
		t.Errorf("Apply on plaintext: %+v", plain)
	}
}
