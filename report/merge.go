package report

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Merge joins the shard reports of one sweep (scan --shard K/N on N
// machines) into one report. The shards must share targets and ports and
// N, and hold distinct K; an endpoint in two shards is refused (it means
// the shards overlap). The summary is recomputed; the result is complete
// only when every shard 1..N is present and complete.
func Merge(docs []*Report) (*Report, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("nothing to merge: give the shard reports")
	}
	first := docs[0]
	out := &Report{
		Schema: Schema, Tool: first.Tool, StartedAt: first.StartedAt, FinishedAt: first.FinishedAt,
		Complete: true, Targets: first.Targets, Ports: first.Ports, Endpoints: []Endpoint{},
	}
	n := 0
	seenShard := map[int]bool{}
	seenEP := map[string]int{}
	for i, d := range docs {
		k, dn, err := parseShard(d.Shard)
		if err != nil {
			return nil, fmt.Errorf("report %d: %w", i+1, err)
		}
		if i == 0 {
			n = dn
		}
		switch {
		case dn != n:
			return nil, fmt.Errorf("report %d is shard %s but report 1 is one of %d: merge shards of one sweep", i+1, d.Shard, n)
		case !slices.Equal(d.Targets, first.Targets):
			return nil, fmt.Errorf("report %d scanned targets %v, report 1 %v: merge shards of one sweep", i+1, d.Targets, first.Targets)
		case !slices.Equal(d.Ports, first.Ports):
			return nil, fmt.Errorf("report %d scanned ports %v, report 1 %v: merge shards of one sweep", i+1, d.Ports, first.Ports)
		case seenShard[k]:
			return nil, fmt.Errorf("report %d repeats shard %s", i+1, d.Shard)
		}
		seenShard[k] = true
		if d.StartedAt.Before(out.StartedAt) {
			out.StartedAt = d.StartedAt
		}
		if d.FinishedAt.After(out.FinishedAt) {
			out.FinishedAt = d.FinishedAt
		}
		out.Complete = out.Complete && d.Complete
		s := &out.Summary
		s.Hosts = max(s.Hosts, d.Summary.Hosts)
		s.Probes += d.Summary.Probes
		s.Closed += d.Summary.Closed
		s.Filtered += d.Summary.Filtered
		// Closed and filtered endpoints listed (--show-closed) are counted
		// again below; take them out of the carried-over counts.
		for j := range d.Endpoints {
			ep := &d.Endpoints[j]
			key := ep.IP + "|" + strconv.Itoa(ep.Port) + "|" + ep.Host
			if prev, dup := seenEP[key]; dup {
				return nil, fmt.Errorf("%s port %d is in reports %d and %d: the shards overlap", ep.Host, ep.Port, prev, i+1)
			}
			seenEP[key] = i + 1
			switch ep.State {
			case StateClosed:
				s.Closed--
			case StateFiltered:
				s.Filtered--
			}
			s.Probes--
			s.Count(ep)
			out.Endpoints = append(out.Endpoints, *ep)
		}
	}
	if n > 1 && len(seenShard) != n {
		out.Complete = false
	}
	slices.SortFunc(out.Endpoints, func(a, b Endpoint) int {
		ai, _ := netip.ParseAddr(a.IP)
		bi, _ := netip.ParseAddr(b.IP)
		return cmp.Or(ai.Compare(bi), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Host, b.Host))
	})
	return out, nil
}

func parseShard(s string) (k, n int, err error) {
	if s == "" {
		return 1, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || k < 1 || k > n {
		return 0, 0, fmt.Errorf("shard %q is not K/N", s)
	}
	return k, n, nil
}
