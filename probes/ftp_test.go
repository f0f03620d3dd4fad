package probes

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// ftpScan runs the TLS probe (which finds the plaintext FTP greeting, as
// in production), then the FTP probe with that TLS probe.
func ftpScan(t *testing.T, tgt Target, timeout time.Duration) (*report.Endpoint, error) {
	t.Helper()
	return upgradeScan(t, tgt, timeout, ProtoFTP, func(tp *TLS) Probe { return NewFTP(FTPConfig{Timeout: timeout}, tp) })
}

// upgradeScan runs the TLS probe on tgt, which must find plaintext proto,
// then the probe that upgrades it in-band, which must connect once.
func upgradeScan(t *testing.T, tgt Target, timeout time.Duration, proto string, upgrade func(*TLS) Probe) (*report.Endpoint, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ep := &report.Endpoint{Host: tgt.Host, IP: tgt.IP.String(), Port: int(tgt.Port), State: report.StateOpen}
	tp, err := NewTLS(TLSConfig{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.Probe(ctx, &net.Dialer{}, tgt, ep); err != nil {
		t.Fatalf("tls probe: %v", err)
	}
	if ep.Transport != report.TransportPlaintext || ep.Protocol != proto {
		t.Fatalf("after the tls probe: transport %q protocol %q banner %q, want plaintext %s", ep.Transport, ep.Protocol, ep.Banner, proto)
	}
	d := &httpDialer{}
	err = upgrade(tp).Probe(ctx, d, tgt, ep)
	if want := []string{tgt.Addr()}; !reflect.DeepEqual(d.dialed(), want) {
		t.Errorf("dialed %v, want %v", d.dialed(), want)
	}
	return ep, err
}

func TestFTPVsftpdAuthTLS(t *testing.T) {
	cert := mustIssue(t, lab.CertOptions{CommonName: "sesam-ftp.lab", DNSNames: []string{"sesam-ftp.lab"}}, nil)
	tgt := httpLocalTarget(ftpVsftpd(t, cert))
	ep, err := ftpScan(t, tgt, httpTestTimeout)
	if err != nil {
		t.Fatalf("ftp probe: %v", err)
	}
	if ep.Banner != "220 SEP sesam FTP" {
		t.Errorf("Banner = %q", ep.Banner)
	}
	if ep.StartTLS != "ftp" || ep.Transport != report.TransportPlaintext || ep.TLS == nil {
		t.Fatalf("StartTLS %q transport %q TLS %+v, want ftp, plaintext, a TLS record", ep.StartTLS, ep.Transport, ep.TLS)
	}
	// vsftpd 3.0.3 on OpenSSL 3 has no way to turn TLS 1.3 off and does
	// not set server cipher preference for it: Go's first TLS 1.3 suite.
	if ep.TLS.Version != "TLS1.3" || ep.TLS.Cipher != "TLS_AES_128_GCM_SHA256" {
		t.Errorf("TLS %s %s, want TLS1.3 TLS_AES_128_GCM_SHA256", ep.TLS.Version, ep.TLS.Cipher)
	}
	if len(ep.TLS.Chain) != 1 || ep.TLS.Chain[0].CommonName != "sesam-ftp.lab" || !ep.TLS.Chain[0].SelfSigned {
		t.Errorf("chain %+v, want the self-signed sesam-ftp.lab", ep.TLS.Chain)
	}
	if ep.TLS.Trusted || ep.TLS.TrustError == "" {
		t.Errorf("Trusted %v (%q), want untrusted", ep.TLS.Trusted, ep.TLS.TrustError)
	}
	t.Logf("observed: %s %s chain[0] %q", ep.TLS.Version, ep.TLS.Cipher, ep.TLS.Chain[0].CommonName)
}

func TestFTPVsftpdNoTLS(t *testing.T) {
	tgt := httpLocalTarget(ftpVsftpd(t, nil))
	ep, err := ftpScan(t, tgt, httpTestTimeout)
	if err != nil || ep.StartTLS != "" || ep.TLS != nil || ep.Error != "" {
		t.Errorf("err %v StartTLS %q TLS %+v Error %q, want nothing recorded", err, ep.StartTLS, ep.TLS, ep.Error)
	}
}

// ftpStub runs a scripted FTP server: greeting is sent on accept, then
// answer gives the reply to each command (and may take over the
// connection). Every command line received is recorded.
type ftpStub struct {
	mu       sync.Mutex
	commands []string
}

func (s *ftpStub) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

func (s *ftpStub) serve(t *testing.T, greeting string, answer func(cmd string, c net.Conn, br *bufio.Reader) (reply string, done bool)) Target {
	t.Helper()
	return httpServe(t, func(c net.Conn) {
		if _, err := io.WriteString(c, greeting); err != nil {
			return
		}
		br := bufio.NewReader(c)
		if first, err := br.Peek(1); err != nil || first[0] == 0x16 {
			// The TLS probe's ClientHello: it reads the greeting and leaves.
			_, _ = io.Copy(io.Discard, br)
			return
		}
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.TrimRight(line, "\r\n")
			s.mu.Lock()
			s.commands = append(s.commands, cmd)
			s.mu.Unlock()
			reply, done := answer(cmd, c, br)
			if reply != "" {
				if _, err := io.WriteString(c, reply); err != nil {
					return
				}
			}
			if done {
				return
			}
		}
	})
}

func TestFTPStubMultilineGreetingAndUpgrade(t *testing.T) {
	cert := mustIssue(t, lab.CertOptions{CommonName: "stub-ftp", Key: "p256"}, nil)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}, MaxVersion: tls.VersionTLS12}
	s := &ftpStub{}
	tgt := s.serve(t, "220-Welcome to the backup store\r\n220-  second line\r\n 220 not the end\r\n220 ready\r\n",
		func(cmd string, c net.Conn, br *bufio.Reader) (string, bool) {
			switch cmd {
			case "FEAT":
				return "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n", false
			case "AUTH TLS":
				if _, err := io.WriteString(c, "234 AUTH TLS OK.\r\n"); err != nil {
					return "", true
				}
				tc := tls.Server(c, cfg)
				_ = tc.Handshake()
				_, _ = io.Copy(io.Discard, tc)
				return "", true
			}
			return "500 what?\r\n", false
		})
	ep, err := ftpScan(t, tgt, httpTestTimeout)
	if err != nil {
		t.Fatalf("ftp probe: %v", err)
	}
	if ep.Banner != "220-Welcome to the backup store" {
		t.Errorf("Banner %q", ep.Banner)
	}
	if ep.StartTLS != "ftp" || ep.TLS == nil || ep.TLS.Version != "TLS1.2" || ep.TLS.Chain[0].CommonName != "stub-ftp" {
		t.Fatalf("StartTLS %q TLS %+v, want ftp TLS1.2 stub-ftp", ep.StartTLS, ep.TLS)
	}
	if ep.TLS.Cipher != "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" {
		t.Errorf("cipher %s", ep.TLS.Cipher)
	}
	if got, want := s.got(), []string{"FEAT", "AUTH TLS"}; !reflect.DeepEqual(got, want) {
		t.Errorf("commands %q, want %q", got, want)
	}
}

