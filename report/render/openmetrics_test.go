package render

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

// parseMetrics renders r with -f openmetrics and reads it back with the
// Prometheus text parser node_exporter's textfile collector uses, with
// the strict (legacy) name rules.
func parseMetrics(t *testing.T, r *report.Report) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := mustNew(t, "openmetrics", Options{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the Prometheus parser refuses the output: %v\n%s", err, buf.String())
	}
	return fams, buf.Bytes()
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

var metricNameRE = regexp.MustCompile(`^tlsweep_[a-z][a-z_]*[a-z]$`)

func TestOpenMetrics(t *testing.T) {
	r := reporttest.Report()
	fams, out := parseMetrics(t, r)
	golden(t, "report.prom.golden", out)
	for name, f := range fams {
		if !metricNameRE.MatchString(name) || f.GetType() != dto.MetricType_GAUGE || f.GetHelp() == "" ||
			strings.HasSuffix(name, "_total") {
			t.Errorf("family %s: type %v, help %q: not a documented gauge named by the conventions", name, f.GetType(), f.GetHelp())
		}
	}
	info := fams["tlsweep_endpoint_info"].GetMetric()
	if len(info) != len(r.Endpoints) {
		t.Fatalf("%d info series for %d endpoints", len(info), len(r.Endpoints))
	}
	for i, m := range info {
		ep := &r.Endpoints[i]
		l := labels(m)
		for _, k := range []string{"host", "ip", "port", "service", "transport", "version", "cipher", "grade"} {
			if _, ok := l[k]; !ok {
				t.Errorf("info series %d lacks label %s", i, k)
			}
		}
		if l["ip"] != ep.IP || m.GetGauge().GetValue() != 1 {
			t.Errorf("info series %d: %v = %v", i, l, m.GetGauge().GetValue())
		}
		if ep.TLS != nil && (l["version"] != ep.TLS.Version || l["grade"] != ep.TLS.Grade || l["cipher"] != ep.TLS.Cipher) {
			t.Errorf("info series %d: %v, want the TLS of %+v", i, l, ep.TLS)
		}
	}
	certs := 0
	for i := range r.Endpoints {
		if l := r.Endpoints[i].Leaf(); l != nil {
			for _, m := range fams["tlsweep_certificate_not_after_timestamp_seconds"].GetMetric() {
				if lb := labels(m); lb["ip"] == r.Endpoints[i].IP && lb["port"] == strconv.Itoa(r.Endpoints[i].Port) &&
					lb["host"] == r.Endpoints[i].Host && m.GetGauge().GetValue() != float64(l.NotAfter.Unix()) {
					t.Errorf("%v: not after %v, want %d", lb, m.GetGauge().GetValue(), l.NotAfter.Unix())
				}
			}
			certs++
		}
	}
	if n := len(fams["tlsweep_certificate_days_left"].GetMetric()); n != certs {
		t.Errorf("%d days-left series for %d certificates", n, certs)
	}
	distinct := 0
	for i := range r.Endpoints {
		seen := map[string]bool{}
		for _, f := range r.Endpoints[i].Findings {
			if !seen[f.ID] {
				distinct++
			}
			seen[f.ID] = true
		}
	}
	if n := len(fams["tlsweep_finding"].GetMetric()); n != distinct {
		t.Errorf("%d finding series, want %d (one per endpoint and id)", n, distinct)
	}
	byTransport := map[string]float64{}
	for _, m := range fams["tlsweep_scan_endpoints"].GetMetric() {
		byTransport[labels(m)["transport"]] = m.GetGauge().GetValue()
	}
	if byTransport["tls"] != float64(r.Summary.TLS) || byTransport["plaintext"] != float64(r.Summary.Plaintext) ||
		byTransport["unknown"] != float64(r.Summary.Unknown) {
		t.Errorf("endpoints by transport %v, summary %+v", byTransport, r.Summary)
	}
	if v := fams["tlsweep_scan_complete"].GetMetric()[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("complete = %v", v)
	}
	if v := fams["tlsweep_scan_duration_seconds"].GetMetric()[0].GetGauge().GetValue(); v != 12 {
		t.Errorf("duration = %v, want 12", v)
	}
	if v := fams["tlsweep_scan_start_timestamp_seconds"].GetMetric()[0].GetGauge().GetValue(); v != float64(reporttest.Now.Unix()) {
		t.Errorf("start = %v", v)
	}
}

// Every hostile string parses and comes out escaped and capped in the
// label values.
func TestOpenMetricsHostile(t *testing.T) {
	for _, h := range reporttest.Hostile {
		fams, out := parseMetrics(t, reporttest.HostileReport(h.Value))
		checkHuman(t, h.Name+"/openmetrics", string(out), "openmetrics")
		for _, f := range fams {
			for _, m := range f.GetMetric() {
				for k, v := range labels(m) {
					if len([]rune(v)) > cellMax+8 || strings.ContainsAny(v, "\x00\x1b\r\n\u202e") {
						t.Errorf("%s: label %s = %.40q", h.Name, k, v)
					}
				}
			}
		}
		if v := fams["tlsweep_scan_complete"].GetMetric()[0].GetGauge().GetValue(); v != 0 {
			t.Errorf("%s: an interrupted scan has complete = %v", h.Name, v)
		}
	}
}
