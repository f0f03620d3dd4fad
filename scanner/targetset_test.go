package scanner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tgtResolver is a fake Resolver backed by a map of lower-case names
// (without trailing dot) to addresses. Names not in the map fail like a
// missing DNS name.
type tgtResolver struct {
	addrs   map[string][]string
	reverse bool // return answers in reverse order
	mu      sync.Mutex
	calls   []string
}

func (r *tgtResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	r.calls = append(r.calls, host)
	r.mu.Unlock()
	if network != "ip" {
		return nil, fmt.Errorf("unexpected network %q", network)
	}
	list, ok := r.addrs[strings.ToLower(strings.TrimSuffix(host, "."))]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	if r.reverse {
		slices.Reverse(out)
	}
	return out, nil
}

func (r *tgtResolver) lookups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.calls))
}

func tgtExpand(t *testing.T, cfg TargetConfig) *TargetSet {
	t.Helper()
	s, err := Expand(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Expand(%v): %v", cfg.Targets, err)
	}
	return s
}

// tgtProbes lists every probe of s as "host ip port", in At order, failing
// on duplicates.
func tgtProbes(t *testing.T, s *TargetSet) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for i := range s.Len() {
		p := s.At(i)
		k := fmt.Sprintf("%s %s %d", p.Name(), p.IP, p.Port)
		if seen[k] {
			t.Errorf("probe %d %q is a duplicate", i, k)
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

func tgtSameSet(t *testing.T, got, want []string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("probes:\n got %q\nwant %q", g, w)
	}
}

// tgtV4 lists "ip ip port" for prefix.a..b of the last octet on each port.
func tgtV4(prefix string, a, b int, ports ...int) []string {
	var out []string
	for _, p := range ports {
		for i := a; i <= b; i++ {
			out = append(out, fmt.Sprintf("%s.%d %s.%d %d", prefix, i, prefix, i, p))
		}
	}
	return out
}

func TestExpandDedup(t *testing.T) {
	cases := []struct {
		name    string
		targets []string
		want    []string
	}{
		{"cidr and address", []string{"10.0.0.0/30", "10.0.0.1"}, tgtV4("10.0.0", 0, 3, 443)},
		{"cidr, range, short range, mapped", []string{"10.0.0.0/30", "10.0.0.2-3", "10.0.0.3-10.0.0.5", "::ffff:10.0.0.4", "10.0.0.5"},
			tgtV4("10.0.0", 0, 5, 443)},
		{"adjacent ranges", []string{"10.0.0.8-9", "10.0.0.6-7", "10.0.0.10"}, tgtV4("10.0.0", 6, 10, 443)},
		{"non-canonical cidr", []string{"10.0.0.7/29", "10.0.0.0/29"}, tgtV4("10.0.0", 0, 7, 443)},
		{"ipv6 overlap", []string{"fd00::/126", "fd00::2-fd00::5", "fd00::1"},
			[]string{"fd00:: fd00:: 443", "fd00::1 fd00::1 443", "fd00::2 fd00::2 443", "fd00::3 fd00::3 443", "fd00::4 fd00::4 443", "fd00::5 fd00::5 443"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tgtExpand(t, TargetConfig{Targets: tc.targets, Ports: []int{443, 443}})
			tgtSameSet(t, tgtProbes(t, s), tc.want)
			if s.Hosts() != uint64(len(tc.want)) || s.Len() != uint64(len(tc.want)) {
				t.Errorf("Hosts %d Len %d, want %d", s.Hosts(), s.Len(), len(tc.want))
			}
		})
	}
}

func TestExpandExclude(t *testing.T) {
	s := tgtExpand(t, TargetConfig{
		Targets: []string{"10.9.0.0/24"},
		Exclude: []string{"10.9.0.10-20", "10.9.0.128/25", "::ffff:10.9.0.0", "10.8.0.0/16", "fd00::/8"},
		Ports:   []int{443},
	})
	tgtSameSet(t, tgtProbes(t, s), slices.Concat(tgtV4("10.9.0", 1, 9, 443), tgtV4("10.9.0", 21, 127, 443)))
	if s.Hosts() != 116 {
		t.Errorf("Hosts = %d, want 116", s.Hosts())
	}

	s = tgtExpand(t, TargetConfig{Targets: []string{"fd00::/120"}, Exclude: []string{"fd00::80/121", "10.0.0.0/8"}, Ports: []int{443}})
	if s.Len() != 128 || s.At(127).IP != netip.MustParseAddr("fd00::7f") {
		t.Errorf("Len %d last %v, want 128 ending fd00::7f", s.Len(), s.At(s.Len()-1))
	}

	// Everything excluded leaves an empty set, not an error.
	s = tgtExpand(t, TargetConfig{Targets: []string{"10.0.0.1", "10.0.0.2:443"}, Exclude: []string{"10.0.0.0/30"}, Ports: []int{443}})
	if s.Len() != 0 || s.Hosts() != 0 {
		t.Errorf("Len %d Hosts %d, want 0", s.Len(), s.Hosts())
	}
}

// IPv4-mapped IPv6 addresses are IPv4: a v6 prefix covering ::ffff:0:0/96
// contains the IPv4 space, and IPv4 excludes cut it.
func TestExpandMappedSpace(t *testing.T) {
	s := tgtExpand(t, TargetConfig{Targets: []string{"::/80", "10.0.0.1"}, Ports: []int{443}})
	if s.Hosts() != 1<<48 {
		t.Fatalf("Hosts = %d, want 2^48", s.Hosts())
	}
	if p := s.At(0xffff_0000_0000); !p.IP.Is4() || p.Name() != "0.0.0.0" {
		t.Errorf("first mapped probe = %+v, want IPv4 0.0.0.0", p)
	}
	s = tgtExpand(t, TargetConfig{Targets: []string{"::/79"}, Exclude: []string{"0.0.0.0/0"}, Ports: []int{443}})
	if s.Hosts() != 1<<49-1<<32 {
		t.Errorf("Hosts = %d, want 2^49-2^32", s.Hosts())
	}
	if p := s.At(0xffff_0000_0000); p.IP != netip.MustParseAddr("::1:0:0:0") {
		t.Errorf("probe after the IPv4 hole = %+v, want ::1:0:0:0", p)
	}
}

func TestExpandIPv6Slash120(t *testing.T) {
	s := tgtExpand(t, TargetConfig{Targets: []string{"fd00::/120"}, Ports: []int{443, 8443}})
	if s.Hosts() != 256 || s.Len() != 512 {
		t.Fatalf("Hosts %d Len %d, want 256 512", s.Hosts(), s.Len())
	}
	var want []string
	for _, port := range []int{443, 8443} {
		for i := range 256 {
			ip := fmt.Sprintf("fd00::%x", i)
			if i == 0 {
				ip = "fd00::"
			}
			want = append(want, fmt.Sprintf("%s %s %d", ip, ip, port))
		}
	}
	tgtSameSet(t, tgtProbes(t, s), want)
}

func TestExpandNames(t *testing.T) {
	r := &tgtResolver{addrs: map[string][]string{
		"web.example":    {"fd00::1", "10.0.0.1", "10.0.0.1"},
		"db.example":     {"10.0.0.2"},
		"mapped.example": {"::ffff:10.0.0.7"},
	}}
	s := tgtExpand(t, TargetConfig{
		Targets:  []string{"web.example", "WEB.example.", "web.example", "10.0.0.1", "db.example", "mapped.example"},
		Exclude:  []string{"10.0.0.2"},
		Ports:    []int{443},
		Resolver: r,
	})
	tgtSameSet(t, tgtProbes(t, s), []string{
		"10.0.0.1 10.0.0.1 443",
		"web.example 10.0.0.1 443",
		"web.example fd00::1 443",
		"mapped.example 10.0.0.7 443",
	})
	if s.Hosts() != 4 {
		t.Errorf("Hosts = %d, want 4", s.Hosts())
	}
	// One lookup per distinct name as given; a trailing dot is kept for the
	// resolver (it disables search domains).
	if got, want := r.lookups(), []string{"WEB.example.", "db.example", "mapped.example", "web.example"}; !slices.Equal(got, want) {
		t.Errorf("lookups %q, want %q", got, want)
	}
}

func TestExpandResolveErrors(t *testing.T) {
	r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.0.0.1"}, "empty.example": {}}}
	_, err := Expand(context.Background(), TargetConfig{Targets: []string{"web.example", "nx.example"}, Ports: []int{443}, Resolver: r})
	var dnsErr *net.DNSError
	if err == nil || !errors.As(err, &dnsErr) ||
		!strings.HasPrefix(err.Error(), `cannot resolve "nx.example": `) || !strings.HasSuffix(err.Error(), "; check the name or scan its address") {
		t.Errorf("unresolvable name: %v", err)
	}
	_, err = Expand(context.Background(), TargetConfig{Targets: []string{"empty.example:443"}, Resolver: r})
	if err == nil || err.Error() != `cannot resolve "empty.example": no addresses found; check the name or scan its address` {
		t.Errorf("name without addresses: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Expand(ctx, TargetConfig{Targets: []string{"web.example"}, Ports: []int{443}, Resolver: r})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}

func TestExpandValidatesBeforeLookup(t *testing.T) {
	cases := []struct {
		name    string
		cfg     TargetConfig
		badTok  string
		wantMsg string
	}{
		{"bad target", TargetConfig{Targets: []string{"web.example", "10.0.0.300"}, Ports: []int{443}}, "10.0.0.300", "IPv4"},
		{"hostname exclude", TargetConfig{Targets: []string{"web.example"}, Exclude: []string{"web.example"}, Ports: []int{443}}, "web.example", "not host names"},
		{"port exclude", TargetConfig{Targets: []string{"web.example"}, Exclude: []string{"10.0.0.1:443"}, Ports: []int{443}}, "10.0.0.1:443", "ports"},
		{"bad exclude", TargetConfig{Targets: []string{"web.example"}, Exclude: []string{"10.0.0.0/40"}, Ports: []int{443}}, "10.0.0.0/40", "CIDR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.0.0.1"}}}
			tc.cfg.Resolver = r
			_, err := Expand(context.Background(), tc.cfg)
			var te *TargetError
			if !errors.As(err, &te) || te.Token != tc.badTok || !strings.Contains(te.Reason, tc.wantMsg) {
				t.Fatalf("err = %v, want TargetError for %q mentioning %q", err, tc.badTok, tc.wantMsg)
			}
			if calls := r.lookups(); len(calls) != 0 {
				t.Errorf("resolver called %q before validation finished", calls)
			}
		})
	}
	r := &tgtResolver{}
	for _, ports := range [][]int{nil, {0}, {443, 65536}, {-1}} {
		if _, err := Expand(context.Background(), TargetConfig{Targets: []string{"web.example"}, Ports: ports, Resolver: r}); err == nil {
			t.Errorf("ports %v: no error", ports)
		}
	}
	if _, err := Expand(context.Background(), TargetConfig{Ports: []int{443}, Resolver: r}); err == nil {
		t.Error("no targets: no error")
	}
	if calls := r.lookups(); len(calls) != 0 {
		t.Errorf("resolver called %q for invalid configs", calls)
	}
}

