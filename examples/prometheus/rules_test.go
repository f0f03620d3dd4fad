// Package prometheus_test checks the Prometheus example: the alert rules
// parse and use only metrics and finding ids tlsweep writes, and the cron
// line uses flags tlsweep has.
package prometheus_test

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/internal/cli"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/render"
)

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// metricNames renders a report with a certificate and a finding through
// -f openmetrics and returns the metric names it holds.
func metricNames(t *testing.T) map[string]bool {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ep := report.Endpoint{Host: "h", IP: "10.0.0.1", Port: 443, State: report.StateOpen, Transport: report.TransportTLS,
		TLS:      &report.TLS{Version: "TLS1.0", Chain: []report.Certificate{{NotAfter: now, DaysLeft: 1}}},
		Findings: []report.Finding{{ID: "deprecated-protocol", Severity: report.SeverityHigh}}}
	r := &report.Report{Schema: report.Schema, StartedAt: now, FinishedAt: now, Complete: true, Endpoints: []report.Endpoint{ep}}
	rd, err := render.New("openmetrics", render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rd.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(buf.String(), "\n") {
		if name, _, ok := strings.Cut(line, "{"); ok && !strings.HasPrefix(line, "#") {
			names[name] = true
		} else if name, _, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			names[name] = true
		}
	}
	return names
}

var (
	alertNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
	durationRE  = regexp.MustCompile(`^[0-9]+[smhdwy]$`)
	metricRE    = regexp.MustCompile(`\btlsweep_[a-z_]+`)
	idRE        = regexp.MustCompile(`\bid="([^"]*)"`)
)

func TestAlertRules(t *testing.T) {
	b, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	metrics := metricNames(t)
	var ids []string
	for _, r := range findings.Rules {
		ids = append(ids, r.ID)
	}
	var alerts []string
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: no name or no rules", g.Name)
		}
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if !alertNameRE.MatchString(r.Alert) || r.Expr == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %q: needs a CamelCase name, an expr and a summary", r.Alert)
			}
			if r.For != "" && !durationRE.MatchString(r.For) {
				t.Errorf("%s: for %q is not a Prometheus duration", r.Alert, r.For)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity label %q", r.Alert, s)
			}
			if !balanced(r.Expr) {
				t.Errorf("%s: unbalanced brackets or quotes in %q", r.Alert, r.Expr)
			}
			used := metricRE.FindAllString(r.Expr, -1)
			if len(used) == 0 {
				t.Errorf("%s: uses no tlsweep metric", r.Alert)
			}
			for _, m := range used {
				if !metrics[m] {
					t.Errorf("%s: metric %s is not one -f openmetrics writes", r.Alert, m)
				}
			}
			for _, m := range idRE.FindAllStringSubmatch(r.Expr, -1) {
				if !slices.Contains(ids, m[1]) {
					t.Errorf("%s: finding id %q does not exist", r.Alert, m[1])
				}
			}
		}
	}
	for _, want := range []string{"TLSCertificateExpiresSoon", "TLSPlaintextListenerAppeared", "TLSDeprecatedProtocolAccepted"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s", want)
		}
	}
}

// balanced reports whether (), {} and [] nest and double quotes pair up.
func balanced(expr string) bool {
	var stack []rune
	quoted := false
	for _, r := range expr {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case strings.ContainsRune("({[", r):
			stack = append(stack, r)
		case strings.ContainsRune(")}]", r):
			open := map[rune]rune{')': '(', '}': '{', ']': '['}[r]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0 && !quoted
}

// The cron line writes -f openmetrics into a .prom file with -o, and every
// flag it passes is one tlsweep scan has.
func TestCronLine(t *testing.T) {
	b, err := os.ReadFile("crontab")
	if err != nil {
		t.Fatal(err)
	}
	var cmd []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 7 && !strings.HasPrefix(line, "#") && f[6] == "tlsweep" {
			cmd = f[7:]
		}
	}
	if len(cmd) == 0 || cmd[0] != "scan" {
		t.Fatalf("no tlsweep scan line in crontab")
	}
	line := strings.Join(cmd, " ")
	if !strings.Contains(line, "-f openmetrics") || !regexp.MustCompile(`-o /\S+/[a-z]+\.prom(\s|$)`).MatchString(line) {
		t.Errorf("cron line %q does not write -f openmetrics to a .prom file with -o", line)
	}
	var out, errb bytes.Buffer
	if code := cli.Main([]string{"tlsweep", "scan", "--help"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("scan --help: exit %d: %s", code, errb.String())
	}
	for _, a := range cmd {
		if strings.HasPrefix(a, "-") && !regexp.MustCompile(`(^|[\s,])`+regexp.QuoteMeta(a)+`[\s,]`).MatchString(out.String()) {
			t.Errorf("cron line passes %s, which tlsweep scan --help does not list", a)
		}
	}
}
