package render

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// WriteOpenMetrics writes r in the Prometheus text exposition format, for
// node_exporter's textfile collector: an info series per endpoint, the
// leaf certificate's not-after time and days left, one series per finding
// id (its value is how many times the endpoint raised it), and gauges of
// the scan (start, duration, endpoints by transport, complete). Every
// label value is escaped and capped like a table cell.
func WriteOpenMetrics(w io.Writer, r *report.Report) error {
	if r == nil {
		return fmt.Errorf("write openmetrics: nil report")
	}
	bw := bufio.NewWriter(w)
	m := &metricsWriter{w: bw}
	m.endpoints(r)
	m.scan(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write openmetrics: %w", err)
	}
	return nil
}

type metricsWriter struct{ w *bufio.Writer }

// family writes the HELP and TYPE lines of one metric family.
func (m *metricsWriter) family(name, help string) {
	fmt.Fprintf(m.w, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
}

// sample writes one series: name{labels} value. labels are name, value
// pairs.
func (m *metricsWriter) sample(name string, value float64, labels ...string) {
	m.w.WriteString(name)
	if len(labels) > 0 {
		m.w.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				m.w.WriteByte(',')
			}
			m.w.WriteString(labels[i] + `="` + labelValue(labels[i+1]) + `"`)
		}
		m.w.WriteByte('}')
	}
	m.w.WriteString(" " + strconv.FormatFloat(value, 'f', -1, 64) + "\n")
}

// labelValue sanitizes and caps s (see sanitize), then escapes what the
// exposition format needs escaped: backslash, double quote, line feed.
func labelValue(s string) string {
	s = sanitize(s)
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// endpointLabels identify an endpoint in every per-endpoint series.
func endpointLabels(ep *report.Endpoint) []string {
	return []string{"host", ep.Host, "ip", ep.IP, "port", strconv.Itoa(ep.Port)}
}

func (m *metricsWriter) endpoints(r *report.Report) {
	m.family("tlsweep_endpoint_info", "An endpoint tlsweep examined; its labels say what it speaks. Always 1.")
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		var version, cipher, grade string
		if ep.TLS != nil {
			version, cipher, grade = ep.TLS.Version, ep.TLS.Cipher, ep.TLS.Grade
		}
		transport := string(ep.Transport)
		if ep.State != report.StateOpen {
			transport = string(ep.State)
		}
		m.sample("tlsweep_endpoint_info", 1, append(endpointLabels(ep), "service", ep.Service, "transport", transport,
			"protocol", ep.Protocol, "version", version, "cipher", cipher, "grade", grade)...)
	}
	m.family("tlsweep_certificate_not_after_timestamp_seconds", "When the endpoint's leaf certificate expires, in seconds since the epoch.")
	for i := range r.Endpoints {
		if l := r.Endpoints[i].Leaf(); l != nil && !l.NotAfter.IsZero() {
			m.sample("tlsweep_certificate_not_after_timestamp_seconds", float64(l.NotAfter.Unix()), endpointLabels(&r.Endpoints[i])...)
		}
	}
	m.family("tlsweep_certificate_days_left", "Whole days the endpoint's leaf certificate had left at the scan; negative once expired.")
	for i := range r.Endpoints {
		if l := r.Endpoints[i].Leaf(); l != nil && !l.NotAfter.IsZero() {
			m.sample("tlsweep_certificate_days_left", float64(l.DaysLeft), endpointLabels(&r.Endpoints[i])...)
		}
	}
	m.family("tlsweep_finding", "A finding the endpoint raised (id, severity); the value is how many times it raised it.")
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		count := map[string]int{}
		var order []report.Finding
		for _, f := range ep.Findings {
			if count[f.ID] == 0 {
				order = append(order, f)
			}
			count[f.ID]++
		}
		for _, f := range order {
			m.sample("tlsweep_finding", float64(count[f.ID]), append(endpointLabels(ep), "id", f.ID, "severity", f.Severity.String())...)
		}
	}
}

func (m *metricsWriter) scan(r *report.Report) {
	m.family("tlsweep_scan_start_timestamp_seconds", "When the scan started, in seconds since the epoch.")
	m.sample("tlsweep_scan_start_timestamp_seconds", float64(r.StartedAt.Unix()))
	m.family("tlsweep_scan_duration_seconds", "How long the scan took.")
	d := r.FinishedAt.Sub(r.StartedAt).Seconds()
	m.sample("tlsweep_scan_duration_seconds", math.Max(0, d))
	m.family("tlsweep_scan_endpoints", "Open endpoints the scan found, by transport.")
	s := r.Summary
	m.sample("tlsweep_scan_endpoints", float64(s.TLS), "transport", string(report.TransportTLS))
	m.sample("tlsweep_scan_endpoints", float64(s.Encrypted), "transport", string(report.TransportEncrypted))
	m.sample("tlsweep_scan_endpoints", float64(s.Plaintext), "transport", string(report.TransportPlaintext))
	m.sample("tlsweep_scan_endpoints", float64(s.Unknown), "transport", string(report.TransportUnknown))
	m.family("tlsweep_scan_findings", "Findings the scan raised, by severity.")
	for _, sev := range report.Severities {
		m.sample("tlsweep_scan_findings", float64(s.Findings.Of(sev)), "severity", sev.String())
	}
	m.family("tlsweep_scan_complete", "1 when the scan ran to the end, 0 when it was interrupted (the report is partial).")
	complete := 0.0
	if r.Complete {
		complete = 1
	}
	m.sample("tlsweep_scan_complete", complete)
}
