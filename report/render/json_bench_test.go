package render

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

// BenchmarkJSONLWrite measures streaming one endpoint line, the per-open-
// endpoint cost of -f jsonl. BenchmarkJSONMarshalEndpoint, plain
// encoding/json on the same value, is its baseline.
func BenchmarkJSONLWrite(b *testing.B) {
	r := reporttest.Report()
	w := report.NewJSONLWriter(io.Discard)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := w.Write(&r.Endpoints[i%len(r.Endpoints)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONMarshalEndpoint(b *testing.B) {
	r := reporttest.Report()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := json.Marshal(&r.Endpoints[i%len(r.Endpoints)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteJSON measures the whole document for a report of 1000
// open endpoints.
func BenchmarkWriteJSON(b *testing.B) {
	r := reporttest.Report()
	for len(r.Endpoints) < 1000 {
		r.Endpoints = append(r.Endpoints, r.Endpoints...)
	}
	r.Endpoints = r.Endpoints[:1000]
	b.ReportAllocs()
	for b.Loop() {
		if err := report.WriteJSON(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
