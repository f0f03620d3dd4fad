package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// comparedFixture returns fixtureReport compared with a baseline taken a
// day earlier: 10.0.0.7:80 and its finding are new, TLS1.0 on 10.0.0.6 is
// new, 10.0.0.12:443 disappeared with its finding, and the leaf of
// 10.0.0.5:8443 was replaced.
func comparedFixture() *Report {
	cur := fixtureReport()
	base := fixtureReport()
	base.StartedAt = fixtureNow.Add(-24 * time.Hour)
	base.FinishedAt = base.StartedAt.Add(11 * time.Second)
	var eps []Endpoint
	for _, ep := range base.Endpoints {
		if ep.IP == "10.0.0.7" && ep.Port == 80 {
			continue
		}
		eps = append(eps, ep)
	}
	gone := Endpoint{Host: "10.0.0.12", IP: "10.0.0.12", Port: 443, Service: "https", State: StateOpen, Transport: TransportTLS,
		TLS: &TLS{Version: "TLS1.1", Cipher: "TLS_RSA_WITH_AES_128_CBC_SHA", Trusted: true,
			Chain: []Certificate{cert("retired.corp", "Corp Issuing CA", 40)}}}
	gone.Findings = Evaluate(&gone, RuleConfig{Now: fixtureNow, ExpiryWarn: 30 * 24 * time.Hour})
	eps = append(eps, gone)
	base.Endpoints = eps
	old := base.Endpoints[0].TLS.Chain[0]
	old.SHA256 = strings.Repeat("cd", 32)
	old.NotAfter = fixtureNow.Add(-2 * 24 * time.Hour)
	base.Endpoints[0].TLS = &TLS{Version: "TLS1.2", Cipher: "TLS_AES_128_GCM_SHA256", Chain: []Certificate{old}}
	var fs []Finding
	for _, f := range base.Endpoints[1].Findings {
		if f.ID != "deprecated-protocol" {
			fs = append(fs, f)
		}
	}
	base.Endpoints[1].Findings = fs

	cur.Changes = Compare(base, cur)
	cur.Changes.Baseline = "last.json"
	return cur
}

func TestRenderGolden(t *testing.T) {
	renderers := []struct {
		ext   string
		write func(*bytes.Buffer, *Report) error
	}{
		{"csv", func(b *bytes.Buffer, r *Report) error { return WriteCSV(b, r) }},
		{"md", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
		{"html", func(b *bytes.Buffer, r *Report) error { return WriteHTML(b, r) }},
	}
	for _, rd := range renderers {
		for _, tc := range []struct {
			name string
			r    *Report
		}{
			{"report." + rd.ext + ".golden", fixtureReport()},
			{"report_changes." + rd.ext + ".golden", comparedFixture()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := rd.write(&buf, tc.r); err != nil {
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
	if err := WriteChanges(&buf, comparedFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "changes.txt.golden", buf.Bytes())
	if err := WriteChanges(&buf, fixtureReport()); err == nil {
		t.Error("WriteChanges accepted a report without changes")
	}
}

func TestWriteCSV(t *testing.T) {
	r := comparedFixture()
	r.Endpoints = append(r.Endpoints, Endpoint{Host: "=cmd|' /C calc'!A0", IP: "10.0.0.13", Port: 25, State: StateClosed})
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
	r := fixtureReport()
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
	got := expiries(fixtureReport())
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
	r := fixtureReport()
	if got, want := MailSubject(r), "tlsweep: 4 high, 6 medium, 1 low findings on 10.0.0.5-10, www.example.test (7 endpoints)"; got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	r = comparedFixture()
	if got, want := MailSubject(r), "tlsweep: 2 new high findings, 1 resolved on 10.0.0.5-10, www.example.test (7 endpoints)"; got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	for _, tc := range []struct {
		mod  func(r *Report)
		want string
	}{
		{func(r *Report) {
			r.Changes = &Changes{New: []ChangedFinding{{}, {}, {}}, NewCount: SeverityCounts{High: 3}}
		}, "tlsweep: 3 new high findings on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) {
			r.Changes = &Changes{New: []ChangedFinding{{}}, NewCount: SeverityCounts{Critical: 1}}
		}, "tlsweep: 1 new critical finding on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) {
			r.Changes = &Changes{Resolved: []ChangedFinding{{}, {}}}
		}, "tlsweep: no new findings, 2 resolved on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) { r.Changes = &Changes{} }, "tlsweep: no changes on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) {
			r.Changes = &Changes{New: []ChangedFinding{{}, {}}, NewCount: SeverityCounts{High: 1, Medium: 1}}
		}, "tlsweep: 2 new findings (1 high, 1 medium) on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) {
			r.Changes = &Changes{Appeared: []EndpointRef{{}}, CertificatesChanged: []CertChange{{}, {}}}
		}, "tlsweep: no new findings, 1 endpoint appeared, 2 certificates replaced on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) { r.Summary.Findings = SeverityCounts{High: 2, Medium: 1} },
			"tlsweep: 2 high, 1 medium findings on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) {}, "tlsweep: no findings on 10.1.0.0/24 (12 endpoints)"},
		{func(r *Report) { r.Targets = []string{"a\r\nBcc: x@evil.test", "b", "c", "d", "e"} },
			`tlsweep: no findings on a\x0d\x0aBcc: x@evil.test, b, c and 2 more (12 endpoints)`},
		{func(r *Report) { r.Complete = false }, "tlsweep: no findings on 10.1.0.0/24 (12 endpoints) [interrupted]"},
	} {
		r := &Report{Targets: []string{"10.1.0.0/24"}, Complete: true, Summary: Summary{Open: 12}}
		tc.mod(r)
		if got := MailSubject(r); got != tc.want {
			t.Errorf("subject\n got %q\nwant %q", got, tc.want)
		}
	}
}
