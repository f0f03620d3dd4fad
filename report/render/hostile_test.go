package render

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

var rawScriptMD = regexp.MustCompile(`(?i)(^|[^\\])<script`)

// humanFormats are the formats people read; every cell of theirs is
// escaped and capped. "mail subject" is the subject line of a mailed
// report.
var humanFormats = []string{"table", "markdown", "html", "csv", "changes"}

// maxHostileOutput bounds what one hostile two-endpoint report may render
// to in a human format: the caps, not the 100 KB strings, decide it.
const maxHostileOutput = 64 << 10

// Every string of the shared hostile table, put in every string of a
// report, comes out of every human-readable renderer escaped (no control
// byte, no C1 control, no bidi override, no raw <script in HTML or
// Markdown, no formula in CSV) and bounded; JSON keeps it whole.
func TestHostileStringsEveryRenderer(t *testing.T) {
	for _, h := range reporttest.Hostile {
		r := reporttest.HostileReport(h.Value)
		for _, name := range humanFormats {
			for _, o := range []Options{{}, {Width: 80}} {
				var buf bytes.Buffer
				if err := mustNew(t, name, o).Render(&buf, r); err != nil {
					t.Fatalf("%s/%s: %v", h.Name, name, err)
				}
				checkHuman(t, h.Name+"/"+name, buf.String(), name)
				if name == "table" {
					checkFits(t, h.Name, buf.String(), cmp.Or(o.Width, DefaultWidth))
				}
			}
		}
		subject := MailSubject(r)
		checkHuman(t, h.Name+"/mail subject", subject, "subject")
		if strings.ContainsAny(subject, "\r\n") {
			t.Errorf("%s: mail subject holds a line break: %q", h.Name, subject)
		}
		var js bytes.Buffer
		if err := mustNew(t, "json", Options{}).Render(&js, r); err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadJSON(&js)
		if err != nil {
			t.Fatalf("%s: json: %v", h.Name, err)
		}
		if back.Endpoints[0].TLS.Chain[0].CommonName != h.Value || back.Endpoints[1].Banner != h.Value {
			t.Errorf("%s: JSON did not keep the full value", h.Name)
		}
	}
}

// checkFits fails when a line of a fitted table is wider than width.
func checkFits(t *testing.T, name, out string, width int) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := twwidth.Width(line); n > width {
			t.Errorf("%s: table line of %d columns, over %d: %.60q", name, n, width, line)
		}
	}
}

func checkHuman(t *testing.T, name, out, format string) {
	t.Helper()
	if len(out) > maxHostileOutput {
		t.Errorf("%s: %d bytes of output, want at most %d", name, len(out), maxHostileOutput)
	}
	for i, r := range out {
		switch {
		case r == '\n' || (r == '\r' && format == "csv" && strings.HasPrefix(out[i:], "\r\n")):
		case r == '\t' && format == "changes":
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' || r == utf8.RuneError:
			t.Fatalf("%s: rune %U at byte %d: %q", name, r, i, out[max(0, i-40):min(len(out), i+40)])
		}
	}
	// Markdown escapes < with a backslash, which Markdown reads as a
	// literal <; HTML must hold none at all.
	if (format == "html" && strings.Contains(strings.ToLower(out), "<script")) ||
		(format == "markdown" && rawScriptMD.MatchString(out)) {
		t.Errorf("%s: raw <script", name)
	}
	if format == "csv" {
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Errorf("%s: cell %.40q starts a formula", name, cell)
				}
				if utf8.RuneCountInString(cell) > cellMax+1 {
					t.Errorf("%s: cell of %d characters", name, utf8.RuneCountInString(cell))
				}
			}
		}
	}
}

// A long value is shortened with a visible mark in every human format.
func TestLongValueMarkedShortened(t *testing.T) {
	r := reporttest.HostileReport(strings.Repeat("A", 100<<10))
	for _, name := range humanFormats {
		var buf bytes.Buffer
		if err := mustNew(t, name, Options{}).Render(&buf, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), strings.Repeat("A", 10)+report.Ellipsis) {
			t.Errorf("%s: no shortened value marked with %s", name, report.Ellipsis)
		}
	}
}
