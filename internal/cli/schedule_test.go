package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/mail/mailtest"
)

const smtpSecret = "Tr0ub4dor&3-not-in-any-output"

// writeFile writes data to a new file in a temporary directory.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// emptyBaseline is a scan that saw nothing, so everything is new.
func emptyBaseline(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	err := report.WriteJSON(&buf, &report.Report{Schema: report.Schema, StartedAt: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC), Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "last.json", buf.String())
}

// mailParts returns the decoded leaf parts of a message by media type.
func mailParts(t *testing.T, raw []byte) (netmail.Header, map[string]string, []string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	var order []string
	var walk func(ct string, r io.Reader)
	walk = func(ct string, r io.Reader) {
		_, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pct := p.Header.Get("Content-Type")
			if strings.HasPrefix(pct, "multipart/") {
				walk(pct, p)
				continue
			}
			mt, _, _ := mime.ParseMediaType(pct)
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			if p.Header.Get("Content-Transfer-Encoding") == "base64" {
				b, err = decodeBase64(b)
				if err != nil {
					t.Fatal(err)
				}
			}
			parts[mt] = string(b)
			order = append(order, mt)
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	return msg.Header, parts, order
}

func TestScanMailsChanges(t *testing.T) {
	e, ca := startEstate(t)
	srv := mailtest.Start(t, mailtest.Options{TLS: "starttls", User: "tlsweep", Password: smtpSecret})
	pwFile := writeFile(t, "smtp-password", smtpSecret+"\n")
	out := filepath.Join(t.TempDir(), "scan.json")
	code, stdout, stderr := runCLI(t, "scan", "--timeout", "1s", "--ca-file", ca, "-p", "4287", "-f", "json", "-o", out,
		"--baseline", emptyBaseline(t),
		"--mail-to", "ops@example.test", "--mail-to", "Backup Team <backup@example.test>", "--mail-from", "tlsweep@example.test",
		"--smtp", srv.Addr, "--smtp-user", "tlsweep", "--smtp-password-file", pwFile, "--smtp-ca-file", srv.CAFile,
		e.Code42)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered", len(msgs))
	}
	m := msgs[0]
	if !m.TLS || m.AuthUser != "tlsweep" || m.From != "tlsweep@example.test" ||
		strings.Join(m.To, " ") != "ops@example.test backup@example.test" {
		t.Errorf("delivered TLS %v as %q from %q to %q", m.TLS, m.AuthUser, m.From, m.To)
	}
	for what, s := range map[string]string{"stdout": stdout, "stderr": stderr, "message": string(m.Data)} {
		if strings.Contains(s, smtpSecret) {
			t.Errorf("the password appears in %s", what)
		}
	}
	h, parts, order := mailParts(t, m.Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if want := "tlsweep: 1 new medium finding on " + e.Code42 + " (1 endpoint)"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if strings.Join(order, " ") != "text/plain text/html application/json" {
		t.Fatalf("parts %v", order)
	}
	if !strings.Contains(parts["text/plain"], "## Changes since last.json") ||
		!strings.Contains(parts["text/html"], "Changes since last.json") ||
		!strings.Contains(parts["text/html"], "self-signed-certificate") {
		t.Errorf("text or html part lacks the changes:\n%s", parts["text/plain"])
	}
	attached, err := report.ReadJSON(strings.NewReader(parts["application/json"]))
	if err != nil {
		t.Fatalf("attachment: %v", err)
	}
	saved, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.ReadJSON(bytes.NewReader(saved))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changes == nil || len(rep.Changes.Appeared) != 1 || rep.Changes.NewCount.Medium != 1 ||
		attached.Changes == nil || len(attached.Endpoints) != 1 {
		t.Errorf("changes in -o: %+v; attachment %+v", rep.Changes, attached.Changes)
	}
	for _, f := range rep.Endpoints[0].Findings {
		if f.Change != "new" {
			t.Errorf("finding %s change %q, want new", f.ID, f.Change)
		}
	}

	// Compared with itself nothing changed: no mail by default, one with --mail-on always.
	t.Setenv(passwordEnv, smtpSecret)
	for _, on := range []string{"", "always"} {
		args := []string{"scan", "--timeout", "1s", "--ca-file", ca, "-p", "4287", "-f", "json", "-o", filepath.Join(t.TempDir(), "next.json"),
			"--baseline", out, "--mail-to", "ops@example.test", "--mail-from", "tlsweep@example.test",
			"--smtp", srv.Addr, "--smtp-user", "tlsweep", "--smtp-ca-file", srv.CAFile}
		if on != "" {
			args = append(args, "--mail-on", on)
		}
		args = append(args, e.Code42)
		if code, _, stderr := runCLI(t, args...); code != ExitOK {
			t.Fatalf("mail-on %q: exit %d: %s", on, code, stderr)
		}
	}
	msgs = srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 1 more (only --mail-on always)", len(msgs))
	}
	h, _, _ = mailParts(t, msgs[1].Data)
	if want := "tlsweep: no changes on " + e.Code42 + " (1 endpoint)"; h.Get("Subject") != want {
		t.Errorf("subject %q, want %q", h.Get("Subject"), want)
	}
}

