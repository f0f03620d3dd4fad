package scanner

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// Resolver looks up host names. *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// TargetConfig is the input to Expand.
type TargetConfig struct {
	Targets  []string // raw tokens
	Exclude  []string // addresses, CIDRs or ranges to drop (no host names, no ports)
	Ports    []int    // ports for targets without a pinned port
	MaxHosts int      // <= 0 = no limit; error if the number of distinct hosts exceeds it
	Resolver Resolver // used only for host names; nil = net.DefaultResolver
}

// Probe is one address and port to scan. Host is the host name as given
// (without trailing dot) for name targets and empty for address targets,
// so enumerating a subnet allocates nothing per probe.
type Probe struct {
	Host string
	IP   netip.Addr
	Port int
}

func (p Probe) addrPort() netip.AddrPort { return netip.AddrPortFrom(p.IP, uint16(p.Port)) }

// Name is the host name, or the address as text for address targets.
func (p Probe) Name() string {
	if p.Host != "" {
		return p.Host
	}
	return p.IP.String()
}

// TargetSet is an indexable, deduplicated set of probes. Unnamed address
// targets are kept as intervals, so large networks cost no memory per
// address. It is immutable and safe for concurrent use.
type TargetSet struct {
	ports  []int // the ports slow to examine first (nSlow of them)
	nSlow  int
	blocks []targetBlock // unnamed hosts scanned on every port, v4 then v6
	nAll   uint64        // hosts in blocks
	named  []Probe       // (name, ip) hosts scanned on every port; Port unused
	pinned []Probe       // probes with a pinned port, slow ports first
	pSlow  int           // pinned probes on a slow port
	hosts  uint64
	n      uint64
}

type targetBlock struct {
	lo    uint128
	start uint64 // index of lo among all block hosts
}

// Len is the number of probes.
func (s *TargetSet) Len() uint64 { return s.n }

// Hosts is the number of distinct hosts: unnamed IPs plus (name, IP) pairs.
func (s *TargetSet) Hosts() uint64 { return s.hosts }

// At returns probe i, 0 <= i < Len(). The order is deterministic and
// port-major: all unnamed hosts on the first port, then all on the second,
// and so on, the ports slow to examine (see slowToExamine) first; then
// named hosts in the same scheme; then pinned-port probes, those on slow
// ports first. At panics if i is out of range.
func (s *TargetSet) At(i uint64) Probe {
	np := uint64(len(s.ports))
	all := s.nAll * np
	if i < all {
		h := i % s.nAll
		k, found := slices.BinarySearchFunc(s.blocks, h, func(b targetBlock, h uint64) int { return cmp.Compare(b.start, h) })
		if !found {
			k-- // the last block starting before h
		}
		b := &s.blocks[k]
		ip := u128Addr(b.lo.add64(h - b.start))
		return Probe{IP: ip, Port: s.ports[i/s.nAll]}
	}
	i -= all
	nn := uint64(len(s.named))
	if i < nn*np {
		p := s.named[i%nn]
		p.Port = s.ports[i/nn]
		return p
	}
	return s.pinned[i-nn*np]
}

// classes splits the probe indices in two: the probes of ports slow to
// examine, and the others.
func (s *TargetSet) classes() [][]span {
	np, slow := uint64(len(s.ports)), uint64(s.nSlow)
	all, nn := s.nAll*np, uint64(len(s.named))
	pinned := all + nn*np
	return [][]span{
		{{0, s.nAll * slow}, {all, nn * slow}, {pinned, uint64(s.pSlow)}},
		{{s.nAll * slow, s.nAll * (np - slow)}, {all + nn*slow, nn * (np - slow)}, {pinned + uint64(s.pSlow), uint64(len(s.pinned) - s.pSlow)}},
	}
}

