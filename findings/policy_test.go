package findings

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

func mustPolicy(t *testing.T, name string) Policy {
	t.Helper()
	p, ok := PolicyByName(name)
	if !ok {
		t.Fatalf("no policy %q", name)
	}
	return p
}

func evalUnder(t *testing.T, ep *report.Endpoint, policy string) []string {
	t.Helper()
	cfg := ruleConfig
	cfg.Policy = mustPolicy(t, policy)
	return findingIDs(evaluate(ep, cfg))
}

func TestPolicyTable(t *testing.T) {
	if len(Policies) == 0 || Policies[0].Name != "default" {
		t.Fatalf("Policies[0] must be the default policy")
	}
	ruleIDs := map[string]bool{}
	for _, r := range Rules {
		ruleIDs[r.ID] = true
	}
	enabled := map[string]bool{}
	names := map[string]bool{}
	for _, p := range Policies {
		if names[strings.ToLower(p.Name)] {
			t.Errorf("policy %q appears twice", p.Name)
		}
		names[strings.ToLower(p.Name)] = true
		if !kebab.MatchString(p.Name) || p.Doc == "" {
			t.Errorf("policy %q: name not lowercase-kebab, or no Doc", p.Name)
		}
		seen := map[string]bool{}
		for _, id := range p.Rules {
			if !ruleIDs[id] {
				t.Errorf("policy %s enables %q, which is not a rule", p.Name, id)
			}
			if seen[id] {
				t.Errorf("policy %s lists %q twice", p.Name, id)
			}
			seen[id] = true
			enabled[id] = true
		}
		// Every policy is at least as strict as the default.
		for _, id := range Policies[0].Rules {
			if !p.Enables(id) {
				t.Errorf("policy %s leaves out default rule %s", p.Name, id)
			}
		}
		if _, ok := tlsinfo.VersionByName(p.MinVersion); !ok {
			t.Errorf("policy %s: MinVersion %q is not a version", p.Name, p.MinVersion)
		}
		for _, s := range p.Suites {
			cs, ok := tlsinfo.CipherSuiteByName(s)
			if !ok || cs.Name != s {
				t.Errorf("policy %s: suite %q is not an IANA name of the table", p.Name, s)
				continue
			}
			if cs.Weak || !cs.ForwardSecret || !cs.AEAD {
				t.Errorf("policy %s: suite %s is weak, or not forward-secret AEAD", p.Name, s)
			}
		}
		if got, ok := PolicyByName(strings.ToUpper(p.Name)); !ok || got.Name != p.Name {
			t.Errorf("PolicyByName(%q) = %q, %v", strings.ToUpper(p.Name), got.Name, ok)
		}
		if ps := p.Parameters(); len(ps) < 5 || ps[0].Name != "rules" {
			t.Errorf("policy %s parameters %v", p.Name, ps)
		}
	}
	for id := range ruleIDs {
		if !enabled[id] {
			t.Errorf("rule %s runs under no policy", id)
		}
		// The default is every rule but the profile checks.
		if want := !strings.HasPrefix(id, "policy-"); Policies[0].Enables(id) != want {
			t.Errorf("default policy enables %s: %v, want %v", id, !want, want)
		}
	}
	if _, ok := PolicyByName("bogus"); ok {
		t.Error("PolicyByName found bogus")
	}
	if got := PolicyNames(); !slices.Equal(got, []string{"default", "mozilla-intermediate", "mozilla-modern"}) {
		t.Errorf("PolicyNames() = %v", got)
	}
}

