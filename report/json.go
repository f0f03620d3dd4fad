package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// WriteJSON writes r as one indented JSON document followed by a newline.
// Lists the contract promises as arrays (endpoints, targets, ports, findings,
// chain, sans) are written as [] when empty, never null; r is not modified.
func WriteJSON(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("write json: nil report")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Encode marshals into a buffer first, so a marshalling error writes nothing.
	if err := enc.Encode(normalizeReport(r)); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// JSONLWriter streams endpoints as JSON Lines: one compact object per line,
// each the Endpoint object exactly as WriteJSON writes it. It is safe for
// concurrent use; each line is written with a single Write call.
type JSONLWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

// NewJSONLWriter returns a JSONLWriter that writes to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	return &JSONLWriter{w: w}
}

// Write writes one endpoint as one line.
func (j *JSONLWriter) Write(ep *Endpoint) error {
	if ep == nil {
		return errors.New("write jsonl: nil endpoint")
	}
	b, err := json.Marshal(normalizeEndpoint(*ep))
	if err != nil {
		return fmt.Errorf("write jsonl: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf.Reset()
	j.buf.Grow(len(b) + 1)
	j.buf.Write(b)
	j.buf.WriteByte('\n')
	if _, err := j.w.Write(j.buf.Bytes()); err != nil {
		return fmt.Errorf("write jsonl: %w", err)
	}
	return nil
}

// ReadJSON decodes a document written by WriteJSON. It rejects any schema
// other than Schema and trailing data after the document; unknown fields
// are ignored, since new fields may appear within one schema.
func ReadJSON(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read report: empty input: %w", err)
		}
		return nil, fmt.Errorf("read report: %w", err)
	}
	// Look at the schema before the rest, so a report of another schema
	// gets a clear error rather than a type mismatch.
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if head.Schema != Schema {
		return nil, fmt.Errorf("not a %s report (schema %q)", Schema, head.Schema)
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("read report: unexpected data after the document")
	}
	return &rep, nil
}

// normalizeReport returns a copy of r whose contract lists are non-nil.
func normalizeReport(r *Report) *Report {
	out := *r
	out.Targets = nonNil(r.Targets)
	out.Ports = nonNil(r.Ports)
	out.Endpoints = make([]Endpoint, len(r.Endpoints))
	for i := range r.Endpoints {
		out.Endpoints[i] = normalizeEndpoint(r.Endpoints[i])
	}
	return &out
}

// normalizeEndpoint returns ep with its contract lists non-nil. It copies
// what it changes, so the caller's endpoint is left alone.
func normalizeEndpoint(ep Endpoint) Endpoint {
	ep.Findings = nonNil(ep.Findings)
	if ep.TLS != nil {
		t := *ep.TLS
		t.Chain = make([]Certificate, len(ep.TLS.Chain))
		for i, c := range ep.TLS.Chain {
			c.SANs = nonNil(c.SANs)
			t.Chain[i] = c
		}
		ep.TLS = &t
	}
	return ep
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
