// Package render writes a report for people and scripts: one file per
// format, each behind the Renderer interface, chosen by name with New.
//
// Every string that came from the network or a report file is escaped
// before it reaches a human-readable format, so it cannot drive a
// terminal, a spreadsheet or a browser.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// Renderer writes one report in one format.
type Renderer interface {
	Render(w io.Writer, r *report.Report) error
}

// Func is a function that renders: a Renderer.
type Func func(w io.Writer, r *report.Report) error

// Render calls f.
func (f Func) Render(w io.Writer, r *report.Report) error { return f(w, r) }

// Options tunes the formats that take options (the table).
type Options struct {
	// Color paints the table's finding severities with ANSI escapes.
	Color bool
	// Width is the width in columns the table fits in (see TableOptions).
	Width int
	// Wide writes the table with every column (see TableOptions).
	Wide bool
}

// Formats names the formats -f accepts, in the order help lists them.
func Formats() []string {
	return []string{"table", "json", "jsonl", "csv", "markdown", "html", "openmetrics"}
}

// New returns the renderer of the format called name: one of Formats, or
// "changes" (the plain-text change list of a compared report).
func New(name string, o Options) (Renderer, error) {
	switch name {
	case "table":
		return Func(func(w io.Writer, r *report.Report) error {
			return WriteTable(w, r, TableOptions(o))
		}), nil
	case "json":
		return Func(WriteJSON), nil
	case "jsonl":
		return Func(WriteJSONL), nil
	case "csv":
		return Func(WriteCSV), nil
	case "markdown":
		return Func(WriteMarkdown), nil
	case "html":
		return Func(WriteHTML), nil
	case "openmetrics":
		return Func(WriteOpenMetrics), nil
	case "changes":
		return Func(WriteChanges), nil
	}
	return nil, fmt.Errorf("unknown format %q: use %s", name, strings.Join(Formats(), ", "))
}
