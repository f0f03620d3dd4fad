package probes

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

func smtpScan(t *testing.T, tgt Target, timeout time.Duration) (*report.Endpoint, error) {
	t.Helper()
	return upgradeScan(t, tgt, timeout, ProtoSMTP, func(tp *TLS) Probe { return NewSMTP(SMTPConfig{Timeout: timeout}, tp) })
}

func TestSMTPStubs(t *testing.T) {
	cert := mustIssue(t, lab.CertOptions{CommonName: "stub-smtp", Key: "p256"}, nil)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}}
	upgrade := func(c net.Conn) (string, bool) {
		if _, err := io.WriteString(c, "220 2.0.0 Ready to start TLS\r\n"); err != nil {
			return "", true
		}
		tc := tls.Server(c, cfg)
		_ = tc.Handshake()
		_, _ = io.Copy(io.Discard, tc)
		return "", true
	}
	for _, tc := range []struct {
		name     string
		ehlo     string
		starttls func(net.Conn) (string, bool)
		commands []string
		upgraded bool
		err      string
	}{
		{name: "upgrade", ehlo: "250-mail.test\r\n250-PIPELINING\r\n250-starttls\r\n250 8BITMIME\r\n", starttls: upgrade,
			commands: []string{"EHLO tlsweep.invalid", "STARTTLS"}, upgraded: true},
		// STARTTLS named only as another keyword's parameter is not offered.
		{name: "not offered", ehlo: "250-mail.test\r\n250-AUTH STARTTLS\r\n250 SIZE 1000\r\n",
			commands: []string{"EHLO tlsweep.invalid", "QUIT"}},
		{name: "refused", ehlo: "250-mail.test\r\n250 STARTTLS\r\n",
			starttls: func(net.Conn) (string, bool) { return "454 4.7.0 TLS not available\r\n", false },
			commands: []string{"EHLO tlsweep.invalid", "STARTTLS", "QUIT"}},
		{name: "ehlo refused", ehlo: "502 5.5.1 EHLO not implemented\r\n", commands: []string{"EHLO tlsweep.invalid", "QUIT"}},
		{name: "garbage after 220", ehlo: "250-mail.test\r\n250 STARTTLS\r\n",
			starttls: func(c net.Conn) (string, bool) {
				_, _ = io.WriteString(c, "220 go ahead\r\n")
				_, _ = bufio.NewReader(c).ReadByte() // the ClientHello
				_, _ = io.WriteString(c, "500 not TLS at all\r\n")
				return "", true
			},
			commands: []string{"EHLO tlsweep.invalid", "STARTTLS"},
			err:      `smtp: the server accepted STARTTLS but the tls handshake failed: the server answered in plaintext: "500 not TLS at all"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &ftpStub{}
			tgt := s.serve(t, "220 mail.test ESMTP\r\n", func(cmd string, c net.Conn, _ *bufio.Reader) (string, bool) {
				switch {
				case strings.HasPrefix(cmd, "EHLO "):
					return tc.ehlo, false
				case cmd == "STARTTLS" && tc.starttls != nil:
					return tc.starttls(c)
				case cmd == "QUIT":
					return "221 2.0.0 Bye\r\n", true
				}
				return "500 5.5.2 what?\r\n", false
			})
			ep, err := smtpScan(t, tgt, httpTestTimeout)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("err %v, want %s", err, tc.err)
				}
			} else if err != nil {
				t.Fatalf("smtp probe: %v", err)
			}
			if upgraded := ep.StartTLS == "smtp" && ep.TLS != nil && ep.TLS.Chain[0].CommonName == "stub-smtp"; upgraded != tc.upgraded {
				t.Errorf("StartTLS %q TLS %+v, want upgraded %v", ep.StartTLS, ep.TLS, tc.upgraded)
			}
			if got := s.got(); !reflect.DeepEqual(got, tc.commands) {
				t.Errorf("commands %q, want %q", got, tc.commands)
			}
		})
	}
}

func TestSMTPSkips(t *testing.T) {
	p := NewSMTP(SMTPConfig{}, nil)
	for _, ep := range []*report.Endpoint{
		{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: ProtoSMTP}, // no TLS probe
	} {
		if err := p.Probe(context.Background(), nil, Target{}, ep); err != nil || ep.StartTLS != "" {
			t.Errorf("%+v: err %v", ep, err)
		}
	}
	tp, err := NewTLS(TLSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p = NewSMTP(SMTPConfig{}, tp)
	for _, ep := range []*report.Endpoint{
		{State: report.StateClosed},
		{State: report.StateOpen, Transport: report.TransportTLS, Protocol: ProtoSMTP},
		{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: ProtoFTP},
	} {
		// A nil dialer: the probe must not connect.
		if err := p.Probe(context.Background(), nil, Target{}, ep); err != nil || ep.StartTLS != "" {
			t.Errorf("%+v: err %v", ep, err)
		}
	}
}
