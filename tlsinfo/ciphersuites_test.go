package tlsinfo

import (
	"crypto/tls"
	"regexp"
	"strings"
	"testing"
)

func TestCipherSuitesSortedUnique(t *testing.T) {
	if len(cipherSuites) < 300 {
		t.Errorf("table has %d suites, want at least 300", len(cipherSuites))
	}
	names := map[string]uint16{}
	for i, c := range cipherSuites {
		if i > 0 && cipherSuites[i-1].ID >= c.ID {
			t.Errorf("0x%04X %s: not after 0x%04X", c.ID, c.Name, cipherSuites[i-1].ID)
		}
		up := strings.ToUpper(c.Name)
		if prev, dup := names[up]; dup {
			t.Errorf("name %s used by 0x%04X and 0x%04X", c.Name, prev, c.ID)
		}
		names[up] = c.ID
	}
}

// IANA names are upper case except the "anon" of anonymous suites.
var suiteNameRE = regexp.MustCompile(`^(TLS|SSL)_[A-Z0-9_]+$`)

func TestCipherSuiteNames(t *testing.T) {
	for _, c := range cipherSuites {
		n := strings.ReplaceAll(c.Name, "_anon_", "_ANON_")
		if !suiteNameRE.MatchString(n) {
			t.Errorf("0x%04X: bad name %q", c.ID, c.Name)
		}
		if strings.Contains(strings.ToLower(c.Name), "anon") != strings.Contains(c.Name, "_anon_") {
			t.Errorf("0x%04X %s: anon must be spelled _anon_ as IANA does", c.ID, c.Name)
		}
		if c.MinVersion > c.MaxVersion || c.MinVersion < 0x0300 || c.MaxVersion > 0x0304 {
			t.Errorf("0x%04X %s: version range %04x..%04x", c.ID, c.Name, c.MinVersion, c.MaxVersion)
		}
		if c.Kx == "" || c.Auth == "" || c.Enc == "" {
			t.Errorf("0x%04X %s: empty Kx/Auth/Enc", c.ID, c.Name)
		}
	}
}

func TestCipherSuiteTLS13(t *testing.T) {
	for _, id := range []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305} {
		c, ok := CipherSuiteByID(id)
		if !ok || c.MinVersion != 0x0304 {
			t.Errorf("0x%04X: missing or not TLS 1.3: %+v", id, c)
		}
	}
	for _, c := range cipherSuites {
		tls13 := !strings.Contains(c.Name, "_WITH_")
		if c.ID >= 0xC103 && c.ID <= 0xC106 { // RFC 9367 GOST suites for TLS 1.3
			tls13 = true
		}
		if tls13 != (c.MinVersion == 0x0304) {
			t.Errorf("0x%04X %s: MinVersion %04x", c.ID, c.Name, c.MinVersion)
		}
		if tls13 != (c.Kx == "ANY") || tls13 != (c.Auth == "ANY") {
			t.Errorf("0x%04X %s: Kx %s Auth %s", c.ID, c.Name, c.Kx, c.Auth)
		}
		if tls13 && (c.MaxVersion != 0x0304 || !c.ForwardSecret) {
			t.Errorf("0x%04X %s: TLS 1.3 suite with MaxVersion %04x, ForwardSecret %v", c.ID, c.Name, c.MaxVersion, c.ForwardSecret)
		}
		if !tls13 && c.MaxVersion != 0x0303 {
			t.Errorf("0x%04X %s: MaxVersion %04x", c.ID, c.Name, c.MaxVersion)
		}
	}
}

