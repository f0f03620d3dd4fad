package findings

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// Policy is a named set of rules and the profile the policy-* rules hold
// endpoints to. Policies[0] is the default.
type Policy struct {
	Name string
	// Doc says in one line what the policy follows (`tlsweep policies`).
	Doc string
	// Rules lists the ids of the rules that run; the others are skipped.
	Rules []string
	// MinVersion is the oldest version the profile allows (policy-protocol).
	MinVersion string
	// Suites lists the IANA names of the suites the profile allows
	// (policy-cipher); nil allows every suite that is not weak.
	Suites []string
	// KeyTypes lists the leaf key types allowed (RSA, EC; policy-key); nil
	// allows any.
	KeyTypes []string
	// MinRSABits and MinECBits are the least leaf key sizes allowed.
	MinRSABits, MinECBits int
	// ECBits lists the EC key sizes (curves) allowed: 256 for P-256, 384
	// for P-384; nil allows any size from MinECBits.
	ECBits []int
	// MaxCertLifetimeDays caps the leaf's validity period
	// (policy-certificate-lifetime); 0 is no cap.
	MaxCertLifetimeDays int
	// MinHSTSAge is the least HSTS max-age in seconds (missing-hsts); 0
	// means 180 days.
	MinHSTSAge int64
}

// baseRules are the rules of the default policy: every rule but policy-*.
var baseRules = []string{
	"plaintext-listener", "unidentified-listener", "deprecated-protocol", "weak-cipher",
	"self-signed-certificate", "untrusted-certificate", "certificate-unchecked", "expired-certificate",
	"not-yet-valid-certificate", "expiring-certificate", "hostname-mismatch",
	"weak-key", "weak-signature", "missing-hsts",
	"heartbleed", "ccs-injection", "robot", "insecure-renegotiation", "client-renegotiation", "tls-compression",
	"no-fallback-scsv", "weak-dh-group", "common-dh-prime", "freak", "logjam-export", "drown",
	"client-certificate-required",
}

// profileRules are the base rules and every policy-* rule.
var profileRules = append(slices.Clip(baseRules),
	"policy-protocol", "policy-cipher", "policy-key", "policy-certificate-lifetime")

// mozillaTLS13 are the TLS 1.3 suites of both Mozilla profiles.
var mozillaTLS13 = []string{
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
}

