package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// renderer writes a report in one format.
type renderer func(w io.Writer, r *report.Report, t report.TableOptions) error

// formats maps each -f value to its renderer.
var formats = map[string]renderer{
	"table": func(w io.Writer, r *report.Report, t report.TableOptions) error { return report.WriteTable(w, r, t) },
	"json":  func(w io.Writer, r *report.Report, _ report.TableOptions) error { return report.WriteJSON(w, r) },
	"jsonl": func(w io.Writer, r *report.Report, _ report.TableOptions) error {
		jw := report.NewJSONLWriter(w)
		for i := range r.Endpoints {
			if err := jw.Write(&r.Endpoints[i]); err != nil {
				return err
			}
		}
		return nil
	},
	"csv":      func(w io.Writer, r *report.Report, _ report.TableOptions) error { return report.WriteCSV(w, r) },
	"markdown": func(w io.Writer, r *report.Report, _ report.TableOptions) error { return report.WriteMarkdown(w, r) },
	"html":     func(w io.Writer, r *report.Report, _ report.TableOptions) error { return report.WriteHTML(w, r) },
}

var formatNames = []string{"table", "json", "jsonl", "csv", "markdown", "html"}

func checkFormat(f string) error {
	if _, ok := formats[f]; !ok {
		return fmt.Errorf(errFormat, f, strings.Join(formatNames, ", "))
	}
	return nil
}

// What of a report writeReport renders.
type renderWhat int

const (
	renderAll      renderWhat = iota
	renderStreamed            // the endpoints went out as jsonl during the sweep
	renderChanges             // the table format lists rep.Changes, not the endpoints
)

// writeReport is the one way a report leaves tlsweep: render it in
// r.format into out, then commit out (atomically, when it is a file).
func writeReport(out *output, r renderConfig, rep *report.Report, what renderWhat) error {
	var err error
	switch {
	case what == renderStreamed && r.format == "jsonl":
	case what == renderChanges && r.format == "table":
		err = report.WriteChanges(out, rep)
	default:
		err = formats[r.format](out, rep, r.table)
	}
	if err == nil {
		err = out.commit()
	}
	if err != nil {
		out.abort()
		return failedErr(fmt.Errorf(errWriteReport, err))
	}
	return nil
}