// Expand parses and validates every token first (so a bad token fails
// before any DNS lookup), then resolves host names, applies excludes and
// deduplicates.
func Expand(ctx context.Context, cfg TargetConfig) (*TargetSet, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("no targets given")
	}
	specs := make([]TargetSpec, 0, len(cfg.Targets))
	needPorts := false
	for _, tok := range cfg.Targets {
		sp, err := ParseTarget(tok)
		if err != nil {
			return nil, err
		}
		needPorts = needPorts || sp.port == 0
		specs = append(specs, sp)
	}
	var incl, excl []targetSpan
	for _, tok := range cfg.Exclude {
		sp, err := ParseTarget(tok)
		switch {
		case err != nil:
			return nil, err
		case sp.name != "" || sp.port != 0:
			return nil, &TargetError{Token: tok, Reason: "excludes take addresses, CIDRs or ranges, not host names or ports"}
		}
		excl = append(excl, targetSpan{sp.lo, sp.hi})
	}
	var ports []int
	for _, p := range cfg.Ports {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("invalid port %d: want 1..65535", p)
		}
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	ports, nSlow := slowFirst(ports, func(p int) int { return p })
	if needPorts && len(ports) == 0 {
		return nil, errors.New("no ports to scan for targets without a pinned port")
	}
	resolved, err := resolveTargets(ctx, cfg.Resolver, specs)
	if err != nil {
		return nil, err
	}
	for _, sp := range specs {
		if sp.name == "" && sp.port == 0 {
			incl = append(incl, targetSpan{sp.lo, sp.hi})
		}
	}
	excl = mergeSpans(excl)
	incl = subtractSpans(mergeSpans(incl), excl)
	s := &TargetSet{ports: ports, nSlow: nSlow}
	tooMany := errors.New("targets span more than 2^64-1 hosts; narrow the IPv6 prefixes or ranges")
	for _, sp := range incl {
		s.blocks = append(s.blocks, targetBlock{lo: sp.lo, start: s.nAll})
		d := sp.hi.sub(sp.lo)
		var carry uint64
		if s.nAll, carry = bits.Add64(s.nAll, d.lo, 1); d.hi != 0 || carry != 0 {
			return nil, tooMany
		}
	}
	type hostKey struct {
		name string // lower-cased; "" for address targets
		ip   netip.Addr
	}
	named := map[hostKey]bool{}
	for _, sp := range specs {
		for _, ip := range resolved[strings.ToLower(sp.lookup)] {
			k := hostKey{strings.ToLower(sp.name), ip}
			if sp.port == 0 && !named[k] && !spansContain(excl, ip) {
				named[k] = true
				s.named = append(s.named, Probe{Host: sp.name, IP: ip})
			}
		}
	}
	type pinKey struct {
		hostKey
		port int
	}
	pinSeen, pinHosts := map[pinKey]bool{}, map[hostKey]bool{}
	for _, sp := range specs {
		ips := resolved[strings.ToLower(sp.lookup)]
		if sp.port == 0 {
			continue
		} else if sp.name == "" {
			ips = []netip.Addr{u128Addr(sp.lo)}
		}
		for _, ip := range ips {
			if spansContain(excl, ip) {
				continue
			}
			k := pinKey{hostKey{strings.ToLower(sp.name), ip}, sp.port}
			covered := named[k.hostKey] || sp.name == "" && spansContain(incl, ip)
			if covered && slices.Contains(ports, sp.port) || pinSeen[k] {
				continue
			}
			pinSeen[k] = true
			if !covered {
				pinHosts[k.hostKey] = true
			}
			p := Probe{Host: sp.name, IP: ip, Port: sp.port}
			s.pinned = append(s.pinned, p)
		}
	}
	s.pinned, s.pSlow = slowFirst(s.pinned, func(p Probe) int { return p.Port })
	hosts, c1 := bits.Add64(s.nAll, uint64(len(s.named)+len(pinHosts)), 0)
	if c1 != 0 {
		return nil, tooMany
	}
	if cfg.MaxHosts > 0 && hosts > uint64(cfg.MaxHosts) {
		return nil, fmt.Errorf("%d hosts exceed --max-hosts %d; raise --max-hosts if you mean it", hosts, cfg.MaxHosts)
	}
	h, all := bits.Mul64(s.nAll, uint64(len(ports)))
	n, c := bits.Add64(all, uint64(len(s.named)*len(ports)+len(s.pinned)), 0)
	if h|c != 0 {
		return nil, fmt.Errorf("%d hosts on %d ports exceed 2^64-1 probes; narrow the targets", hosts, len(ports))
	}
	s.hosts, s.n = hosts, n
	return s, nil
}

