package scanner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

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
	excl, err := parseExcludes(cfg.Exclude)
	if err != nil {
		return nil, err
	}
	ports, err := uniquePorts(cfg.Ports)
	if err != nil {
		return nil, err
	}
	ports, nSlow := slowFirst(ports, func(p int) int { return p })
	if needPorts && len(ports) == 0 {
		return nil, errors.New("no ports to scan for targets without a pinned port")
	}
	resolved, err := resolveTargets(ctx, cfg.Resolver, specs)
	if err != nil {
		return nil, err
	}
	var incl []targetSpan
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
	named := s.addNamed(specs, resolved, excl)
	pinHosts := s.addPinned(specs, resolved, excl, incl, named)
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

// parseExcludes turns --exclude tokens into address spans.
func parseExcludes(tokens []string) ([]targetSpan, error) {
	var excl []targetSpan
	for _, tok := range tokens {
		sp, err := ParseTarget(tok)
		switch {
		case err != nil:
			return nil, err
		case sp.name != "" || sp.port != 0:
			return nil, &TargetError{Token: tok, Reason: "excludes take addresses, CIDRs or ranges, not host names or ports"}
		}
		excl = append(excl, targetSpan{sp.lo, sp.hi})
	}
	return excl, nil
}

// uniquePorts checks every port and drops repeats, keeping the first.
func uniquePorts(in []int) ([]int, error) {
	var ports []int
	for _, p := range in {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("invalid port %d: want 1..65535", p)
		}
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// hostKey is one host of a named target: a name may resolve to several.
type hostKey struct {
	name string // lower-cased; "" for address targets
	ip   netip.Addr
}

// addNamed adds every address of every named target without a port, once
// per name and address, skipping excluded addresses.
func (s *TargetSet) addNamed(specs []TargetSpec, resolved map[string][]netip.Addr, excl []targetSpan) map[hostKey]bool {
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
	return named
}

// addPinned adds the host:port targets that the swept hosts and ports do
// not already cover, once each. It returns the hosts they add.
func (s *TargetSet) addPinned(specs []TargetSpec, resolved map[string][]netip.Addr, excl, incl []targetSpan, named map[hostKey]bool) map[hostKey]bool {
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
			if covered && slices.Contains(s.ports, sp.port) || pinSeen[k] {
				continue
			}
			pinSeen[k] = true
			if !covered {
				pinHosts[k.hostKey] = true
			}
			s.pinned = append(s.pinned, Probe{Host: sp.name, IP: ip, Port: sp.port})
		}
	}
	return pinHosts
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