func TestMailFailureKeepsReport(t *testing.T) {
	e, ca := startEstate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	out := filepath.Join(t.TempDir(), "scan.json")
	code, stdout, stderr := runCLI(t, "scan", "--timeout", "1s", "--ca-file", ca, "-p", "4287", "-f", "json", "-o", out,
		"--mail-to", "ops@example.test", "--mail-from", "tlsweep@example.test", "--smtp", down, e.Code42)
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d; stderr %s", code, ExitFailed, stderr)
	}
	if !strings.Contains(stderr, "mail the report") || !strings.Contains(stderr, "connect to smtp server "+down) ||
		!strings.Contains(stderr, "the report is kept in "+out) {
		t.Errorf("stderr does not explain: %s", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("the report is gone: %v", err)
	}
	defer f.Close()
	if rep, err := report.ReadJSON(f); err != nil || len(rep.Endpoints) != 1 {
		t.Fatalf("the report is not intact: %v", err)
	}
}

func TestMailNeedsTLS(t *testing.T) {
	e, ca := startEstate(t)
	srv := mailtest.Start(t, mailtest.Options{}) // no STARTTLS
	args := []string{"scan", "--timeout", "1s", "--ca-file", ca, "-p", "4287", "-f", "json", "-o", filepath.Join(t.TempDir(), "s.json"),
		"--mail-to", "ops@example.test", "--mail-from", "tlsweep@example.test", "--smtp", srv.Addr}
	code, _, stderr := runCLI(t, append(args, e.Code42)...)
	if code != ExitFailed || !strings.Contains(stderr, "does not offer STARTTLS") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if srv.MailCommands() != 0 {
		t.Fatal("mail went out without TLS")
	}
	code, _, stderr = runCLI(t, append(args, "--smtp-insecure-plaintext", e.Code42)...)
	if code != ExitOK || !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, "WITHOUT TLS") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].TLS {
		t.Fatalf("lab relay received %+v", got)
	}
}