// resolveTargets looks up every distinct host name in specs, a few at a
// time. Results are keyed by the lower-cased name as given, unmapped, sorted
// and deduplicated.
func resolveTargets(ctx context.Context, r Resolver, specs []TargetSpec) (map[string][]netip.Addr, error) {
	var names []string // as given, first spelling
	seen := map[string]bool{}
	for _, sp := range specs {
		if k := strings.ToLower(sp.lookup); sp.name != "" && !seen[k] {
			seen[k] = true
			names = append(names, sp.lookup)
		}
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, errs := make([][]netip.Addr, len(names)), make([]error, len(names))
	sem := make(chan struct{}, 8) // lookups in flight
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() == nil {
				addrs[i], errs[i] = r.LookupNetIP(ctx, "ip", name)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("resolving targets: %w", err)
	}
	out := make(map[string][]netip.Addr, len(names))
	for i, name := range names {
		list := make([]netip.Addr, 0, len(addrs[i]))
		for _, a := range addrs[i] {
			list = append(list, a.Unmap().WithZone(""))
		}
		if errs[i] == nil && len(list) == 0 {
			errs[i] = errors.New("no addresses found")
		}
		if errs[i] != nil {
			return nil, fmt.Errorf("cannot resolve %q: %w; check the name or scan its address", name, errs[i])
		}
		slices.SortFunc(list, netip.Addr.Compare)
		out[strings.ToLower(name)] = slices.Compact(list)
	}
	return out, nil
}

type targetSpan struct{ lo, hi uint128 } // inclusive address interval

// mergeSpans sorts sp and merges overlapping or adjacent spans, in place.
func mergeSpans(sp []targetSpan) []targetSpan {
	slices.SortFunc(sp, func(a, b targetSpan) int { return a.lo.cmp(b.lo) })
	out := sp[:0]
	for _, x := range sp {
		n := len(out)
		if n == 0 || out[n-1].hi != (uint128{^uint64(0), ^uint64(0)}) && x.lo.cmp(out[n-1].hi.add64(1)) > 0 {
			out = append(out, x)
		} else if x.hi.cmp(out[n-1].hi) > 0 {
			out[n-1].hi = x.hi
		}
	}
	return out
}

// subtractSpans returns a minus ex; both sorted and merged.
func subtractSpans(a, ex []targetSpan) []targetSpan {
	var out []targetSpan
	j := 0
	for _, s := range a {
		for j < len(ex) && ex[j].hi.cmp(s.lo) < 0 {
			j++
		}
		lo, done := s.lo, false
		for k := j; k < len(ex) && ex[k].lo.cmp(s.hi) <= 0 && !done; k++ {
			if ex[k].lo.cmp(lo) > 0 {
				out = append(out, targetSpan{lo, ex[k].lo.sub(uint128{0, 1})})
			}
			done = ex[k].hi.cmp(s.hi) >= 0
			lo = ex[k].hi.add64(1)
		}
		if !done {
			out = append(out, targetSpan{lo, s.hi})
		}
	}
	return out
}

// spansContain reports whether sorted, merged sp contains ip.
func spansContain(sp []targetSpan, ip netip.Addr) bool {
	u := u128From16(ip.As16())
	i, _ := slices.BinarySearchFunc(sp, u, func(x targetSpan, u uint128) int { return x.hi.cmp(u) })
	return i < len(sp) && sp[i].lo.cmp(u) <= 0
}

// slowFirst moves the elements on ports slow to examine to the front,
// keeping the order within each part, and says how many there are.
func slowFirst[T any](xs []T, port func(T) int) ([]T, int) {
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if slowToExamine(port(x)) {
			out = append(out, x)
		}
	}
	n := len(out)
	for _, x := range xs {
		if !slowToExamine(port(x)) {
			out = append(out, x)
		}
	}
	return out, n
}
