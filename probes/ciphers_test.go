package probes

import (
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// opensslBin finds openssl: its absence fails the test under CI and skips
// it elsewhere.
func opensslBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("openssl is required under CI: %v", err)
		}
		t.Skip("openssl is not installed")
	}
	return bin
}

// startOpenSSL runs openssl s_server on a free 127.0.0.1 port with the
// test certificate and args, and waits until it accepts connections.
func startOpenSSL(t *testing.T, args ...string) Target {
	t.Helper()
	c, err := versionsCert()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := daemon.WriteCert(t, t.TempDir(), "server", c)
	port := daemon.OpenSSLServer(t, "127.0.0.1", certFile, keyFile, args...)
	ip := netip.MustParseAddr("127.0.0.1")
	return Target{Host: ip.String(), IP: ip, Port: uint16(port)}
}

// opensslSuites lists what `openssl ciphers -V -s` says a server with an
// RSA certificate can choose at one version (versionFlag, e.g. -tls1_2).
func opensslSuites(t *testing.T, bin, versionFlag, cipherString string) []uint16 {
	t.Helper()
	out, err := exec.Command(bin, "ciphers", "-V", "-s", versionFlag, cipherString).Output()
	if err != nil {
		t.Fatalf("openssl ciphers %s %q: %v", versionFlag, cipherString, err)
	}
	var ids []uint16
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[0], "0x") || !(f[5] == "Au=RSA" || f[5] == "Au=None" || f[5] == "Au=any") {
			continue
		}
		hi, err1 := strconv.ParseUint(f[0][2:4], 16, 8)
		lo, err2 := strconv.ParseUint(f[0][7:9], 16, 8)
		if err1 != nil || err2 != nil {
			t.Fatalf("openssl ciphers line %q", line)
		}
		ids = append(ids, uint16(hi<<8|lo))
	}
	return ids
}

// byVersion splits accepted ciphers per version.
func byVersion(res *VersionsResult) map[string][]string {
	m := map[string][]string{}
	for _, c := range res.Ciphers {
		m[c.Version] = append(m[c.Version], c.ID)
	}
	return m
}

func hexIDs(ids []uint16) []string {
	out := []string{}
	for _, id := range ids {
		out = append(out, acceptedCipher(0, id).ID)
	}
	return out
}

func weakOnly(ids []uint16) []uint16 {
	return slices.DeleteFunc(slices.Clone(ids), func(id uint16) bool { return !isWeak(id) })
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestCiphersOpenSSL scans openssl s_server set up for one version each,
// and checks the versions found and, in full mode, the exact suite set
// against `openssl ciphers -s`.
func TestCiphersOpenSSL(t *testing.T) {
	bin := opensslBin(t)
	const legacy = "DEFAULT:@SECLEVEL=0"
	cases := []struct {
		name, flag, cipher, version string
	}{
		{"tls1.0", "-tls1", legacy, "TLS1.0"},
		{"tls1.1", "-tls1_1", legacy, "TLS1.1"},
		{"tls1.2", "-tls1_2", "DEFAULT", "TLS1.2"},
		{"tls1.3", "-tls1_3", "", "TLS1.3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{tc.flag}
			if tc.cipher != "" {
				args = append(args, "-cipher", tc.cipher)
			}
			target := startOpenSSL(t, args...)
			cs := tc.cipher
			if cs == "" {
				cs = "DEFAULT"
			}
			expect := opensslSuites(t, bin, tc.flag, cs)
			quick := enumerate(t, target, VersionsConfig{})
			checkResult(t, quick, []string{tc.version}, want(versionIDs[tc.version], weakOnly(expect)...))
			full := enumerate(t, target, VersionsConfig{Full: true})
			if !slices.Equal(full.Versions, []string{tc.version}) {
				t.Errorf("full: versions %v", full.Versions)
			}
			if got, w := sortedCopy(byVersion(full)[tc.version]), sortedCopy(hexIDs(expect)); !slices.Equal(got, w) {
				t.Errorf("full: suites\n got %v\nwant %v", got, w)
			}
		})
	}
}

var versionIDs = map[string]uint16{"SSL3.0": tlsinfo.SSL30, "TLS1.0": tlsinfo.TLS10, "TLS1.1": tlsinfo.TLS11, "TLS1.2": tlsinfo.TLS12, "TLS1.3": tlsinfo.TLS13}

func TestCiphersOpenSSLWeak(t *testing.T) {
	opensslBin(t)
	t.Run("null and anonymous", func(t *testing.T) {
		// Without -serverpref OpenSSL takes the client's order: the weak
		// hellos offer the table's order.
		target := startOpenSSL(t, "-tls1_2", "-cipher", "AES128-SHA:NULL-SHA:NULL-MD5:ADH-AES128-SHA:@SECLEVEL=0")
		checkResult(t, enumerate(t, target, VersionsConfig{}), []string{"TLS1.2"}, want(tlsinfo.TLS12, 0x0001, 0x0002, 0x0034))
		checkResult(t, enumerate(t, target, VersionsConfig{Full: true}), []string{"TLS1.2"},
			want(tlsinfo.TLS12, 0x002F, 0x0001, 0x0002, 0x0034))
	})
}

