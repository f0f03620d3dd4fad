package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RuleConfig tunes the rules that turn an endpoint's results into findings.
type RuleConfig struct {
	// Now is the clock every date is judged against.
	Now time.Time
	// ExpiryWarn raises expiring-certificate for a leaf that expires sooner.
	ExpiryWarn time.Duration
}

// Rule is one kind of finding. IDs are stable: scripts and baselines key on them.
type Rule struct {
	ID       string
	Severity Severity
	Title    string
	// When says in one line what raises the finding (README and `tlsweep rules`).
	When  string
	check func(ep *Endpoint, c RuleConfig) []string
}

// Rules is the table of every finding tlsweep raises, in the order they are evaluated.
var Rules = []Rule{
	{"plaintext-listener", SeverityHigh, "Port accepts traffic without TLS",
		"an open port speaks a plaintext protocol (HTTP, FTP, a legacy protocol, ...)", checkPlaintext},
	{"unidentified-listener", SeverityLow, "Open port did not identify itself",
		"an open port stayed silent or spoke neither TLS nor a known protocol", checkUnidentified},
	{"deprecated-protocol", SeverityHigh, "Deprecated TLS version negotiated",
		"the negotiated version is below TLS 1.2", checkDeprecated},
	{"self-signed-certificate", SeverityMedium, "Self-signed certificate",
		"the leaf certificate signs itself and is not in the trusted roots or --ca-file", checkSelfSigned},
	{"untrusted-certificate", SeverityMedium, "Certificate chain is not trusted",
		"the chain does not verify against the system roots and --ca-file, and is not simply self-signed", checkUntrusted},
	{"expired-certificate", SeverityHigh, "Certificate has expired",
		"a certificate of the chain is past its not-after date", checkExpired},
	{"not-yet-valid-certificate", SeverityHigh, "Certificate is not yet valid",
		"a certificate of the chain is before its not-before date", checkNotYetValid},
	{"expiring-certificate", SeverityMedium, "Certificate expires soon",
		"the leaf certificate expires within --expiry-warn (default 30 days)", checkExpiring},
	{"hostname-mismatch", SeverityMedium, "Certificate does not match the host name",
		"the leaf certificate does not cover the target's host name or --sni", checkHostname},
	{"weak-key", SeverityMedium, "Weak certificate key",
		"a certificate key is RSA/DSA under 2048 bits or EC under 224 bits", checkWeakKey},
	{"weak-signature", SeverityMedium, "Certificate signed with a weak hash",
		"the leaf or an intermediate is signed with SHA-1 or MD5", checkWeakSignature},
}