func TestPolicyMozillaProfiles(t *testing.T) {
	inter := mustPolicy(t, "mozilla-intermediate")
	if len(inter.Suites) != 12 || inter.MinVersion != "TLS1.2" || inter.MaxCertLifetimeDays != 366 ||
		inter.MinRSABits != 2048 || !slices.Equal(inter.ECBits, []int{256, 384}) {
		t.Errorf("mozilla-intermediate = %+v", inter)
	}
	modern := mustPolicy(t, "mozilla-modern")
	if len(modern.Suites) != 3 || modern.MinVersion != "TLS1.3" || modern.MaxCertLifetimeDays != 90 ||
		!slices.Equal(modern.KeyTypes, []string{"EC"}) {
		t.Errorf("mozilla-modern = %+v", modern)
	}
	for _, s := range modern.Suites {
		if !inter.AllowsSuite(s) {
			t.Errorf("%s is modern but not intermediate", s)
		}
	}
	for _, k := range []struct {
		typ        string
		bits       int
		inter, mod bool
	}{
		{"RSA", 2048, true, false},
		{"RSA", 2047, false, false},
		{"EC", 256, true, true},
		{"ECDSA", 384, true, true},
		{"EC", 521, false, false},
		{"EC", 224, false, false},
		{"Ed25519", 256, false, false},
	} {
		if inter.AllowsKey(k.typ, k.bits) != k.inter || modern.AllowsKey(k.typ, k.bits) != k.mod {
			t.Errorf("%s-%d: intermediate %v modern %v, want %v %v", k.typ, k.bits,
				inter.AllowsKey(k.typ, k.bits), modern.AllowsKey(k.typ, k.bits), k.inter, k.mod)
		}
	}
	def := Policies[0]
	if !def.AllowsSuite("TLS_RSA_WITH_AES_128_CBC_SHA") || def.AllowsSuite("TLS_RSA_WITH_3DES_EDE_CBC_SHA") {
		t.Error("the default policy should allow every suite that is not weak, and only those")
	}
}

// modernReady is an endpoint mozilla-modern accepts: TLS 1.3 only, an
// ECDSA P-256 leaf of 90 days, HTTPS with two years of HSTS.
func modernReady() *report.Endpoint {
	ep := ecLeaf(goodEndpoint(), 256, 90)
	ep.TLS.Versions = []string{"TLS1.3"}
	ep.TLS.Ciphers = []report.AcceptedCipher{
		{Version: "TLS1.3", Name: "TLS_AES_128_GCM_SHA256", ID: "0x1301", Strength: "strong"},
		{Version: "TLS1.3", Name: "TLS_CHACHA20_POLY1305_SHA256", ID: "0x1303", Strength: "strong"},
	}
	return https(ep, 63072000)
}

func TestPolicyEndpoints(t *testing.T) {
	for _, p := range Policies {
		if ids := evalUnder(t, modernReady(), p.Name); len(ids) != 0 {
			t.Errorf("modern-ready endpoint under %s raised %v", p.Name, ids)
		}
	}

	// Passes the default, fails mozilla-modern: TLS 1.2 is accepted.
	tls12 := func() *report.Endpoint {
		ep := modernReady()
		ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
		return ep
	}
	if ids := evalUnder(t, tls12(), "default"); len(ids) != 0 {
		t.Errorf("TLS 1.2 endpoint under default raised %v", ids)
	}
	if ids := evalUnder(t, tls12(), "mozilla-intermediate"); len(ids) != 0 {
		t.Errorf("TLS 1.2 endpoint under mozilla-intermediate raised %v", ids)
	}
	if ids := evalUnder(t, tls12(), "mozilla-modern"); !slices.Equal(ids, []string{"policy-protocol"}) {
		t.Errorf("TLS 1.2 endpoint under mozilla-modern raised %v, want [policy-protocol]", ids)
	}

	// A sound suite Mozilla does not list: static RSA key exchange.
	rsaSuite := func() *report.Endpoint {
		ep := tls12()
		ep.TLS.Ciphers = append(ep.TLS.Ciphers,
			report.AcceptedCipher{Version: "TLS1.2", Name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ID: "0xC02B", Strength: "strong"},
			report.AcceptedCipher{Version: "TLS1.2", Name: "TLS_RSA_WITH_AES_256_GCM_SHA384", ID: "0x009D", Strength: "acceptable"})
		return ep
	}
	if ids := evalUnder(t, rsaSuite(), "default"); len(ids) != 0 {
		t.Errorf("static-RSA endpoint under default raised %v", ids)
	}
	if ids := evalUnder(t, rsaSuite(), "mozilla-intermediate"); !slices.Equal(ids, []string{"policy-cipher"}) {
		t.Errorf("static-RSA endpoint under mozilla-intermediate raised %v, want [policy-cipher]", ids)
	}
	// Under modern the TLS 1.2 suites are the version's fault, reported once.
	if ids := evalUnder(t, rsaSuite(), "mozilla-modern"); !slices.Equal(ids, []string{"policy-protocol"}) {
		t.Errorf("static-RSA endpoint under mozilla-modern raised %v, want [policy-protocol]", ids)
	}

	// The good endpoint (RSA-2048, 120 days) passes intermediate, not modern.
	if ids := evalUnder(t, goodEndpoint(), "mozilla-intermediate"); len(ids) != 0 {
		t.Errorf("good endpoint under mozilla-intermediate raised %v", ids)
	}
	want := []string{"policy-key", "policy-certificate-lifetime"}
	if ids := evalUnder(t, goodEndpoint(), "mozilla-modern"); !slices.Equal(ids, want) {
		t.Errorf("good endpoint under mozilla-modern raised %v, want %v", ids, want)
	}
}

