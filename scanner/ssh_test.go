package scanner_test

// SSH on SEP sesam's SMSSH port, and cleartext where SSH or nothing is
// expected, swept the way `tlsweep scan` sweeps them.

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// TestIntegrationSshdOnSMSSH: Debian's OpenSSH server on a loopback
// address and port 11322 (SEP sesam's SMSSH) is an encrypted endpoint:
// transport "encrypted", protocol "ssh", its version banner kept, no TLS,
// no error and no finding (above all no plaintext-listener), and the
// summary counts it encrypted. The sweep covers the whole sesam profile,
// so 11322's neighbours are swept closed beside it.
func TestIntegrationSshdOnSMSSH(t *testing.T) {
	t.Parallel()
	host := daemon.SshdServer(t, 11322)
	ports, err := scanner.ParsePorts("sesam")
	if err != nil {
		t.Fatal(err)
	}
	rep := sweep(t, []string{host}, ports, sweepOptions{})
	if len(rep.Endpoints) != 1 {
		t.Fatalf("want the one open endpoint, got %+v", rep.Endpoints)
	}
	ep := &rep.Endpoints[0]
	t.Logf("%s:%d %s %s %q err=%q findings=%v", ep.IP, ep.Port, ep.Transport, ep.Protocol, ep.Banner, ep.Error, findingIDs(ep))
	if ep.Port != 11322 || ep.Service != "sesam-smssh" || ep.Transport != report.TransportEncrypted || ep.Protocol != "ssh" {
		t.Errorf("11322: port %d service %q transport %q protocol %q; want sesam-smssh, encrypted, ssh", ep.Port, ep.Service, ep.Transport, ep.Protocol)
	}
	if !strings.HasPrefix(ep.Banner, "SSH-2.0-OpenSSH_") {
		t.Errorf("banner %q, want OpenSSH's version string", ep.Banner)
	}
	if ep.TLS != nil || ep.Error != "" || len(ep.Findings) != 0 {
		t.Errorf("an SSH server raised something: tls %v, error %q, findings %v", ep.TLS, ep.Error, findingIDs(ep))
	}
	if s := counts(rep.Summary); s.Open != 1 || s.Encrypted != 1 || s.Plaintext != 0 || s.Unknown != 0 || s.Closed != len(ports)-1 {
		t.Errorf("summary %+v: want 1 open, encrypted", s)
	}
}

// TestIntegrationCleartextOnSesamControl: cleartext where SEP sesam wants
// SSH (11322) or nothing (11301, sm_ctrl) is a plaintext listener, and a
// greeting that only starts like SSH is not SSH.
func TestIntegrationCleartextOnSesamControl(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		port     int
		greeting string
		protocol string
	}{
		{11301, "SEP sesam sm_ctrl 5.1\r\n", "unknown"},
		{11322, "+OK sesam control ready\r\n", "pop3"},
		{11322, "SSH-two-not-a-version\r\n", "unknown"},
	} {
		host := ""
		for n := 0; n < 16 && host == ""; n++ {
			h := "127.23." + strconv.Itoa(n) + ".1"
			if ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(tc.port))); err == nil {
				serve(t, ln, greetConn([]byte(tc.greeting)))
				host = h
			}
		}
		if host == "" {
			t.Fatalf("port %d is taken on 127.23.0-15.1", tc.port)
		}
		ep := sweepOneAt(t, host, tc.port, sweepOptions{})
		if ep.Transport != report.TransportPlaintext || ep.Protocol != tc.protocol || finding(ep, "plaintext-listener") == nil {
			t.Errorf("%d greeting %q: transport %q protocol %q findings %v; want plaintext %s and plaintext-listener",
				tc.port, tc.greeting, ep.Transport, ep.Protocol, findingIDs(ep), tc.protocol)
		}
	}
}
