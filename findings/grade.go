package findings

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// Grade rates a TLS endpoint with a letter after the SSL Labs SSL Server
// Rating Guide (2009 scoring, with the grade caps added up to the 2020
// update), or returns "" for an endpoint without TLS.
//
// The letter starts from the guide's score: 30% protocol support (the mean
// of the best and worst accepted version: SSL 2.0 0, SSL 3.0 80, TLS 1.0
// 90, TLS 1.1 95, TLS 1.2 and 1.3 100), 30% key exchange (the leaf key in
// RSA-equivalent bits: under 512 20, under 1024 40, under 2048 80, under
// 4096 90, else 100; 40 with an EXPORT suite, 0 with an anonymous one) and
// 40% cipher strength (the mean of the strongest and weakest accepted
// suite: 0 bits 0, under 128 20, under 256 80, else 100). A score of 80 is
// an A, 65 a B, 50 a C, 35 a D, 20 an E, less an F. Any part tlsweep could
// not see is left out and the others weighed up.
//
// The caps then lower it, worst first; tlsweep judges suites the server
// accepts (TLS.Ciphers and the negotiated one) where SSL Labs judges the
// ones browsers negotiate, which makes the cipher caps a little stricter:
//
//	T   chain not trusted (self-signed or unknown CA), a certificate expired
//	    or not yet valid, or signed with SHA-1 (2017)
//	M   leaf does not match the host name checked
//	F   SSL 2.0 accepted; SSL 3.0 the newest version accepted; an EXPORT,
//	    NULL-encryption or anonymous suite accepted; leaf key under 1024
//	    RSA-equivalent bits; a certificate signed with MD5 (2014)
//	C   SSL 3.0 accepted (B since 2014, C when open to POODLE, which SSL 3.0
//	    with CBC suites always is); RC4 accepted with TLS 1.1 or newer
//	    (2015); a 64-bit block cipher (3DES, DES, IDEA, RC2) accepted with
//	    TLS 1.1 or newer (2017); no TLS 1.2 or 1.3 (2015)
//	B   TLS 1.0 or TLS 1.1 accepted (2020); RC4 with TLS 1.0 or older only
//	    (2014); leaf key under 2048 RSA-equivalent bits (2014); the
//	    negotiated suite is not forward-secret (2018)
//	A+  an A with no cap at all and HSTS max-age of at least 180 days
//
// The vulnerability checks add theirs (see vulnCaps): F for Heartbleed,
// CCS injection, a strong ROBOT oracle, a DH prime under 1024 bits; C
// without secure renegotiation or with compression; B for a DH prime under
// 2048 bits.
//
// T and M win over every letter, as SSL Labs shows them. Left out: A-
// (warnings, TLS_FALLBACK_SCSV among them), client-initiated
// renegotiation, OCSP and chain completeness.
func Grade(ep *report.Endpoint, c RuleConfig) string {
	g, _ := GradeReasons(ep, c)
	return g
}

// gradeLetters are the letters from best to worst; a cap is an index.
var gradeLetters = []string{"A+", "A", "B", "C", "D", "E", "F"}

const (
	gradeA = 1
	gradeB = 2
	gradeC = 3
	gradeF = 6
)

// GradeReasons is Grade with what decided it: the score, then every cap
// that applies, or the trust and name problems behind T and M.
func GradeReasons(ep *report.Endpoint, c RuleConfig) (string, []string) {
	t := ep.TLS
	if t == nil {
		return "", nil
	}
	if why := trustProblems(ep, c); len(why) > 0 {
		return "T", why
	}
	if t.HostnameMatch != nil && !*t.HostnameMatch {
		return "M", []string{"the certificate does not match the host name"}
	}
	score, parts := gradeScore(ep)
	g := scoreGrade(score)
	why := []string{fmt.Sprintf("score %.0f (%s)", score, parts)}
	caps := gradeCaps(ep)
	for _, cp := range caps {
		g = max(g, cp.grade)
		why = append(why, fmt.Sprintf("%s: %s", gradeLetters[cp.grade], cp.reason))
	}
	if g == gradeA && len(caps) == 0 && t.HSTS != nil && t.HSTS.MaxAge >= hstsMinAge {
		g = 0
		why = append(why, "A+: HSTS max-age of 180 days or more")
	}
	return gradeLetters[g], why
}