func TestCiphersOpenSSLServerPreference(t *testing.T) {
	target := startOpenSSL(t, "-tls1_2", "-serverpref",
		"-cipher", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA")
	res := enumerate(t, target, VersionsConfig{Full: true})
	checkResult(t, res, []string{"TLS1.2"}, []string{
		"TLS1.2 0xC030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 strong",
		"TLS1.2 0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 strong",
		"TLS1.2 0x002F TLS_RSA_WITH_AES_128_CBC_SHA acceptable",
	})
	// 5 version hellos (TLS 1.3, TLS 1.2, which finds the first suite,
	// TLS 1.1 and 1.0, whose protocol_version alerts settle SSL 3.0, and
	// SSL 2.0), two more suites, and a refusal per window of the 353 TLS
	// 1.2 suites.
	if res.Connections != 5+2+3 {
		t.Errorf("%d connections", res.Connections)
	}
}

// TestCiphersOpenSSLEverything scans one s_server with every suite and
// version OpenSSL 3 still has, compares full mode with `openssl ciphers`
// per version, and logs what quick and full mode cost.
func TestCiphersOpenSSLEverything(t *testing.T) {
	bin := opensslBin(t)
	const all = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
	target := startOpenSSL(t, "-cipher", all, "-serverpref")
	versions := []string{"TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"}
	flags := []string{"-tls1", "-tls1_1", "-tls1_2", "-tls1_3"}
	expect := map[string][]uint16{}
	var weak []string
	for i, v := range versions {
		expect[v] = opensslSuites(t, bin, flags[i], all)
		if v != "TLS1.3" {
			weak = append(weak, want(versionIDs[v], weakOnly(expect[v])...)...)
		}
	}

	full := enumerate(t, target, VersionsConfig{Full: true})
	if !slices.Equal(full.Versions, versions) {
		t.Errorf("full: versions %v", full.Versions)
	}
	for _, v := range versions {
		if got := byVersion(full)[v]; !slices.Equal(sortedCopy(got), sortedCopy(hexIDs(expect[v]))) {
			t.Errorf("%s: full mode found\n %v\nopenssl ciphers says\n %v", v, got, hexIDs(expect[v]))
		}
	}

	// This server accepts 17 weak suites at TLS 1.2 alone: quick mode stops
	// at its cap, newest version first, reporting only what it found.
	quick := enumerate(t, target, VersionsConfig{MaxConnections: DefaultQuickConnections})
	if !slices.Equal(quick.Versions, versions) || !quick.Capped || quick.Connections != DefaultQuickConnections {
		t.Errorf("quick: versions %v, capped %v after %d connections", quick.Versions, quick.Capped, quick.Connections)
	}
	for _, c := range cipherList(quick.Ciphers) {
		if !slices.Contains(weak, c) {
			t.Errorf("quick: %s is not a weak suite openssl has", c)
		}
	}
	uncapped := enumerate(t, target, VersionsConfig{MaxConnections: 100})
	if got := cipherList(uncapped.Ciphers); uncapped.Capped || !slices.Equal(sortedCopy(got), sortedCopy(weak)) {
		t.Errorf("quick without cap: weak suites\n got %q\nwant %q", got, weak)
	}
	t.Logf("quick: %d connections in %s (capped %v; %d without cap, %s); full: %d suites, %d connections in %s",
		quick.Connections, quick.Duration.Round(time.Millisecond), quick.Capped,
		uncapped.Connections, uncapped.Duration.Round(time.Millisecond),
		len(full.Ciphers), full.Connections, full.Duration.Round(time.Millisecond))
}

// TestCiphersGnuTLS3DES: gnutls-serv offering TLS 1.0 to 1.2 with AES and
// the 3DES suites (Debian's OpenSSL 3 has none left): the weak-suite
// hellos find both 3DES suites at every version, and nothing else is weak.
func TestCiphersGnuTLS3DES(t *testing.T) {
	c, err := versionsCert()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := daemon.WriteCert(t, t.TempDir(), "server", c)
	port := daemon.GnuTLSServer(t, certFile, keyFile,
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:-CIPHER-ALL:+AES-128-GCM:+AES-128-CBC:+3DES-CBC:-KX-ALL:+RSA:+ECDHE-RSA")
	ip := netip.MustParseAddr("127.0.0.1")
	target := Target{Host: ip.String(), IP: ip, Port: uint16(port)}
	checkResult(t, enumerate(t, target, VersionsConfig{}), []string{"TLS1.0", "TLS1.1", "TLS1.2"},
		slices.Concat(want(tlsinfo.TLS10, 0x000A, 0xC012), want(tlsinfo.TLS11, 0x000A, 0xC012), want(tlsinfo.TLS12, 0x000A, 0xC012)))
}

// TestVersionsGnuTLSWithoutTLS11: gnutls-serv with TLS 1.3, 1.2 and 1.0 but
// not TLS 1.1 answers a TLS 1.1 hello with a protocol_version alert, where
// RFC 5246 E.1 wants a TLS 1.0 ServerHello. TLS 1.0 must still be found:
// one such alert does not settle the older versions.
func TestVersionsGnuTLSWithoutTLS11(t *testing.T) {
	c, err := versionsCert()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := daemon.WriteCert(t, t.TempDir(), "server", c)
	for _, prio := range []string{
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.0",
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.0",
	} {
		port := daemon.GnuTLSServer(t, certFile, keyFile, prio)
		ip := netip.MustParseAddr("127.0.0.1")
		target := Target{Host: ip.String(), IP: ip, Port: uint16(port)}
		res := enumerate(t, target, VersionsConfig{})
		want := []string{"TLS1.0", "TLS1.2"}
		if strings.Contains(prio, "TLS1.3") {
			want = append(want, "TLS1.3")
		}
		if !slices.Equal(res.Versions, want) {
			t.Errorf("%s: versions %v, want %v", prio, res.Versions, want)
		}
	}
}