func TestFTPStubAuthRefused(t *testing.T) {
	for _, code := range []string{"500", "502", "530"} {
		t.Run(code, func(t *testing.T) {
			s := &ftpStub{}
			tgt := s.serve(t, "220 ftp\r\n", func(cmd string, _ net.Conn, _ *bufio.Reader) (string, bool) {
				switch cmd {
				case "FEAT":
					return "500 FEAT not understood\r\n", false
				case "AUTH TLS":
					return code + " no TLS here\r\n", false
				case "QUIT":
					return "221 bye\r\n", true
				}
				return "500 what?\r\n", false
			})
			ep, err := ftpScan(t, tgt, httpTestTimeout)
			if err != nil || ep.StartTLS != "" || ep.TLS != nil {
				t.Errorf("err %v StartTLS %q TLS %+v, want nothing", err, ep.StartTLS, ep.TLS)
			}
			if got, want := s.got(), []string{"FEAT", "AUTH TLS", "QUIT"}; !reflect.DeepEqual(got, want) {
				t.Errorf("commands %q, want %q", got, want)
			}
		})
	}
}

func TestFTPStubGarbageAfter234(t *testing.T) {
	s := &ftpStub{}
	tgt := s.serve(t, "220 ftp\r\n", func(cmd string, c net.Conn, br *bufio.Reader) (string, bool) {
		switch cmd {
		case "FEAT":
			return "211 no features\r\n", false
		case "AUTH TLS":
			// 234, then plaintext where the ServerHello belongs.
			_, _ = io.WriteString(c, "234 go ahead\r\n")
			_, _ = br.ReadByte() // wait for the ClientHello
			_, _ = io.WriteString(c, "421 \x00\xffgarbage\r\n")
			return "", true
		}
		return "", false
	})
	ep, err := ftpScan(t, tgt, httpTestTimeout)
	if err == nil || !strings.Contains(err.Error(), "accepted AUTH TLS but the tls handshake failed") ||
		!strings.Contains(err.Error(), `the server answered in plaintext: "421 \x00\xffgarbage"`) {
		t.Errorf("err %v", err)
	}
	if ep.StartTLS != "" || ep.TLS != nil {
		t.Errorf("StartTLS %q TLS %+v after a failed upgrade", ep.StartTLS, ep.TLS)
	}
	t.Logf("observed error: %v", err)
}

