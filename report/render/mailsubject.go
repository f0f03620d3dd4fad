package render

import (
	"fmt"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// MailSubject is a one-line subject for a mailed report, for example
//
//	tlsweep: 3 new high findings on 10.1.0.0/24 (12 endpoints)
//	tlsweep: 4 new findings (3 high, 1 medium) on 10.1.0.0/24 (12 endpoints)
//	tlsweep: no new findings, 2 resolved on 10.1.0.0/24 (12 endpoints)
//	tlsweep: no changes on 10.1.0.0/24 (12 endpoints)
//	tlsweep: 2 high, 1 medium findings on 10.1.0.0/24 (12 endpoints)
//	tlsweep: no findings on 10.1.0.0/24 (12 endpoints)
//
// The first three need r.Changes (a baseline). Endpoints counts the open
// ports. The subject holds no control character.
func MailSubject(r *report.Report) string {
	var what string
	if c := r.Changes; c != nil {
		what = changesPhrase(c)
	} else if n := total(r.Summary.Findings); n == 0 {
		what = "no findings"
	} else {
		what = countsText(r.Summary.Findings) + " " + pluralWord(n, "finding")
	}
	s := fmt.Sprintf("tlsweep: %s on %s (%s)", what, targetsText(r.Targets, 3), plural(r.Summary.Open, "endpoint"))
	if !r.Complete {
		s += " [interrupted]"
	}
	return s
}

func changesPhrase(c *report.Changes) string {
	if c.None() {
		return "no changes"
	}
	var parts []string
	n := len(c.New)
	switch counts := countsText(c.NewCount); {
	case n == 0:
		parts = append(parts, "no new findings")
	case !strings.Contains(counts, ","):
		// One severity: "3 new high findings".
		sev := strings.TrimPrefix(counts, fmt.Sprint(n)+" ")
		parts = append(parts, fmt.Sprintf("%d new %s %s", n, sev, pluralWord(n, "finding")))
	default:
		parts = append(parts, fmt.Sprintf("%d new %s (%s)", n, pluralWord(n, "finding"), counts))
	}
	if k := len(c.Resolved); k > 0 {
		parts = append(parts, fmt.Sprintf("%d resolved", k))
	}
	if n > 0 {
		// The body tells the rest; keep the subject short.
		return strings.Join(parts, ", ")
	}
	if k := len(c.Appeared); k > 0 {
		parts = append(parts, fmt.Sprintf("%s appeared", plural(k, "endpoint")))
	}
	if k := len(c.Disappeared); k > 0 {
		parts = append(parts, fmt.Sprintf("%s gone", plural(k, "endpoint")))
	}
	if k := len(c.CertificatesChanged); k > 0 {
		parts = append(parts, fmt.Sprintf("%s replaced", plural(k, "certificate")))
	}
	return strings.Join(parts, ", ")
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