func TestExpandPinnedPorts(t *testing.T) {
	r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.0.0.1"}}}
	s := tgtExpand(t, TargetConfig{
		Targets: []string{"10.0.0.0/31", "10.0.0.1:443", "10.0.0.1:4287", "10.0.0.1:4287", "10.0.0.9:443",
			"[fd00::1]:443", "web.example:11443", "web.example", "web.example:443", "10.0.0.9:443"},
		Ports:    []int{443, 8443},
		Resolver: r,
	})
	got := tgtProbes(t, s)
	want := []string{
		// unnamed all-ports block, port-major
		"10.0.0.0 10.0.0.0 443", "10.0.0.1 10.0.0.1 443", "10.0.0.0 10.0.0.0 8443", "10.0.0.1 10.0.0.1 8443",
		// named all-ports entries
		"web.example 10.0.0.1 443", "web.example 10.0.0.1 8443",
		// pinned, HTTPS ports first, otherwise in input order; 10.0.0.1:443
		// and web.example:443 are covered above
		"10.0.0.9 10.0.0.9 443", "fd00::1 fd00::1 443", "web.example 10.0.0.1 11443", "10.0.0.1 10.0.0.1 4287",
	}
	if !slices.Equal(got, want) {
		t.Errorf("probes in order:\n got %q\nwant %q", got, want)
	}
	// 10.0.0.0, 10.0.0.1, web.example/10.0.0.1, 10.0.0.9, fd00::1
	if s.Hosts() != 5 {
		t.Errorf("Hosts = %d, want 5", s.Hosts())
	}

	// Only pinned targets need no ports.
	s = tgtExpand(t, TargetConfig{Targets: []string{"10.0.0.1:443", "[::1]:4287"}})
	tgtSameSet(t, tgtProbes(t, s), []string{"10.0.0.1 10.0.0.1 443", "::1 ::1 4287"})
}

