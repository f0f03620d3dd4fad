package render

import (
	"cmp"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/tlsweep/tlsweep/report"
)

// TableOptions tunes WriteTable.
type TableOptions struct {
	// Color paints finding severities with ANSI escapes. Without it the
	// output holds no escape bytes at all.
	Color bool
	// Width is the width in columns the table fits in: the fitted table
	// cuts cells to fit (DefaultWidth when 0), the wide table wraps them
	// (no limit when 0).
	Width int
	// Wide writes every column (version, cipher, certificate) in a ruled
	// table instead of one fitted line per endpoint.
	Wide bool
}

var tableHeader = []string{"HOST", "PORT", "SERVICE", "TRANSPORT", "VERSION", "CIPHER", "CERTIFICATE", "EXPIRES", "GRADE", "FINDINGS"}

// cellNoteMax is how many characters of an error or banner the CIPHER
// column shows.
const cellNoteMax = 40

// WriteTable writes r for people: one row per endpoint of r.Endpoints
// (fitted to o.Width, or every column with o.Wide), then a summary line,
// and a warning when the sweep was interrupted. Every string that came
// from the network is escaped so it cannot drive the terminal.
func WriteTable(w io.Writer, r *report.Report, o TableOptions) error {
	if r == nil {
		return fmt.Errorf("write table: nil report")
	}
	switch {
	case len(r.Endpoints) == 0:
		if _, err := io.WriteString(w, "no endpoints to show\n"); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	case !o.Wide:
		if err := writeFitTable(w, r, o); err != nil {
			return err
		}
	default:
		if err := writeWideTable(w, r, o); err != nil {
			return err
		}
	}
	summary := summaryLine(&r.Summary)
	if !o.Wide && twwidth.Width(summary) > cmp.Or(o.Width, DefaultWidth) {
		summary = strings.Replace(summary, " — ", "\n", 1)
	}
	if _, err := io.WriteString(w, summary+"\n"); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if !r.Complete {
		if _, err := io.WriteString(w, "scan interrupted: the report holds only the endpoints scanned before the stop\n"); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// writeWideTable writes every column in a ruled table, wrapping cells to
// o.Width when it is set.
func writeWideTable(w io.Writer, r *report.Report, o TableOptions) error {
	rows := make([][]string, len(r.Endpoints))
	for i := range r.Endpoints {
		rows[i] = tableRow(r, &r.Endpoints[i])
	}
	if o.Width > 0 {
		fitColumns(rows, o.Width)
	}
	opts := []tablewriter.Option{
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Settings: tw.Settings{Separators: tw.Separators{BetweenRows: tw.On}},
		})),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		// Cells arrive wrapped to the width by fitColumns.
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(tableHeader)
	for _, row := range rows {
		row[findingsCol] = paintFindings(row[findingsCol], o.Color)
		if err := t.Append(row); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// findingsCol is the index of FINDINGS in tableHeader.
const findingsCol = 9

// tableRow returns the cells of one endpoint, sanitized and uncoloured.
func tableRow(r *report.Report, ep *report.Endpoint) []string {
	row := []string{
		hostCell(ep),
		strconv.Itoa(ep.Port),
		sanitize(ep.Service),
		transportCell(ep),
		"", // VERSION
		"", // CIPHER
		"", // CERTIFICATE
		"", // EXPIRES
		"", // GRADE
		findingsCell(ep.Findings),
	}
	switch {
	case ep.TLS != nil:
		row[4] = sanitize(ep.TLS.Version)
		row[5] = sanitize(ep.TLS.Cipher)
		row[8] = sanitize(ep.TLS.Grade)
		if len(ep.TLS.Chain) > 0 {
			row[6] = certificateCell(ep.TLS.Chain)
			row[7] = expiresCell(&ep.TLS.Chain[0], r.StartedAt)
		}
	case ep.Error != "":
		row[5] = shorten(ep.Error, cellNoteMax)
	case ep.Banner != "":
		row[5] = shorten(ep.Banner, cellNoteMax)
	}
	return row
}

// hostCell shows the host, and the IP in parentheses when the host is a
// name rather than the address itself.
func hostCell(ep *report.Endpoint) string {
	switch {
	case ep.Host == "":
		return sanitize(ep.IP)
	case ep.IP == "" || ep.Host == ep.IP || net.ParseIP(ep.Host) != nil:
		return sanitize(ep.Host)
	}
	return sanitize(ep.Host) + " (" + sanitize(ep.IP) + ")"
}

func transportCell(ep *report.Endpoint) string {
	if ep.State != report.StateOpen {
		return sanitize(string(ep.State))
	}
	switch ep.Transport {
	case report.TransportEncrypted:
		cell := "encrypted"
		if ep.Protocol != "" {
			cell += "/" + sanitize(ep.Protocol)
		}
		return cell
	case report.TransportPlaintext:
		cell := "plaintext"
		if ep.Protocol != "" {
			cell += "/" + sanitize(ep.Protocol)
		}
		if ep.StartTLS != "" {
			cell += "+starttls"
		}
		return cell
	case report.TransportTLS:
		if ep.TLS != nil && ep.TLS.AppProtocol != "" && ep.TLS.AppProtocol != "unknown" {
			return "tls/" + sanitize(ep.TLS.AppProtocol)
		}
	case "":
		return "open"
	}
	return sanitize(string(ep.Transport))
}

// certificateCell names the leaf and its issuer: "leaf CN → issuer CN".
func certificateCell(chain []report.Certificate) string {
	l := &chain[0]
	subject := l.CommonName
	if subject == "" {
		subject = commonNameOf(l.Subject)
	}
	if subject == "" {
		subject = l.Subject
	}
	if subject == "" && len(l.SANs) > 0 {
		subject = l.SANs[0]
	}
	issuer := commonNameOf(l.Issuer)
	if issuer == "" && len(chain) > 1 {
		issuer = chain[1].CommonName
	}
	if issuer == "" {
		issuer = l.Issuer
	}
	if subject == "" {
		subject = "?"
	}
	if issuer == "" {
		issuer = "?"
	}
	return sanitize(subject) + " → " + sanitize(issuer)
}

// commonNameOf returns the CN attribute of a distinguished name written
// as RFC 2253 ("CN=a,O=b", what pkix.Name.String gives) or in the
// OpenSSL style ("CN = a, O = b"), or "" when it has none.
func commonNameOf(dn string) string {
	for _, rdn := range splitDN(dn) {
		k, v, ok := strings.Cut(rdn, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "CN") {
			return unescapeDN(strings.TrimSpace(v))
		}
	}
	return ""
}

// splitDN splits a DN at the commas and pluses that are not escaped.
func splitDN(dn string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',', '+', ';':
			parts = append(parts, dn[start:i])
			start = i + 1
		}
	}
	return append(parts, dn[start:])
}

