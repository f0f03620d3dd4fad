package render

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/tlsweep/tlsweep/report"
)

// DefaultWidth is the width the fitted table takes when none is given (the
// output is not a terminal).
const DefaultWidth = 120

// fitHeader names the fitted table's columns: the ones that decide what to
// fix. The wide table (TableOptions.Wide) adds version, cipher and
// certificate columns.
var fitHeader = []string{"ENDPOINT", "SERVICE", "TRANSPORT", "GRADE", "EXPIRES", "FINDINGS"}

// fitMin is the narrowest each fitted column gets before the table gives
// up fitting; a cell cut to it ends with "…".
var fitMin = []int{14, 7, 9, 5, 7, 12}

// fitGap separates the fitted table's columns.
const fitGap = "  "

// writeFitTable writes one line per endpoint, no rules, each column cut
// with "…" so the whole line fits in width columns.
func writeFitTable(w io.Writer, r *report.Report, o TableOptions) error {
	width := o.Width
	if width <= 0 {
		width = DefaultWidth
	}
	rows := make([][]string, 0, len(r.Endpoints)+1)
	rows = append(rows, fitHeader)
	for i := range r.Endpoints {
		rows = append(rows, fitRow(r, &r.Endpoints[i]))
	}
	widths := fitWidths(rows, width)
	var b strings.Builder
	for i, row := range rows {
		var line strings.Builder
		for j, cell := range row {
			cell = truncateWidth(cell, widths[j])
			pad := widths[j] - twwidth.Width(cell)
			if j == len(row)-1 {
				pad = 0
			}
			if i > 0 && j == len(row)-1 {
				cell = paintSeverities(cell, o.Color)
			}
			line.WriteString(cell)
			line.WriteString(strings.Repeat(" ", pad))
			if j < len(row)-1 {
				line.WriteString(fitGap)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// fitRow is one endpoint's cells in the fitted table, sanitized.
func fitRow(r *report.Report, ep *report.Endpoint) []string {
	host := ep.Host
	if host == "" {
		host = ep.IP
	}
	row := []string{net.JoinHostPort(sanitize(host), strconv.Itoa(ep.Port)), sanitize(ep.Service), fitTransport(ep), "", "",
		worstFindings(ep.Findings)}
	if ep.TLS != nil {
		row[3] = sanitize(ep.TLS.Grade)
		if l := ep.Leaf(); l != nil {
			row[4] = expiresIn(l, r.StartedAt)
		}
	}
	return row
}

// expiresIn is the days the leaf has left, "8d", or "expired 3d ago".
func expiresIn(c *report.Certificate, scanned time.Time) string {
	switch {
	case c.NotAfter.IsZero():
		return ""
	case c.DaysLeft < 0:
		return fmt.Sprintf("expired %dd ago", -c.DaysLeft)
	case !scanned.IsZero() && c.NotAfter.Before(scanned):
		return "expired today"
	}
	return fmt.Sprintf("%dd", c.DaysLeft)
}

// fitTransport is the negotiated version of a TLS endpoint and what
// speaks inside it when known ("TLS1.2", "TLS1.3/http"), the plaintext
// protocol and the version it upgrades to after STARTTLS
// ("plaintext/ftp+TLS1.2"), else the transport cell of the wide table.
func fitTransport(ep *report.Endpoint) string {
	if ep.State != report.StateOpen || ep.TLS == nil || ep.TLS.Version == "" {
		return transportCell(ep)
	}
	v := sanitize(ep.TLS.Version)
	if app := ep.TLS.AppProtocol; app != "" && app != "unknown" && ep.StartTLS == "" {
		v += "/" + sanitize(app)
	}
	if ep.StartTLS != "" {
		plain := "plaintext"
		if ep.Protocol != "" {
			plain += "/" + sanitize(ep.Protocol)
		}
		v = plain + "+" + v
	}
	return v
}

// worstFindings lists finding ids worst first, each severity named once
// before its ids: "high deprecated-protocol, weak-cipher; medium
// self-signed-certificate (x2)". Findings arrive sorted by severity.
func worstFindings(fs []report.Finding) string {
	var b strings.Builder
	count := map[string]int{}
	for _, f := range fs {
		count[f.ID]++
	}
	var last report.Severity
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		switch {
		case b.Len() == 0:
			b.WriteString(f.Severity.String() + " ")
		case f.Severity != last:
			b.WriteString("; " + f.Severity.String() + " ")
		default:
			b.WriteString(", ")
		}
		last = f.Severity
		b.WriteString(sanitize(f.ID))
		if n := count[f.ID]; n > 1 {
			fmt.Fprintf(&b, " (x%d)", n)
		}
	}
	return b.String()
}

// paintSeverities colours the severity words of a FINDINGS cell.
func paintSeverities(cell string, color bool) string {
	if !color {
		return cell
	}
	groups := strings.Split(cell, "; ")
	for i, g := range groups {
		word, rest, spaced := strings.Cut(g, " ")
		if code, ok := severityColors[word]; ok && spaced {
			groups[i] = "\x1b[" + code + "m" + word + "\x1b[0m " + rest
		}
	}
	return strings.Join(groups, "; ")
}

// fitFindingsKeep is how wide FINDINGS stays while other columns can
// still give room.
const fitFindingsKeep = 28

// fitWidths gives each column its natural width, then narrows until the
// row fits in width: FINDINGS (the last column) down to fitFindingsKeep,
// then the widest of the others down to fitMin (or their header), then
// FINDINGS down to its own floor.
func fitWidths(rows [][]string, width int) []int {
	n := len(fitHeader)
	widths := make([]int, n)
	floor := make([]int, n)
	for j := range n {
		for _, row := range rows {
			widths[j] = max(widths[j], twwidth.Width(row[j]))
		}
		floor[j] = min(widths[j], max(fitMin[j], twwidth.Width(fitHeader[j])))
	}
	over := len(fitGap)*(n-1) - width
	for _, w := range widths {
		over += w
	}
	last := n - 1
	take := func(j, least int) {
		cut := min(over, max(0, widths[j]-least))
		widths[j] -= cut
		over -= cut
	}
	take(last, max(floor[last], fitFindingsKeep))
	for over > 0 {
		widest := -1
		for j := range last {
			if widths[j] > floor[j] && (widest < 0 || widths[j]-floor[j] > widths[widest]-floor[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		over--
	}
	take(last, floor[last])
	return widths
}

// truncateWidth cuts s to at most w display columns, ending it with "…"
// when cut.
func truncateWidth(s string, w int) string {
	if twwidth.Width(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := twwidth.Width(string(r))
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + report.Ellipsis
}