func TestExpandMaxHosts(t *testing.T) {
	r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.1.0.1", "10.1.0.2"}}}
	cfg := TargetConfig{Targets: []string{"10.0.0.0/24", "web.example", "10.2.0.1:443"}, Ports: []int{443}, Resolver: r, MaxHosts: 258}
	_, err := Expand(context.Background(), cfg)
	if want := "259 hosts exceed --max-hosts 258; raise --max-hosts if you mean it"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	cfg.MaxHosts = 259
	if s := tgtExpand(t, cfg); s.Hosts() != 259 || s.Len() != 259 {
		t.Errorf("Hosts %d Len %d, want 259", s.Hosts(), s.Len())
	}
	_, err = Expand(context.Background(), TargetConfig{Targets: []string{"10.0.0.0/8"}, Ports: []int{443}, MaxHosts: 65536})
	if want := "16777216 hosts exceed --max-hosts 65536; raise --max-hosts if you mean it"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestExpandLargeSpaces(t *testing.T) {
	ports := []int{22, 80, 443, 465, 993, 8443, 4287}
	s := tgtExpand(t, TargetConfig{Targets: []string{"10.0.0.0/8"}, Ports: ports})
	if s.Hosts() != 1<<24 || s.Len() != 7<<24 {
		t.Fatalf("Hosts %d Len %d", s.Hosts(), s.Len())
	}
	if p := s.At(s.Len() - 1); p != (Probe{"", netip.MustParseAddr("10.255.255.255"), 4287}) {
		t.Errorf("last probe %+v", p)
	}
	s = tgtExpand(t, TargetConfig{Targets: []string{"fd00::/65"}, Ports: []int{443}})
	if s.Len() != 1<<63 || s.At(s.Len()-1).IP != netip.MustParseAddr("fd00::7fff:ffff:ffff:ffff") {
		t.Errorf("fd00::/65: Len %d last %+v", s.Len(), s.At(s.Len()-1))
	}
	// fd00::/65 and fe00::/65 less one address is exactly 2^64-1 hosts.
	s = tgtExpand(t, TargetConfig{Targets: []string{"fd00::/65", "fe00::/65"}, Exclude: []string{"fe00::"}, Ports: []int{443}})
	if s.Len() != 1<<64-1 || s.At(s.Len()-1).IP != netip.MustParseAddr("fe00::7fff:ffff:ffff:ffff") || s.At(1<<63).IP != netip.MustParseAddr("fe00::1") {
		t.Errorf("2^64-1 hosts: Len %d", s.Len())
	}
	for _, tc := range []struct {
		targets, exclude []string
		ports            []int
		want             string
	}{
		{[]string{"fd00::/64"}, nil, []int{443}, "more than 2^64-1 hosts"},
		{[]string{"::/0"}, nil, []int{443}, "more than 2^64-1 hosts"},
		{[]string{"fd00::/65", "fe00::/65"}, nil, []int{443}, "more than 2^64-1 hosts"},
		{[]string{"fd00::/65", "fe00::/65", "web.example"}, []string{"fe00::"}, []int{443}, "more than 2^64-1 hosts"},
		{[]string{"fd00::/65", "fe00::/65", "[fd00::1]:4287"}, []string{"fe00::"}, []int{443}, "2^64-1 probes"},
		{[]string{"fd00::/65"}, nil, []int{443, 8443}, "2^64-1 probes"},
	} {
		r := &tgtResolver{addrs: map[string][]string{"web.example": {"10.0.0.1"}}}
		_, err := Expand(context.Background(), TargetConfig{Targets: tc.targets, Exclude: tc.exclude, Ports: tc.ports, Resolver: r})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v on %d ports: err = %v, want %q", tc.targets, len(tc.ports), err, tc.want)
		}
	}
}

