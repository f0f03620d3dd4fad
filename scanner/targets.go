package scanner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// TargetError reports a target token that cannot be parsed. Main treats it
// as a usage error.
type TargetError struct {
	Token  string
	Reason string
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("invalid target %q: %s", e.Token, e.Reason)
}

// TargetSpec is one parsed target token.
type TargetSpec struct {
	Raw string

	name   string  // host name without trailing dot; "" for address targets
	lookup string  // host name as given, passed to the resolver
	lo, hi uint128 // inclusive 16-byte address interval for address targets
	port   int     // pinned port; 0 means every configured port
}

// ParseTarget parses one target token: an IPv4 or IPv6 address, a CIDR, a
// range (10.0.0.1-10.0.0.50, 10.0.0.1-50, fd00::1-fd00::20), a host name, or
// a host or address with one pinned port (10.0.0.1:4287, name:443,
// [fd00::1]:443). Errors are *TargetError.
func ParseTarget(token string) (TargetSpec, error) {
	spec := TargetSpec{Raw: token}
	var reason string
	switch {
	case token == "":
		reason = "empty target"
	case strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		reason = "contains whitespace or control characters"
	case strings.Contains(token, "://"):
		reason = "looks like a URL; give a host name, address or host:port"
	default:
		reason = spec.parse(token)
	}
	if reason != "" {
		return TargetSpec{}, &TargetError{Token: token, Reason: reason}
	}
	return spec, nil
}

// parse fills s from tok and returns "" or the reason tok is invalid.
func (s *TargetSpec) parse(tok string) string {
	if strings.HasPrefix(tok, "[") {
		inner, rest, ok := strings.Cut(tok[1:], "]")
		switch {
		case !ok:
			return "missing ']' after bracketed IPv6 address"
		case !strings.HasPrefix(rest, ":"):
			return "a bracketed address needs a port, as in [fd00::1]:443"
		case !strings.Contains(inner, ":"):
			return "brackets are only for IPv6 addresses"
		}
		if r := s.setAddr(inner); r != "" {
			return r
		}
		return s.setPort(rest[1:])
	}
	if strings.Contains(tok, "/") {
		return s.parsePrefix(tok)
	}
	if i := strings.IndexByte(tok, '-'); i > 0 {
		if _, err := netip.ParseAddr(tok[:i]); err == nil {
			return s.parseRange(tok[:i], tok[i+1:])
		}
	}
	switch strings.Count(tok, ":") {
	case 0:
		return s.parseHost(tok)
	case 1:
		host, port, _ := strings.Cut(tok, ":")
		if host == "" {
			return "missing host before ':'"
		}
		if r := s.parseHost(host); r != "" {
			return r
		}
		return s.setPort(port)
	}
	r := s.setAddr(tok)
	if _, err := netip.ParseAddr(tok[:strings.LastIndexByte(tok, ':')]); r != "" && err == nil {
		r += "; put an IPv6 address with a port in brackets, as in [fd00::1]:443"
	}
	return r
}

// setAddr parses t as a single address.
func (s *TargetSpec) setAddr(t string) string {
	a, r := parseTargetAddr(t)
	s.lo = u128From16(a.As16())
	s.hi = s.lo
	return r
}

func (s *TargetSpec) setPort(t string) string {
	n, err := strconv.Atoi(t)
	if !targetDigits(t) || err != nil || n < 1 || n > 65535 || t[0] == '0' {
		return fmt.Sprintf("invalid port %q: want a number 1..65535", t)
	}
	s.port = n
	return ""
}

func (s *TargetSpec) parsePrefix(tok string) string {
	p, err := netip.ParsePrefix(tok)
	if err != nil {
		return "invalid CIDR: " + netipReason(err)
	}
	p = p.Masked()
	n := p.Bits()
	if p.Addr().Is4() {
		n += 96
	}
	s.lo = u128From16(p.Addr().As16())
	s.hi = uint128{s.lo.hi, s.lo.lo | (uint64(1)<<(128-n) - 1)} // set host bits
	if n < 64 {
		s.hi = uint128{s.lo.hi | (uint64(1)<<(64-n) - 1), ^uint64(0)}
	}
	return ""
}

func (s *TargetSpec) parseRange(left, right string) string {
	lo, r := parseTargetAddr(left)
	if r != "" {
		return "invalid range start: " + r
	}
	var hi netip.Addr
	switch {
	case right == "":
		return "missing range end after '-'"
	case lo.Is4() && targetDigits(right):
		n, err := strconv.Atoi(right)
		if err != nil || n > 255 || len(right) > 1 && right[0] == '0' {
			return fmt.Sprintf("range end %q is not a last octet 0..255", right)
		}
		b := lo.As4()
		b[3] = byte(n)
		hi = netip.AddrFrom4(b)
	case lo.Is6() && !strings.Contains(right, ":"):
		return "an IPv6 range needs a full end address, as in fd00::1-fd00::20"
	default:
		if hi, r = parseTargetAddr(right); r != "" {
			if lo.Is4() && strings.Contains(right, ":") {
				return "a range cannot pin a port; list ports with --ports"
			}
			return "invalid range end: " + r
		}
	}
	if lo.Is4() != hi.Is4() {
		return "range mixes IPv4 and IPv6"
	}
	if hi.Less(lo) {
		return "range start is after its end"
	}
	s.lo, s.hi = u128From16(lo.As16()), u128From16(hi.As16())
	return ""
}

// parseHost accepts an IPv4 address or a host name (no port, no colon).
func (s *TargetSpec) parseHost(h string) string {
	if _, err := netip.ParseAddr(h); err == nil {
		return s.setAddr(h)
	}
	name := strings.TrimSuffix(h, ".")
	if i := strings.LastIndexByte(name, '.'); name != "" && targetDigits(name[i+1:]) {
		// All-numeric last label: meant as an IPv4 address, not a name.
		_, err := netip.ParseAddr(h)
		return "invalid IPv4 address: " + netipReason(err)
	}
	if r := checkHostname(name); r != "" {
		return r
	}
	s.name, s.lookup = name, h
	return ""
}

// checkHostname validates RFC 1123 host name syntax (no trailing dot).
func checkHostname(name string) string {
	if len(name) > 253 {
		return "host name longer than 253 characters"
	}
	for label := range strings.SplitSeq(name, ".") {
		switch {
		case label == "":
			return "empty label in host name"
		case len(label) > 63:
			return "host name label longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "host name label starts or ends with a hyphen"
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("invalid character %q in host name", c)
			}
		}
	}
	return ""
}

// parseTargetAddr parses an IP address without zone, unmapping IPv4-mapped
// IPv6 addresses.
func parseTargetAddr(s string) (netip.Addr, string) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, "invalid IP address: " + netipReason(err)
	}
	if a.Zone() != "" {
		return netip.Addr{}, "zoned IPv6 addresses are not supported"
	}
	return a.Unmap(), ""
}

func targetDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// netipReason strips the `ParseAddr("...")` prefix from a net/netip error.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "): "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}

// ReadTargetList reads tokens from r: one or more whitespace or comma
// separated tokens per line, '#' starts a comment, blank lines are fine.
// Every token is checked with ParseTarget; errors name name:line and wrap the
// *TargetError.
func ReadTargetList(r io.Reader, name string) ([]string, error) {
	const maxLine = 1 << 20
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var toks []string
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "\ufeff"), "#")
		for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			if _, err := ParseTarget(tok); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			toks = append(toks, tok)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxLine)
		}
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return toks, nil
}
