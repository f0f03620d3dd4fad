package cli

import (
	"fmt"
	"strings"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/render"
)

// formatNames are the -f values.
var formatNames = render.Formats()

func checkFormat(f string) error {
	if _, err := render.New(f, render.Options{}); err != nil {
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
		err = render.WriteChanges(out, rep)
	default:
		var rd render.Renderer
		if rd, err = render.New(r.format, r.table); err == nil {
			err = rd.Render(out, rep)
		}
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
