package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMain(m *testing.M) {
	// Column widths of ambiguous-width runes (→, box drawing) depend on the
	// locale; the goldens are written for a narrow (non-CJK) terminal.
	twwidth.SetEastAsian(false)
	os.Exit(m.Run())
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./report/render -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run `go test ./report/render -update` if the change is intended\n%s",
			path, diffHint(want, got))
	}
}

// diffHint points at the first line where got and want differ.
func diffHint(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("first difference at line %d:\nwant: %q\ngot:  %q", i+1, w, g)
		}
	}
	return "files differ"
}

func TestWriteTableGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts TableOptions
	}{
		{"table_wide.golden", TableOptions{Wide: true}},
		{"table_wide_color.golden", TableOptions{Wide: true, Color: true}},
		{"table_wide_width120.golden", TableOptions{Wide: true, Width: 120}},
		{"table_80.golden", TableOptions{Width: 80}},
		{"table_120.golden", TableOptions{}}, // DefaultWidth
		{"table_200.golden", TableOptions{Width: 200}},
		{"table_color.golden", TableOptions{Color: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, reporttest.Report(), tc.opts); err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			if !tc.opts.Color && bytes.IndexByte(out, 0x1b) >= 0 {
				t.Error("output without Color holds an ESC byte")
			}
			if tc.opts.Color && !bytes.Contains(out, []byte("\x1b[31mhigh\x1b[0m")) {
				t.Error("output with Color does not paint severities")
			}
			for _, b := range out {
				if (b < 0x20 && b != '\n' && b != 0x1b) || b == 0x7f {
					t.Fatalf("output holds control byte %#x", b)
				}
			}
			if tc.opts.Wide && !bytes.Contains(out, []byte(`\x1b[31mEVI`)) {
				t.Error("the hostile subject is not escaped")
			}
			if !tc.opts.Wide && bytes.Contains(out, []byte("─")) {
				t.Error("the fitted table draws rules")
			}
			width := tc.opts.Width
			if !tc.opts.Wide && width == 0 {
				width = DefaultWidth
			}
			if width > 0 {
				for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
					if n := twwidth.Width(stripColor(line)); n > width && (!tc.opts.Wide || !strings.HasPrefix(line, "7 hosts") && !strings.HasPrefix(line, "scan ")) {
						t.Errorf("line is %d columns wide, over %d: %q", n, width, line)
					}
				}
			}
			golden(t, tc.name, out)
		})
	}
}

func TestWriteTableSummary(t *testing.T) {
	r := reporttest.Report()
	r.Complete = false
	for _, tc := range []struct {
		opts TableOptions
		sep  string
	}{
		{TableOptions{Wide: true}, " — "},
		{TableOptions{Width: 200}, " — "},
		{TableOptions{}, "\n"}, // a fitted table breaks a summary wider than DefaultWidth
	} {
		var buf bytes.Buffer
		if err := WriteTable(&buf, r, tc.opts); err != nil {
			t.Fatal(err)
		}
		want := "7 hosts, 9 probes: 7 open (4 tls, 2 plaintext, 1 unknown), 1 closed, 1 filtered" + tc.sep +
			"findings: 0 critical, 4 high, 6 medium, 1 low, 0 info\n" +
			"scan interrupted: the report holds only the endpoints scanned before the stop\n"
		if got := buf.String(); !strings.HasSuffix(got, want) {
			t.Errorf("%+v: table ends\n%s\nwant it to end\n%s", tc.opts, got[max(0, len(got)-300):], want)
		}
	}

	r.Endpoints = nil
	r.Complete = true
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.HasPrefix(got, "no endpoints to show\n7 hosts, 9 probes:") || strings.Contains(got, "interrupted") {
		t.Errorf("empty report renders as %q", got)
	}
}

