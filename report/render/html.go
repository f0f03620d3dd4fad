package render

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/tlsweep/tlsweep/report"
)

//go:embed templates/report.html
var htmlSource string

// htmlTemplate parses the page template once, on first use.
var htmlTemplate = sync.OnceValues(func() (*template.Template, error) {
	return template.New("report").Funcs(template.FuncMap{
		"sevStyle":  sevStyle,
		"daysStyle": daysStyle,
	}).Parse(htmlSource)
})

// WriteHTML writes r as one self-contained HTML page that reads well in a
// mail client: inline CSS only, no script, no external resource. It leads
// with what to fix (findings grouped by rule, worst first, each with its
// endpoints in a collapsible list; hosts by worst severity and grade), then
// charts of certificate expiry, grades and, with a baseline, new, resolved
// and unchanged findings; then what changed, a table of the endpoints and
// the leaf certificates by days left.
//
// Strings from the report are sanitized like the table's, then escaped by
// html/template.
func WriteHTML(w io.Writer, r *report.Report) error {
	if r == nil {
		return fmt.Errorf("write html: nil report")
	}
	tmpl, err := htmlTemplate()
	if err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, newHTMLView(r)); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

var severityStyles = map[report.Severity]string{
	report.SeverityCritical: "background:#7a0019;color:#ffffff;",
	report.SeverityHigh:     "background:#c9002b;color:#ffffff;",
	report.SeverityMedium:   "background:#d97706;color:#ffffff;",
	report.SeverityLow:      "background:#0369a1;color:#ffffff;",
	report.SeverityInfo:     "background:#6b7280;color:#ffffff;",
}

// sevStyle is the inline style of a severity badge. It comes from a fixed
// table, never from the report.
func sevStyle(s report.Severity) template.CSS {
	style, ok := severityStyles[s]
	if !ok {
		style = severityStyles[report.SeverityInfo]
	}
	return template.CSS("display:inline-block;padding:1px 6px;border-radius:3px;font-size:12px;font-weight:bold;" + style)
}

// daysStyle is the inline style of a days-left cell: red once expired,
// amber within 30 days.
func daysStyle(days int) template.CSS {
	base := "padding:6px 8px;border:1px solid #d8dce0;white-space:nowrap;"
	switch {
	case days < 0:
		return template.CSS(base + "background:#fde2e4;color:#9b0020;font-weight:bold;")
	case days <= 30:
		return template.CSS(base + "background:#fff4ce;color:#8a5300;font-weight:bold;")
	}
	return template.CSS(base)
}

type htmlView struct {
	Targets, Ports, Started, Finished, Duration, Tool, Summary string
	Incomplete                                                 bool
	Counts                                                     []severityCount
	Changes                                                    *htmlChanges
	Endpoints                                                  []htmlEndpoint
	Expiries                                                   []expiry
	Fix                                                        []fixGroup
	Hosts                                                      []hostRow
	Timeline, Grades, ChangeBars                               []bar
}

type htmlChanges struct {
	Baseline                string
	Partial, None           bool
	NewCount, ResolvedCount string
	New, Resolved           []htmlChanged
	Appeared, Disappeared   []htmlRef
	Certs                   []htmlCert
}

type htmlChanged struct {
	Severity          report.Severity
	ID, Label, Detail string
}

type htmlRef struct{ Label, What string }

type htmlCert struct{ Label, Old, New string }

type htmlEndpoint struct {
	Label, Service, Transport, Version, Cipher, Note, Certificate, Expires string
	Findings                                                               []htmlFinding
}

type htmlFinding struct {
	Severity          report.Severity
	ID, Title, Detail string
	New               bool
}

func newHTMLView(r *report.Report) *htmlView {
	s := &r.Summary
	v := &htmlView{
		Targets:    targetsText(r.Targets, 20),
		Ports:      portsText(r.Ports),
		Started:    timeText(r.StartedAt),
		Finished:   timeText(r.FinishedAt),
		Duration:   durationText(r),
		Tool:       strings.TrimSpace(sanitize(r.Tool.Name + " " + r.Tool.Version)),
		Incomplete: !r.Complete,
		Summary: fmt.Sprintf("%s, %s: %d open (%s), %d closed, %d filtered.",
			plural(s.Hosts, "host"), plural(s.Probes, "probe"), s.Open, openText(s, "TLS"), s.Closed, s.Filtered),
		Counts:     severityCounts(r),
		Expiries:   expiries(r),
		Fix:        fixGroups(r),
		Hosts:      hostRows(r),
		Timeline:   expiryTimeline(r),
		Grades:     gradeBars(r),
		ChangeBars: changeBars(r),
	}
	if c := r.Changes; c != nil {
		hc := &htmlChanges{
			Baseline:      baselineText(c),
			Partial:       c.Partial,
			None:          c.None(),
			NewCount:      countsText(c.NewCount),
			ResolvedCount: countsText(c.ResolvedCount),
			New:           htmlChangedList(c.New),
			Resolved:      htmlChangedList(c.Resolved),
			Appeared:      htmlRefs(c.Appeared),
			Disappeared:   htmlRefs(c.Disappeared),
		}
		for _, cc := range c.CertificatesChanged {
			hc.Certs = append(hc.Certs, htmlCert{
				Label: refLabel(cc.EndpointRef),
				Old:   certChangeSide(cc.OldSubject, cc.OldSHA256, dateText(cc.OldNotAfter)),
				New:   certChangeSide(cc.NewSubject, cc.NewSHA256, dateText(cc.NewNotAfter)),
			})
		}
		v.Changes = hc
	}
	for i := range r.Endpoints {
		v.Endpoints = append(v.Endpoints, newHTMLEndpoint(r, &r.Endpoints[i]))
	}
	return v
}

func htmlChangedList(fs []report.ChangedFinding) []htmlChanged {
	out := make([]htmlChanged, len(fs))
	for i, f := range fs {
		out[i] = htmlChanged{Severity: f.Severity, ID: sanitize(f.ID), Label: refLabel(f.EndpointRef), Detail: sanitize(f.Detail)}
	}
	return out
}

func htmlRefs(refs []report.EndpointRef) []htmlRef {
	out := make([]htmlRef, len(refs))
	for i, e := range refs {
		what := sanitize(string(e.Transport))
		if e.Service != "" {
			what = strings.TrimSuffix(sanitize(e.Service)+", "+what, ", ")
		}
		out[i] = htmlRef{Label: refLabel(e), What: what}
	}
	return out
}

func newHTMLEndpoint(r *report.Report, ep *report.Endpoint) htmlEndpoint {
	he := htmlEndpoint{
		Label:     endpointLabel(ep.Host, ep.IP, ep.Port),
		Service:   sanitize(ep.Service),
		Transport: transportText(ep),
	}
	switch {
	case ep.TLS != nil:
		he.Version, he.Cipher = sanitize(ep.TLS.Version), sanitize(ep.TLS.Cipher)
		if l := ep.Leaf(); l != nil {
			he.Certificate = certificateCell(ep.TLS.Chain)
			he.Expires = expiresCell(l, r.StartedAt)
		}
	case ep.Error != "":
		he.Note = shorten(ep.Error, 80)
	case ep.Banner != "":
		he.Note = shorten(ep.Banner, 80)
	}
	for _, f := range ep.Findings {
		he.Findings = append(he.Findings, htmlFinding{
			Severity: f.Severity, ID: sanitize(f.ID), Title: sanitize(f.Title), Detail: sanitize(f.Detail),
			New: f.Change == report.ChangeNew,
		})
	}
	return he
}
