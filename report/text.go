package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Caps on what a report stores from the network (see LimitStrings). A
// server controls these strings; the caps keep one hostile certificate
// from making a report, and everything rendered from it, arbitrarily big.
const (
	// MaxNetworkString is the most bytes kept of one string a server sent
	// (a certificate's subject, issuer, common name, serial or a SAN; a
	// banner, error or trust error). A longer one is cut at a character
	// boundary and ends with "…".
	MaxNetworkString = 1024
	// MaxSANs is the most subject alternative names kept per certificate.
	MaxSANs = 256
	// MaxChain is the most certificates kept of the chain a server sent.
	MaxChain = 16
)

// Ellipsis marks a string that was shortened.
const Ellipsis = "…"

// Escape makes s safe to print anywhere text is shown: every byte below
// 0x20, DEL and every invalid UTF-8 byte become \xNN, and every other
// rune unicode.IsPrint rejects (C1 controls, bidi overrides, zero-width
// and other format characters, non-ASCII spaces) becomes \uNNNN or
// \UNNNNNNNN. It is the one escape every finding detail and renderer
// uses, so BEL is \x07 wherever it shows.
func Escape(s string) string {
	if isSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		tok, n := escapeToken(s[i:])
		b.WriteString(tok)
		i += n
	}
	return b.String()
}

// Quote is Escape between double quotes, with a double quote inside
// written \": how a finding detail names a string a server sent.
func Quote(s string) string {
	return `"` + strings.ReplaceAll(Escape(s), `"`, `\"`) + `"`
}

func isSafe(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0x80 && !unicode.IsPrint(r)) {
			return false
		}
	}
	return true
}

// escapeToken returns the printable form of the first rune of s and the
// number of bytes it took.
func escapeToken(s string) (string, int) {
	r, n := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && n <= 1:
		return fmt.Sprintf(`\x%02x`, s[0]), 1
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r), n
	case r < 0x80 || unicode.IsPrint(r):
		return s[:n], n
	case r <= 0xffff:
		return fmt.Sprintf(`\u%04x`, r), n
	}
	return fmt.Sprintf(`\U%08x`, r), n
}

// Shorten escapes s (see Escape) and cuts it to at most max characters,
// ending it with "…" when cut. An escape sequence is never cut in half. It
// reads only as much of s as it keeps.
func Shorten(s string, max int) string {
	var b strings.Builder
	width := 0
	for i := 0; i < len(s); {
		tok, n := escapeToken(s[i:])
		w := utf8.RuneCountInString(tok)
		if width+w > max-1 && (width+w > max || i+n < len(s)) {
			b.WriteString(Ellipsis)
			return b.String()
		}
		b.WriteString(tok)
		width += w
		i += n
	}
	return b.String()
}

// Cut returns s, or, when it is longer than max bytes, its first bytes up
// to a character boundary followed by "…", max bytes in all. It does not
// escape: the JSON document keeps a server's bytes as they came.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	end := max - len(Ellipsis)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + Ellipsis
}

// LimitStrings applies the caps above to every string of ep that a server
// sent: certificate fields, SANs and the chain's length, banner, HTTP
// headers, HSTS header, errors. The sweep calls it on every endpoint
// before judging it.
func (ep *Endpoint) LimitStrings() {
	c := func(s *string) { *s = Cut(*s, MaxNetworkString) }
	c(&ep.Banner)
	c(&ep.Error)
	if h := ep.HTTP; h != nil {
		c(&h.Server)
		c(&h.Location)
	}
	t := ep.TLS
	if t == nil {
		return
	}
	c(&t.TrustError)
	c(&t.Version)
	c(&t.Cipher)
	c(&t.AppProtocol)
	c(&t.AppBanner)
	if t.HSTS != nil {
		c(&t.HSTS.Header)
	}
	if len(t.Chain) > MaxChain {
		t.Chain = t.Chain[:MaxChain]
	}
	for i := range t.Chain {
		cert := &t.Chain[i]
		for _, s := range []*string{&cert.Subject, &cert.Issuer, &cert.CommonName, &cert.Serial,
			&cert.SignatureAlgorithm, &cert.KeyType} {
			c(s)
		}
		if len(cert.SANs) > MaxSANs {
			cert.SANs = cert.SANs[:MaxSANs]
		}
		for j := range cert.SANs {
			c(&cert.SANs[j])
		}
	}
}