func TestCipherSuiteFlags(t *testing.T) {
	for _, c := range cipherSuites {
		n := c.Name
		with := ""
		if _, after, ok := strings.Cut(n, "_WITH_"); ok {
			with = after
		}
		check := func(cond bool, what string) {
			t.Helper()
			if !cond {
				t.Errorf("0x%04X %s: %s (%+v)", c.ID, n, what, c)
			}
		}
		check(strings.Contains(n, "EXPORT") == c.Export, "Export flag")
		if c.Export {
			check(c.Insecure && c.Bits <= 56, "EXPORT suites are Insecure and at most 56 bits")
		}
		if strings.Contains(n, "_NULL_") || strings.HasPrefix(with, "NULL_") || c.Enc == "NULL" {
			check(c.Insecure && c.Enc == "NULL" && c.Bits == 0, "NULL suites are Insecure")
		}
		if strings.Contains(n, "_anon_") {
			check(c.Auth == "anon" && c.Insecure, "anon suites are Insecure")
		}
		check(c.Auth != "anon" || strings.Contains(n, "_anon_"), "Auth anon only for _anon_ names")
		for _, bad := range []string{"RC4", "DES", "3DES", "IDEA", "RC2", "MD5"} {
			if strings.Contains(n, "_"+bad+"_") || strings.HasSuffix(n, "_"+bad) || strings.Contains(n, "_"+bad+"40_") {
				check(c.Weak, bad+" suites are Weak")
			}
		}
		for _, bad := range []string{"RC4", "DES", "DES40", "MD5"} {
			if strings.Contains(n, "_"+bad+"_") || strings.HasSuffix(n, "_"+bad) {
				check(c.Insecure, bad+" suites are Insecure")
			}
		}
		if strings.Contains(n, "_3DES_") {
			check(c.Bits == 112 && c.Enc == "3DES_EDE_CBC", "3DES is 112 bits")
		}
		if c.Insecure {
			check(c.Weak, "Insecure implies Weak")
		}
		aead := strings.Contains(n, "_GCM") || strings.Contains(n, "_CCM") || strings.Contains(n, "CHACHA20") || strings.Contains(n, "_MGM_")
		check(aead == c.AEAD, "AEAD flag")
		if strings.HasPrefix(n, "TLS_ECDHE_") || strings.HasPrefix(n, "TLS_DHE_") || strings.HasPrefix(n, "TLS_PSK_DHE_") {
			check(c.ForwardSecret, "ECDHE/DHE suites are ForwardSecret")
		}
		if strings.HasPrefix(n, "TLS_RSA_") || strings.HasPrefix(n, "TLS_DH_") || strings.HasPrefix(n, "TLS_ECDH_") || strings.HasPrefix(n, "TLS_PSK_WITH_") {
			check(!c.ForwardSecret, "static key exchange is not ForwardSecret")
		}
		// CBC (and NULL) suites with a SHA-256/384 MAC need TLS 1.2, except
		// the PSK family's, which RFC 5487/5489/6209/6367 define from TLS 1.0.
		if (strings.HasSuffix(n, "_SHA256") || strings.HasSuffix(n, "_SHA384")) && !c.AEAD && c.MinVersion != 0x0304 {
			if c.Auth == "PSK" {
				check(c.MinVersion == 0x0301, "PSK SHA-2 CBC suites from TLS 1.0")
			} else {
				check(c.MinVersion == 0x0303, "SHA-2 CBC suites need TLS 1.2")
			}
		}
		if c.AEAD && c.MinVersion != 0x0304 {
			check(c.MinVersion == 0x0303, "AEAD suites need TLS 1.2")
		}
		if strings.HasSuffix(n, "_SHA") || strings.HasSuffix(n, "_MD5") {
			check(c.MinVersion <= 0x0301, "SHA-1/MD5 suites from SSL 3.0 or TLS 1.0")
		}
		if strings.Contains(n, "_128_") {
			check(c.Bits == 128, "128-bit cipher")
		}
		if strings.Contains(n, "_256_") && !strings.HasPrefix(n, "TLS_GOSTR341112_256_") {
			check(c.Bits == 256, "256-bit cipher")
		}
	}
}

