package findings

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// vulnRules are the known-vulnerability findings. Those read from
// TLS.Vulns are raised only when the checks ran (not with --no-vulns);
// freak, logjam-export and drown name what the version and cipher
// enumeration found.
var vulnRules = []Rule{
	{"heartbleed", report.SeverityCritical, "Heartbleed: heartbeat over-read (CVE-2014-0160)",
		"a heartbeat request claiming more payload than it carries is answered with more bytes than were sent (tlsweep records the answer's length, never its contents)", checkHeartbleed},
	{"ccs-injection", report.SeverityHigh, "CCS injection (CVE-2014-0224)",
		"the server accepts a ChangeCipherSpec before the key exchange, so an attacker in the path can force keys derived from an empty master secret", checkCCSInjection},
	{"robot", report.SeverityHigh, "ROBOT: RSA key exchange padding oracle (Bleichenbacher)",
		"the server answers RSA key exchanges differently depending on the PKCS#1 v1.5 padding of the premaster secret; high for a strong oracle, medium for a weak one", checkROBOT},
	{"insecure-renegotiation", report.SeverityHigh, "Secure renegotiation not supported (RFC 5746, CVE-2009-3555)",
		"a TLS 1.2-or-older server answers without the renegotiation_info extension", checkSecureReneg},
	{"client-renegotiation", report.SeverityMedium, "Client-initiated renegotiation accepted (CVE-2011-1473)",
		"with --all-vulns: the server renegotiates when the client asks inside an established session, so one connection can make it do handshake after handshake", checkClientReneg},
	{"tls-compression", report.SeverityHigh, "TLS compression enabled: CRIME (CVE-2012-4929)",
		"the server chooses DEFLATE when a client offers it", checkCompression},
	{"no-fallback-scsv", report.SeverityMedium, "TLS_FALLBACK_SCSV not honoured (RFC 7507)",
		"the server accepts an older version it also speaks from a hello marked as a fallback, so downgrade attacks such as POODLE work", checkFallbackSCSV},
	{"weak-dh-group", report.SeverityHigh, "Weak Diffie-Hellman group: Logjam (CVE-2015-4000)",
		"a DHE suite uses a prime under 2048 bits; critical under 1024", checkWeakDH},
	{"common-dh-prime", report.SeverityMedium, "Widely shared Diffie-Hellman prime under 2048 bits",
		"the DHE prime is a published one (RFC 2409, RFC 5114, ...) under 2048 bits, the kind a precomputation attacks once for every server", checkCommonPrime},
	{"freak", report.SeverityCritical, "RSA EXPORT suites accepted: FREAK (CVE-2015-0204)",
		"the enumeration found an RSA EXPORT cipher suite accepted", checkFREAK},
	{"logjam-export", report.SeverityCritical, "DHE EXPORT suites accepted: Logjam (CVE-2015-4000)",
		"the enumeration found a Diffie-Hellman EXPORT cipher suite accepted", checkLogjamExport},
	{"drown", report.SeverityCritical, "SSL 2.0 accepted: DROWN (CVE-2016-0800)",
		"the server speaks SSL 2.0, so its RSA key can be attacked through SSL 2.0 even when clients use TLS", checkDROWN},
	{"client-certificate-required", report.SeverityInfo, "Server requires a client certificate",
		"the server refuses clients without a certificate (TLS 1.2 or TLS 1.3); its handshake is not a failure", checkClientCertRequired},
}

func vulns(ep *report.Endpoint) *report.Vulns {
	if ep.TLS == nil {
		return nil
	}
	return ep.TLS.Vulns
}

func checkHeartbleed(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.Heartbleed == report.VulnFound {
		return one("a heartbeat request carrying no payload got a %d-byte answer: the server sends its memory; upgrade OpenSSL", v.HeartbleedBytes)
	}
	return nil
}

func checkCCSInjection(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.CCSInjection == report.VulnFound {
		return one("an early ChangeCipherSpec was accepted (the next record failed to decrypt); upgrade OpenSSL")
	}
	return nil
}

func checkROBOT(ep *report.Endpoint, _ RuleConfig) []Hit {
	v := vulns(ep)
	if v == nil || v.ROBOT != report.VulnFound {
		return nil
	}
	if v.ROBOTOracle == "weak" {
		return []Hit{{"a weak padding oracle on RSA key exchange; disable TLS_RSA_* suites or patch the TLS stack", report.SeverityMedium}}
	}
	return one("a %s padding oracle on RSA key exchange; disable TLS_RSA_* suites or patch the TLS stack", v.ROBOTOracle)
}

func checkSecureReneg(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.SecureRenegotiation != nil && !*v.SecureRenegotiation {
		return one("the ServerHello has no renegotiation_info extension; upgrade the TLS stack")
	}
	return nil
}

