package scanner

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// *net.Resolver must satisfy Resolver.
var _ Resolver = net.DefaultResolver

type tgtValid struct {
	tok         string
	first, last string // address interval; "" for host names
	name        string
	port        int
}

var (
	tgtLabel63 = strings.Repeat("a", 63)
	tgtName253 = tgtLabel63 + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
)

var tgtValidCases = []tgtValid{
	{tok: "10.0.0.1", first: "10.0.0.1", last: "10.0.0.1"},
	{tok: "::1", first: "::1", last: "::1"},
	{tok: "fd00::5", first: "fd00::5", last: "fd00::5"},
	{tok: "fd00::1:443", first: "fd00::1:443", last: "fd00::1:443"}, // bare IPv6 is an address
	{tok: "::ffff:10.0.0.9", first: "10.0.0.9", last: "10.0.0.9"},
	{tok: "10.1.0.0/24", first: "10.1.0.0", last: "10.1.0.255"},
	{tok: "10.1.0.7/24", first: "10.1.0.0", last: "10.1.0.255"},
	{tok: "10.0.0.1/32", first: "10.0.0.1", last: "10.0.0.1"},
	{tok: "0.0.0.0/0", first: "0.0.0.0", last: "255.255.255.255"},
	{tok: "fd00::/120", first: "fd00::", last: "fd00::ff"},
	{tok: "fd00::1234/64", first: "fd00::", last: "fd00::ffff:ffff:ffff:ffff"},
	{tok: "fd00::/63", first: "fd00::", last: "fd00::1:ffff:ffff:ffff:ffff"},
	{tok: "fd00::/65", first: "fd00::", last: "fd00::7fff:ffff:ffff:ffff"},
	{tok: "::/0", first: "::", last: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{tok: "fd00::7/128", first: "fd00::7", last: "fd00::7"},
	{tok: "::ffff:10.0.0.0/120", first: "10.0.0.0", last: "10.0.0.255"},
	{tok: "10.0.0.1-10.0.0.50", first: "10.0.0.1", last: "10.0.0.50"},
	{tok: "10.0.0.1-50", first: "10.0.0.1", last: "10.0.0.50"},
	{tok: "10.0.0.7-7", first: "10.0.0.7", last: "10.0.0.7"},
	{tok: "10.0.0.0-255", first: "10.0.0.0", last: "10.0.0.255"},
	{tok: "10.0.0.250-10.0.1.5", first: "10.0.0.250", last: "10.0.1.5"},
	{tok: "fd00::1-fd00::20", first: "fd00::1", last: "fd00::20"},
	{tok: "fd00::ffff-fd00::1:0", first: "fd00::ffff", last: "fd00::1:0"},
	{tok: "backup.example.internal", name: "backup.example.internal"},
	{tok: "backup.example.internal.", name: "backup.example.internal"},
	{tok: "localhost", name: "localhost"},
	{tok: "Web.Example", name: "Web.Example"},
	{tok: "xn--bcher-kva.example", name: "xn--bcher-kva.example"},
	{tok: "a-b.c-d.example", name: "a-b.c-d.example"},
	{tok: "1e100.net", name: "1e100.net"},
	{tok: "10-0-0-1.example", name: "10-0-0-1.example"},
	{tok: "host-10.0.0.1.example", name: "host-10.0.0.1.example"},
	{tok: tgtLabel63 + ".example", name: tgtLabel63 + ".example"},
	{tok: tgtName253, name: tgtName253},
	{tok: "10.0.0.1:4287", first: "10.0.0.1", last: "10.0.0.1", port: 4287},
	{tok: "10.0.0.1:65535", first: "10.0.0.1", last: "10.0.0.1", port: 65535},
	{tok: "name.example:11443", name: "name.example", port: 11443},
	{tok: "host.example.:443", name: "host.example", port: 443},
	{tok: "a:1", name: "a", port: 1},
	{tok: "[::1]:4287", first: "::1", last: "::1", port: 4287},
	{tok: "[fd00::1]:443", first: "fd00::1", last: "fd00::1", port: 443},
	{tok: "[::ffff:10.0.0.1]:443", first: "10.0.0.1", last: "10.0.0.1", port: 443},
}

type tgtInvalid struct{ tok, reason string }

var tgtInvalidCases = []tgtInvalid{
	{"", "empty"},
	{"10.0.0.300", "IPv4 field has value >255"},
	{"10.0.0", "IPv4"},
	{"1.2.3.4.5", "IPv4"},
	{"300", "IPv4"},
	{"example.123", "IPv4"},
	{"10.0.0.1,10.0.0.2", "IPv4"},
	{"a..b", "empty label"},
	{".", "empty label"},
	{".example", "empty label"},
	{"-x", "hyphen"},
	{"x-.example", "hyphen"},
	{"a b", "whitespace"},
	{"\tx", "whitespace"},
	{"a\x00b", "control"},
	{"http://x", "URL"},
	{"https://example.com:443/", "URL"},
	{"under_score.example", "invalid character '_'"},
	{"*.example", "invalid character '*'"},
	{"bücher.example", "invalid character 'ü'"},
	{"a%b", "invalid character '%'"},
	{strings.Repeat("a", 64) + ".example", "longer than 63"},
	{tgtName253 + "e", "longer than 253"},
	{"10.0.0.0/33", "CIDR"},
	{"10.0.0.0/", "CIDR"},
	{"fd00::/129", "CIDR"},
	{"10.0.0.0/24/8", "CIDR"},
	{"name.example/24", "CIDR"},
	{"10.0.0.0/24:443", "CIDR"},
	{"fe80::/64%eth0", "CIDR"},
	{"10.0.0.50-10.0.0.1", "range start is after its end"},
	{"10.0.0.50-1", "range start is after its end"},
	{"fd00::20-fd00::1", "range start is after its end"},
	{"10.0.0.1-256", "0..255"},
	{"10.0.0.1-01", "0..255"},
	{"10.0.0.1-", "missing range end"},
	{"10.0.0.1-fd00::1", "mixes IPv4 and IPv6"},
	{"fd00::1-10.0.0.1", "full end address"},
	{"fd00::1-20", "full end address"},
	{"10.0.0.1-10.0.0.x", "invalid range end"},
	{"10.0.0.1-50:443", "cannot pin a port"},
	{"fe80::1%eth-0", "zoned"},
	{"10.0.0.1:0", "invalid port"},
	{"10.0.0.1:65536", "invalid port"},
	{"10.0.0.1:", "invalid port"},
	{"10.0.0.1:+443", "invalid port"},
	{"10.0.0.1:0443", "invalid port"},
	{"10.0.0.1:99999999999999999999", "invalid port"},
	{"name.example:https", "invalid port"},
	{":443", "missing host"},
	{"10.0.0.300:443", "IPv4"},
	{"bad_name:443", "invalid character"},
	{"[::1]", "needs a port"},
	{"[::1]443", "needs a port"},
	{"[::1", "missing ']'"},
	{"[10.0.0.1]:443", "only for IPv6"},
	{"[]:443", "only for IPv6"},
	{"[::1]:", "invalid port"},
	{"[::1]:99999", "invalid port"},
	{"[fd00::g]:443", "invalid IP address"},
	{"[fe80::1%eth0]:443", "zoned"},
	{"fd00::1::2", "multiple ::"},
	{"fe80::1%eth0", "zoned"},
	{"::1:99999", "in brackets"},
	{"a:b:c", "invalid IP address"},
}

func TestParseTargetValid(t *testing.T) {
	for _, tc := range tgtValidCases {
		t.Run(tc.tok, func(t *testing.T) {
			sp, err := ParseTarget(tc.tok)
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", tc.tok, err)
			}
			if sp.Raw != tc.tok || sp.name != tc.name || sp.port != tc.port {
				t.Errorf("got Raw %q name %q port %d, want %q %q %d", sp.Raw, sp.name, sp.port, tc.tok, tc.name, tc.port)
			}
			if tc.name != "" {
				if sp.lookup != strings.TrimSuffix(strings.TrimSuffix(tc.tok, fmt.Sprintf(":%d", tc.port)), ":0") {
					t.Errorf("lookup name %q", sp.lookup)
				}
				return
			}
			if first, last := u128Addr(sp.lo).String(), u128Addr(sp.hi).String(); first != tc.first || last != tc.last {
				t.Errorf("interval %s..%s, want %s..%s", first, last, tc.first, tc.last)
			}
		})
	}
}