func TestTableCells(t *testing.T) {
	hosts := []struct {
		host, ip, want string
	}{
		{"10.0.0.1", "10.0.0.1", "10.0.0.1"},
		{"example.test", "192.0.2.1", "example.test (192.0.2.1)"},
		{"example.test", "", "example.test"},
		{"", "192.0.2.1", "192.0.2.1"},
		{"::1", "0:0::1", "::1"},
		{"bad\x1bname", "192.0.2.1", `bad\x1bname (192.0.2.1)`},
	}
	for _, h := range hosts {
		if got := hostCell(&report.Endpoint{Host: h.host, IP: h.ip}); got != h.want {
			t.Errorf("hostCell(%q, %q) = %q, want %q", h.host, h.ip, got, h.want)
		}
	}

	certs := []struct {
		chain []report.Certificate
		want  string
	}{
		{[]report.Certificate{{CommonName: "a.test", Issuer: "CN=Issuer CA,O=X"}}, "a.test → Issuer CA"},
		{[]report.Certificate{{CommonName: "a.test", Issuer: "C = US, O = X, CN = Spaced CA"}}, "a.test → Spaced CA"},
		{[]report.Certificate{{CommonName: "a.test", Issuer: `CN=Comma\, Inc CA,O=X`}}, "a.test → Comma, Inc CA"},
		{[]report.Certificate{{CommonName: "a.test", Issuer: "O=No CN"}, {CommonName: "Next CA"}}, "a.test → Next CA"},
		{[]report.Certificate{{Subject: "O=Only Org", Issuer: "O=Issuer Org"}}, "O=Only Org → O=Issuer Org"},
		{[]report.Certificate{{Subject: "CN=from-dn.test", Issuer: "CN=x"}}, "from-dn.test → x"},
		{[]report.Certificate{{SANs: []string{"san.test"}}}, "san.test → ?"},
	}
	for _, c := range certs {
		if got := certificateCell(c.chain); got != c.want {
			t.Errorf("certificateCell(%+v) = %q, want %q", c.chain, got, c.want)
		}
	}

	day := 24 * time.Hour
	expiries := []struct {
		notAfter time.Time
		days     int
		want     string
	}{
		{reporttest.Now.Add(8*day + time.Hour), 8, "2026-01-10 (8d)"},
		{reporttest.Now.Add(-3*day - time.Hour), -3, "2025-12-30 (expired 3d ago)"},
		{reporttest.Now.Add(-time.Hour), 0, "2026-01-02 (expired today)"},
		{reporttest.Now.Add(time.Hour), 0, "2026-01-02 (0d)"},
		{time.Time{}, 0, ""},
	}
	for _, e := range expiries {
		if got := expiresCell(&report.Certificate{NotAfter: e.notAfter, DaysLeft: e.days}, reporttest.Now); got != e.want {
			t.Errorf("expiresCell(%v, %d) = %q, want %q", e.notAfter, e.days, got, e.want)
		}
	}

	fs := []report.Finding{
		{ID: "expired-certificate", Severity: report.SeverityHigh},
		{ID: "weak-key", Severity: report.SeverityMedium},
		{ID: "expired-certificate", Severity: report.SeverityHigh},
	}
	if got, want := findingsCell(fs), "high expired-certificate (x2)\nmedium weak-key"; got != want {
		t.Errorf("findingsCell = %q, want %q", got, want)
	}
	cell := findingsCell([]report.Finding{{ID: "x", Severity: report.SeverityCritical}, {ID: "y", Severity: report.SeverityInfo}, {ID: "z", Severity: report.SeverityLow}})
	if got, want := paintFindings(cell, true), "\x1b[1;31mcritical\x1b[0m x\ninfo y\n\x1b[36mlow\x1b[0m z"; got != want {
		t.Errorf("paintFindings = %q, want %q", got, want)
	}
	if got := paintFindings(cell, false); got != cell {
		t.Errorf("paintFindings without colour = %q, want %q", got, cell)
	}

	transports := []struct {
		ep   report.Endpoint
		want string
	}{
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS}, "tls"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "smtp"}, "plaintext/smtp"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportPlaintext}, "plaintext"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportUnknown}, "unknown"},
		{report.Endpoint{State: report.StateClosed}, "closed"},
		{report.Endpoint{State: report.StateFiltered}, "filtered"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS, TLS: &report.TLS{AppProtocol: "http"}}, "tls/http"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS, TLS: &report.TLS{AppProtocol: "unknown"}}, "tls"},
	}
	for _, tr := range transports {
		if got := transportCell(&tr.ep); got != tr.want {
			t.Errorf("transportCell(%+v) = %q, want %q", tr.ep, got, tr.want)
		}
	}

	// The fitted table names the version, and what speaks inside TLS
	// when the probe found out.
	fitted := []struct {
		ep   report.Endpoint
		want string
	}{
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS, TLS: &report.TLS{Version: "TLS1.2"}}, "TLS1.2"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS, TLS: &report.TLS{Version: "TLS1.3", AppProtocol: "http"}}, "TLS1.3/http"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS, TLS: &report.TLS{Version: "TLS1.3", AppProtocol: "unknown"}}, "TLS1.3"},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportTLS, TLS: &report.TLS{Version: "TLS1.2", AppProtocol: "ftp\x1b"}}, `TLS1.2/ftp\x1b`},
		{report.Endpoint{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: "ftp", StartTLS: "AUTH TLS", TLS: &report.TLS{Version: "TLS1.3", AppProtocol: "ftp"}}, "plaintext/ftp+TLS1.3"},
	}
	for _, tr := range fitted {
		if got := fitTransport(&tr.ep); got != tr.want {
			t.Errorf("fitTransport(%+v) = %q, want %q", tr.ep, got, tr.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain.example.test", "plain.example.test"},
		{"café ünïcode 日本", "café ünïcode 日本"},
		{"\x1b[31mEVIL\x1b[0m", `\x1b[31mEVIL\x1b[0m`},
		{"nul\x00byte", `nul\x00byte`},
		{"tab\tnl\ncr\rdel\x7f", `tab\x09nl\x0acr\x0ddel\x7f`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"bidi\u202eexe.txt", `bidi\u202eexe.txt`},
		{"zw\u200bsp", `zw\u200bsp`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"", ""},
	} {
		got := sanitize(tc.in)
		if got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Errorf("sanitize(%q) still holds %U", tc.in, r)
			}
		}
	}
}

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"abcdefgh\x1bxyz", 10, "abcdefgh…"}, // the escape does not fit whole
		{"ab\x1bc", 10, `ab\x1bc`},
		{"  padded  ", 10, "padded"},
	} {
		if got := shorten(tc.in, tc.max); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestWriteJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, reporttest.Report()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json.golden", buf.Bytes())
}

