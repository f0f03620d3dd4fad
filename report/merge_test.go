package report

import (
	"strings"
	"testing"
	"time"
)

func shardDoc(shard string, eps ...Endpoint) *Report {
	r := &Report{Schema: Schema, Shard: shard, Complete: true, Targets: []string{"10.0.0.0/30"}, Ports: []int{443, 4287},
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), FinishedAt: time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC)}
	r.Summary.Hosts = 4
	r.Summary.Probes = 4 // each shard probed 4 of the 8
	r.Summary.Closed = 4 - len(eps)
	for i := range eps {
		r.Summary.Count(&eps[i])
		r.Summary.Probes--
	}
	r.Endpoints = eps
	return r
}

func openTLS(ip string, port int, findings ...Finding) Endpoint {
	return Endpoint{Host: ip, IP: ip, Port: port, State: StateOpen, Transport: TransportTLS, Findings: findings}
}

func TestMerge(t *testing.T) {
	high := Finding{ID: "plaintext-listener", Severity: SeverityHigh}
	a := shardDoc("1/2", openTLS("10.0.0.2", 443), openTLS("10.0.0.1", 4287, high))
	b := shardDoc("2/2", openTLS("10.0.0.1", 443))
	m, err := Merge([]*Report{b, a})
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Hosts: 4, Probes: 8, Open: 3, Closed: 5, TLS: 3, Findings: SeverityCounts{High: 1}}
	if m.Summary != want {
		t.Errorf("summary %+v, want %+v", m.Summary, want)
	}
	if !m.Complete || m.Shard != "" || len(m.Endpoints) != 3 {
		t.Errorf("complete %v shard %q endpoints %d", m.Complete, m.Shard, len(m.Endpoints))
	}
	if e := m.Endpoints; e[0].IP != "10.0.0.1" || e[0].Port != 443 || e[1].Port != 4287 || e[2].IP != "10.0.0.2" {
		t.Errorf("not sorted: %+v", e)
	}
	if m2, _ := Merge([]*Report{a}); m2.Complete {
		t.Error("one of two shards merged as complete")
	}
}

func TestMergeRefuses(t *testing.T) {
	a := shardDoc("1/2", openTLS("10.0.0.2", 443))
	cases := map[string]*Report{
		"overlap":  shardDoc("2/2", openTLS("10.0.0.2", 443)),
		"repeats":  shardDoc("1/2"),
		"one of 3": shardDoc("2/3"),
		"targets": func() *Report {
			r := shardDoc("2/2")
			r.Targets = []string{"10.9.0.0/30"}
			return r
		}(),
		"ports": func() *Report {
			r := shardDoc("2/2")
			r.Ports = []int{443}
			return r
		}(),
		"not K/N": shardDoc("3/2"),
	}
	want := map[string]string{"overlap": "overlap", "repeats": "repeats shard", "one of 3": "one of 2",
		"targets": "targets", "ports": "ports", "not K/N": "not K/N"}
	for name, b := range cases {
		_, err := Merge([]*Report{a, b})
		if err == nil || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, want[name])
		}
	}
}