func TestParseTargetInvalid(t *testing.T) {
	for _, tc := range tgtInvalidCases {
		t.Run(tc.tok, func(t *testing.T) {
			sp, err := ParseTarget(tc.tok)
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("ParseTarget(%q) = %+v, %v; want *TargetError", tc.tok, sp, err)
			}
			if te.Token != tc.tok {
				t.Errorf("Token = %q, want %q", te.Token, tc.tok)
			}
			if !strings.Contains(te.Reason, tc.reason) {
				t.Errorf("Reason = %q, want it to contain %q", te.Reason, tc.reason)
			}
			if r := []rune(te.Reason)[0]; !unicode.IsLower(r) {
				t.Errorf("Reason %q should start lower-case", te.Reason)
			}
			if want := fmt.Sprintf("invalid target %q: ", tc.tok); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", err, want)
			}
		})
	}
}

func TestTargetErrorMessage(t *testing.T) {
	err := error(&TargetError{Token: "10.0.0.300", Reason: "bad octet"})
	if got, want := err.Error(), `invalid target "10.0.0.300": bad octet`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestReadTargetList(t *testing.T) {
	in := "\ufeff# targets for the backup network\n" +
		"10.0.0.1, 10.0.0.2  fd00::/120\t# trailing comment\n" +
		"   \n" +
		"\n" +
		"web.example,,db.example:443\r\n" +
		"#10.9.9.9\n" +
		"[::1]:4287 10.1.0.0-20,\n"
	got, err := ReadTargetList(strings.NewReader(in), "hosts.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.1", "10.0.0.2", "fd00::/120", "web.example", "db.example:443", "[::1]:4287", "10.1.0.0-20"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens %q, want %q", got, want)
	}

	got, err = ReadTargetList(strings.NewReader(""), "empty.txt")
	if err != nil || len(got) != 0 {
		t.Errorf("empty list: %q, %v", got, err)
	}
}

func TestReadTargetListErrors(t *testing.T) {
	_, err := ReadTargetList(strings.NewReader("10.0.0.1\n\n  # fine\nweb.example 10.0.0.300, 10.0.0.301\n"), "hosts.txt")
	var te *TargetError
	if !errors.As(err, &te) || te.Token != "10.0.0.300" ||
		!strings.HasPrefix(err.Error(), `hosts.txt:4: invalid target "10.0.0.300": `) {
		t.Errorf("err = %v, want hosts.txt:4 naming 10.0.0.300", err)
	}
	_, err = ReadTargetList(strings.NewReader("10.0.0.1\n"+strings.Repeat("a", 2<<20)+"\n"), "big.txt")
	if err == nil || !strings.HasPrefix(err.Error(), "big.txt:2: line longer than") {
		t.Errorf("long line: %v", err)
	}
	boom := errors.New("disk on fire")
	_, err = ReadTargetList(io.MultiReader(strings.NewReader("10.0.0.1\n"), tgtErrReader{boom}), "list.txt")
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "list.txt") {
		t.Errorf("read error: %v", err)
	}
}

