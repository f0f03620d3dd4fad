package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// WriteMarkdown writes r as a Markdown document (GitHub flavour, readable as
// plain text): the scan, the findings by severity, what changed since the
// baseline, a table of the endpoints, every finding with its detail, and
// the leaf certificates by days left.
//
// Every string from the report is sanitized and its Markdown punctuation
// escaped, so a hostile certificate cannot add links, HTML or table cells.
func WriteMarkdown(w io.Writer, r *report.Report) error {
	if r == nil {
		return fmt.Errorf("write markdown: nil report")
	}
	bw := bufio.NewWriter(w)
	m := &mdWriter{w: bw}
	m.header(r)
	m.summary(r)
	if r.Changes != nil {
		m.changes(r.Changes)
	}
	m.endpoints(r)
	m.findings(r)
	m.expiry(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

type mdWriter struct{ w *bufio.Writer }

func (m *mdWriter) p(format string, args ...any) { fmt.Fprintf(m.w, format+"\n", args...) }

// cellFindingsMax is how many findings the Findings column of the
// endpoint table lists; the rest are counted ("… 3 more"). The Findings
// section below lists every one.
const cellFindingsMax = 20

// md sanitizes s and escapes what Markdown would read as markup.
func md(s string) string {
	s = sanitize(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|&~#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (m *mdWriter) header(r *report.Report) {
	m.p("# tlsweep report")
	m.p("")
	m.p("**Targets:** %s  ", md(targetsText(r.Targets, 20)))
	m.p("**Ports:** %s  ", md(portsText(r.Ports)))
	m.p("**Scanned:** %s, took %s, %s %s", md(timeText(r.StartedAt)), durationText(r), md(r.Tool.Name), md(r.Tool.Version))
	if !r.Complete {
		m.p("")
		m.p("> **Scan interrupted:** the report holds only the endpoints scanned before the stop.")
	}
}

func durationText(r *report.Report) string {
	if r.StartedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
		return "?"
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(1e9).String()
}

func (m *mdWriter) summary(r *report.Report) {
	s := &r.Summary
	m.p("")
	m.p("## Summary")
	m.p("")
	m.p("%s, %s: %d open (%s), %d closed, %d filtered.",
		plural(s.Hosts, "host"), plural(s.Probes, "probe"), s.Open, openText(s, "TLS"), s.Closed, s.Filtered)
	m.p("")
	if r.Changes != nil {
		m.p("| Severity | Findings | New |")
		m.p("|----------|---------:|----:|")
		for _, c := range severityCounts(r) {
			m.p("| %s | %d | %d |", c.Severity, c.Count, c.New)
		}
		return
	}
	m.p("| Severity | Findings |")
	m.p("|----------|---------:|")
	for _, c := range severityCounts(r) {
		m.p("| %s | %d |", c.Severity, c.Count)
	}
}

func (m *mdWriter) changes(c *report.Changes) {
	m.p("")
	m.p("## Changes since %s", md(baselineText(c)))
	if c.Partial {
		m.p("")
		m.p("> One of the two scans was interrupted: endpoints it did not reach show as appeared or disappeared.")
	}
	if c.None() {
		m.p("")
		m.p("No changes.")
		return
	}
	m.changedFindings("New findings", c.New, c.NewCount)
	m.changedFindings("Resolved findings", c.Resolved, c.ResolvedCount)
	m.refs("Endpoints that appeared", c.Appeared)
	m.refs("Endpoints that disappeared", c.Disappeared)
	if len(c.CertificatesChanged) > 0 {
		m.p("")
		m.p("**Certificates replaced: %d**", len(c.CertificatesChanged))
		m.p("")
		for _, cc := range c.CertificatesChanged {
			m.p("- %s: %s → %s", md(refLabel(cc.EndpointRef)), md(certChangeSide(cc.OldSubject, cc.OldSHA256, dateText(cc.OldNotAfter))),
				md(certChangeSide(cc.NewSubject, cc.NewSHA256, dateText(cc.NewNotAfter))))
		}
	}
}

// baselineText names the baseline: "last.json (scan of 2026-01-01 ...)".
func baselineText(c *report.Changes) string {
	name := sanitize(c.Baseline)
	if name == "" {
		name = "the baseline"
	}
	return name + " (scan of " + timeText(c.BaselineStartedAt) + ")"
}

// certChangeSide describes one certificate of a CertChange.
func certChangeSide(subject, sha, notAfter string) string {
	return fmt.Sprintf("%s (sha256 %s, expires %s)", dnLabel(subject), shortHash(sha), notAfter)
}

func (m *mdWriter) changedFindings(title string, fs []report.ChangedFinding, counts report.SeverityCounts) {
	if len(fs) == 0 {
		return
	}
	m.p("")
	m.p("**%s: %d** (%s)", title, len(fs), countsText(counts))
	m.p("")
	for _, f := range fs {
		m.p("- **%s** %s on %s: %s", f.Severity, md(f.ID), md(refLabel(f.EndpointRef)), md(f.Detail))
	}
}

func (m *mdWriter) refs(title string, refs []report.EndpointRef) {
	if len(refs) == 0 {
		return
	}
	m.p("")
	m.p("**%s: %d**", title, len(refs))
	m.p("")
	for _, e := range refs {
		what := sanitize(string(e.Transport))
		if e.Service != "" {
			what = sanitize(e.Service) + ", " + what
		}
		m.p("- %s (%s)", md(refLabel(e)), md(strings.TrimSuffix(what, ", ")))
	}
}

func (m *mdWriter) endpoints(r *report.Report) {
	m.p("")
	m.p("## Endpoints")
	m.p("")
	if len(r.Endpoints) == 0 {
		m.p("No endpoints to show.")
		return
	}
	m.p("| Endpoint | Service | Transport | TLS | Cipher | Findings |")
	m.p("|----------|---------|-----------|-----|--------|----------|")
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		var version, cipher string
		if ep.TLS != nil {
			version, cipher = ep.TLS.Version, ep.TLS.Cipher
		}
		var fs []string
		for j, f := range ep.Findings {
			if j == cellFindingsMax {
				fs = append(fs, fmt.Sprintf("%s %d more", report.Ellipsis, len(ep.Findings)-j))
				break
			}
			s := "**" + f.Severity.String() + "** " + md(f.ID)
			if f.Change == report.ChangeNew {
				s += " (new)"
			}
			fs = append(fs, s)
		}
		m.p("| %s | %s | %s | %s | %s | %s |", md(endpointLabel(ep.Host, ep.IP, ep.Port)), md(ep.Service),
			md(transportText(ep)), md(version), md(cipher), strings.Join(fs, "; "))
	}
}

func (m *mdWriter) findings(r *report.Report) {
	if !hasFindings(r) {
		return
	}
	m.p("")
	m.p("## Findings")
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		if len(ep.Findings) == 0 {
			continue
		}
		m.p("")
		m.p("### %s", md(endpointLabel(ep.Host, ep.IP, ep.Port)))
		m.p("")
		for _, f := range ep.Findings {
			mark := ""
			if f.Change == report.ChangeNew {
				mark = " **(new)**"
			}
			m.p("- **%s** %s%s: %s. %s", f.Severity, md(f.ID), mark, md(f.Title), md(f.Detail))
		}
	}
}

func (m *mdWriter) expiry(r *report.Report) {
	rows := expiries(r)
	if len(rows) == 0 {
		return
	}
	m.p("")
	m.p("## Certificate expiry")
	m.p("")
	m.p("| Days left | Expires | Endpoint | Certificate | Issuer |")
	m.p("|----------:|---------|----------|-------------|--------|")
	for _, e := range rows {
		m.p("| %s | %s | %s | %s | %s |", md(e.When), e.NotAfter, md(e.Endpoint), md(e.Subject), md(e.Issuer))
	}
}
