package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// TestEncryptedTransport: an SSH endpoint (transport "encrypted", protocol
// "ssh") reads as such in every format: its own cell, CSV columns and
// metric labels, and a count of its own in the summaries, never lumped
// with plaintext or unknown.
func TestEncryptedTransport(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := &report.Report{Schema: report.Schema, StartedAt: at, FinishedAt: at.Add(time.Second), Complete: true,
		Targets: []string{"10.0.0.1"}, Ports: []int{11322}}
	r.Endpoints = []report.Endpoint{{Host: "10.0.0.1", IP: "10.0.0.1", Port: 11322, Service: "sesam-smssh", State: report.StateOpen,
		Transport: report.TransportEncrypted, Protocol: "ssh", Banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", Findings: []report.Finding{}}}
	r.Summary.Hosts = 1
	r.Summary.Count(&r.Endpoints[0])
	if r.Summary.Encrypted != 1 || r.Summary.Plaintext != 0 || r.Summary.Unknown != 0 {
		t.Fatalf("summary %+v: want the endpoint counted encrypted", r.Summary)
	}
	want := map[string][]string{
		"table":       {"encrypted/ssh", "1 open (0 tls, 1 encrypted, 0 plaintext, 0 unknown)"},
		"csv":         {"10.0.0.1,10.0.0.1,11322,sesam-smssh,encrypted,ssh,"},
		"markdown":    {"encrypted/ssh", "1 open (0 TLS, 1 encrypted, 0 plaintext, 0 unknown)"},
		"html":        {"encrypted/ssh", "1 open (0 TLS, 1 encrypted, 0 plaintext, 0 unknown)"},
		"openmetrics": {`tlsweep_scan_endpoints{transport="encrypted"} 1`, `transport="encrypted",protocol="ssh"`},
		"json":        {`"transport": "encrypted"`, `"protocol": "ssh"`, `"encrypted": 1`, `"banner": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"`},
	}
	for format, subs := range want {
		rd, err := New(format, Options{Width: 200})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rd.Render(&b, r); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		for _, s := range subs {
			if !strings.Contains(b.String(), s) {
				t.Errorf("%s lacks %q:\n%s", format, s, b.String())
			}
		}
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if ep := back.Endpoints[0]; ep.Transport != report.TransportEncrypted || ep.Protocol != "ssh" || back.Summary.Encrypted != 1 {
		t.Errorf("read back: %+v, summary %+v", ep, back.Summary)
	}
}
