package report_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

// utcTimes returns r with every time in UTC, for comparing decoded reports.
func utcTimes(r *report.Report) *report.Report {
	r.StartedAt = r.StartedAt.UTC()
	r.FinishedAt = r.FinishedAt.UTC()
	for i := range r.Endpoints {
		if tl := r.Endpoints[i].TLS; tl != nil {
			for j := range tl.Chain {
				tl.Chain[j].NotBefore = tl.Chain[j].NotBefore.UTC()
				tl.Chain[j].NotAfter = tl.Chain[j].NotAfter.UTC()
			}
		}
	}
	return r
}

func TestJSONRoundTrip(t *testing.T) {
	for name, r := range map[string]*report.Report{
		"fixture": reporttest.Report(),
		"empty":   {Schema: report.Schema, Tool: report.Tool{Name: "tlsweep", Version: "test"}},
		"local times": func() *report.Report {
			r := reporttest.Report()
			zone := time.FixedZone("X", 5*3600+1800)
			r.StartedAt = r.StartedAt.In(zone)
			r.Endpoints[0].TLS.Chain[0].NotAfter = r.Endpoints[0].TLS.Chain[0].NotAfter.In(zone)
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.WriteJSON(&buf, r); err != nil {
				t.Fatal(err)
			}
			got, err := report.ReadJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			want := utcTimes(report.NormalizeReport(r))
			if got := utcTimes(got); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the report:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReadJSONErrors(t *testing.T) {
	var doc bytes.Buffer
	if err := report.WriteJSON(&doc, reporttest.Report()); err != nil {
		t.Fatal(err)
	}
	full := doc.String()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"wrong schema", strings.Replace(full, `"tlsweep/v1"`, `"tlsweep/v2"`, 1), `not a tlsweep/v1 report (schema "tlsweep/v2")`},
		{"no schema", `{"endpoints": []}`, `not a tlsweep/v1 report (schema "")`},
		{"jsonl line", `{"host":"h","port":1}` + "\n" + `{"host":"h","port":2}`, `not a tlsweep/v1 report (schema "")`},
		{"truncated", full[:len(full)/2], "read report: unexpected EOF"},
		{"empty", "", "read report: empty input"},
		{"not an object", `[1, 2]`, "read report: json: cannot unmarshal array"},
		{"trailing data", full + "{}", "read report: unexpected data after the document"},
		{"bad severity", strings.Replace(full, `"severity": "high"`, `"severity": "urgent"`, 1), `read report: unknown severity "urgent"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := report.ReadJSON(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("ReadJSON accepted it: %+v", r)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	if _, err := report.ReadJSON(strings.NewReader(full + "\n\n")); err != nil {
		t.Errorf("trailing whitespace rejected: %v", err)
	}
}
