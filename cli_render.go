package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// formats maps each -f value to its renderer. jsonl is streamed by the
// sweep itself and renders nothing at the end.
var formats = map[string]func(w io.Writer, r *report.Report, color bool) error{
	"table": func(w io.Writer, r *report.Report, color bool) error {
		return report.WriteTable(w, r, report.TableOptions{Color: color})
	},
	"json":  func(w io.Writer, r *report.Report, _ bool) error { return report.WriteJSON(w, r) },
	"jsonl": func(io.Writer, *report.Report, bool) error { return nil },
}

var formatNames = []string{"table", "json", "jsonl"}

func checkFormat(f string) error {
	if _, ok := formats[f]; !ok {
		return fmt.Errorf("unknown --format %q: use %s", f, strings.Join(formatNames, ", "))
	}
	return nil
}