func checkCompression(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.Compression != "" && v.Compression != "none" {
		return one("the server chose %s compression; disable TLS compression", v.Compression)
	}
	return nil
}

func checkFallbackSCSV(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.FallbackSCSV == report.VulnFound {
		return one("a fallback hello at an older version than the newest was accepted")
	}
	return nil
}

func dhName(v *report.Vulns) string {
	if v.DHPrime != "" {
		return fmt.Sprintf("%d-bit prime (%s)", v.DHBits, v.DHPrime)
	}
	return fmt.Sprintf("%d-bit prime", v.DHBits)
}

func checkWeakDH(ep *report.Endpoint, _ RuleConfig) []Hit {
	v := vulns(ep)
	if v == nil || v.DHBits == 0 || v.DHBits >= 2048 {
		return nil
	}
	sev := report.SeverityNone
	if v.DHBits < 1024 {
		sev = report.SeverityCritical
	}
	return []Hit{{fmt.Sprintf("DHE uses a %s; use 2048 bits or more (RFC 7919 ffdhe2048), or ECDHE only", dhName(v)), sev}}
}

func checkCommonPrime(ep *report.Endpoint, _ RuleConfig) []Hit {
	v := vulns(ep)
	if v == nil || v.DHPrime == "" || v.DHBits >= 2048 {
		return nil
	}
	return one("DHE uses the %s", dhName(v))
}

// exportSuites lists the accepted EXPORT suites whose key exchange kx accepts.
func exportSuites(ep *report.Endpoint, kx func(string) bool) []report.AcceptedCipher {
	if ep.TLS == nil {
		return nil
	}
	var out []report.AcceptedCipher
	for _, a := range acceptedSuites(ep.TLS) {
		if cs, ok := suiteOf(a); ok && cs.Export && kx(cs.Kx) {
			out = append(out, a)
		}
	}
	return out
}

func checkFREAK(ep *report.Endpoint, _ RuleConfig) []Hit {
	if s := exportSuites(ep, func(kx string) bool { return kx == "RSA" }); len(s) > 0 {
		return one("accepts %s; disable EXPORT suites", suiteList(s))
	}
	return nil
}

func checkLogjamExport(ep *report.Endpoint, _ RuleConfig) []Hit {
	if s := exportSuites(ep, func(kx string) bool { return strings.HasPrefix(kx, "DH") }); len(s) > 0 {
		return one("accepts %s; disable EXPORT suites", suiteList(s))
	}
	return nil
}

func checkDROWN(ep *report.Endpoint, _ RuleConfig) []Hit {
	if ep.TLS != nil && (ep.TLS.Version == "SSL2.0" || slices.Contains(ep.TLS.Versions, "SSL2.0")) {
		return one("the server speaks SSL 2.0; disable it, and SSL 2.0 on every server sharing this key")
	}
	return nil
}

func checkClientCertRequired(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.ClientCertificate == "required" {
		return one("the server refuses a client that sends no certificate; tlsweep judged what it could see before that point")
	}
	return nil
}

func checkClientReneg(ep *report.Endpoint, _ RuleConfig) []Hit {
	if v := vulns(ep); v != nil && v.ClientRenegotiation == report.VulnFound {
		return one("a ClientHello sent inside an established TLS 1.2 session got a ServerHello; refuse client-initiated renegotiation")
	}
	return nil
}

// vulnCaps are the grade caps the vulnerability checks' results set, after
// the SSL Labs rating guide: F for Heartbleed, CCS injection, a strong
// ROBOT oracle and a DH prime under 1024 bits; C without RFC 5746 secure
// renegotiation and with TLS compression (CRIME); B for a DH prime under
// 2048 bits (Logjam). Client-initiated renegotiation and a missing
// TLS_FALLBACK_SCSV are not graded.
func vulnCaps(v *report.Vulns) []gradeCap {
	if v == nil {
		return nil
	}
	var caps []gradeCap
	add := func(grade int, reason string, on bool) {
		if on {
			caps = append(caps, gradeCap{grade, reason})
		}
	}
	add(gradeF, "vulnerable to Heartbleed", v.Heartbleed == report.VulnFound)
	add(gradeF, "vulnerable to CCS injection", v.CCSInjection == report.VulnFound)
	add(gradeF, "a strong ROBOT oracle", v.ROBOT == report.VulnFound && v.ROBOTOracle == "strong")
	add(gradeF, fmt.Sprintf("a %d-bit DH prime", v.DHBits), v.DHBits > 0 && v.DHBits < 1024)
	add(gradeC, "no secure renegotiation (RFC 5746)", v.SecureRenegotiation != nil && !*v.SecureRenegotiation)
	add(gradeC, "TLS compression (CRIME)", v.Compression != "" && v.Compression != "none")
	add(gradeB, fmt.Sprintf("a %d-bit DH prime", v.DHBits), v.DHBits >= 1024 && v.DHBits < 2048)
	return caps
}