func TestFTPStubSilentFEAT(t *testing.T) {
	s := &ftpStub{}
	tgt := s.serve(t, "220 ftp\r\n", func(string, net.Conn, *bufio.Reader) (string, bool) { return "", false })
	timeout := 500 * time.Millisecond
	start := time.Now()
	ep, err := ftpScan(t, tgt, timeout)
	el := time.Since(start)
	if err == nil || err.Error() != "ftp: FEAT: no reply within 500ms" {
		t.Errorf("err %v", err)
	}
	if ep.StartTLS != "" || ep.TLS != nil {
		t.Errorf("StartTLS %q TLS %+v", ep.StartTLS, ep.TLS)
	}
	// The TLS probe waits for its handshake, then the FTP probe one timeout for FEAT.
	if el > 5*time.Second {
		t.Errorf("took %s with a %s timeout", el, timeout)
	}
	if got := s.got(); !reflect.DeepEqual(got, []string{"FEAT"}) {
		t.Errorf("commands %q", got)
	}
}

func TestFTPStubRefusedGreeting(t *testing.T) {
	d := &httpDialer{}
	s := &ftpStub{}
	tgt := s.serve(t, "421 Too many connections\r\n", func(string, net.Conn, *bufio.Reader) (string, bool) { return "", true })
	ep := &report.Endpoint{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: ProtoFTP}
	err := NewFTP(FTPConfig{Timeout: time.Second}, httpTLSProbe(t)).Probe(context.Background(), d, tgt, ep)
	if err == nil || err.Error() != "ftp: the server refused the session: 421 Too many connections" {
		t.Errorf("err %v", err)
	}
}

func TestFTPSkips(t *testing.T) {
	for _, ep := range []report.Endpoint{
		{State: report.StateOpen, Transport: report.TransportPlaintext, Protocol: ProtoHTTP},
		{State: report.StateOpen, Transport: report.TransportTLS},
		{State: report.StateClosed, Transport: report.TransportPlaintext, Protocol: ProtoFTP},
	} {
		d := &httpDialer{}
		if err := NewFTP(FTPConfig{}, nil).Probe(context.Background(), d, httpLocalTarget(1), &ep); err != nil || len(d.dialed()) != 0 {
			t.Errorf("%+v: err %v dialed %v", ep, err, d.dialed())
		}
	}
}

func TestFTPReadReply(t *testing.T) {
	cases := []struct {
		in    string
		code  int
		lines int
		err   string
		rest  string
	}{
		{in: "220 hi\r\nNEXT", code: 220, lines: 1, rest: "NEXT"},
		{in: "220\r\n", code: 220, lines: 1},
		{in: "211-a\r\n b\r\n211-c\r\n212 x\r\n211 End\r\nNEXT", code: 211, lines: 5, rest: "NEXT"},
		{in: "211-a\n211 b\n", code: 211, lines: 2},
		{in: "SSH-2.0-x\r\n", err: "not a reply line"},
		{in: "220-a\r\n", err: "unexpected EOF"},
		{in: "220 " + strings.Repeat("a", 3000) + "\r\n", err: "reply line longer than 2048 bytes"},
		{in: "211-a\r\n" + strings.Repeat(" feature\r\n", 2000), err: "reply longer than 16 KiB"},
		{in: "", err: "EOF"},
	}
	for _, tc := range cases {
		br := bufio.NewReaderSize(strings.NewReader(tc.in), maxFTPLine)
		r, err := readFTPReply(br)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%.20q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		rest, _ := io.ReadAll(br)
		if err != nil || r.Code != tc.code || len(r.Lines) != tc.lines || string(rest) != tc.rest {
			t.Errorf("%q: %+v %v rest %q", tc.in, r, err, rest)
		}
	}
}

// FuzzReadFTPReply reads FTP and SMTP replies (the same syntax), and looks
// for STARTTLS among an EHLO answer's extensions.
func FuzzReadFTPReply(f *testing.F) {
	for _, s := range []string{"220 hi\r\n", "211-a\r\n b\r\n211 End\r\n", "220-\n220\n", "999 x\r\n", "\x16\x03\x01",
		"250-mail\r\n250-STARTTLS\r\n250 SIZE 1\r\n", "250-x\r\n250-\r\n250 \r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &httpCountingReader{r: strings.NewReader(string(b))}
		br := bufio.NewReaderSize(r, maxFTPLine)
		rep, err := readFTPReply(br)
		if err == nil && (rep.Code < 100 || rep.Code > 599 || len(rep.Lines) == 0) {
			t.Fatalf("reply %+v", rep)
		}
		if consumed := r.n - br.Buffered(); consumed > maxFTPReply+maxFTPLine {
			t.Fatalf("consumed %d bytes", consumed)
		}
		_ = rep.text()
		if smtpExtension(rep, "STARTTLS") && !strings.Contains(strings.ToUpper(string(b)), "STARTTLS") {
			t.Fatalf("STARTTLS found in %q", b)
		}
	})
}
