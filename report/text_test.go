package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain café":       "plain café",
		"bell\x07":         `bell\x07`,
		"esc\x1b[2J":       `esc\x1b[2J`,
		"nul\x00":          `nul\x00`,
		"crlf\r\n":         `crlf\x0d\x0a`,
		"c1\u009b":         `c1\u009b`,
		"rlo\u202e":        `rlo\u202e`,
		"bad\xff":          `bad\xff`,
		`back\slash`:       `back\slash`,
		"\U000e0001tag":    `\U000e0001tag`,
		"already \\x07 ok": `already \x07 ok`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if Escape(Escape(in)) != Escape(in) {
			t.Errorf("Escape is not idempotent on %q", in)
		}
	}
	if got := Quote(`a"b` + "\x07"); got != `"a\"b\x07"` {
		t.Errorf("Quote = %s", got)
	}
}

func TestShortenAndCut(t *testing.T) {
	if got := Shorten(strings.Repeat("x", 10), 10); got != strings.Repeat("x", 10) {
		t.Errorf("Shorten cut a string that fits: %q", got)
	}
	if got := Shorten(strings.Repeat("x", 11), 10); got != strings.Repeat("x", 9)+Ellipsis {
		t.Errorf("Shorten = %q", got)
	}
	// An escape is never cut in half.
	if got := Shorten("abcdefg\x07", 10); got != "abcdefg"+Ellipsis {
		t.Errorf("Shorten cut an escape: %q", got)
	}
	long := strings.Repeat("é", 1000)
	got := Cut(long, 101)
	if len(got) > 101 || !utf8.ValidString(got) || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("Cut = %d bytes, valid %v: %q", len(got), utf8.ValidString(got), got)
	}
	if Cut("short", 101) != "short" {
		t.Error("Cut changed a short string")
	}
}

// LimitStrings caps every string a server sent, and nothing else.
func TestLimitStrings(t *testing.T) {
	big := strings.Repeat("A", 100<<10)
	cert := Certificate{Subject: big, Issuer: big, CommonName: big, Serial: big, SignatureAlgorithm: big, KeyType: big,
		SANs: make([]string, MaxSANs+10)}
	for i := range cert.SANs {
		cert.SANs[i] = big
	}
	chain := make([]Certificate, MaxChain+3)
	for i := range chain {
		chain[i] = cert
	}
	ep := Endpoint{Host: "h", Banner: big, Error: big, HTTP: &HTTP{Server: big, Location: big},
		TLS: &TLS{Version: big, Cipher: big, TrustError: big, HSTS: &HSTS{Header: big}, Chain: chain}}
	ep.LimitStrings()
	capped := []string{ep.Banner, ep.Error, ep.HTTP.Server, ep.HTTP.Location, ep.TLS.Version, ep.TLS.Cipher,
		ep.TLS.TrustError, ep.TLS.HSTS.Header}
	if len(ep.TLS.Chain) != MaxChain {
		t.Errorf("chain of %d kept", len(ep.TLS.Chain))
	}
	for _, c := range ep.TLS.Chain {
		if len(c.SANs) != MaxSANs {
			t.Errorf("%d SANs kept", len(c.SANs))
		}
		capped = append(capped, c.Subject, c.Issuer, c.CommonName, c.Serial, c.SignatureAlgorithm, c.KeyType)
		capped = append(capped, c.SANs...)
	}
	for i, s := range capped {
		if len(s) > MaxNetworkString || !strings.HasSuffix(s, Ellipsis) {
			t.Fatalf("string %d: %d bytes, want at most %d ending in %s", i, len(s), MaxNetworkString, Ellipsis)
		}
	}
	if ep.Host != "h" {
		t.Error("host changed")
	}
}
