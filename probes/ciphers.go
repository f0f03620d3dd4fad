package probes

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tlsweep/tlsweep/report"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// maxOffer is the most cipher suites one enumeration hello offers: real
// servers choke on longer lists, so longer pools are offered in windows.
const maxOffer = 128

// suiteLists are the cipher suites the version scan offers at one version,
// all valid there per tlsinfo.CipherSuites (MinVersion..MaxVersion).
type suiteLists struct {
	// all is every suite of the table valid at the version, most
	// commonly implemented first (see suiteRank).
	all []uint16
	// broad is the version hello's list: the first maxOffer suites of
	// all (with the weak 3DES, DES, RC4, NULL, EXPORT, anon, IDEA and RC2
	// suites of certificate-based key exchanges); for TLS 1.3, the five
	// RFC 8446 suites.
	broad []uint16
	// weak is every Weak suite of all, in the same order.
	weak []uint16
}

var suitesByVersion = sync.OnceValue(func() map[uint16]*suiteLists {
	var goKnown []uint16
	for _, c := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		goKnown = append(goKnown, c.ID)
	}
	table := tlsinfo.CipherSuites()
	m := map[uint16]*suiteLists{}
	for _, v := range []uint16{tlsinfo.SSL30, tlsinfo.TLS10, tlsinfo.TLS11, tlsinfo.TLS12, tlsinfo.TLS13} {
		var at []tlsinfo.CipherSuite
		for _, c := range table {
			if c.MinVersion <= v && v <= c.MaxVersion {
				at = append(at, c)
			}
		}
		m[v] = buildSuiteLists(v, at, goKnown)
	}
	return m
})

func buildSuiteLists(v uint16, at []tlsinfo.CipherSuite, goKnown []uint16) *suiteLists {
	l := &suiteLists{}
	goRank := map[uint16]int{}
	for i, id := range goKnown {
		goRank[id] = i + 1
	}
	ordered := slices.Clone(at)
	if v == tlsinfo.TLS13 {
		// The five RFC 8446 suites first, in ID order.
		slices.SortStableFunc(ordered, func(a, b tlsinfo.CipherSuite) int {
			return boolRank(a.ID > 0x1305 || a.ID < 0x1301) - boolRank(b.ID > 0x1305 || b.ID < 0x1301)
		})
	} else {
		slices.SortStableFunc(ordered, func(a, b tlsinfo.CipherSuite) int {
			if ra, rb := suiteRank(a, goRank), suiteRank(b, goRank); ra != rb {
				return ra - rb
			}
			return goRank[a.ID] - goRank[b.ID] // Go's own order among Go's suites
		})
	}
	for _, c := range ordered {
		l.all = append(l.all, c.ID)
		if c.Weak {
			l.weak = append(l.weak, c.ID)
		}
	}
	n := min(len(l.all), maxOffer)
	if v == tlsinfo.TLS13 {
		n = min(n, 5)
	}
	l.broad = l.all[:n:n]
	return l
}

