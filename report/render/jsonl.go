package render

import (
	"io"

	"github.com/tlsweep/tlsweep/report"
)

// WriteJSONL writes one JSON line per endpoint of r, as the sweep streams
// them with -f jsonl (see report.JSONLWriter).
func WriteJSONL(w io.Writer, r *report.Report) error {
	jw := report.NewJSONLWriter(w)
	for i := range r.Endpoints {
		if err := jw.Write(&r.Endpoints[i]); err != nil {
			return err
		}
	}
	return nil
}