// trustProblems are what makes the grade T.
func trustProblems(ep *report.Endpoint, c RuleConfig) []string {
	t := ep.TLS
	var why []string
	if !t.Trusted {
		r := "the chain is not trusted"
		if l := ep.Leaf(); l != nil && l.SelfSigned {
			r = "the certificate is self-signed"
		}
		why = append(why, r)
	}
	for i := range t.Chain {
		cert := &t.Chain[i]
		switch {
		case c.Now.After(cert.NotAfter):
			why = append(why, certName(i, cert)+" has expired")
		case c.Now.Before(cert.NotBefore):
			why = append(why, certName(i, cert)+" is not yet valid")
		}
		if weakHash(i, cert) == "SHA1" {
			why = append(why, certName(i, cert)+" is signed with SHA-1")
		}
	}
	return why
}

// rsaEquivalent is a key's strength in RSA bits (NIST SP 800-57 part 1):
// EC P-256 is RSA-3072, P-384 RSA-7680. A type tlsweep cannot judge counts
// as 2048, neither capped nor rewarded.
func rsaEquivalent(typ string, bits int) int {
	switch strings.ToUpper(typ) {
	case "RSA", "DSA":
		return bits
	case "EC", "ECDSA":
		switch {
		case bits >= 512:
			return 15360
		case bits >= 384:
			return 7680
		case bits >= 256:
			return 3072
		case bits >= 224:
			return 2048
		case bits >= 160:
			return 1024
		}
		return 512
	case "ED25519":
		return 3072
	case "ED448":
		return 7680
	}
	return 2048
}

// gradedSuite is an accepted suite with its table entry and version.
type gradedSuite struct {
	tlsinfo.CipherSuite
	version tlsinfo.Version
	known   bool // the version is known
}

func gradedSuites(t *report.TLS) []gradedSuite {
	var out []gradedSuite
	for _, a := range acceptedSuites(t) {
		cs, ok := suiteOf(a)
		if !ok {
			continue
		}
		v, known := tlsinfo.VersionByName(a.Version)
		out = append(out, gradedSuite{cs, v, known})
	}
	return out
}

var protocolScores = map[string]float64{
	"SSL2.0": 0, "SSL3.0": 80, "TLS1.0": 90, "TLS1.1": 95, "TLS1.2": 100, "TLS1.3": 100,
}

func keyScore(rsaBits int) float64 {
	switch {
	case rsaBits < 512:
		return 20
	case rsaBits < 1024:
		return 40
	case rsaBits < 2048:
		return 80
	case rsaBits < 4096:
		return 90
	}
	return 100
}

func cipherScore(bits int) float64 {
	switch {
	case bits == 0:
		return 0
	case bits < 128:
		return 20
	case bits < 256:
		return 80
	}
	return 100
}

// gradeScore is the rating guide's 0-100 score, and its parts for people.
func gradeScore(ep *report.Endpoint) (float64, string) {
	var sum, weight float64
	var parts []string
	add := func(name string, w, score float64) {
		sum += w * score
		weight += w
		parts = append(parts, fmt.Sprintf("%s %.0f", name, score))
	}
	if vs := acceptedVersions(ep.TLS); len(vs) > 0 {
		add("protocol", 0.3, (protocolScores[vs[0].Name]+protocolScores[vs[len(vs)-1].Name])/2)
	}
	suites := gradedSuites(ep.TLS)
	if l := ep.Leaf(); l != nil {
		kx := keyScore(rsaEquivalent(l.KeyType, l.KeyBits))
		for _, s := range suites {
			switch {
			case s.Auth == "anon":
				kx = 0
			case s.Export:
				kx = min(kx, 40)
			}
		}
		add("key exchange", 0.3, kx)
	}
	if len(suites) > 0 {
		weakest, strongest := suites[0].Bits, suites[0].Bits
		for _, s := range suites[1:] {
			weakest, strongest = min(weakest, s.Bits), max(strongest, s.Bits)
		}
		add("cipher", 0.4, (cipherScore(weakest)+cipherScore(strongest))/2)
	}
	if weight == 0 {
		return 0, "nothing to score"
	}
	return sum / weight, strings.Join(parts, ", ")
}