// A zero Policy in RuleConfig is the default policy.
func TestPolicyZeroIsDefault(t *testing.T) {
	ep := goodEndpoint()
	ep.TLS.Versions = []string{"TLS1.1", "TLS1.2"}
	ep.TLS.Chain[0].NotAfter = ruleNow.Add(500 * 24 * time.Hour)
	zero := evaluate(ep, ruleConfig)
	cfg := ruleConfig
	cfg.Policy = Policies[0]
	def := evaluate(ep, cfg)
	if !slices.Equal(findingIDs(zero), findingIDs(def)) || len(zero) != 1 || zero[0].ID != "deprecated-protocol" {
		t.Errorf("zero policy %v, default %v", findingIDs(zero), findingIDs(def))
	}
}

func TestPolicyParameters(t *testing.T) {
	find := func(ps []Param, name string) []string {
		var vs []string
		for _, p := range ps {
			if p.Name == name {
				vs = append(vs, p.Value)
			}
		}
		return vs
	}
	modern := mustPolicy(t, "mozilla-modern").Parameters()
	for name, want := range map[string][]string{
		"versions":             {"TLS1.3"},
		"suites":               mozillaTLS13,
		"leaf keys":            {"EC P-256/P-384"},
		"certificate lifetime": {"at most 90 days"},
		"hsts max-age":         {"at least 63072000 s (730 days)"},
	} {
		if got := find(modern, name); !slices.Equal(got, want) {
			t.Errorf("mozilla-modern %s = %q, want %q", name, got, want)
		}
	}
	def := Policies[0].Parameters()
	if got := find(def, "rules"); !slices.Equal(got, Policies[0].Rules) {
		t.Errorf("default rules = %q", got)
	}
	for name, want := range map[string][]string{
		"versions":             {"TLS1.2, TLS1.3"},
		"suites":               {"any suite that is not weak"},
		"leaf keys":            {"RSA >= 2048 bits, EC >= 224 bits, any other type"},
		"certificate lifetime": {"no limit"},
		"hsts max-age":         {"at least 15552000 s (180 days)"},
	} {
		if got := find(def, name); !slices.Equal(got, want) {
			t.Errorf("default %s = %q, want %q", name, got, want)
		}
	}
}