func TestExpandPortMajorOrder(t *testing.T) {
	ports := []int{443, 8443, 9443}
	r := &tgtResolver{addrs: map[string][]string{"a.example": {"10.0.2.1"}, "b.example": {"10.0.2.2", "fd00::2"}}}
	s := tgtExpand(t, TargetConfig{Targets: []string{"10.0.1.0/30", "10.0.0.0/29", "a.example", "b.example"}, Ports: ports, Resolver: r})
	const hosts = 12
	if s.Len() != (hosts+3)*3 {
		t.Fatalf("Len = %d", s.Len())
	}
	first := map[netip.Addr]bool{}
	for i := range uint64(hosts) {
		p := s.At(i)
		if p.Port != ports[0] || first[p.IP] {
			t.Errorf("probe %d = %+v: want a new host on port %d", i, p, ports[0])
		}
		first[p.IP] = true
	}
	for i := range uint64(hosts * 3) {
		p, q := s.At(i), s.At(i%hosts)
		if p.Port != ports[i/hosts] || p.IP != q.IP {
			t.Errorf("probe %d = %+v, want host %v on port %d", i, p, q.IP, ports[i/hosts])
		}
	}
	var named []string
	for i := uint64(hosts * 3); i < s.Len(); i++ {
		p := s.At(i)
		named = append(named, fmt.Sprintf("%s %s %d", p.Name(), p.IP, p.Port))
	}
	want := []string{
		"a.example 10.0.2.1 443", "b.example 10.0.2.2 443", "b.example fd00::2 443",
		"a.example 10.0.2.1 8443", "b.example 10.0.2.2 8443", "b.example fd00::2 8443",
		"a.example 10.0.2.1 9443", "b.example 10.0.2.2 9443", "b.example fd00::2 9443",
	}
	if !slices.Equal(named, want) {
		t.Errorf("named probes:\n got %q\nwant %q", named, want)
	}
	all := tgtProbes(t, s)
	tgtSameSet(t, all[:hosts*3], slices.Concat(tgtV4("10.0.0", 0, 7, ports...), tgtV4("10.0.1", 0, 3, ports...)))
}

