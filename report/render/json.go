package render

import (
	"io"

	"github.com/tlsweep/tlsweep/report"
)

// WriteJSON writes r as the "tlsweep/v1" document. The model owns its
// encoding (report.WriteJSON, read back by report.ReadJSON); the renderer
// is that, under the name -f json.
func WriteJSON(w io.Writer, r *report.Report) error { return report.WriteJSON(w, r) }
