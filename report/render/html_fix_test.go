package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

// bigReport is the fixture's endpoints repeated over n/7 addresses.
func bigReport(n int) *report.Report {
	base := reporttest.Compared()
	r := *base
	r.Endpoints = nil
	for i := 0; len(r.Endpoints) < n; i++ {
		for _, ep := range base.Endpoints {
			ep.IP = fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)
			ep.Host = ep.IP
			r.Endpoints = append(r.Endpoints, ep)
		}
	}
	return &r
}

// The HTML report leads with the findings grouped by rule, worst first,
// each with how many endpoints raise it; the expiry and grade charts count
// every leaf and grade; and it holds no script or event handler.
func TestHTMLLeadsWithWhatToFix(t *testing.T) {
	r := bigReport(504)
	var buf bytes.Buffer
	if err := mustNew(t, "html", Options{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	fix, hosts, glance, endpoints := strings.Index(page, ">What to fix</h2>"), strings.Index(page, ">Hosts</h2>"),
		strings.Index(page, ">At a glance</h2>"), strings.Index(page, ">Endpoints</h2>")
	if fix < 0 || !(fix < hosts && hosts < glance && glance < endpoints) {
		t.Fatalf("sections out of order: fix %d, hosts %d, glance %d, endpoints %d", fix, hosts, glance, endpoints)
	}
	groups := fixGroups(r)
	want := map[string]int{}
	for i := range r.Endpoints {
		seen := map[string]bool{}
		for _, f := range r.Endpoints[i].Findings {
			if !seen[f.ID] {
				want[f.ID]++
			}
			seen[f.ID] = true
		}
	}
	if len(groups) != len(want) {
		t.Fatalf("%d groups for %d finding ids", len(groups), len(want))
	}
	for i, g := range groups {
		if len(g.Endpoints) != want[g.ID] {
			t.Errorf("%s: %d endpoints, want %d", g.ID, len(g.Endpoints), want[g.ID])
		}
		if i > 0 && g.Severity > groups[i-1].Severity {
			t.Errorf("%s (%s) after %s (%s): not worst first", g.ID, g.Severity, groups[i-1].ID, groups[i-1].Severity)
		}
		if !strings.Contains(page, fmt.Sprintf("<b>%d</b> endpoint", len(g.Endpoints))) {
			t.Errorf("%s: the page does not show its count %d", g.ID, len(g.Endpoints))
		}
	}
	leaves, graded := 0, 0
	for i := range r.Endpoints {
		if r.Endpoints[i].Leaf() != nil {
			leaves++
		}
		if t := r.Endpoints[i].TLS; t != nil && t.Grade != "" {
			graded++
		}
	}
	sum := func(bars []bar) (n int) {
		for _, b := range bars {
			n += b.Count
			if len(b.Endpoints) != b.Count {
				t.Errorf("bar %s: %d endpoints behind a count of %d", b.Label, len(b.Endpoints), b.Count)
			}
		}
		return n
	}
	if n := sum(expiryTimeline(r)); n != leaves {
		t.Errorf("expiry timeline counts %d leaves, want %d", n, leaves)
	}
	if n := sum(gradeBars(r)); n != graded {
		t.Errorf("grade chart counts %d, want %d", n, graded)
	}
	if cb := changeBars(r); len(cb) != 3 || cb[0].Count != len(r.Changes.New) {
		t.Errorf("change bars %+v", cb)
	}
	if regexp.MustCompile(`(?i)<script|\son[a-z]+=|javascript:|<link|src=`).MatchString(page) {
		t.Error("the page holds a script, an event handler or an external resource")
	}
}