// Policies lists every policy --policy accepts, the default first.
//
// The Mozilla profiles follow the Server Side TLS guidelines 5.7 and 5.8
// (https://ssl-config.mozilla.org/guidelines/5.8.json): protocol versions,
// cipher suites (IANA names), certificate types and curves, the RSA size,
// maximum_certificate_lifespan and hsts_min_age (two years).
var Policies = []Policy{
	{
		Name: "default",
		Doc: "the backup vendors' hardening guides: TLS 1.2 or newer, no weak suites, no plaintext, " +
			"CA-signed certificates with sound keys, HSTS on HTTPS",
		Rules:      baseRules,
		MinVersion: "TLS1.2",
		MinRSABits: 2048,
		MinECBits:  224,
		MinHSTSAge: hstsMinAge,
	},
	{
		Name:  "mozilla-intermediate",
		Doc:   "Mozilla Server Side TLS 5.8 intermediate: TLS 1.2 and 1.3, forward-secret AEAD suites, RSA 2048+ or ECDSA P-256/P-384, certificates of at most 366 days",
		Rules: profileRules,
		// TLS 1.2 suites in Mozilla's order, then TLS 1.3's.
		Suites: append([]string{
			"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
			"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
			"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
			"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
			"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
			"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
			"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
			"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
			"TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		}, mozillaTLS13...),
		MinVersion:          "TLS1.2",
		KeyTypes:            []string{"RSA", "EC"},
		MinRSABits:          2048,
		MinECBits:           256,
		ECBits:              []int{256, 384},
		MaxCertLifetimeDays: 366,
		MinHSTSAge:          63072000,
	},
	{
		Name:                "mozilla-modern",
		Doc:                 "Mozilla Server Side TLS 5.8 modern: TLS 1.3 only, ECDSA P-256/P-384 certificates of at most 90 days",
		Rules:               profileRules,
		Suites:              mozillaTLS13,
		MinVersion:          "TLS1.3",
		KeyTypes:            []string{"EC"},
		MinECBits:           256,
		ECBits:              []int{256, 384},
		MaxCertLifetimeDays: 90,
		MinHSTSAge:          63072000,
	},
}

// PolicyByName finds a policy by its name, ignoring case.
func PolicyByName(name string) (Policy, bool) {
	for _, p := range Policies {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Policy{}, false
}

// PolicyNames lists the policy names, the default first.
func PolicyNames() []string {
	names := make([]string, len(Policies))
	for i, p := range Policies {
		names[i] = p.Name
	}
	return names
}

// Enables reports whether the rule runs under p.
func (p Policy) Enables(id string) bool { return slices.Contains(p.Rules, id) }

// AllowsSuite reports whether the profile allows a suite (IANA name, any case).
func (p Policy) AllowsSuite(name string) bool {
	if p.Suites == nil {
		cs, ok := tlsinfo.CipherSuiteByName(name)
		return !ok || !cs.Weak
	}
	return slices.ContainsFunc(p.Suites, func(s string) bool { return strings.EqualFold(s, name) })
}

// keyType folds a certificate's key type to RSA, DSA, EC or itself.
func keyType(t string) string {
	switch u := strings.ToUpper(t); u {
	case "RSA", "DSA", "EC":
		return u
	case "ECDSA":
		return "EC"
	}
	return t
}

// AllowsKey reports whether the profile allows a leaf key of this type and size.
func (p Policy) AllowsKey(typ string, bits int) bool {
	typ = keyType(typ)
	if p.KeyTypes != nil && !slices.Contains(p.KeyTypes, typ) {
		return false
	}
	switch typ {
	case "RSA", "DSA":
		return bits >= p.MinRSABits
	case "EC":
		return bits >= p.MinECBits && (p.ECBits == nil || slices.Contains(p.ECBits, bits))
	}
	return true
}

// versionsText says which versions the profile allows: "TLS1.2, TLS1.3".
func (p Policy) versionsText() string {
	oldest, ok := tlsinfo.VersionByName(p.MinVersion)
	if !ok {
		return "any"
	}
	var names []string
	for _, v := range tlsinfo.Versions() {
		if v.ID >= oldest.ID {
			names = append(names, v.Name)
		}
	}
	return strings.Join(names, ", ")
}

// keysText says which leaf keys the profile allows: "RSA >= 2048 bits, EC P-256/P-384".
func (p Policy) keysText() string {
	types := p.KeyTypes
	if types == nil {
		types = []string{"RSA", "EC"}
	}
	var parts []string
	for _, t := range types {
		switch t {
		case "RSA":
			parts = append(parts, fmt.Sprintf("RSA >= %d bits", p.MinRSABits))
		case "EC":
			if p.ECBits == nil {
				parts = append(parts, fmt.Sprintf("EC >= %d bits", p.MinECBits))
				continue
			}
			curves := make([]string, len(p.ECBits))
			for i, b := range p.ECBits {
				curves[i] = "P-" + strconv.Itoa(b)
			}
			parts = append(parts, "EC "+strings.Join(curves, "/"))
		default:
			parts = append(parts, t)
		}
	}
	if p.KeyTypes == nil {
		parts = append(parts, "any other type")
	}
	return strings.Join(parts, ", ")
}

// Param is one parameter of a policy as `tlsweep policies` lists it.
type Param struct {
	Name, Value string
}

// Parameters describes p for people, one parameter a line; the rules and
// suites come one a line, each under the same name.
func (p Policy) Parameters() []Param {
	var ps []Param
	for _, id := range p.Rules {
		ps = append(ps, Param{"rules", id})
	}
	ps = append(ps, Param{"versions", p.versionsText()})
	if p.Suites == nil {
		ps = append(ps, Param{"suites", "any suite that is not weak"})
	}
	for _, s := range p.Suites {
		ps = append(ps, Param{"suites", s})
	}
	ps = append(ps, Param{"leaf keys", p.keysText()})
	life := "no limit"
	if p.MaxCertLifetimeDays > 0 {
		life = fmt.Sprintf("at most %d days", p.MaxCertLifetimeDays)
	}
	ps = append(ps, Param{"certificate lifetime", life})
	age := p.MinHSTSAge
	if age <= 0 {
		age = hstsMinAge
	}
	ps = append(ps, Param{"hsts max-age", fmt.Sprintf("at least %d s (%d days)", age, age/86400)})
	return ps
}

func checkPolicyProtocol(ep *report.Endpoint, c RuleConfig) []Hit {
	p := c.policy()
	oldest, ok := tlsinfo.VersionByName(p.MinVersion)
	if ep.TLS == nil || !ok {
		return nil
	}
	var names []string
	for _, v := range acceptedVersions(ep.TLS) {
		if v.ID >= oldest.ID || v.Deprecated && p.Enables("deprecated-protocol") {
			continue
		}
		names = append(names, v.Name)
	}
	if len(names) == 0 {
		return nil
	}
	return one("%s %s; policy %s allows only %s",
		acceptVerb(len(ep.TLS.Versions) > 0), strings.Join(names, ", "), p.Name, p.versionsText())
}

func checkPolicyCipher(ep *report.Endpoint, c RuleConfig) []Hit {
	p := c.policy()
	if ep.TLS == nil || p.Suites == nil {
		return nil
	}
	oldest, hasMin := tlsinfo.VersionByName(p.MinVersion)
	// Without --ciphers the scan lists only weak suites: a sound one in
	// the list means every accepted suite is there.
	full := slices.ContainsFunc(ep.TLS.Ciphers, func(a report.AcceptedCipher) bool { return !suiteWeak(a) })
	var out []report.AcceptedCipher
	for _, a := range acceptedSuites(ep.TLS) {
		if v, ok := tlsinfo.VersionByName(a.Version); ok && hasMin && v.ID < oldest.ID {
			continue // the version itself is reported (policy-protocol, deprecated-protocol)
		}
		if p.AllowsSuite(a.Name) || suiteWeak(a) && p.Enables("weak-cipher") {
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil
	}
	detail := fmt.Sprintf("%s %s; outside the %s suites", acceptVerb(full), suiteList(out), p.Name)
	if !full {
		detail += " (only the negotiated suite was judged: scan with --ciphers for every accepted suite)"
	}
	return one("%s", detail)
}

func checkPolicyKey(ep *report.Endpoint, c RuleConfig) []Hit {
	p := c.policy()
	l := ep.Leaf()
	if l == nil || p.AllowsKey(l.KeyType, l.KeyBits) || WeakKey(l.KeyType, l.KeyBits) && p.Enables("weak-key") {
		return nil
	}
	return one("leaf %s has a %s-%d key; policy %s allows %s", report.Quote(l.Subject), l.KeyType, l.KeyBits, p.Name, p.keysText())
}

func checkPolicyLifetime(ep *report.Endpoint, c RuleConfig) []Hit {
	p := c.policy()
	l := ep.Leaf()
	if l == nil || p.MaxCertLifetimeDays <= 0 {
		return nil
	}
	life := l.NotAfter.Sub(l.NotBefore)
	if life <= time.Duration(p.MaxCertLifetimeDays)*24*time.Hour {
		return nil
	}
	days := int(math.Ceil(life.Hours() / 24))
	return one("leaf %s is valid for %d days (%s to %s); policy %s allows at most %d",
		report.Quote(l.Subject), days, l.NotBefore.UTC().Format(time.DateOnly), l.NotAfter.UTC().Format(time.DateOnly),
		p.Name, p.MaxCertLifetimeDays)
}