// Evaluate returns the findings for one endpoint, highest severity first.
func Evaluate(ep *Endpoint, c RuleConfig) []Finding {
	var out []Finding
	for i := range Rules {
		r := &Rules[i]
		for _, detail := range r.check(ep, c) {
			out = append(out, Finding{ID: r.ID, Severity: r.Severity, Title: r.Title, Detail: detail})
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return out
}

func one(format string, args ...any) []string { return []string{fmt.Sprintf(format, args...)} }

func checkPlaintext(ep *Endpoint, _ RuleConfig) []string {
	if ep.State != StateOpen || ep.Transport != TransportPlaintext {
		return nil
	}
	proto := ep.Protocol
	if proto == "" || proto == "unknown" {
		proto = "an unidentified plaintext protocol"
	} else {
		proto = strings.ToUpper(proto)
	}
	return one("port %d speaks %s without TLS", ep.Port, proto)
}

func checkUnidentified(ep *Endpoint, _ RuleConfig) []string {
	if ep.State != StateOpen || ep.Transport != TransportUnknown {
		return nil
	}
	if ep.Error != "" {
		return one("port %d is open but could not be identified: %s", ep.Port, ep.Error)
	}
	return one("port %d is open but could not be identified", ep.Port)
}

func checkDeprecated(ep *Endpoint, _ RuleConfig) []string {
	if ep.TLS == nil {
		return nil
	}
	if v, ok := VersionByName(ep.TLS.Version); ok && v.Deprecated {
		return one("the server negotiated %s; allow only TLS 1.2 and TLS 1.3", v.Name)
	}
	return nil
}

func leaf(ep *Endpoint) *Certificate {
	if ep.TLS == nil || len(ep.TLS.Chain) == 0 {
		return nil
	}
	return &ep.TLS.Chain[0]
}

func checkSelfSigned(ep *Endpoint, _ RuleConfig) []string {
	l := leaf(ep)
	if l == nil || !l.SelfSigned || ep.TLS.Trusted {
		return nil
	}
	return one("%q signs itself; install a certificate signed by a CA your clients trust", l.Subject)
}

func checkUntrusted(ep *Endpoint, _ RuleConfig) []string {
	l := leaf(ep)
	if l == nil || l.SelfSigned || ep.TLS.Trusted {
		return nil
	}
	reason := ep.TLS.TrustError
	if reason == "" {
		reason = "the chain does not verify"
	}
	return one("%s (issuer %q); pass an internal CA with --ca-file if it is yours", reason, l.Issuer)
}

func eachCert(ep *Endpoint, f func(i int, c *Certificate) (string, bool)) []string {
	if ep.TLS == nil {
		return nil
	}
	var out []string
	for i := range ep.TLS.Chain {
		if d, ok := f(i, &ep.TLS.Chain[i]); ok {
			out = append(out, d)
		}
	}
	return out
}

func certName(i int, c *Certificate) string {
	if i == 0 {
		return fmt.Sprintf("leaf %q", c.Subject)
	}
	return fmt.Sprintf("chain certificate %d %q", i, c.Subject)
}

func checkExpired(ep *Endpoint, c RuleConfig) []string {
	return eachCert(ep, func(i int, cert *Certificate) (string, bool) {
		return fmt.Sprintf("%s expired on %s", certName(i, cert), cert.NotAfter.UTC().Format(time.DateOnly)),
			c.Now.After(cert.NotAfter)
	})
}

func checkNotYetValid(ep *Endpoint, c RuleConfig) []string {
	return eachCert(ep, func(i int, cert *Certificate) (string, bool) {
		return fmt.Sprintf("%s is valid only from %s", certName(i, cert), cert.NotBefore.UTC().Format(time.DateOnly)),
			c.Now.Before(cert.NotBefore)
	})
}

func checkExpiring(ep *Endpoint, c RuleConfig) []string {
	l := leaf(ep)
	if l == nil || c.Now.After(l.NotAfter) || l.NotAfter.Sub(c.Now) >= c.ExpiryWarn {
		return nil
	}
	// Count the days against c.Now, the clock that raised the finding.
	days := int(l.NotAfter.Sub(c.Now) / (24 * time.Hour))
	return one("leaf expires on %s, in %d days", l.NotAfter.UTC().Format(time.DateOnly), days)
}

func checkHostname(ep *Endpoint, _ RuleConfig) []string {
	if ep.TLS == nil || ep.TLS.HostnameMatch == nil || *ep.TLS.HostnameMatch {
		return nil
	}
	l := leaf(ep)
	if l == nil {
		return nil
	}
	names := l.SANs
	if len(names) == 0 && l.CommonName != "" {
		names = []string{l.CommonName}
	}
	if len(names) == 0 {
		return one("certificate names no host, not %q", ep.TLS.SNI)
	}
	return one("certificate names %s, not %q", strings.Join(names, ", "), ep.TLS.SNI)
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

func checkWeakKey(ep *Endpoint, _ RuleConfig) []string {
	return eachCert(ep, func(i int, cert *Certificate) (string, bool) {
		return fmt.Sprintf("%s has a %s-%d key", certName(i, cert), cert.KeyType, cert.KeyBits),
			WeakKey(cert.KeyType, cert.KeyBits)
	})
}

func checkWeakSignature(ep *Endpoint, _ RuleConfig) []string {
	return eachCert(ep, func(i int, cert *Certificate) (string, bool) {
		// "SHA1-RSA" as crypto/x509 names it, or "sha-1" as others do.
		alg := strings.ReplaceAll(strings.ToUpper(cert.SignatureAlgorithm), "-", "")
		weak := strings.Contains(alg, "SHA1") || strings.Contains(alg, "MD5") || strings.Contains(alg, "MD2")
		// A root's signature on itself is not checked by clients.
		if i > 0 && cert.SelfSigned {
			weak = false
		}
		return fmt.Sprintf("%s is signed with %s", certName(i, cert), cert.SignatureAlgorithm), weak
	})
}
