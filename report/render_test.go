package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMain(m *testing.M) {
	// Column widths of ambiguous-width runes (→, box drawing) depend on the
	// locale; the goldens are written for a narrow (non-CJK) terminal.
	twwidth.SetEastAsian(false)
	os.Exit(m.Run())
}

// fixtureNow is the fixed clock of the fixture report.
var fixtureNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func boolPtr(b bool) *bool { return &b }

// cert returns a certificate valid from 300 days before fixtureNow until
// daysLeft days after it.
func cert(cn, issuerCN string, daysLeft int) Certificate {
	notAfter := fixtureNow.Add(time.Duration(daysLeft)*24*time.Hour + time.Hour)
	if daysLeft < 0 {
		notAfter = fixtureNow.Add(time.Duration(daysLeft)*24*time.Hour - time.Hour)
	}
	return Certificate{
		Subject:            "CN=" + cn + ",O=tlsweep lab",
		Issuer:             "CN=" + issuerCN + ",O=tlsweep lab",
		CommonName:         cn,
		SANs:               []string{cn},
		Serial:             "1f2e3d4c",
		NotBefore:          fixtureNow.Add(-300 * 24 * time.Hour),
		NotAfter:           notAfter,
		DaysLeft:           daysLeft,
		SignatureAlgorithm: "SHA256-RSA",
		KeyType:            "RSA",
		KeyBits:            2048,
		SHA256:             strings.Repeat("ab", 32),
	}
}

// fixtureReport is a fixed report covering every kind of row the renderers
// draw. Findings and summary come from Evaluate and Summary.Count.
func fixtureReport() *Report {
	selfSigned := cert("code42.local", "code42.local", 8)
	selfSigned.SelfSigned = true
	selfSigned.IsCA = true

	oldLeaf := cert("legacy.corp", "Corp Issuing CA", 200)
	oldCA := cert("Corp Issuing CA", "Corp Root CA", 2000)
	oldCA.IsCA = true
	oldCA.SANs = nil

	evil := cert("\x1b[31mEVIL", "\x1b[31mEVIL", -3)
	evil.Subject = "CN=\x1b[31mEVIL,O=\x00pwn"
	evil.Issuer = evil.Subject
	evil.SANs = []string{"evil\u202etxt.exe"}
	evil.SelfSigned = true
	evil.KeyBits = 1024
	evil.SignatureAlgorithm = "SHA1-RSA"

	named := cert("other.example.test", "Example Issuing CA 1", 120)
	namedCA := cert("Example Issuing CA 1", "Example Root", 900)
	namedCA.IsCA = true
	namedCA.SANs = nil

	eps := []Endpoint{
		{Host: "10.0.0.5", IP: "10.0.0.5", Port: 8443, Service: "https-alt", State: StateOpen, Transport: TransportTLS,
			TLS: &TLS{Version: "TLS1.2", Cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", SNI: "",
				TrustError: "x509: certificate signed by unknown authority", Chain: []Certificate{selfSigned}}},
		{Host: "10.0.0.6", IP: "10.0.0.6", Port: 443, Service: "https", State: StateOpen, Transport: TransportTLS,
			TLS: &TLS{Version: "TLS1.0", Cipher: "TLS_RSA_WITH_AES_128_CBC_SHA", Trusted: true,
				Chain: []Certificate{oldLeaf, oldCA}}},
		{Host: "10.0.0.7", IP: "10.0.0.7", Port: 80, Service: "http", State: StateOpen, Transport: TransportPlaintext,
			Protocol: "http", Banner: "HTTP/1.1 400 Bad Request"},
		{Host: "10.0.0.7", IP: "10.0.0.7", Port: 21, Service: "ftp", State: StateOpen, Transport: TransportPlaintext,
			Protocol: "ftp"},
		{Host: "10.0.0.8", IP: "10.0.0.8", Port: 9000, State: StateOpen, Transport: TransportUnknown,
			Error: "read tcp 10.0.0.8:9000: i/o timeout waiting for the first bytes\x07"},
		{Host: "10.0.0.9", IP: "10.0.0.9", Port: 443, Service: "https", State: StateOpen, Transport: TransportTLS,
			TLS: &TLS{Version: "TLS1.3", Cipher: "TLS_AES_256_GCM_SHA384", TrustError: "x509: certificate has expired or is not yet valid",
				Chain: []Certificate{evil}}},
		{Host: "www.example.test", IP: "10.0.0.10", Port: 443, Service: "https", State: StateOpen, Transport: TransportTLS,
			TLS: &TLS{Version: "TLS1.3", Cipher: "TLS_AES_128_GCM_SHA256", SNI: "www.example.test", Trusted: true,
				HostnameMatch: boolPtr(false), Chain: []Certificate{named, namedCA}}},
	}
	cfg := RuleConfig{Now: fixtureNow, ExpiryWarn: 30 * 24 * time.Hour}
	r := &Report{
		Schema:     Schema,
		Tool:       Tool{Name: "tlsweep", Version: "test"},
		StartedAt:  fixtureNow,
		FinishedAt: fixtureNow.Add(12 * time.Second),
		Complete:   true,
		Targets:    []string{"10.0.0.5-10", "www.example.test"},
		Ports:      []int{21, 80, 443, 8443, 9000},
		Endpoints:  eps,
	}
	r.Summary.Hosts = 7
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		ep.Findings = Evaluate(ep, cfg)
		r.Summary.Count(ep)
	}
	// Probes that found nothing to show still count.
	r.Summary.Count(&Endpoint{Host: "10.0.0.5", IP: "10.0.0.5", Port: 21, State: StateClosed})
	r.Summary.Count(&Endpoint{Host: "10.0.0.6", IP: "10.0.0.6", Port: 21, State: StateFiltered})
	return r
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
		t.Fatalf("%v (run `go test ./report -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run `go test ./report -update` if the change is intended\n%s",
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
		{"table.golden", TableOptions{}},
		{"table_color.golden", TableOptions{Color: true}},
		{"table_width120.golden", TableOptions{Width: 120}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, fixtureReport(), tc.opts); err != nil {
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
			if !bytes.Contains(out, []byte(`\x1b[31mEVI`)) {
				t.Error("the hostile subject is not escaped")
			}
			if tc.opts.Width > 0 {
				for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
					if n := twwidth.Width(line); n > tc.opts.Width && !strings.HasPrefix(line, "7 hosts") && !strings.HasPrefix(line, "scan ") {
						t.Errorf("line is %d columns wide, over %d: %q", n, tc.opts.Width, line)
					}
				}
			}
			golden(t, tc.name, out)
		})
	}
}