// policyRuleCases are TestRules' cases for the policy-* rules.
func policyRuleCases() map[string][]ruleCase {
	return map[string][]ruleCase{
		"policy-protocol": {
			{name: "TLS1.2 under mozilla-modern", raised: true, config: usePolicy("mozilla-modern"),
				detail: "accepts TLS1.2; policy mozilla-modern allows only TLS1.3",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
					return ep
				}},
			{name: "TLS1.2 negotiated under mozilla-modern", raised: true, config: usePolicy("mozilla-modern"),
				detail: "negotiated TLS1.2; policy mozilla-modern allows only TLS1.3",
				edit:   func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Version = "TLS1.2"; return ep }},
			{name: "TLS1.0 under mozilla-modern (deprecated-protocol)", config: usePolicy("mozilla-modern"),
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"TLS1.0", "TLS1.3"}
					return ep
				}},
			{name: "TLS1.2 under mozilla-intermediate", config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
					return ep
				}},
			{name: "TLS1.2 under default", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
				return ep
			}},
		},
		"policy-cipher": {
			{name: "CBC suite under mozilla-intermediate", raised: true, config: usePolicy("mozilla-intermediate"),
				detail: "accepts TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 (TLS1.2); outside the mozilla-intermediate suites",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
					ep.TLS.Ciphers = []report.AcceptedCipher{
						{Version: "TLS1.2", Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ID: "0xC02F", Strength: "strong"},
						{Version: "TLS1.2", Name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", ID: "0xC027", Strength: "acceptable"},
						{Version: "TLS1.3", Name: "TLS_AES_128_GCM_SHA256", ID: "0x1301", Strength: "strong"},
					}
					return ep
				}},
			{name: "negotiated static RSA under mozilla-intermediate", raised: true, config: usePolicy("mozilla-intermediate"),
				detail: "negotiated TLS_RSA_WITH_AES_128_GCM_SHA256 (TLS1.2); outside the mozilla-intermediate suites " +
					"(only the negotiated suite was judged: scan with --ciphers for every accepted suite)",
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Version, ep.TLS.Cipher = "TLS1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"
					return ep
				}},
			{name: "Mozilla suites only", config: usePolicy("mozilla-intermediate"), edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Ciphers = []report.AcceptedCipher{
					{Version: "TLS1.2", Name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", ID: "0xCCAA", Strength: "strong"},
					{Version: "TLS1.3", Name: "TLS_CHACHA20_POLY1305_SHA256", ID: "0x1303", Strength: "strong"},
				}
				return ep
			}},
			{name: "weak suite (weak-cipher)", config: usePolicy("mozilla-intermediate"), edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Ciphers = []report.AcceptedCipher{{Version: "TLS1.2", Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", ID: "0x000A", Strength: "weak"}}
				return ep
			}},
			{name: "suite of a version outside the profile", config: usePolicy("mozilla-modern"),
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Versions = []string{"TLS1.2", "TLS1.3"}
					ep.TLS.Ciphers = []report.AcceptedCipher{
						{Version: "TLS1.2", Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ID: "0xC02F", Strength: "strong"},
						{Version: "TLS1.3", Name: "TLS_AES_128_GCM_SHA256", ID: "0x1301", Strength: "strong"},
					}
					return ep
				}},
			{name: "static RSA under default", edit: func(ep *report.Endpoint) *report.Endpoint {
				ep.TLS.Version, ep.TLS.Cipher = "TLS1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"
				return ep
			}},
		},
		"policy-key": {
			{name: "RSA-2048 under mozilla-modern", raised: true, config: usePolicy("mozilla-modern"),
				detail: `leaf "CN=www.example.test" has a RSA-2048 key; policy mozilla-modern allows EC P-256/P-384`,
				edit:   func(ep *report.Endpoint) *report.Endpoint { return ep }},
			{name: "P-521 under mozilla-intermediate", raised: true, config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 521, 90) }},
			{name: "Ed25519 under mozilla-intermediate", raised: true, config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint {
					ep.TLS.Chain[0].KeyType, ep.TLS.Chain[0].KeyBits = "Ed25519", 256
					return ep
				}},
			{name: "RSA-2048 under mozilla-intermediate", config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return ep }},
			{name: "P-384 under mozilla-modern", config: usePolicy("mozilla-modern"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 384, 90) }},
			{name: "RSA-1024 under mozilla-intermediate (weak-key)", config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { ep.TLS.Chain[0].KeyBits = 1024; return ep }},
			{name: "P-521 under default", edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 521, 90) }},
		},
		"policy-certificate-lifetime": {
			{name: "120 days under mozilla-modern", raised: true, config: usePolicy("mozilla-modern"),
				detail: `leaf "CN=www.example.test" is valid for 120 days (2025-12-03 to 2026-04-02); policy mozilla-modern allows at most 90`,
				edit:   func(ep *report.Endpoint) *report.Endpoint { return ep }},
			{name: "398 days under mozilla-intermediate", raised: true, config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 256, 398) }},
			{name: "90 days under mozilla-modern", config: usePolicy("mozilla-modern"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 256, 90) }},
			{name: "366 days under mozilla-intermediate", config: usePolicy("mozilla-intermediate"),
				edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 256, 366) }},
			{name: "398 days under default", edit: func(ep *report.Endpoint) *report.Endpoint { return ecLeaf(ep, 256, 398) }},
		},
	}
}
