package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// RuleConfig tunes the rules that turn an endpoint's results into findings.
type RuleConfig struct {
	// Now is the clock every date is judged against.
	Now time.Time
	// ExpiryWarn raises expiring-certificate for a leaf that expires sooner.
	ExpiryWarn time.Duration
	// Policy chooses the rules that run and the profile the policy-* rules
	// hold endpoints to. The zero value is the default policy.
	Policy Policy
}

// policy is c.Policy, or the default policy when c.Policy is the zero value.
func (c RuleConfig) policy() Policy {
	if c.Policy.Name == "" {
		return Policies[0]
	}
	return c.Policy
}

// Rule is one kind of finding. IDs are stable: scripts and baselines key on them.
type Rule struct {
	ID string
	// Severity is the finding's severity unless a check says otherwise
	// (deprecated-protocol is critical for SSL).
	Severity report.Severity
	Title    string
	// When says in one line what raises the finding (README and `tlsweep rules`).
	When  string
	check func(ep *report.Endpoint, c RuleConfig) []Hit
}

// Hit is one finding a check raises: its detail, and its severity when
// that differs from the rule's (zero means the rule's).
type Hit struct {
	Detail   string
	Severity report.Severity
}

// coreRules judge transports, versions, suites, certificates and HSTS.
var coreRules = []Rule{
	{"plaintext-listener", report.SeverityHigh, "Port accepts traffic without TLS",
		"an open port speaks a plaintext protocol (HTTP, FTP, a legacy protocol, ...), including FTP that offers STARTTLS without requiring it; not SSH, which is encrypted", checkPlaintext},
	{"unidentified-listener", report.SeverityLow, "Open port did not identify itself",
		"an open port stayed silent or spoke neither TLS nor a known protocol", checkUnidentified},
	{"deprecated-protocol", report.SeverityHigh, "Deprecated TLS version negotiated",
		"the server accepts a version below TLS 1.2 (the negotiated one when versions were not enumerated); critical for SSL 2.0 or SSL 3.0", checkDeprecated},
	{"weak-cipher", report.SeverityHigh, "Weak cipher suite accepted",
		"the server accepts a weak or insecure suite: 3DES, DES, RC4, NULL, EXPORT, anonymous, IDEA, RC2 or MD5", checkWeakCipher},
	{"self-signed-certificate", report.SeverityMedium, "Self-signed certificate",
		"the leaf certificate signs itself and is not in the trusted roots or --ca-file", checkSelfSigned},
	{"untrusted-certificate", report.SeverityMedium, "Certificate chain is not trusted",
		"the chain does not verify against the system roots and --ca-file, and is not simply self-signed", checkUntrusted},
	{"certificate-unchecked", report.SeverityMedium, "Certificate could not be checked",
		"a TLS endpoint's certificate chain could not be read (no handshake completed), so trust, expiry, name and key went unchecked; the endpoint's error says why", checkUnchecked},
	{"expired-certificate", report.SeverityHigh, "Certificate has expired",
		"a certificate of the chain is past its not-after date", checkExpired},
	{"not-yet-valid-certificate", report.SeverityHigh, "Certificate is not yet valid",
		"a certificate of the chain is before its not-before date", checkNotYetValid},
	{"expiring-certificate", report.SeverityMedium, "Certificate expires soon",
		"the leaf certificate expires within --expiry-warn (default 30 days)", checkExpiring},
	{"hostname-mismatch", report.SeverityMedium, "Certificate does not match the host name",
		"the leaf certificate does not cover the target's host name or --sni", checkHostname},
	{"weak-key", report.SeverityMedium, "Weak certificate key",
		"a certificate key is RSA/DSA under 2048 bits or EC under 224 bits", checkWeakKey},
	{"weak-signature", report.SeverityMedium, "Certificate signed with a weak hash",
		"the leaf or an intermediate is signed with SHA-1 or MD5", checkWeakSignature},
	{"missing-hsts", report.SeverityLow, "HTTPS without a long-lived HSTS header",
		"HTTP answers inside TLS, on any port (tls.app_protocol http), without a valid Strict-Transport-Security header or with a max-age under the policy's minimum (180 days by default); a TLS port that does not speak HTTP is not judged", checkHSTS},
	{"policy-protocol", report.SeverityMedium, "Protocol version outside the policy",
		"the server accepts a version the policy's profile leaves out and deprecated-protocol does not already report (TLS 1.2 under mozilla-modern)", checkPolicyProtocol},
	{"policy-cipher", report.SeverityMedium, "Cipher suite outside the policy",
		"the server accepts a suite outside the policy's list that weak-cipher does not already report; the negotiated suite only, unless scanned with --ciphers", checkPolicyCipher},
	{"policy-key", report.SeverityMedium, "Certificate key outside the policy",
		"the leaf key's type, size or curve is not one the policy allows and weak-key does not already report", checkPolicyKey},
	{"policy-certificate-lifetime", report.SeverityLow, "Certificate lifetime over the policy's maximum",
		"the leaf certificate's validity period (not-before to not-after) is longer than the policy allows", checkPolicyLifetime},
}