// suiteRank orders the suites of one version for the version hello (and
// the first window of a full scan): what crypto/tls knows (0); the key
// exchanges and ciphers other common stacks ship, weak ones included (1);
// static-DH suites and rarely implemented ciphers (2); suites that need a
// pre-shared key or another non-certificate credential (3). At TLS 1.2,
// ranks 0 and 1 fit in one hello, so a server's accepted suites are
// nearly always found in its first window, in preference order.
func suiteRank(c tlsinfo.CipherSuite, goRank map[uint16]int) int {
	switch {
	case goRank[c.ID] > 0:
		return 0
	case needsSharedKey(c):
		return 3
	case (c.Kx == "DH" || c.Kx == "ECDH") && c.Auth != "anon",
		strings.HasPrefix(c.Enc, "ARIA") && strings.HasSuffix(c.Enc, "_CBC"),
		strings.HasPrefix(c.Enc, "CAMELLIA") && strings.HasSuffix(c.Enc, "_GCM"),
		// pre-standard values: EXPORT1024 drafts, old ChaCha20, Netscape FIPS
		c.Enc == "RC4_56", c.Enc == "RC2_CBC_56", c.ID >= 0x0062 && c.ID <= 0x0066,
		strings.HasSuffix(c.Name, "_OLD"), c.ID >= 0xFEFE:
		return 2
	}
	return 1
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// needsSharedKey: PSK, SRP, Kerberos, GOST and ECCPWD suites need more
// than a certificate.
func needsSharedKey(c tlsinfo.CipherSuite) bool {
	for _, s := range []string{c.Kx, c.Auth} {
		switch s {
		case "PSK", "SRP", "KRB5", "GOST", "ECCPWD":
			return true
		}
	}
	return false
}

// pick is one suite a server chose, with the list it chose it from.
type pick struct {
	window []uint16
	suite  uint16
}

// eliminate finds the suites of pool the server accepts at version v:
// offer the first maxOffer remaining suites; a chosen suite is recorded
// and removed, a refusal drops the whole offer; until nothing remains.
// Each step is one connection. seed, when set, is a choice the server
// already made (the version hello). With order, a result whose steps did
// not all see every later-found suite is put in the server's preference
// order with one more elimination over the accepted suites alone.
func (s *session) eliminate(v uint16, pool []uint16, seed *pick, order bool) []uint16 {
	remaining := slices.Clone(pool)
	var picks []pick
	if seed != nil && slices.Contains(remaining, seed.suite) {
		picks = append(picks, *seed)
		remaining = slices.DeleteFunc(remaining, func(id uint16) bool { return id == seed.suite })
	}
	for len(remaining) > 0 && !s.stopped() {
		window := remaining[:min(len(remaining), maxOffer)]
		suite, ok := s.offer(v, window)
		if s.stopped() {
			break
		}
		if !ok {
			remaining = remaining[len(window):]
			continue
		}
		picks = append(picks, pick{window: slices.Clone(window), suite: suite})
		remaining = slices.DeleteFunc(remaining, func(id uint16) bool { return id == suite })
	}
	accepted := make([]uint16, len(picks))
	inOrder := true
	for j, p := range picks {
		accepted[j] = p.suite
		for _, earlier := range picks[:j] {
			if !slices.Contains(earlier.window, p.suite) {
				inOrder = false
			}
		}
	}
	if order && !inOrder && len(accepted) <= maxOffer {
		if sorted, ok := s.preference(v, accepted); ok {
			accepted = sorted
		}
	}
	return accepted
}

// preference orders suites (all known to be accepted at v) by asking the
// server to choose among the rest, one connection per position but the
// last. ok is false when the server stopped cooperating.
func (s *session) preference(v uint16, suites []uint16) ([]uint16, bool) {
	rest := slices.Clone(suites)
	var out []uint16
	for len(rest) > 1 {
		suite, ok := s.offer(v, rest)
		if !ok || s.stopped() {
			return nil, false
		}
		out = append(out, suite)
		rest = slices.DeleteFunc(rest, func(id uint16) bool { return id == suite })
	}
	return append(out, rest...), true
}

// offer sends one hello at version v offering window and returns the suite
// the server chose; ok is false unless the server answered with a
// ServerHello (or HelloRetryRequest) at exactly v and a suite of window.
func (s *session) offer(v uint16, window []uint16) (uint16, bool) {
	r, err := s.exchange(BuildClientHello(HelloSpec{Version: v, Suites: window, SNI: s.t.SNI}))
	if err != nil || (r.Kind != ReplyServerHello && r.Kind != ReplyHelloRetry) || r.Version != v {
		return 0, false
	}
	if !slices.Contains(window, r.Suite) {
		return 0, false
	}
	return r.Suite, true
}

// acceptedCipher describes suite id accepted at version v for the report.
func acceptedCipher(v, id uint16) report.AcceptedCipher {
	ac := report.AcceptedCipher{Version: tlsinfo.VersionName(v), ID: fmt.Sprintf("0x%04X", id),
		Name: fmt.Sprintf("unknown suite 0x%04X", id), Strength: "unknown"}
	if c, ok := tlsinfo.CipherSuiteByID(id); ok {
		ac.Name, ac.Strength = c.Name, c.Strength()
	}
	return ac
}

func suiteName(id uint16) string {
	if c, ok := tlsinfo.CipherSuiteByID(id); ok {
		return c.Name
	}
	return fmt.Sprintf("0x%04X", id)
}

func isWeak(id uint16) bool {
	c, ok := tlsinfo.CipherSuiteByID(id)
	return ok && c.Weak
}

func validAt(v, id uint16) bool {
	c, ok := tlsinfo.CipherSuiteByID(id)
	return ok && c.MinVersion <= v && v <= c.MaxVersion
}

// sslv2Names names the SSL 2.0 cipher specs (every one MACs with MD5,
// so every one is insecure).
var sslv2Names = map[uint32]string{
	SSLv2RC4128WithMD5:            "SSL_CK_RC4_128_WITH_MD5",
	SSLv2RC4128Export40WithMD5:    "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
	SSLv2RC2128CBCWithMD5:         "SSL_CK_RC2_128_CBC_WITH_MD5",
	SSLv2RC2128CBCExport40WithMD5: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
	SSLv2IDEA128CBCWithMD5:        "SSL_CK_IDEA_128_CBC_WITH_MD5",
	SSLv2DES64CBCWithMD5:          "SSL_CK_DES_64_CBC_WITH_MD5",
	SSLv2DES192EDE3CBCWithMD5:     "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
}

// sslv2Ciphers lists the standard specs an SSL 2.0 SERVER-HELLO names, in
// its order, as accepted ciphers.
func sslv2Ciphers(specs []uint32) []report.AcceptedCipher {
	var out []report.AcceptedCipher
	for _, sp := range specs {
		if name, ok := sslv2Names[sp]; ok {
			out = append(out, report.AcceptedCipher{Version: "SSL2.0", Name: name,
				ID: fmt.Sprintf("0x%06X", sp), Strength: "insecure"})
		}
	}
	return out
}
