// Package reporttest builds the fixed reports the model's and the
// renderers' tests share: every kind of row a renderer draws, judged by the
// same findings.Apply the sweep calls.
package reporttest

import (
	"strings"
	"time"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/report"
)

// Now is the fixed clock of the fixture report.
var Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func BoolPtr(b bool) *bool { return &b }

// cert returns a certificate valid from 300 days before Now until
// daysLeft days after it.
func Cert(cn, issuerCN string, daysLeft int) report.Certificate {
	notAfter := Now.Add(time.Duration(daysLeft)*24*time.Hour + time.Hour)
	if daysLeft < 0 {
		notAfter = Now.Add(time.Duration(daysLeft)*24*time.Hour - time.Hour)
	}
	return report.Certificate{
		Subject:            "CN=" + cn + ",O=tlsweep lab",
		Issuer:             "CN=" + issuerCN + ",O=tlsweep lab",
		CommonName:         cn,
		SANs:               []string{cn},
		Serial:             "1f2e3d4c",
		NotBefore:          Now.Add(-300 * 24 * time.Hour),
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
func Report() *report.Report {
	selfSigned := Cert("code42.local", "code42.local", 8)
	selfSigned.SelfSigned = true
	selfSigned.IsCA = true

	oldLeaf := Cert("legacy.corp", "Corp Issuing CA", 200)
	oldCA := Cert("Corp Issuing CA", "Corp Root CA", 2000)
	oldCA.IsCA = true
	oldCA.SANs = nil

	evil := Cert("\x1b[31mEVIL", "\x1b[31mEVIL", -3)
	evil.Subject = "CN=\x1b[31mEVIL,O=\x00pwn"
	evil.Issuer = evil.Subject
	evil.SANs = []string{"evil\u202etxt.exe"}
	evil.SelfSigned = true
	evil.KeyBits = 1024
	evil.SignatureAlgorithm = "SHA1-RSA"

	named := Cert("other.example.test", "Example Issuing CA 1", 120)
	namedCA := Cert("Example Issuing CA 1", "Example Root", 900)
	namedCA.IsCA = true
	namedCA.SANs = nil

	eps := []report.Endpoint{
		{Host: "10.0.0.5", IP: "10.0.0.5", Port: 8443, Service: "https-alt", State: report.StateOpen, Transport: report.TransportTLS,
			TLS: &report.TLS{Version: "TLS1.2", Cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", SNI: "",
				TrustError: "x509: certificate signed by unknown authority", Chain: []report.Certificate{selfSigned}}},
		{Host: "10.0.0.6", IP: "10.0.0.6", Port: 443, Service: "https", State: report.StateOpen, Transport: report.TransportTLS,
			TLS: &report.TLS{Version: "TLS1.0", Cipher: "TLS_RSA_WITH_AES_128_CBC_SHA", Trusted: true,
				Chain: []report.Certificate{oldLeaf, oldCA}}},
		{Host: "10.0.0.7", IP: "10.0.0.7", Port: 80, Service: "http", State: report.StateOpen, Transport: report.TransportPlaintext,
			Protocol: "http", Banner: "HTTP/1.1 400 Bad Request"},
		{Host: "10.0.0.7", IP: "10.0.0.7", Port: 21, Service: "ftp", State: report.StateOpen, Transport: report.TransportPlaintext,
			Protocol: "ftp"},
		{Host: "10.0.0.8", IP: "10.0.0.8", Port: 9000, State: report.StateOpen, Transport: report.TransportUnknown,
			Error: "read tcp 10.0.0.8:9000: i/o timeout waiting for the first bytes\x07"},
		{Host: "10.0.0.9", IP: "10.0.0.9", Port: 443, Service: "https", State: report.StateOpen, Transport: report.TransportTLS,
			TLS: &report.TLS{Version: "TLS1.3", Cipher: "TLS_AES_256_GCM_SHA384", TrustError: "x509: certificate has expired or is not yet valid",
				Chain: []report.Certificate{evil}}},
		{Host: "www.example.test", IP: "10.0.0.10", Port: 443, Service: "https", State: report.StateOpen, Transport: report.TransportTLS,
			TLS: &report.TLS{Version: "TLS1.3", Cipher: "TLS_AES_128_GCM_SHA256", SNI: "www.example.test", Trusted: true,
				HostnameMatch: BoolPtr(false), Chain: []report.Certificate{named, namedCA}}},
	}
	cfg := findings.RuleConfig{Now: Now, ExpiryWarn: 30 * 24 * time.Hour}
	r := &report.Report{
		Schema:     report.Schema,
		Tool:       report.Tool{Name: "tlsweep", Version: "test"},
		StartedAt:  Now,
		FinishedAt: Now.Add(12 * time.Second),
		Complete:   true,
		Targets:    []string{"10.0.0.5-10", "www.example.test"},
		Ports:      []int{21, 80, 443, 8443, 9000},
		Endpoints:  eps,
	}
	r.Summary.Hosts = 7
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		findings.Apply(ep, cfg)
		r.Summary.Count(ep)
	}
	// Probes that found nothing to show still count.
	r.Summary.Count(&report.Endpoint{Host: "10.0.0.5", IP: "10.0.0.5", Port: 21, State: report.StateClosed})
	r.Summary.Count(&report.Endpoint{Host: "10.0.0.6", IP: "10.0.0.6", Port: 21, State: report.StateFiltered})
	return r
}

// Compared returns fixtureReport compared with a baseline taken a
// day earlier: 10.0.0.7:80 and its finding are new, TLS1.0 on 10.0.0.6 is
// new, 10.0.0.12:443 disappeared with its finding, and the leaf of
// 10.0.0.5:8443 was replaced.
func Compared() *report.Report {
	cur := Report()
	base := Report()
	base.StartedAt = Now.Add(-24 * time.Hour)
	base.FinishedAt = base.StartedAt.Add(11 * time.Second)
	var eps []report.Endpoint
	for _, ep := range base.Endpoints {
		if ep.IP == "10.0.0.7" && ep.Port == 80 {
			continue
		}
		eps = append(eps, ep)
	}
	gone := report.Endpoint{Host: "10.0.0.12", IP: "10.0.0.12", Port: 443, Service: "https", State: report.StateOpen, Transport: report.TransportTLS,
		TLS: &report.TLS{Version: "TLS1.1", Cipher: "TLS_RSA_WITH_AES_128_CBC_SHA", Trusted: true,
			Chain: []report.Certificate{Cert("retired.corp", "Corp Issuing CA", 40)}}}
	findings.Apply(&gone, findings.RuleConfig{Now: Now, ExpiryWarn: 30 * 24 * time.Hour})
	eps = append(eps, gone)
	base.Endpoints = eps
	old := base.Endpoints[0].TLS.Chain[0]
	old.SHA256 = strings.Repeat("cd", 32)
	old.NotAfter = Now.Add(-2 * 24 * time.Hour)
	base.Endpoints[0].TLS = &report.TLS{Version: "TLS1.2", Cipher: "TLS_AES_128_GCM_SHA256", Chain: []report.Certificate{old}}
	var fs []report.Finding
	for _, f := range base.Endpoints[1].Findings {
		if f.ID != "deprecated-protocol" {
			fs = append(fs, f)
		}
	}
	base.Endpoints[1].Findings = fs

	cur.Changes = report.Compare(base, cur)
	cur.Changes.Baseline = "last.json"
	return cur
}

// Hostile is the one table of strings a hostile server or report file may
// hold, pushed through every renderer by the tests: each must come out
// unable to drive a terminal, a spreadsheet or a browser, and bounded.
var Hostile = []struct{ Name, Value string }{
	{"ESC", "evil\x1b[2J\x1b[31mred"},
	{"OSC 52", "\x1b]52;c;ZWNobyBwd25lZA==\x07clipboard"},
	{"C1 CSI", "c1\u009b31mcsi"},
	{"RLO", "gro.\u202Eelpmaxe"},
	{"NUL", "nul\x00byte"},
	{"CRLF", "line\r\nInjected: header"},
	{"script", "<script>alert(1)</script>"},
	{"formula", "=cmd|' /C calc'!A0"},
	{"100 KB", strings.Repeat("A", 100<<10)},
}

// HostileReport is one endpoint whose every string (host, service,
// banner, error, certificate fields, HSTS header, finding texts) is s,
// with a TLS side and a plaintext side, compared with a baseline so the
// change list has rows too.
func HostileReport(s string) *report.Report {
	c := report.Certificate{Subject: "CN=" + s, Issuer: "CN=" + s, CommonName: s, SANs: []string{s, s},
		Serial: s, NotBefore: Now.Add(-24 * time.Hour), NotAfter: Now.Add(5 * 24 * time.Hour), DaysLeft: 5,
		SignatureAlgorithm: s, KeyType: s, SHA256: s}
	f := report.Finding{ID: s, Severity: report.SeverityHigh, Title: s, Detail: s, Change: report.ChangeNew}
	eps := []report.Endpoint{
		{Host: s, IP: s, Port: 443, Service: s, State: report.StateOpen, Transport: report.TransportTLS, Error: s,
			TLS: &report.TLS{Version: s, Cipher: s, SNI: s, TrustError: s, Chain: []report.Certificate{c, c},
				Versions: []string{s}, Ciphers: []report.AcceptedCipher{{Version: s, Name: s, ID: s, Strength: s}},
				HSTS: &report.HSTS{Header: s}, Grade: s},
			HTTP: &report.HTTP{Status: 200, Server: s, Location: s}, Findings: []report.Finding{f, f}},
		{Host: s, IP: s, Port: 21, Service: s, State: report.StateOpen, Transport: report.TransportPlaintext,
			Protocol: s, Banner: s, StartTLS: s, Findings: []report.Finding{f}},
	}
	r := &report.Report{Schema: report.Schema, Tool: report.Tool{Name: "tlsweep", Version: s},
		StartedAt: Now, FinishedAt: Now.Add(time.Second), Complete: false, Shard: s,
		Targets: []string{s, s}, Ports: []int{21, 443}, Endpoints: eps}
	for i := range r.Endpoints {
		r.Summary.Count(&r.Endpoints[i])
	}
	old := c
	old.SHA256 = "old" + s
	base := &report.Report{Schema: report.Schema, StartedAt: Now.Add(-time.Hour),
		Endpoints: []report.Endpoint{
			{Host: s, IP: s, Port: 443, Service: s, State: report.StateOpen, Transport: report.TransportTLS,
				TLS: &report.TLS{Chain: []report.Certificate{old}}},
			{Host: s, IP: s, Port: 8443, Service: s, State: report.StateOpen, Transport: report.TransportTLS,
				TLS: &report.TLS{Chain: []report.Certificate{c}}, Findings: []report.Finding{f}}}}
	r.Changes = report.Compare(base, r)
	r.Changes.Baseline = s
	return r
}