func scoreGrade(score float64) int {
	for i, floor := range []float64{80, 65, 50, 35, 20} {
		if score >= floor {
			return gradeA + i
		}
	}
	return gradeF
}

type gradeCap struct {
	grade  int
	reason string
}

// blockCipher64 reports whether a suite's cipher has 64-bit blocks.
func blockCipher64(enc string) bool {
	for _, p := range []string{"3DES", "DES", "IDEA", "RC2"} {
		if strings.HasPrefix(enc, p) {
			return true
		}
	}
	return false
}

// gradeCaps lists the caps that apply to ep, in table order (worst first).
func gradeCaps(ep *report.Endpoint) []gradeCap {
	t := ep.TLS
	var caps []gradeCap
	add := func(grade int, format string, args ...any) {
		caps = append(caps, gradeCap{grade, fmt.Sprintf(format, args...)})
	}
	vs := acceptedVersions(t)
	has := func(name string) bool {
		return slices.ContainsFunc(vs, func(v tlsinfo.Version) bool { return v.Name == name })
	}
	tls11, _ := tlsinfo.VersionByName("TLS1.1")
	tls12, _ := tlsinfo.VersionByName("TLS1.2")
	suites := gradedSuites(t)
	suiteCap := func(grade int, what string, match func(s gradedSuite) bool) {
		var names []string
		for _, s := range suites {
			if match(s) && !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
		if len(names) > 0 {
			add(grade, "%s: %s", what, strings.Join(names, ", "))
		}
	}
	modern := func(s gradedSuite) bool { return !s.known || s.version.ID >= tls11.ID }
	rc4 := func(s gradedSuite) bool { return strings.HasPrefix(s.Enc, "RC4") }
	l := ep.Leaf()
	rsaBits := 0
	if l != nil {
		rsaBits = rsaEquivalent(l.KeyType, l.KeyBits)
	}

	// F
	if has("SSL2.0") {
		add(gradeF, "accepts SSL 2.0")
	}
	if len(vs) > 0 && vs[len(vs)-1].Name == "SSL3.0" {
		add(gradeF, "no version newer than SSL 3.0")
	}
	suiteCap(gradeF, "EXPORT suites", func(s gradedSuite) bool { return s.Export })
	suiteCap(gradeF, "NULL-encryption suites", func(s gradedSuite) bool { return s.Enc == "NULL" })
	suiteCap(gradeF, "anonymous suites", func(s gradedSuite) bool { return s.Auth == "anon" })
	if l != nil && rsaBits < 1024 {
		add(gradeF, "leaf key %s-%d is under 1024 RSA-equivalent bits", l.KeyType, l.KeyBits)
	}
	for i := range t.Chain {
		if weakHash(i, &t.Chain[i]) == "MD5" {
			add(gradeF, "%s is signed with MD5", certName(i, &t.Chain[i]))
		}
	}
	// C
	if has("SSL3.0") {
		add(gradeC, "accepts SSL 3.0")
	}
	suiteCap(gradeC, "RC4 with TLS 1.1 or newer", func(s gradedSuite) bool { return rc4(s) && modern(s) })
	suiteCap(gradeC, "64-bit block ciphers with TLS 1.1 or newer", func(s gradedSuite) bool {
		return blockCipher64(s.Enc) && modern(s)
	})
	if len(vs) > 0 && vs[len(vs)-1].ID < tls12.ID {
		add(gradeC, "no TLS 1.2 or TLS 1.3")
	}
	// B
	if has("TLS1.0") || has("TLS1.1") {
		add(gradeB, "accepts TLS 1.0 or TLS 1.1")
	}
	suiteCap(gradeB, "RC4 with TLS 1.0 or older", func(s gradedSuite) bool { return rc4(s) && !modern(s) })
	if l != nil && rsaBits >= 1024 && rsaBits < 2048 {
		add(gradeB, "leaf key %s-%d is under 2048 RSA-equivalent bits", l.KeyType, l.KeyBits)
	}
	if cs, ok := tlsinfo.CipherSuiteByName(t.Cipher); ok && !cs.ForwardSecret {
		add(gradeB, "the negotiated suite %s is not forward-secret", cs.Name)
	}
	caps = append(caps, vulnCaps(t.Vulns)...)
	slices.SortStableFunc(caps, func(a, b gradeCap) int { return b.grade - a.grade })
	return caps
}