func TestReportFlagErrors(t *testing.T) {
	t.Setenv(passwordEnv, "")
	mail := []string{"--mail-to", "ops@example.test", "--mail-from", "t@example.test", "--smtp", "127.0.0.1:2525"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"mail without relay", []string{"--mail-to", "ops@example.test", "--mail-from", "t@example.test"}, "--mail-to needs --smtp"},
		{"mail without sender", []string{"--mail-to", "ops@example.test", "--smtp", "127.0.0.1:25"}, "--mail-from"},
		{"bad recipient", []string{"--mail-to", "not an address", "--mail-from", "t@example.test", "--smtp", "127.0.0.1:25"}, `--mail-to "not an address"`},
		{"bad relay", append(mail[:4:4], "--smtp", "relay.example.test"), "use HOST:PORT"},
		{"changes without baseline", append(mail, "--mail-on", "changes"), "--mail-on changes needs --baseline"},
		{"unknown mail-on", append(mail, "--mail-on", "sometimes"), `unknown --mail-on "sometimes"`},
		{"user without password", append(mail, "--smtp-user", "u"), "needs a password: set $TLSWEEP_SMTP_PASSWORD"},
		{"password over plaintext", append(mail, "--smtp-user", "u", "--smtp-password-file", writeFile(t, "pw", "x"), "--smtp-insecure-plaintext"),
			"refusing to send the SMTP password without TLS"},
		{"tls and plaintext", append(mail, "--smtp-tls", "implicit", "--smtp-insecure-plaintext"), "contradict"},
		{"bad tls mode", append(mail, "--smtp-tls", "ssl"), `unknown --smtp-tls "ssl"`},
		{"password file without user", append(mail, "--smtp-password-file", writeFile(t, "pw", "x")), "--smtp-password-file needs --smtp-user"},
		{"missing baseline", []string{"--baseline", filepath.Join(t.TempDir(), "none.json")}, "--baseline: open"},
		{"baseline not a report", []string{"--baseline", writeFile(t, "x.json", `{"a": 1}`)}, "not a tlsweep/v1 report"},
		{"config unknown key", []string{"--config", writeFile(t, "c.yaml", "mail_to: [a@example.test]\n")}, `unknown setting "mail_to"`},
		{"config password", []string{"--config", writeFile(t, "c.yaml", "smtp-password: hunter2\n")}, "read only from $TLSWEEP_SMTP_PASSWORD"},
		{"config format", []string{"--config", writeFile(t, "c.json", "{}")}, ".yaml, .yml or .toml"},
		{"config list for one value", []string{"--config", writeFile(t, "c.yaml", "ports: [1, 2]\n")}, "ports takes one value"},
		{"config nested", []string{"--config", writeFile(t, "c.toml", "[smtp]\nhost = \"x\"\n")}, "is not a flag value"},
		{"config twice", []string{"--config", writeFile(t, "c.yaml", "ports: \"1\"\np: \"2\"\n")}, "set the same flag"},
		{"config bad yaml", []string{"--config", writeFile(t, "c.yml", "ports: [\n")}, "config "},
		{"config missing", []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, "read --config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scan"}, tc.args...)
			args = append(args, "127.0.0.1")
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q: the sweep ran", stdout)
			}
		})
	}
}

func TestConfigFile(t *testing.T) {
	e, ca := startEstate(t)
	for _, tc := range []struct{ name, body string }{
		{"c.yaml", "# scheduled scan\nports: 4287\ntimeout: 1\nca-file: " + ca + "\nformat: csv\nno-color: true\nexclude:\n  - 192.0.2.1\n"},
		{"c.toml", "ports = 4287\ntimeout = \"1s\"\nca-file = \"" + ca + "\"\nformat = \"csv\"\nexclude = [\"192.0.2.1\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, tc.name, tc.body)
			code, stdout, stderr := runCLI(t, "scan", "--config", cfg, e.Code42)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if err != nil || len(rows) != 2 || rows[0][0] != "host" || rows[1][2] != "4287" {
				t.Fatalf("config did not apply (%v):\n%s", err, stdout)
			}
			// The command line wins over the file.
			code, stdout, stderr = runCLI(t, "scan", "--config", cfg, "-f", "json", e.Code42)
			if code != ExitOK || !strings.HasPrefix(stdout, "{") {
				t.Fatalf("exit %d, stdout %.40q, stderr %s", code, stdout, stderr)
			}
		})
	}
}

// savedScans writes two reports of the same endpoint a day apart: the
// second raises a new high finding and drops a medium one.
func savedScans(t *testing.T) (oldPath, newPath string) {
	t.Helper()
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	mk := func(at time.Time, fs ...report.Finding) string {
		ep := report.Endpoint{Host: "10.0.0.1", IP: "10.0.0.1", Port: 443, Service: "https", State: report.StateOpen,
			Transport: report.TransportTLS, TLS: &report.TLS{Version: "TLS1.0", Cipher: "TLS_RSA_WITH_AES_128_CBC_SHA"}, Findings: fs}
		r := &report.Report{Schema: report.Schema, StartedAt: at, FinishedAt: at.Add(time.Second), Complete: true,
			Targets: []string{"10.0.0.0/24"}, Ports: []int{443}, Endpoints: []report.Endpoint{ep}}
		r.Summary.Count(&ep)
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		return writeFile(t, at.Format("2006-01-02")+".json", buf.String())
	}
	medium := report.Finding{ID: "self-signed-certificate", Severity: report.SeverityMedium, Title: "Self-signed certificate", Detail: "x"}
	high := report.Finding{ID: "deprecated-protocol", Severity: report.SeverityHigh, Title: "Deprecated TLS version negotiated", Detail: "TLS1.0"}
	return mk(at, medium), mk(at.Add(24*time.Hour), high)
}

