package render

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tlsweep/tlsweep/report"
)

// WriteChanges writes what changed since the baseline for people, as
// aligned plain text: new and resolved findings, endpoints that appeared
// or disappeared, and replaced certificates. r must have been compared
// (r.Changes set). Strings are sanitized like the table's.
func WriteChanges(w io.Writer, r *report.Report) error {
	if r == nil || r.Changes == nil {
		return fmt.Errorf("write changes: the report was not compared with a baseline")
	}
	c := r.Changes
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	p("Changes since %s, to the scan of %s:", sanitize(baselineText(c)), timeText(r.StartedAt))
	if c.Partial {
		p("(one of the two scans was interrupted: endpoints it did not reach show as appeared or disappeared)")
	}
	if c.None() {
		p("no changes")
	}
	findings := func(title string, fs []report.ChangedFinding, counts report.SeverityCounts) {
		if len(fs) == 0 {
			return
		}
		p("")
		p("%s: %d (%s)", title, len(fs), countsText(counts))
		for _, f := range fs {
			p("  %s\t%s\t%s\t%s", f.Severity, refLabel(f.EndpointRef), sanitize(f.ID), shorten(f.Detail, 100))
		}
	}
	refs := func(title string, refs []report.EndpointRef) {
		if len(refs) == 0 {
			return
		}
		p("")
		p("%s: %d", title, len(refs))
		for _, e := range refs {
			p("  %s\t%s\t%s", refLabel(e), sanitize(e.Service), sanitize(string(e.Transport)))
		}
	}
	findings("New findings", c.New, c.NewCount)
	findings("Resolved findings", c.Resolved, c.ResolvedCount)
	refs("Endpoints that appeared", c.Appeared)
	refs("Endpoints that disappeared", c.Disappeared)
	if len(c.CertificatesChanged) > 0 {
		p("")
		p("Certificates replaced: %d", len(c.CertificatesChanged))
		for _, cc := range c.CertificatesChanged {
			p("  %s\t%s\t→ %s", refLabel(cc.EndpointRef),
				certChangeSide(cc.OldSubject, cc.OldSHA256, dateText(cc.OldNotAfter)),
				certChangeSide(cc.NewSubject, cc.NewSHA256, dateText(cc.NewNotAfter)))
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write changes: %w", err)
	}
	return nil
}