func TestWriteTableSummary(t *testing.T) {
	r := fixtureReport()
	r.Complete = false
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "7 hosts, 9 probes: 7 open (4 tls, 2 plaintext, 1 unknown), 1 closed, 1 filtered — findings: 0 critical, 4 high, 6 medium, 1 low, 0 info\n" +
		"scan interrupted: the report holds only the endpoints scanned before the stop\n"
	if got := buf.String(); !strings.HasSuffix(got, want) {
		t.Errorf("table ends\n%s\nwant it to end\n%s", got[strings.LastIndex(strings.TrimSuffix(got, "\n"), "\n")+1:], want)
	}

	r.Endpoints = nil
	r.Complete = true
	buf.Reset()
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
		if got := hostCell(&Endpoint{Host: h.host, IP: h.ip}); got != h.want {
			t.Errorf("hostCell(%q, %q) = %q, want %q", h.host, h.ip, got, h.want)
		}
	}

	certs := []struct {
		chain []Certificate
		want  string
	}{
		{[]Certificate{{CommonName: "a.test", Issuer: "CN=Issuer CA,O=X"}}, "a.test → Issuer CA"},
		{[]Certificate{{CommonName: "a.test", Issuer: "C = US, O = X, CN = Spaced CA"}}, "a.test → Spaced CA"},
		{[]Certificate{{CommonName: "a.test", Issuer: `CN=Comma\, Inc CA,O=X`}}, "a.test → Comma, Inc CA"},
		{[]Certificate{{CommonName: "a.test", Issuer: "O=No CN"}, {CommonName: "Next CA"}}, "a.test → Next CA"},
		{[]Certificate{{Subject: "O=Only Org", Issuer: "O=Issuer Org"}}, "O=Only Org → O=Issuer Org"},
		{[]Certificate{{Subject: "CN=from-dn.test", Issuer: "CN=x"}}, "from-dn.test → x"},
		{[]Certificate{{SANs: []string{"san.test"}}}, "san.test → ?"},
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
		{fixtureNow.Add(8*day + time.Hour), 8, "2026-01-10 (8d)"},
		{fixtureNow.Add(-3*day - time.Hour), -3, "2025-12-30 (expired 3d ago)"},
		{fixtureNow.Add(-time.Hour), 0, "2026-01-02 (expired today)"},
		{fixtureNow.Add(time.Hour), 0, "2026-01-02 (0d)"},
		{time.Time{}, 0, ""},
	}
	for _, e := range expiries {
		if got := expiresCell(&Certificate{NotAfter: e.notAfter, DaysLeft: e.days}, fixtureNow); got != e.want {
			t.Errorf("expiresCell(%v, %d) = %q, want %q", e.notAfter, e.days, got, e.want)
		}
	}

	fs := []Finding{
		{ID: "expired-certificate", Severity: SeverityHigh},
		{ID: "weak-key", Severity: SeverityMedium},
		{ID: "expired-certificate", Severity: SeverityHigh},
	}
	if got, want := findingsCell(fs), "high expired-certificate (x2)\nmedium weak-key"; got != want {
		t.Errorf("findingsCell = %q, want %q", got, want)
	}
	cell := findingsCell([]Finding{{ID: "x", Severity: SeverityCritical}, {ID: "y", Severity: SeverityInfo}, {ID: "z", Severity: SeverityLow}})
	if got, want := paintFindings(cell, true), "\x1b[1;31mcritical\x1b[0m x\ninfo y\n\x1b[36mlow\x1b[0m z"; got != want {
		t.Errorf("paintFindings = %q, want %q", got, want)
	}
	if got := paintFindings(cell, false); got != cell {
		t.Errorf("paintFindings without colour = %q, want %q", got, cell)
	}

	transports := []struct {
		ep   Endpoint
		want string
	}{
		{Endpoint{State: StateOpen, Transport: TransportTLS}, "tls"},
		{Endpoint{State: StateOpen, Transport: TransportPlaintext, Protocol: "smtp"}, "plaintext/smtp"},
		{Endpoint{State: StateOpen, Transport: TransportPlaintext}, "plaintext"},
		{Endpoint{State: StateOpen, Transport: TransportUnknown}, "unknown"},
		{Endpoint{State: StateClosed}, "closed"},
		{Endpoint{State: StateFiltered}, "filtered"},
	}
	for _, tr := range transports {
		if got := transportCell(&tr.ep); got != tr.want {
			t.Errorf("transportCell(%+v) = %q, want %q", tr.ep, got, tr.want)
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
	if err := WriteJSON(&buf, fixtureReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json.golden", buf.Bytes())
}

func TestWriteJSONArrays(t *testing.T) {
	r := &Report{Schema: Schema, Endpoints: nil}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
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

	ep := &Endpoint{Host: "h", IP: "h", Port: 1, State: StateOpen, Transport: TransportTLS,
		TLS: &TLS{Chain: []Certificate{{Subject: "CN=a"}}}}
	r.Endpoints = []Endpoint{*ep}
	buf.Reset()
	if err := WriteJSON(&buf, r); err != nil {
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
	if err := NewJSONLWriter(&buf).Write(ep); err != nil {
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
	r := fixtureReport()
	var buf bytes.Buffer
	jw := NewJSONLWriter(&buf)
	for i := range r.Endpoints {
		if err := jw.Write(&r.Endpoints[i]); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "endpoints.jsonl.golden", buf.Bytes())

	// Each line is the endpoint object of the document, compacted.
	var doc bytes.Buffer
	if err := WriteJSON(&doc, r); err != nil {
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
	jw := NewJSONLWriter(&buf)
	r := fixtureReport()
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
		var ep Endpoint
		if err := json.Unmarshal([]byte(l), &ep); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
}

// utcTimes returns r with every time in UTC, for comparing decoded reports.
func utcTimes(r *Report) *Report {
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
	for name, r := range map[string]*Report{
		"fixture": fixtureReport(),
		"empty":   {Schema: Schema, Tool: Tool{Name: "tlsweep", Version: "test"}},
		"local times": func() *Report {
			r := fixtureReport()
			zone := time.FixedZone("X", 5*3600+1800)
			r.StartedAt = r.StartedAt.In(zone)
			r.Endpoints[0].TLS.Chain[0].NotAfter = r.Endpoints[0].TLS.Chain[0].NotAfter.In(zone)
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteJSON(&buf, r); err != nil {
				t.Fatal(err)
			}
			got, err := ReadJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			want := utcTimes(normalizeReport(r))
			if got := utcTimes(got); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the report:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReadJSONErrors(t *testing.T) {
	var doc bytes.Buffer
	if err := WriteJSON(&doc, fixtureReport()); err != nil {
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
			r, err := ReadJSON(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("ReadJSON accepted it: %+v", r)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	if _, err := ReadJSON(strings.NewReader(full + "\n\n")); err != nil {
		t.Errorf("trailing whitespace rejected: %v", err)
	}
}
