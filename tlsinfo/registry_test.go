package tlsinfo

import (
	"crypto/tls"
	"regexp"
	"strings"
	"testing"
)

// The version table: oldest first, names and tokens unique, the flags
// following the one rule the findings rely on (below TLS 1.2 is
// deprecated, SSL is insecure), and every lookup finding every row.
func TestVersionsTable(t *testing.T) {
	vs := Versions()
	if len(vs) != 6 || vs[0].ID != SSL20 || vs[len(vs)-1].ID != TLS13 {
		t.Fatalf("versions %v: want SSL2.0 .. TLS1.3", vs)
	}
	nameRE := regexp.MustCompile(`^(SSL|TLS)[0-9]\.[0-9]$`)
	for i, v := range vs {
		if i > 0 && vs[i-1].ID >= v.ID {
			t.Errorf("%s not after %s", v.Name, vs[i-1].Name)
		}
		if !nameRE.MatchString(v.Name) {
			t.Errorf("name %q", v.Name)
		}
		if want := strings.ToLower(strings.ReplaceAll(v.Name, ".", "")); v.Token != want {
			t.Errorf("%s: token %q, want %q", v.Name, v.Token, want)
		}
		if v.Deprecated != (v.ID < TLS12) || v.Insecure != strings.HasPrefix(v.Name, "SSL") {
			t.Errorf("%s: deprecated %v insecure %v", v.Name, v.Deprecated, v.Insecure)
		}
		for _, look := range []func() (Version, bool){
			func() (Version, bool) { return VersionByName(v.Name) },
			func() (Version, bool) { return VersionByID(v.ID) },
			func() (Version, bool) { return VersionByToken(v.Token) },
		} {
			if got, ok := look(); !ok || got != v {
				t.Errorf("%s: lookup gave %v, %v", v.Name, got, ok)
			}
		}
		if VersionName(v.ID) != v.Name {
			t.Errorf("VersionName(0x%04X) = %q", v.ID, VersionName(v.ID))
		}
	}
	// The wire values agree with crypto/tls where Go has them.
	for id, want := range map[uint16]uint16{TLS10: tls.VersionTLS10, TLS11: tls.VersionTLS11, TLS12: tls.VersionTLS12, TLS13: tls.VersionTLS13} {
		if id != want {
			t.Errorf("0x%04X, crypto/tls says 0x%04X", id, want)
		}
	}
	if got := VersionName(0x7f1c); got != "0x7F1C" {
		t.Errorf("unknown version named %q", got)
	}
	if _, ok := VersionByName("TLS1.4"); ok {
		t.Error("TLS1.4 found")
	}
	vs[0].Name = "changed"
	if Versions()[0].Name != "SSL2.0" {
		t.Error("Versions returns the table itself, not a copy")
	}
}

// Every suite's version range is made of versions the table knows.
func TestCipherSuiteVersionsKnown(t *testing.T) {
	for _, c := range CipherSuites() {
		for _, v := range []uint16{c.MinVersion, c.MaxVersion} {
			if _, ok := VersionByID(v); !ok {
				t.Errorf("0x%04X %s: version 0x%04X not in the version table", c.ID, c.Name, v)
			}
		}
	}
}

func TestAlertNames(t *testing.T) {
	nameRE := regexp.MustCompile(`^[a-z_]+$`)
	seen := map[string]bool{}
	for d, n := range alertNames {
		if !nameRE.MatchString(n) || seen[n] {
			t.Errorf("alert %d: name %q invalid or repeated", d, n)
		}
		seen[n] = true
	}
	for d, want := range map[uint8]string{
		AlertProtocolVersion: "protocol_version (70)", 40: "handshake_failure (40)", 112: "unrecognized_name (112)", 255: "alert 255",
	} {
		if got := AlertName(d); got != want {
			t.Errorf("AlertName(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestGroupsTable(t *testing.T) {
	gs := Groups()
	names := map[string]bool{}
	for i, g := range gs {
		if i > 0 && gs[i-1].ID >= g.ID {
			t.Errorf("%s not after %s", g.Name, gs[i-1].Name)
		}
		if names[g.Name] {
			t.Errorf("name %s repeated", g.Name)
		}
		names[g.Name] = true
		if g.FiniteField != strings.HasPrefix(g.Name, "ffdhe") || g.FiniteField != (g.ID >= 0x0100 && g.ID <= 0x01ff) {
			t.Errorf("%s: FiniteField %v", g.Name, g.FiniteField)
		}
		if got, ok := GroupByID(g.ID); !ok || got != g {
			t.Errorf("GroupByID(0x%04X) = %v, %v", g.ID, got, ok)
		}
	}
	// The values agree with crypto/tls's CurveIDs.
	for id, want := range map[uint16]tls.CurveID{GroupX25519: tls.X25519, GroupSecp256r1: tls.CurveP256,
		GroupSecp384r1: tls.CurveP384, GroupSecp521r1: tls.CurveP521} {
		if tls.CurveID(id) != want {
			t.Errorf("0x%04X, crypto/tls says 0x%04X", id, want)
		}
	}
}