// unescapeDN undoes RFC 2253 backslash escapes ("\," and "\2C").
func unescapeDN(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		i++
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// expiresCell shows the leaf's not-after date and the days left,
// "2026-12-01 (8d)", or how long ago it expired.
func expiresCell(c *report.Certificate, scanned time.Time) string {
	if c.NotAfter.IsZero() {
		return ""
	}
	date := c.NotAfter.UTC().Format(time.DateOnly)
	switch {
	case c.DaysLeft < 0:
		return fmt.Sprintf("%s (expired %dd ago)", date, -c.DaysLeft)
	case !scanned.IsZero() && c.NotAfter.Before(scanned):
		return date + " (expired today)"
	}
	return fmt.Sprintf("%s (%dd)", date, c.DaysLeft)
}

// findingsCell lists the endpoint's finding ids, one a line, each after
// its severity; an id raised more than once shows its count.
func findingsCell(fs []report.Finding) string {
	var ids []string
	sev := map[string]report.Severity{}
	count := map[string]int{}
	for _, f := range fs {
		if count[f.ID] == 0 {
			ids = append(ids, f.ID)
			sev[f.ID] = f.Severity
		}
		count[f.ID]++
	}
	lines := make([]string, len(ids))
	for i, id := range ids {
		lines[i] = sev[id].String() + " " + sanitize(id)
		if n := count[id]; n > 1 {
			lines[i] += fmt.Sprintf(" (x%d)", n)
		}
	}
	return strings.Join(lines, "\n")
}

// severityColors are the ANSI colours of the severities in FINDINGS.
var severityColors = map[string]string{
	report.SeverityCritical.String(): "1;31", // bold red
	report.SeverityHigh.String():     "31",   // red
	report.SeverityMedium.String():   "33",   // yellow
	report.SeverityLow.String():      "36",   // cyan
}

// paintFindings colours the severity that starts each line of a FINDINGS
// cell when color is set. Lines wrapped from a finding start with other
// words and stay as they are.
func paintFindings(cell string, color bool) string {
	if !color {
		return cell
	}
	lines := strings.Split(cell, "\n")
	for i, line := range lines {
		word, rest, spaced := strings.Cut(line, " ")
		if code, ok := severityColors[word]; ok {
			lines[i] = "\x1b[" + code + "m" + word + "\x1b[0m"
			if spaced {
				lines[i] += " " + rest
			}
		}
	}
	return strings.Join(lines, "\n")
}

func summaryLine(s *report.Summary) string {
	f := s.Findings
	return fmt.Sprintf("%s, %s: %d open (%s), %d closed, %d filtered — findings: %d critical, %d high, %d medium, %d low, %d info",
		plural(s.Hosts, "host"), plural(s.Probes, "probe"), s.Open, openText(s, "tls"), s.Closed, s.Filtered,
		f.Critical, f.High, f.Medium, f.Low, f.Info)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// cellMax is the most characters one cell of a human-readable format
// (table, Markdown, HTML, change list, mail) shows of one value; a longer
// one is cut and ends with "…". JSON keeps full values (see
// report.LimitStrings for what it caps).
const cellMax = 200

// sanitize makes s safe to print on a terminal, in Markdown or in HTML
// text (see report.Escape) and caps it at cellMax characters.
func sanitize(s string) string { return report.Shorten(s, cellMax) }

// shorten is sanitize with surrounding space trimmed and a smaller cap.
func shorten(s string, max int) string { return report.Shorten(strings.TrimSpace(s), max) }

// minColumn is the narrowest fitColumns makes a column that is wider than
// its header; it keeps "critical" on one line.
const minColumn = 8

// fitColumns wraps the cells of rows so the table fits in width columns,
// narrowing the widest columns first. Columns never get narrower than their
// header (or minColumn), so a very small width can still be exceeded.
func fitColumns(rows [][]string, width int) {
	n := len(tableHeader)
	natural := make([]int, n)
	floor := make([]int, n)
	for i, h := range tableHeader {
		natural[i] = twwidth.Width(h)
		for _, row := range rows {
			for _, line := range strings.Split(row[i], "\n") {
				natural[i] = max(natural[i], twwidth.Width(line))
			}
		}
		floor[i] = min(natural[i], max(twwidth.Width(h), minColumn))
	}
	// Each column adds a space either side and a border after it, and the
	// table opens with one more border.
	budget := width - (3*n + 1)
	widths := slices.Clone(natural)
	total := 0
	for _, w := range widths {
		total += w
	}
	for total > budget {
		widest := -1
		for i, w := range widths {
			if w > floor[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		total--
	}
	for i := range n {
		if widths[i] == natural[i] {
			continue
		}
		for _, row := range rows {
			row[i] = wrapCell(row[i], widths[i])
		}
	}
}

// wrapCell wraps each line of cell at spaces to at most width columns,
// breaking words longer than that, after a '_', '-', '.', '/' or ':' when
// one is near the end of the room.
func wrapCell(cell string, width int) string {
	var out []string
	for _, line := range strings.Split(cell, "\n") {
		cur, curW := "", 0
		for _, word := range strings.Fields(line) {
			ww := twwidth.Width(word)
			switch {
			case cur != "" && curW+1+ww <= width:
				cur += " " + word
				curW += 1 + ww
				continue
			case cur != "":
				out = append(out, cur)
			}
			for ww > width {
				head, tail := breakWord(word, width)
				out = append(out, head)
				word, ww = tail, twwidth.Width(tail)
			}
			cur, curW = word, ww
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}

// breakWord splits word so the head is at most width columns wide.
func breakWord(word string, width int) (head, tail string) {
	cut, w, soft := 0, 0, 0
	for i, r := range word {
		rw := twwidth.Width(string(r))
		if w+rw > width {
			break
		}
		w += rw
		cut = i + utf8.RuneLen(r)
		if strings.ContainsRune("_-./:", r) {
			soft = cut
		}
	}
	if cut == 0 { // a rune wider than the room
		_, size := utf8.DecodeRuneInString(word)
		cut = size
	}
	if soft > 0 && soft*3 >= cut {
		cut = soft
	}
	return word[:cut], word[cut:]
}