func TestDiffCommand(t *testing.T) {
	oldPath, newPath := savedScans(t)
	code, stdout, stderr := runCLI(t, "diff", oldPath, newPath)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Changes since 2026-03-01.json", "New findings: 1 (1 high)", "deprecated-protocol",
		"Resolved findings: 1 (1 medium)", "self-signed-certificate"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "diff", "-f", "json", oldPath, newPath)
	var doc struct {
		Changes struct {
			New      []map[string]any `json:"new"`
			Resolved []map[string]any `json:"resolved"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != ExitOK || len(doc.Changes.New) != 1 || len(doc.Changes.Resolved) != 1 {
		t.Fatalf("diff -f json: exit %d, %v:\n%s", code, err, stdout)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "high", oldPath, newPath}, ExitFindings},
		{[]string{"--fail-on", "critical", oldPath, newPath}, ExitOK},
		{[]string{"--fail-on", "medium", newPath, oldPath}, ExitFindings},
		{[]string{"--fail-on", "high", newPath, oldPath}, ExitOK}, // only a medium is new that way
		{[]string{"--fail-on", "high", newPath, newPath}, ExitOK},
		{[]string{oldPath}, ExitUsage},
		{[]string{oldPath, filepath.Join(t.TempDir(), "none.json")}, ExitUsage},
		{[]string{"-f", "xml", oldPath, newPath}, ExitUsage},
	} {
		if code, _, stderr := runCLI(t, append([]string{"diff"}, tc.args...)...); code != tc.code {
			t.Errorf("diff %v: exit %d, want %d: %s", tc.args, code, tc.code, stderr)
		}
	}
}

func TestReportCommand(t *testing.T) {
	_, scan := savedScans(t)
	dir := t.TempDir()
	for _, tc := range []struct{ format, want string }{
		{"csv", "host,ip,port,service,transport,protocol,tls_version,cipher,finding_id,severity,title,detail,change\r\n"},
		{"markdown", "# tlsweep report\n"},
		{"html", "<!DOCTYPE html>"},
		{"json", `"schema": "tlsweep/v1"`},
		{"jsonl", `{"host":"10.0.0.1"`},
		{"table", "deprecated-protocol"},
	} {
		out := filepath.Join(dir, "r."+tc.format)
		code, stdout, stderr := runCLI(t, "report", scan, "-f", tc.format, "-o", out)
		if code != ExitOK || stdout != "" {
			t.Fatalf("report -f %s: exit %d, stdout %q, stderr %s", tc.format, code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.Contains(string(b), tc.want) {
			t.Errorf("report -f %s wrote %q (%v), want it to hold %q", tc.format, b, err, tc.want)
		}
	}
	raw, _ := os.ReadFile(scan)
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"tlsweep", "report", "-f", "markdown", "-"}, bytes.NewReader(raw), &stdout, &stderr); code != ExitOK ||
		!strings.Contains(stdout.String(), "deprecated-protocol") {
		t.Errorf("report from stdin: exit %d, %s%s", code, stdout.String(), stderr.String())
	}
	for _, args := range [][]string{{}, {scan, scan}, {filepath.Join(dir, "none.json")}, {scan, "-f", "pdf"}} {
		if code, _, _ := runCLI(t, append([]string{"report"}, args...)...); code != ExitUsage {
			t.Errorf("report %v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

func decodeBase64(b []byte) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
}

// TestExampleConfig keeps examples/cron/tlsweep.yaml in step with the flags.
func TestExampleConfig(t *testing.T) {
	values, err := readConfig(context.Background(), filepath.Join("..", "..", "examples", "cron", "tlsweep.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range scanCommandFlags() {
		for _, n := range f.Names() {
			names[n] = true
		}
	}
	for k, v := range values {
		if !names[k] {
			t.Errorf("the example config sets %q, which is no scan flag", k)
		}
		if _, err := configValues(v); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, ok := values["mail-on"]; ok {
		t.Error("the example sets mail-on; the first night has no baseline, so leave the default")
	}
}
