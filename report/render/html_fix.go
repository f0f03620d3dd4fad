package render

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"

	"github.com/tlsweep/tlsweep/report"
)

// What the HTML report leads with: the findings grouped by rule, the
// hosts by their worst severity, and pictures drawn with inline CSS only.

// fixGroup is one finding id with the endpoints that raise it.
type fixGroup struct {
	Severity  report.Severity
	ID, Title string
	Endpoints []string
}

// fixGroups groups every finding by id, worst severity first, then the
// most endpoints first.
func fixGroups(r *report.Report) []fixGroup {
	index := map[string]int{}
	var out []fixGroup
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		seen := map[string]bool{}
		for _, f := range ep.Findings {
			if seen[f.ID] {
				continue
			}
			seen[f.ID] = true
			j, ok := index[f.ID]
			if !ok {
				j = len(out)
				index[f.ID] = j
				out = append(out, fixGroup{Severity: f.Severity, ID: sanitize(f.ID), Title: sanitize(f.Title)})
			}
			out[j].Severity = max(out[j].Severity, f.Severity)
			out[j].Endpoints = append(out[j].Endpoints, endpointLabel(ep.Host, ep.IP, ep.Port))
		}
	}
	slices.SortStableFunc(out, func(a, b fixGroup) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(len(b.Endpoints), len(a.Endpoints)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// hostRow is one host with its worst severity and grade.
type hostRow struct {
	Host      string
	Worst     report.Severity
	Grade     string
	Endpoints int
	Findings  int
}

// gradeOrder ranks grades worst first: T and M win over every letter, as
// SSL Labs shows them.
var gradeOrder = []string{"T", "M", "F", "E", "D", "C", "B", "A", "A+"}

func gradeRank(g string) int {
	if i := slices.Index(gradeOrder, g); i >= 0 {
		return i
	}
	return len(gradeOrder)
}

// hostRows lists each host (by address) with its worst finding and worst
// grade, worst first.
func hostRows(r *report.Report) []hostRow {
	index := map[string]int{}
	var out []hostRow
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		name := hostCell(ep) // the host, and its address when it is a name
		j, ok := index[ep.IP+" "+ep.Host]
		if !ok {
			j = len(out)
			index[ep.IP+" "+ep.Host] = j
			out = append(out, hostRow{Host: name})
		}
		h := &out[j]
		h.Endpoints++
		h.Findings += len(ep.Findings)
		for _, f := range ep.Findings {
			h.Worst = max(h.Worst, f.Severity)
		}
		if ep.TLS != nil && ep.TLS.Grade != "" && (h.Grade == "" || gradeRank(ep.TLS.Grade) < gradeRank(h.Grade)) {
			h.Grade = sanitize(ep.TLS.Grade)
		}
	}
	slices.SortStableFunc(out, func(a, b hostRow) int {
		return cmp.Or(cmp.Compare(b.Worst, a.Worst), cmp.Compare(gradeRank(a.Grade), gradeRank(b.Grade)), cmp.Compare(a.Host, b.Host))
	})
	return out
}

// bar is one bar of a chart: a label, a count, the endpoints behind it.
type bar struct {
	Label     string
	Count     int
	Color     string
	Percent   int
	Endpoints []string
}

// Style draws the bar: its width is the count against the chart's largest.
func (b bar) Style() template.CSS {
	return template.CSS(fmt.Sprintf("display:inline-block;height:14px;vertical-align:middle;background:%s;width:%d%%;", b.Color, b.Percent))
}

// scale sets each bar's width against the largest count.
func scale(bars []bar) []bar {
	most := 0
	for _, b := range bars {
		most = max(most, b.Count)
	}
	for i := range bars {
		if most > 0 && bars[i].Count > 0 {
			bars[i].Percent = max(2, bars[i].Count*100/most)
		}
	}
	return bars
}

// expiryTimeline buckets the leaf certificates: expired, under 7, 30 and
// 90 days, later.
func expiryTimeline(r *report.Report) []bar {
	bars := []bar{
		{Label: "expired", Color: "#7a0019"}, {Label: "< 7 days", Color: "#c9002b"},
		{Label: "< 30 days", Color: "#d97706"}, {Label: "< 90 days", Color: "#ca8a04"}, {Label: "later", Color: "#1a7f37"},
	}
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		l := ep.Leaf()
		if l == nil || l.NotAfter.IsZero() {
			continue
		}
		k := 4
		switch {
		case l.DaysLeft < 0 || (!r.StartedAt.IsZero() && l.NotAfter.Before(r.StartedAt)):
			k = 0
		case l.DaysLeft < 7:
			k = 1
		case l.DaysLeft < 30:
			k = 2
		case l.DaysLeft < 90:
			k = 3
		}
		bars[k].Count++
		bars[k].Endpoints = append(bars[k].Endpoints, endpointLabel(ep.Host, ep.IP, ep.Port))
	}
	return scale(bars)
}

// gradeBars counts the TLS endpoints by grade, best first.
func gradeBars(r *report.Report) []bar {
	var bars []bar
	for i := len(gradeOrder) - 1; i >= 0; i-- {
		color := "#1a7f37"
		if i < 7 {
			color = "#d97706"
		}
		if i < 3 {
			color = "#c9002b"
		}
		bars = append(bars, bar{Label: gradeOrder[i], Color: color})
	}
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		if ep.TLS == nil || ep.TLS.Grade == "" {
			continue
		}
		if j := slices.IndexFunc(bars, func(b bar) bool { return b.Label == ep.TLS.Grade }); j >= 0 {
			bars[j].Count++
			bars[j].Endpoints = append(bars[j].Endpoints, endpointLabel(ep.Host, ep.IP, ep.Port))
		}
	}
	return scale(bars)
}

// changeBars counts findings new, resolved and unchanged since the baseline.
func changeBars(r *report.Report) []bar {
	if r.Changes == nil {
		return nil
	}
	unchanged := 0
	for i := range r.Endpoints {
		for _, f := range r.Endpoints[i].Findings {
			if f.Change == report.ChangeUnchanged {
				unchanged++
			}
		}
	}
	return scale([]bar{
		{Label: "new", Count: len(r.Changes.New), Color: "#c9002b"},
		{Label: "resolved", Count: len(r.Changes.Resolved), Color: "#1a7f37"},
		{Label: "unchanged", Count: unchanged, Color: "#6b7280"},
	})
}
