package render

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

// FuzzReadJSON: a report file (--baseline, merge, diff, report) is read,
// compared, merged and rendered in every format without a panic; what it
// reads writes back to a document it reads again; and the table written
// without colour holds no escape byte, whatever the file's strings hold.
func FuzzReadJSON(f *testing.F) {
	if b, err := os.ReadFile("testdata/report.json.golden"); err == nil {
		f.Add(b)
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, reporttest.Compared()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":"tlsweep/v1","shard":"1/2","endpoints":[{"ip":"\u001b[2J","port":-1,"host":"\u0007",` +
		`"tls":{"chain":[{"subject":"\u001b]0;x\u0007","not_after":"9999-12-31T23:59:59Z"}]},"findings":[{"id":"x","severity":"boom"}]}]}`))
	f.Add([]byte(`{"schema":"tlsweep/v1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := report.ReadJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := report.WriteJSON(&out, r); err != nil {
			t.Fatalf("WriteJSON of a read report: %v", err)
		}
		if _, err := report.ReadJSON(&out); err != nil {
			t.Fatalf("ReadJSON of WriteJSON's output: %v\n%s", err, out.Bytes())
		}
		r.Changes = report.Compare(r, r)
		_, _ = report.Merge([]*report.Report{r, r})
		_ = MailSubject(r)
		for _, w := range []func(io.Writer, *report.Report) error{WriteCSV, WriteMarkdown, WriteHTML, WriteChanges} {
			_ = w(io.Discard, r)
		}
		var table bytes.Buffer
		_ = WriteTable(&table, r, TableOptions{Width: 100})
		if i := bytes.IndexByte(table.Bytes(), 0x1b); i >= 0 {
			t.Fatalf("table holds an escape byte at %d:\n%q", i, table.Bytes())
		}
		for i := range r.Endpoints {
			_, _ = findings.Evaluate(&r.Endpoints[i], findings.RuleConfig{Now: time.Now(), ExpiryWarn: 30 * 24 * time.Hour})
		}
	})
}