func TestExpandDeterministic(t *testing.T) {
	cfg := func(reverse bool) TargetConfig {
		return TargetConfig{
			Targets:  []string{"b.example", "10.0.0.0/29", "a.example:443", "fd00::1-fd00::3", "a.example"},
			Ports:    []int{8443, 443},
			Resolver: &tgtResolver{reverse: reverse, addrs: map[string][]string{"a.example": {"10.0.0.9", "fd00::9", "10.0.0.8"}, "b.example": {"10.0.0.7", "10.0.0.1"}}},
		}
	}
	a, b := tgtProbes(t, tgtExpand(t, cfg(false))), tgtProbes(t, tgtExpand(t, cfg(true)))
	if !slices.Equal(a, b) {
		t.Errorf("order depends on resolver answer order:\n%q\n%q", a, b)
	}
}

func TestTargetSetAtConcurrent(t *testing.T) {
	s := tgtExpand(t, TargetConfig{Targets: []string{"10.0.0.0/28", "fd00::/124"}, Ports: []int{1, 2}})
	want := tgtProbes(t, s)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range s.Len() {
				p := s.At(i)
				if got := fmt.Sprintf("%s %s %d", p.Name(), p.IP, p.Port); got != want[i] {
					t.Errorf("At(%d) = %q, want %q", i, got, want[i])
				}
			}
		})
	}
	wg.Wait()
	defer func() {
		if recover() == nil {
			t.Error("At(Len()) did not panic")
		}
	}()
	s.At(s.Len())
}

func BenchmarkTargetSetAt(b *testing.B) {
	ports := []int{22, 80, 443, 465, 993, 8443, 4287}
	b.Run("slash16", func(b *testing.B) {
		s, err := Expand(context.Background(), TargetConfig{Targets: []string{"10.0.0.0/16", "10.2.0.0/24", "fd00::/112"}, Ports: ports})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		n := s.Len()
		for i := 0; b.Loop(); i++ {
			_ = s.At(uint64(i*7919) % n)
		}
	})
	b.Run("named", func(b *testing.B) {
		r := &tgtResolver{addrs: map[string][]string{"a.example": {"10.0.0.1", "10.0.0.2"}, "b.example": {"fd00::1"}, "c.example": {"10.0.0.3"}}}
		s, err := Expand(context.Background(), TargetConfig{Targets: []string{"a.example", "b.example", "c.example:1"}, Ports: ports, Resolver: r})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		n := s.Len()
		for i := 0; b.Loop(); i++ {
			_ = s.At(uint64(i) % n)
		}
	})
}

func BenchmarkExpandSlash16(b *testing.B) {
	cfg := TargetConfig{Targets: []string{"10.0.0.0/16"}, Exclude: []string{"10.0.128.0/24"}, Ports: []int{22, 80, 443, 465, 993, 8443, 4287}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Expand(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}