func TestWriteJSONArrays(t *testing.T) {
	r := &report.Report{Schema: report.Schema, Endpoints: nil}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"endpoints": []`, `"targets": []`, `"ports": []`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("empty report lacks %s:\n%s", want, buf.String())
		}
	}
	if !strings.HasSuffix(buf.String(), "}\n") {
		t.Error("document does not end with a newline")
	}

	ep := &report.Endpoint{Host: "h", IP: "h", Port: 1, State: report.StateOpen, Transport: report.TransportTLS,
		TLS: &report.TLS{Chain: []report.Certificate{{Subject: "CN=a"}}}}
	r.Endpoints = []report.Endpoint{*ep}
	buf.Reset()
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"findings": []`, `"sans": []`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %s:\n%s", want, buf.String())
		}
	}
	if r.Endpoints[0].Findings != nil || r.Endpoints[0].TLS.Chain[0].SANs != nil || ep.TLS.Chain[0].SANs != nil {
		t.Error("WriteJSON modified the report")
	}
	buf.Reset()
	if err := report.NewJSONLWriter(&buf).Write(ep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"findings":[]`) || !strings.Contains(buf.String(), `"sans":[]`) {
		t.Errorf("jsonl line has null lists: %s", buf.String())
	}
	if ep.Findings != nil || ep.TLS.Chain[0].SANs != nil {
		t.Error("JSONLWriter.Write modified the endpoint")
	}
}

func TestJSONLGolden(t *testing.T) {
	r := reporttest.Report()
	var buf bytes.Buffer
	if err := mustNew(t, "jsonl", Options{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "endpoints.jsonl.golden", buf.Bytes())

	// Each line is the endpoint object of the document, compacted.
	var doc bytes.Buffer
	if err := report.WriteJSON(&doc, r); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Endpoints []json.RawMessage `json:"endpoints"`
	}
	if err := json.Unmarshal(doc.Bytes(), &parsed); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(parsed.Endpoints) {
		t.Fatalf("%d lines for %d endpoints", len(lines), len(parsed.Endpoints))
	}
	for i, raw := range parsed.Endpoints {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			t.Fatal(err)
		}
		if compact.String() != lines[i] {
			t.Errorf("line %d differs from the document's endpoint:\nline: %s\ndoc:  %s", i+1, lines[i], compact.String())
		}
	}
}

func TestJSONLWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	jw := report.NewJSONLWriter(&buf)
	r := reporttest.Report()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range r.Endpoints {
				if err := jw.Write(&r.Endpoints[i]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 8*len(r.Endpoints) {
		t.Fatalf("got %d lines, want %d", len(lines), 8*len(r.Endpoints))
	}
	for _, l := range lines {
		var ep report.Endpoint
		if err := json.Unmarshal([]byte(l), &ep); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
}

var colorRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// stripColor removes the table's ANSI colour codes.
func stripColor(s string) string { return colorRE.ReplaceAllString(s, "") }