func TestCipherSuiteStrength(t *testing.T) {
	cases := map[string]string{
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":         "strong",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "strong",
		"TLS_AES_256_GCM_SHA384":                        "strong",
		"TLS_RSA_WITH_AES_128_GCM_SHA256":               "acceptable",
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":            "acceptable",
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA":                 "weak",
		"TLS_RSA_WITH_IDEA_CBC_SHA":                     "weak",
		"TLS_RSA_WITH_RC4_128_SHA":                      "insecure",
		"TLS_RSA_EXPORT_WITH_RC4_40_MD5":                "insecure",
		"TLS_DH_anon_WITH_AES_256_GCM_SHA384":           "insecure",
		"TLS_RSA_WITH_NULL_SHA256":                      "insecure",
		"TLS_RSA_WITH_DES_CBC_SHA":                      "insecure",
		"TLS_SHA256_SHA256":                             "insecure",
	}
	for name, want := range cases {
		c, ok := CipherSuiteByName(name)
		if !ok {
			t.Errorf("%s: not in table", name)
			continue
		}
		if got := c.Strength(); got != want {
			t.Errorf("%s: Strength() = %q, want %q", name, got, want)
		}
	}
}

func TestCipherSuiteLookups(t *testing.T) {
	for _, c := range cipherSuites {
		if got, ok := CipherSuiteByID(c.ID); !ok || got != c {
			t.Errorf("CipherSuiteByID(0x%04X) = %v, %v", c.ID, got, ok)
		}
		if got, ok := CipherSuiteByName(c.Name); !ok || got != c {
			t.Errorf("CipherSuiteByName(%s) = %v, %v", c.Name, got, ok)
		}
	}
	if c, ok := CipherSuiteByName("tls_dh_ANON_with_aes_128_cbc_sha"); !ok || c.ID != 0x0034 {
		t.Errorf("case-insensitive lookup: %v %v", c, ok)
	}
	for _, id := range []uint16{0x00FF, 0x5600, 0x0A0A, 0xFFFF, 0x0047} {
		if c, ok := CipherSuiteByID(id); ok {
			t.Errorf("CipherSuiteByID(0x%04X) found %s", id, c.Name)
		}
	}
	if _, ok := CipherSuiteByName("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"); ok {
		t.Error("signalling value found as a suite")
	}
	all := CipherSuites()
	all[0].Name = "changed"
	if cipherSuites[0].Name == "changed" {
		t.Error("CipherSuites returned the table itself")
	}
	// The suites the brief names explicitly.
	for _, id := range []uint16{0x0003, 0x0006, 0x0008, 0x000B, 0x000E, 0x0011, 0x0014, 0x0017, 0x0019,
		0x0062, 0x0063, 0x0064, 0x0065} {
		if c, ok := CipherSuiteByID(id); !ok || !c.Export {
			t.Errorf("0x%04X: want an EXPORT suite, got %v %v", id, c, ok)
		}
	}
}

// Every suite Go's crypto/tls knows is in the table under the same name.
func TestCipherSuitesMatchGo(t *testing.T) {
	goSuites := append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
	if len(goSuites) < 20 {
		t.Fatalf("crypto/tls lists only %d suites", len(goSuites))
	}
	for _, g := range goSuites {
		c, ok := CipherSuiteByID(g.ID)
		if !ok {
			t.Errorf("0x%04X %s: missing", g.ID, g.Name)
			continue
		}
		if c.Name != g.Name {
			t.Errorf("0x%04X: name %s, Go says %s", g.ID, c.Name, g.Name)
		}
		// Go also calls static-RSA and CBC-SHA256 suites insecure (for its
		// own policy reasons); only a forward-secret AEAD suite would be a
		// real disagreement.
		if g.Insecure && c.Strength() == "strong" {
			t.Errorf("0x%04X %s: Go calls it insecure, the table calls it strong", g.ID, g.Name)
		}
		if !g.Insecure && c.Weak {
			t.Errorf("0x%04X %s: Go calls it secure, the table Weak", g.ID, g.Name)
		}
		for _, v := range g.SupportedVersions {
			if v < c.MinVersion || v > c.MaxVersion {
				t.Errorf("0x%04X %s: Go supports it in %04x, table range %04x..%04x", g.ID, g.Name, v, c.MinVersion, c.MaxVersion)
			}
		}
	}
}
