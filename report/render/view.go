package render

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// Helpers the csv, markdown, html and changes renderers share. Every string
// they return is sanitized: it came from the network or from a report file.

// endpointLabel names an endpoint as "host:port", with the address after
// it when the host is a name: "www.example.test:443 (10.0.0.10)".
func endpointLabel(host, ip string, port int) string {
	name := host
	if name == "" {
		name = ip
	}
	label := net.JoinHostPort(sanitize(name), strconv.Itoa(port))
	if ip != "" && name != ip && net.ParseIP(name) == nil {
		label += " (" + sanitize(ip) + ")"
	}
	return label
}

func refLabel(e report.EndpointRef) string { return endpointLabel(e.Host, e.IP, e.Port) }

// certLabel names a certificate by its common name, else its subject or
// first SAN.
func certLabel(c *report.Certificate) string {
	for _, s := range []string{c.CommonName, commonNameOf(c.Subject), c.Subject} {
		if s != "" {
			return sanitize(s)
		}
	}
	if len(c.SANs) > 0 {
		return sanitize(c.SANs[0])
	}
	return "?"
}

// issuerLabel names a certificate's issuer by its common name, else the
// whole issuer name.
func issuerLabel(issuer string) string {
	if cn := commonNameOf(issuer); cn != "" {
		return sanitize(cn)
	}
	if issuer == "" {
		return "?"
	}
	return sanitize(issuer)
}

// dnLabel is the common name of a distinguished name, else the name.
func dnLabel(dn string) string { return issuerLabel(dn) }

// daysText says how far away a not-after date is.
func daysText(days int) string {
	switch {
	case days < -1:
		return fmt.Sprintf("expired %d days ago", -days)
	case days == -1:
		return "expired 1 day ago"
	case days == 0:
		return "expires today"
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format(time.DateOnly)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// shortHash shortens a sha256 fingerprint for people: its first 16 digits.
func shortHash(h string) string {
	h = sanitize(h)
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// targetsText lists the targets, at most max of them.
func targetsText(targets []string, max int) string {
	if len(targets) == 0 {
		return "no targets"
	}
	shown := targets
	if len(shown) > max {
		shown = shown[:max]
	}
	parts := make([]string, len(shown))
	for i, t := range shown {
		parts[i] = sanitize(t)
	}
	s := strings.Join(parts, ", ")
	if n := len(targets) - len(shown); n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

func portsText(ports []int) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = strconv.Itoa(p)
	}
	return strings.Join(parts, ", ")
}

// transportText is what an endpoint speaks, or its state when not open.
func transportText(ep *report.Endpoint) string {
	if ep.State != report.StateOpen {
		return sanitize(string(ep.State))
	}
	if (ep.Transport == report.TransportPlaintext || ep.Transport == report.TransportEncrypted) && ep.Protocol != "" {
		return sanitize(string(ep.Transport)) + "/" + sanitize(ep.Protocol)
	}
	return sanitize(string(ep.Transport))
}

// openText breaks the open endpoints down by transport, "4 TLS, 2
// plaintext, 1 unknown" with tls as the first word; encrypted (SSH) is
// named only when the sweep found one, so reports without SSH read as
// they always did.
func openText(s *report.Summary, tls string) string {
	enc := ""
	if s.Encrypted > 0 {
		enc = fmt.Sprintf(", %d encrypted", s.Encrypted)
	}
	return fmt.Sprintf("%d %s%s, %d plaintext, %d unknown", s.TLS, tls, enc, s.Plaintext, s.Unknown)
}

// expiry is one leaf certificate in the expiry list.
type expiry struct {
	Endpoint string
	Subject  string
	Issuer   string
	NotAfter string
	DaysLeft int
	When     string
}

// expiries lists the leaf certificate of every TLS endpoint, soonest to
// expire first.
func expiries(r *report.Report) []expiry {
	type row struct {
		e  expiry
		at time.Time
	}
	var rows []row
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		l := ep.Leaf()
		if l == nil {
			continue
		}
		rows = append(rows, row{expiry{
			Endpoint: endpointLabel(ep.Host, ep.IP, ep.Port),
			Subject:  certLabel(l),
			Issuer:   issuerLabel(l.Issuer),
			NotAfter: dateText(l.NotAfter),
			DaysLeft: l.DaysLeft,
			When:     daysText(l.DaysLeft),
		}, l.NotAfter})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(a.e.DaysLeft, b.e.DaysLeft), a.at.Compare(b.at))
	})
	out := make([]expiry, len(rows))
	for i, r := range rows {
		out[i] = r.e
	}
	return out
}

// severityCount is one line of the summary by severity.
type severityCount struct {
	Severity report.Severity
	Count    int
	New      int
}

func severityCounts(r *report.Report) []severityCount {
	out := make([]severityCount, len(report.Severities))
	for i, s := range report.Severities {
		out[i] = severityCount{Severity: s, Count: r.Summary.Findings.Of(s)}
		if r.Changes != nil {
			out[i].New = r.Changes.NewCount.Of(s)
		}
	}
	return out
}

// countsText writes counts as "2 high, 1 medium", highest first, leaving
// out the zeros; "" when all are zero.
func countsText(c report.SeverityCounts) string {
	var parts []string
	for _, s := range report.Severities {
		if n := c.Of(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}

func total(c report.SeverityCounts) int { return c.Critical + c.High + c.Medium + c.Low + c.Info }

func hasFindings(r *report.Report) bool {
	for i := range r.Endpoints {
		if len(r.Endpoints[i].Findings) > 0 {
			return true
		}
	}
	return false
}