type tgtErrReader struct{ err error }

func (r tgtErrReader) Read([]byte) (int, error) { return 0, r.err }

func FuzzParseTarget(f *testing.F) {
	for _, tc := range tgtValidCases {
		f.Add(tc.tok)
	}
	for _, tc := range tgtInvalidCases {
		f.Add(tc.tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		sp, err := ParseTarget(tok)
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) || te.Token != tok || te.Reason == "" {
				t.Fatalf("ParseTarget(%q): error %v is not a TargetError for the token", tok, err)
			}
			return
		}
		if sp.Raw != tok {
			t.Fatalf("Raw = %q, want %q", sp.Raw, tok)
		}
		if sp.port < 0 || sp.port > 65535 {
			t.Fatalf("ParseTarget(%q): port %d", tok, sp.port)
		}
		if sp.name == "" && sp.lo.cmp(sp.hi) > 0 {
			t.Fatalf("ParseTarget(%q): empty interval %v..%v", tok, u128Addr(sp.lo), u128Addr(sp.hi))
		}
		if sp.name != "" && (len(sp.name) > 253 || strings.ContainsAny(sp.name, ":/[]% ")) {
			t.Fatalf("ParseTarget(%q): bad host name %q", tok, sp.name)
		}
	})
}

func FuzzReadTargetList(f *testing.F) {
	f.Add("10.0.0.1, 10.0.0.2 # c\n\nweb.example\r\n")
	f.Add("\ufeff[::1]:443,,fd00::/120\n#x\n10.0.0.1-50")
	f.Add("a..b\n")
	for _, tc := range tgtValidCases {
		f.Add(tc.tok + "\n")
	}
	f.Fuzz(func(t *testing.T, in string) {
		toks, err := ReadTargetList(strings.NewReader(in), "list.txt")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "list.txt:") {
				t.Fatalf("error %q does not name list.txt:line", err)
			}
			return
		}
		for _, tok := range toks {
			if tok == "" || strings.ContainsAny(tok, ",# \t\r\n") {
				t.Fatalf("bad token %q from %q", tok, in)
			}
			if _, err := ParseTarget(tok); err != nil {
				t.Fatalf("returned token %q does not parse: %v", tok, err)
			}
		}
	})
}