// Rules is the table of every finding tlsweep raises, in the order they are
// evaluated: the core rules, then the known-vulnerability ones. Which of
// them run is the policy's choice (see Policies).
var Rules = append(slices.Clip(coreRules), vulnRules...)

// Evaluate judges one endpoint under c's policy: its findings, highest
// severity first, and its grade (see Grade; "" without TLS). It reads ep
// and changes nothing in it; Apply stores the verdict.
func Evaluate(ep *report.Endpoint, c RuleConfig) ([]report.Finding, string) {
	p := c.policy()
	var out []report.Finding
	for i := range Rules {
		r := &Rules[i]
		if !p.Enables(r.ID) {
			continue
		}
		for _, h := range r.check(ep, c) {
			sev := h.Severity
			if sev == report.SeverityNone {
				sev = r.Severity
			}
			out = append(out, report.Finding{ID: r.ID, Severity: sev, Title: r.Title, Detail: h.Detail})
		}
	}
	slices.SortStableFunc(out, func(a, b report.Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return out, Grade(ep, c)
}

// Apply evaluates ep and stores the verdict in it: ep.Findings, and
// ep.TLS.Grade when ep has TLS. The sweep calls it once per endpoint.
func Apply(ep *report.Endpoint, c RuleConfig) {
	fs, grade := Evaluate(ep, c)
	ep.Findings = fs
	if ep.TLS != nil {
		ep.TLS.Grade = grade
	}
}

// one is a single hit at the rule's severity.
func one(format string, args ...any) []Hit {
	return []Hit{{Detail: fmt.Sprintf(format, args...)}}
}

func checkPlaintext(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.State != report.StateOpen || ep.Transport != report.TransportPlaintext {
		return nil
	}
	if ep.StartTLS != "" {
		// The upgrade works, but a client may as well never ask for it.
		return one("STARTTLS offered, not required")
	}
	proto := ep.Protocol
	if proto == "" || proto == "unknown" {
		proto = "an unidentified plaintext protocol"
	} else {
		proto = strings.ToUpper(proto)
	}
	if ep.HTTP != nil && ep.HTTP.RedirectHTTPS {
		return one("port %d speaks %s without TLS, redirects to https", ep.Port, proto)
	}
	return one("port %d speaks %s without TLS", ep.Port, proto)
}

func checkUnidentified(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.State != report.StateOpen || ep.Transport != report.TransportUnknown {
		return nil
	}
	if ep.Error != "" {
		return one("port %d is open but could not be identified: %s", ep.Port, ep.Error)
	}
	return one("port %d is open but could not be identified", ep.Port)
}

// acceptedVersions lists the versions t shows the server accepts, oldest
// first: t.Versions when they were enumerated, and the negotiated version.
// Names tlsweep does not know are left out.
func acceptedVersions(t *report.TLS) []tlsinfo.Version {
	var out []tlsinfo.Version
	for _, v := range tlsinfo.Versions() {
		if v.Name == t.Version || slices.Contains(t.Versions, v.Name) {
			out = append(out, v)
		}
	}
	return out
}

// acceptVerb says how a detail knows what it lists: from enumerated
// versions or suites ("accepts"), or from the one handshake ("negotiated").
func acceptVerb(enumerated bool) string {
	if enumerated {
		return "accepts"
	}
	return "negotiated"
}

func checkDeprecated(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.TLS == nil {
		return nil
	}
	var names []string
	sev := report.SeverityNone
	for _, v := range acceptedVersions(ep.TLS) {
		if !v.Deprecated {
			continue
		}
		names = append(names, v.Name)
		if v.Insecure {
			sev = report.SeverityCritical
		}
	}
	if len(names) == 0 {
		return nil
	}
	if len(ep.TLS.Versions) == 0 {
		return []Hit{{fmt.Sprintf("the server negotiated %s; allow only TLS 1.2 and TLS 1.3", names[0]), sev}}
	}
	return []Hit{{fmt.Sprintf("accepts %s; allow only TLS 1.2 and TLS 1.3", strings.Join(names, ", ")), sev}}
}

// acceptedSuites is t.Ciphers with the negotiated suite added when it is
// not among them.
func acceptedSuites(t *report.TLS) []report.AcceptedCipher {
	out := slices.Clone(t.Ciphers)
	if t.Cipher != "" && !slices.ContainsFunc(out, func(a report.AcceptedCipher) bool {
		return a.Version == t.Version && strings.EqualFold(a.Name, t.Cipher)
	}) {
		out = append(out, report.AcceptedCipher{Version: t.Version, Name: t.Cipher})
	}
	return out
}

// suiteOf finds an accepted suite's table entry, by name or by its hex ID.
func suiteOf(a report.AcceptedCipher) (tlsinfo.CipherSuite, bool) {
	if cs, ok := tlsinfo.CipherSuiteByName(a.Name); ok {
		return cs, true
	}
	if id, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(a.ID), "0x"), 16, 16); err == nil && a.ID != "" {
		return tlsinfo.CipherSuiteByID(uint16(id))
	}
	return tlsinfo.CipherSuite{}, false
}

