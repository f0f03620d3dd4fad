package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// CSVHeader is the first row WriteCSV writes.
var CSVHeader = []string{"host", "ip", "port", "service", "transport", "protocol", "tls_version", "cipher",
	"finding_id", "severity", "title", "detail", "change"}

// WriteCSV writes r as RFC 4180 CSV: a header row, then one row per finding
// of each endpoint of r.Endpoints, and one row with empty finding columns
// for an endpoint without findings. transport holds the state (closed,
// filtered) of an endpoint that is not open; change is "new" or
// "unchanged" after a comparison with a baseline.
//
// Cells are sanitized like the table's (control characters become \xNN),
// and a cell that starts with = + - or @ gets a leading ' so a spreadsheet
// does not run it as a formula.
func WriteCSV(w io.Writer, r *report.Report) error {
	if r == nil {
		return fmt.Errorf("write csv: nil report")
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		base := []string{ep.Host, ep.IP, strconv.Itoa(ep.Port), ep.Service, string(ep.Transport), ep.Protocol, "", ""}
		if ep.State != report.StateOpen {
			base[4] = string(ep.State)
		}
		if ep.TLS != nil {
			base[6], base[7] = ep.TLS.Version, ep.TLS.Cipher
		}
		rows := [][]string{append(base, "", "", "", "", "")}
		if len(ep.Findings) > 0 {
			rows = rows[:0]
			for _, f := range ep.Findings {
				row := append(append([]string(nil), base...), f.ID, f.Severity.String(), f.Title, f.Detail, f.Change)
				rows = append(rows, row)
			}
		}
		for _, row := range rows {
			for j := range row {
				row[j] = csvCell(row[j])
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvCell sanitizes s and defuses spreadsheet formulas.
func csvCell(s string) string {
	s = sanitize(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
