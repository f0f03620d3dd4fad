package tlsinfo

import (
	"slices"
	"strings"
	"sync"
)

// CipherSuite is one entry of the TLS cipher-suite registry, with what a
// scanner needs to judge a server that accepts it.
type CipherSuite struct {
	ID uint16
	// Name is the IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.
	// IANA spells anonymous suites with a lowercase "anon"
	// (TLS_DH_anon_WITH_AES_128_CBC_SHA); the table keeps that spelling and
	// CipherSuiteByName ignores case. Pre-standard values that IANA never
	// registered carry the name their draft or implementation gave them
	// (TLS_RSA_EXPORT1024_WITH_RC4_56_MD5, SSL_RSA_FIPS_WITH_DES_CBC_SHA,
	// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD).
	Name string
	// MinVersion and MaxVersion are wire versions (0x0300 SSL 3.0 ..
	// 0x0304 TLS 1.3) bounding where servers negotiate the suite in
	// practice, as OpenSSL and testssl.sh see it: SHA-1/MD5-MAC suites from
	// SSL 3.0, SHA-256/384 CBC and AEAD suites from TLS 1.2 (except the PSK
	// family's SHA-256/384 suites, which RFC 5487/5489/6209/6367 allow from
	// TLS 1.0), TLS 1.3 suites only in TLS 1.3. Every pre-1.3 suite has
	// MaxVersion 0x0303, although RFC 4346 forbids EXPORT suites from TLS 1.1
	// on and RFC 5246 DES and IDEA in TLS 1.2: misconfigured servers still
	// pick them there, so a scanner should offer them there too.
	MinVersion, MaxVersion uint16
	// Kx is the key exchange: RSA, DHE, ECDHE, DH, ECDH (static), PSK, SRP,
	// KRB5, GOST, ECCPWD, NULL, or ANY for TLS 1.3 suites. PSK-family suites
	// name the non-PSK half (DHE_PSK is Kx DHE, Auth PSK; plain PSK is Kx PSK).
	Kx string
	// Auth is how the server authenticates: RSA, ECDSA, DSS, anon, PSK, SRP,
	// KRB5, GOST, ECCPWD, NULL, or ANY for TLS 1.3. Every PSK-family suite
	// (including RSA_PSK) has Auth PSK: it cannot be negotiated without a
	// pre-shared key.
	Auth string
	// Enc is the bulk cipher as the name spells it: AES_128_GCM,
	// AES_256_CBC, AES_128_CCM_8, CHACHA20_POLY1305, 3DES_EDE_CBC, DES_CBC,
	// DES40_CBC, RC4_128, RC4_40, RC2_CBC_40, IDEA_CBC, SEED_CBC,
	// CAMELLIA_128_CBC, ARIA_256_GCM, GOST28147_CNT, NULL, ...
	Enc string
	// Bits is the effective symmetric key strength: 3DES 112, DES 56,
	// EXPORT 40 (or 56 for EXPORT1024), NULL 0.
	Bits int
	// Weak means the suite should be refused per the Mozilla and BSI/SEP
	// guidance: it is Insecure, or uses a 64-bit block cipher (3DES, IDEA,
	// RC2, GOST 28147-89 CNT), or has fewer than 112 effective key bits.
	// (Magma in the RFC 9189/9367 suites is a 64-bit block cipher too, but
	// their TLSTREE re-keying bounds the data under one key; they are not
	// Weak.) In short: 3DES, DES, RC4, NULL, EXPORT, anonymous, IDEA, RC2
	// and MD5 suites are Weak.
	Weak bool
	// Insecure means broken outright: NULL encryption, anonymous (Auth
	// anon), EXPORT, RC4, single DES (including DES40), or an MD5 MAC.
	// Every Insecure suite is also Weak.
	Insecure bool
	// ForwardSecret: ephemeral key exchange (DHE, ECDHE, ECCPWD) and every
	// TLS 1.3 suite.
	ForwardSecret bool
	// AEAD: GCM, CCM, CCM_8, CHACHA20_POLY1305 and the GOST MGM modes.
	AEAD bool
	// Export: one of the export-grade suites (EXPORT or EXPORT1024 names).
	Export bool
}

// Strength grades the suite: "insecure" (Insecure), "weak" (Weak but not
// Insecure), "strong" (forward-secret AEAD), or "acceptable" (anything
// else: static-RSA or CBC suites with a sound cipher).
func (c CipherSuite) Strength() string {
	switch {
	case c.Insecure:
		return "insecure"
	case c.Weak:
		return "weak"
	case c.ForwardSecret && c.AEAD:
		return "strong"
	}
	return "acceptable"
}

// CipherSuites returns a copy of the whole table, sorted by ID.
func CipherSuites() []CipherSuite { return slices.Clone(cipherSuites) }

// CipherSuiteByID finds a suite by its wire value.
func CipherSuiteByID(id uint16) (CipherSuite, bool) {
	i, ok := slices.BinarySearchFunc(cipherSuites, id, func(c CipherSuite, id uint16) int {
		return int(c.ID) - int(id)
	})
	if !ok {
		return CipherSuite{}, false
	}
	return cipherSuites[i], true
}

// suitesByName indexes the table by upper-cased name.
var suitesByName = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(cipherSuites))
	for i, c := range cipherSuites {
		m[strings.ToUpper(c.Name)] = i
	}
	return m
})

// CipherSuiteByName finds a suite by its name, ignoring case, so both
// TLS_DH_anon_WITH_AES_128_CBC_SHA (IANA) and TLS_DH_ANON_WITH_AES_128_CBC_SHA
// (as some tools print it) are found.
func CipherSuiteByName(name string) (CipherSuite, bool) {
	i, ok := suitesByName()[strings.ToUpper(name)]
	if !ok {
		return CipherSuite{}, false
	}
	return cipherSuites[i], true
}