// suiteWeak reports whether an accepted suite is Weak in the table, or,
// for a suite the table lacks, whether the scan graded it weak or insecure.
func suiteWeak(a report.AcceptedCipher) bool {
	if cs, ok := suiteOf(a); ok {
		return cs.Weak
	}
	return a.Strength == "weak" || a.Strength == "insecure"
}

// suiteList names suites with the versions each was accepted with:
// "TLS_RSA_WITH_RC4_128_SHA (TLS1.0, TLS1.2), TLS_..._SHA (TLS1.2)".
func suiteList(suites []report.AcceptedCipher) string {
	var names []string
	versions := map[string][]string{}
	for _, a := range suites {
		if _, seen := versions[a.Name]; !seen {
			names = append(names, a.Name)
			versions[a.Name] = nil
		}
		if a.Version != "" && !slices.Contains(versions[a.Name], a.Version) {
			versions[a.Name] = append(versions[a.Name], a.Version)
		}
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n
		if vs := versions[n]; len(vs) > 0 {
			parts[i] += " (" + strings.Join(vs, ", ") + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func checkWeakCipher(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.TLS == nil {
		return nil
	}
	var weak []report.AcceptedCipher
	enumerated := false
	for _, a := range acceptedSuites(ep.TLS) {
		if suiteWeak(a) {
			weak = append(weak, a)
			enumerated = enumerated || slices.Contains(ep.TLS.Ciphers, a)
		}
	}
	if len(weak) == 0 {
		return nil
	}
	more := ""
	if ep.TLS.CiphersCapped {
		more = " and maybe more (the search stopped at its connection budget; --ciphers lists them all)"
	}
	return one("%s %s%s; disable 3DES, DES, RC4, NULL, EXPORT, anonymous, IDEA, RC2 and MD5 suites",
		acceptVerb(enumerated), suiteList(weak), more)
}

// hstsMinAge is the least HSTS max-age the default policy accepts: 180 days.
const hstsMinAge = 180 * 24 * 60 * 60

// checkHSTS judges every TLS endpoint where HTTP answered (ep.HTTP is set
// inside TLS only then), whatever its port.
func checkHSTS(ep *report.Endpoint, c RuleConfig) []Hit {
	if ep.TLS == nil || ep.HTTP == nil || ep.Transport != report.TransportTLS {
		return nil
	}
	minAge := c.policy().MinHSTSAge
	if minAge <= 0 {
		minAge = hstsMinAge
	}
	h := ep.TLS.HSTS
	switch {
	case h == nil:
		return one("HTTPS answers without a Strict-Transport-Security header; send max-age=%d or more", minAge)
	case h.MaxAge < 0:
		return one("the Strict-Transport-Security header %s is invalid, so browsers ignore it", report.Quote(h.Header))
	case h.MaxAge == 0:
		return one("Strict-Transport-Security max-age=0 tells browsers to forget HSTS; send max-age=%d or more", minAge)
	case h.MaxAge < minAge:
		return one("Strict-Transport-Security max-age=%d (%d days) is under %d (%d days)",
			h.MaxAge, h.MaxAge/86400, minAge, minAge/86400)
	}
	return nil
}

func checkSelfSigned(ep *report.Endpoint, _ RuleConfig) []Hit {
	l := ep.Leaf()
	if l == nil || !l.SelfSigned || ep.TLS.Trusted {
		return nil
	}
	return one("%s signs itself; install a certificate signed by a CA your clients trust", report.Quote(l.Subject))
}

func checkUntrusted(ep *report.Endpoint, _ RuleConfig) []Hit {
	l := ep.Leaf()
	if l == nil || l.SelfSigned || ep.TLS.Trusted {
		return nil
	}
	reason := ep.TLS.TrustError
	if reason == "" {
		reason = "the chain does not verify"
	}
	return one("%s (issuer %s); pass an internal CA with --ca-file if it is yours", reason, report.Quote(l.Issuer))
}

func checkUnchecked(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.State != report.StateOpen || ep.Transport != report.TransportTLS || ep.TLS != nil && len(ep.TLS.Chain) > 0 {
		return nil
	}
	if ep.Error != "" {
		return one("no certificate chain was read: %s", ep.Error)
	}
	return one("no certificate chain was read")
}

func eachCert(ep *report.Endpoint, f func(i int, c *report.Certificate) (string, bool)) []Hit {
	if ep.TLS == nil {
		return nil
	}
	var out []Hit
	for i := range ep.TLS.Chain {
		if d, ok := f(i, &ep.TLS.Chain[i]); ok {
			out = append(out, Hit{Detail: d})
		}
	}
	return out
}

func certName(i int, c *report.Certificate) string {
	if i == 0 {
		return "leaf " + report.Quote(c.Subject)
	}
	return fmt.Sprintf("chain certificate %d %s", i, report.Quote(c.Subject))
}

func checkExpired(ep *report.Endpoint, c RuleConfig) []Hit {
	return eachCert(ep, func(i int, cert *report.Certificate) (string, bool) {
		return fmt.Sprintf("%s expired on %s", certName(i, cert), cert.NotAfter.UTC().Format(time.DateOnly)),
			c.Now.After(cert.NotAfter)
	})
}

func checkNotYetValid(ep *report.Endpoint, c RuleConfig) []Hit {
	return eachCert(ep, func(i int, cert *report.Certificate) (string, bool) {
		return fmt.Sprintf("%s is valid only from %s", certName(i, cert), cert.NotBefore.UTC().Format(time.DateOnly)),
			c.Now.Before(cert.NotBefore)
	})
}

func checkExpiring(ep *report.Endpoint, c RuleConfig) []Hit {
	l := ep.Leaf()
	if l == nil || c.Now.After(l.NotAfter) || l.NotAfter.Sub(c.Now) >= c.ExpiryWarn {
		return nil
	}
	// Count the days against c.Now, the clock that raised the finding.
	days := int(l.NotAfter.Sub(c.Now) / (24 * time.Hour))
	return one("leaf expires on %s, in %d days", l.NotAfter.UTC().Format(time.DateOnly), days)
}

func checkHostname(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.TLS == nil || ep.TLS.HostnameMatch == nil || *ep.TLS.HostnameMatch {
		return nil
	}
	l := ep.Leaf()
	if l == nil {
		return nil
	}
	names := l.SANs
	if len(names) == 0 && l.CommonName != "" {
		names = []string{l.CommonName}
	}
	if len(names) == 0 {
		return one("certificate names no host, not %s", report.Quote(ep.TLS.SNI))
	}
	shown := make([]string, len(names))
	for i, n := range names {
		shown[i] = report.Escape(n)
	}
	return one("certificate names %s, not %s", strings.Join(shown, ", "), report.Quote(ep.TLS.SNI))
}

// WeakKey reports whether a key of this type and size is below today's
// minimum. keyType is RSA, DSA or EC (ECDSA is taken as EC), in any case.
func WeakKey(keyType string, bits int) bool {
	switch strings.ToUpper(keyType) {
	case "RSA", "DSA":
		return bits < 2048
	case "EC", "ECDSA":
		return bits < 224
	}
	return false
}

func checkWeakKey(ep *report.Endpoint, _ RuleConfig) []Hit {
	return eachCert(ep, func(i int, cert *report.Certificate) (string, bool) {
		return fmt.Sprintf("%s has a %s-%d key", certName(i, cert), cert.KeyType, cert.KeyBits),
			WeakKey(cert.KeyType, cert.KeyBits)
	})
}

// weakHash reports whether a certificate of a chain is signed with MD5
// (or MD2), SHA-1, or neither (""). A root's signature on itself is not
// checked by clients, so a self-signed certificate after the leaf has none.
func weakHash(i int, cert *report.Certificate) string {
	if i > 0 && cert.SelfSigned {
		return ""
	}
	// "SHA1-RSA" as crypto/x509 names it, or "sha-1" as others do.
	alg := strings.ReplaceAll(strings.ToUpper(cert.SignatureAlgorithm), "-", "")
	switch {
	case strings.Contains(alg, "MD5") || strings.Contains(alg, "MD2"):
		return "MD5"
	case strings.Contains(alg, "SHA1"):
		return "SHA1"
	}
	return ""
}

func checkWeakSignature(ep *report.Endpoint, _ RuleConfig) []Hit {
	return eachCert(ep, func(i int, cert *report.Certificate) (string, bool) {
		return fmt.Sprintf("%s is signed with %s", certName(i, cert), cert.SignatureAlgorithm), weakHash(i, cert) != ""
	})
}
