package render

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

func TestRenderGolden(t *testing.T) {
	renderers := []struct{ ext, format string }{{"csv", "csv"}, {"md", "markdown"}, {"html", "html"}}
	for _, rd := range renderers {
		for _, tc := range []struct {
			name string
			r    *report.Report
		}{
			{"report." + rd.ext + ".golden", reporttest.Report()},
			{"report_changes." + rd.ext + ".golden", reporttest.Compared()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := mustNew(t, rd.format, Options{}).Render(&buf, tc.r); err != nil {
					t.Fatal(err)
				}
				for _, b := range buf.Bytes() {
					if (b < 0x20 && b != '\n' && b != '\r') || b == 0x7f {
						t.Fatalf("output holds control byte %#x", b)
					}
				}
				golden(t, tc.name, buf.Bytes())
			})
		}
	}
	var buf bytes.Buffer
	if err := WriteChanges(&buf, reporttest.Compared()); err != nil {
		t.Fatal(err)
	}
	golden(t, "changes.txt.golden", buf.Bytes())
	if err := WriteChanges(&buf, reporttest.Report()); err == nil {
		t.Error("WriteChanges accepted a report without changes")
	}
}

func TestWriteCSV(t *testing.T) {
	r := reporttest.Compared()
	r.Endpoints = append(r.Endpoints, report.Endpoint{Host: "=cmd|' /C calc'!A0", IP: "10.0.0.13", Port: 25, State: report.StateClosed})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	want := 1
	for _, ep := range r.Endpoints {
		want += max(1, len(ep.Findings))
	}
	if len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	if got := strings.Join(rows[0], ","); got != "host,ip,port,service,transport,protocol,tls_version,cipher,finding_id,severity,title,detail,change" {
		t.Errorf("header = %s", got)
	}
	changes := map[string]int{}
	for _, row := range rows[1:] {
		if len(row) != len(CSVHeader) {
			t.Fatalf("row has %d fields: %q", len(row), row)
		}
		changes[row[12]]++
	}
	if changes["new"] != 2 || changes["unchanged"] != 9 || changes[""] != 1 {
		t.Errorf("change column counts %v, want 2 new, 9 unchanged and 1 empty", changes)
	}
	last := rows[len(rows)-1]
	if last[0] != `'=cmd|' /C calc'!A0` || last[4] != "closed" || last[8] != "" {
		t.Errorf("closed endpoint row = %q", last)
	}
}

// TestRenderHostile checks that names from the network cannot inject
// markup into the HTML or Markdown reports.
func TestRenderHostile(t *testing.T) {
	r := reporttest.Report()
	c := &r.Endpoints[0].TLS.Chain[0]
	c.CommonName = `<script>alert(1)</script><img src="https://evil.test/x.png">`
	c.Subject = "CN=" + c.CommonName
	r.Endpoints[0].Findings[0].Detail = `[click](https://evil.test) | <b>x</b>`

	var h bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	html := h.String()
	for _, bad := range []string{"<script", "<img", `src="`, `href="`, "<link", "http://", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML report holds %q", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("HTML report does not show the hostile name escaped")
	}
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "</html>") {
		t.Error("HTML report is not one whole page")
	}

	var m bytes.Buffer
	if err := WriteMarkdown(&m, r); err != nil {
		t.Fatal(err)
	}
	md := m.String()
	if strings.Contains(strings.ReplaceAll(md, `\<`, ""), "<") {
		t.Error("Markdown report holds an unescaped <")
	}
	if strings.Contains(md, "[click](") {
		t.Error("Markdown report holds a link")
	}
	if !strings.Contains(md, `\[click\](https://evil.test) \| \<b\>x\</b\>`) {
		t.Errorf("Markdown report does not escape the hostile detail:\n%s", md)
	}
}

func TestExpiryOrder(t *testing.T) {
	got := expiries(reporttest.Report())
	var days []int
	for _, e := range got {
		days = append(days, e.DaysLeft)
	}
	want := []int{-3, 8, 120, 200}
	if len(days) != len(want) {
		t.Fatalf("days left %v, want %v", days, want)
	}
	for i := range want {
		if days[i] != want[i] {
			t.Fatalf("days left %v, want %v", days, want)
		}
	}
}

func TestMailSubject(t *testing.T) {
	r := reporttest.Report()
	if got, want := MailSubject(r), "tlsweep: 4 high, 6 medium, 1 low findings on 10.0.0.5-10, www.example.test (7 endpoints)"; got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	r = reporttest.Compared()
	if got, want := MailSubject(r), "tlsweep: 2 new high findings, 1 resolved on 10.0.0.5-10, www.example.test (7 endpoints)"; got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	for _, tc := range []struct {
		mod  func(r *report.Report)
		want string
	}{
		{func(r *report.Report) {
			r.Changes = &report.Changes{New: []report.ChangedFinding{{}, {}, {}}, NewCount: report.SeverityCounts{High: 3}}
		}, "tlsweep: 3 new high findings on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) {
			r.Changes = &report.Changes{New: []report.ChangedFinding{{}}, NewCount: report.SeverityCounts{Critical: 1}}
		}, "tlsweep: 1 new critical finding on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) {
			r.Changes = &report.Changes{Resolved: []report.ChangedFinding{{}, {}}}
		}, "tlsweep: no new findings, 2 resolved on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) { r.Changes = &report.Changes{} }, "tlsweep: no changes on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) {
			r.Changes = &report.Changes{New: []report.ChangedFinding{{}, {}}, NewCount: report.SeverityCounts{High: 1, Medium: 1}}
		}, "tlsweep: 2 new findings (1 high, 1 medium) on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) {
			r.Changes = &report.Changes{Appeared: []report.EndpointRef{{}}, CertificatesChanged: []report.CertChange{{}, {}}}
		}, "tlsweep: no new findings, 1 endpoint appeared, 2 certificates replaced on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) { r.Summary.Findings = report.SeverityCounts{High: 2, Medium: 1} },
			"tlsweep: 2 high, 1 medium findings on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) {}, "tlsweep: no findings on 10.1.0.0/24 (12 endpoints)"},
		{func(r *report.Report) { r.Targets = []string{"a\r\nBcc: x@evil.test", "b", "c", "d", "e"} },
			`tlsweep: no findings on a\x0d\x0aBcc: x@evil.test, b, c and 2 more (12 endpoints)`},
		{func(r *report.Report) { r.Complete = false }, "tlsweep: no findings on 10.1.0.0/24 (12 endpoints) [interrupted]"},
	} {
		r := &report.Report{Targets: []string{"10.1.0.0/24"}, Complete: true, Summary: report.Summary{Open: 12}}
		tc.mod(r)
		if got := MailSubject(r); got != tc.want {
			t.Errorf("subject\n got %q\nwant %q", got, tc.want)
		}
	}
}
