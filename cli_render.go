package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// formats maps each -f value to its renderer. jsonl is streamed by the
// sweep itself and renders nothing at the end.
var formats = map[string]func(w io.Writer, r *report.Report, o *scanOptions) error{
	"table": func(w io.Writer, r *report.Report, o *scanOptions) error {
		return report.WriteTable(w, r, report.TableOptions{Color: o.color, Width: o.width})
	},
	"json":  func(w io.Writer, r *report.Report, _ *scanOptions) error { return report.WriteJSON(w, r) },
	"jsonl": func(io.Writer, *report.Report, *scanOptions) error { return nil },
	"csv":   func(w io.Writer, r *report.Report, _ *scanOptions) error { return report.WriteCSV(w, r) },
	"markdown": func(w io.Writer, r *report.Report, _ *scanOptions) error {
		return report.WriteMarkdown(w, r)
	},
	"html": func(w io.Writer, r *report.Report, _ *scanOptions) error { return report.WriteHTML(w, r) },
}

var formatNames = []string{"table", "json", "jsonl", "csv", "markdown", "html"}

func checkFormat(f string) error {
	if _, ok := formats[f]; !ok {
		return fmt.Errorf("unknown --format %q: use %s", f, strings.Join(formatNames, ", "))
	}
	return nil
}
