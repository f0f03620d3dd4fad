package probes

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tlsweep/tlsweep/report"
)

func TestClassifyBanner(t *testing.T) {
	cases := []struct{ in, proto string }{
		{"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n", ProtoHTTP},
		{"HTTP/1.0 200 OK\r\n", ProtoHTTP},
		{"220 (vsFTPd 3.0.3)\r\n", ProtoFTP},
		{"220-Welcome\r\n220 ready\r\n", ProtoFTP},
		{"220 mail.example.com ESMTP Postfix\r\n", ProtoSMTP},
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", ProtoSSH},
		{"SSH-1.99-Cisco-1.25\r\n", ProtoSSH},
		{"SSH-1.5-OldServer\n", ProtoSSH},
		{"SSH-2.0-", ProtoSSH},
		{"SSH-two-not-a-version\r\n", ProtoUnknown},
		{"SSH-2.0", ProtoUnknown},
		{"SSH-.0-x", ProtoUnknown},
		{"SSH-2.x-y", ProtoUnknown},
		{"+OK POP3 ready\r\n", ProtoPOP3},
		{"* OK IMAP4rev1 ready\r\n", ProtoIMAP},
		{"<!DOCTYPE html><html>", ProtoHTTP},
		{"\x00\x00\x00\x0bC42LEGACY\x01", ProtoUnknown},
		{"2200 not ftp", ProtoUnknown},
		{"", ProtoUnknown},
	}
	for _, c := range cases {
		if got := ClassifyBanner([]byte(c.in)); got != c.proto {
			t.Errorf("ClassifyBanner(%q) = %q, want %q", c.in, got, c.proto)
		}
	}
}

// TestRecordGreeting: an SSH identification makes the endpoint encrypted,
// with protocol ssh and the version string as its banner; every other
// greeting is plaintext.
func TestRecordGreeting(t *testing.T) {
	for _, c := range []struct {
		in        string
		transport report.Transport
		proto     string
		banner    string
	}{
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", report.TransportEncrypted, ProtoSSH, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"},
		{"SSH-two\r\n", report.TransportPlaintext, ProtoUnknown, "SSH-two"},
		{"220 (vsFTPd 3.0.3)\r\n", report.TransportPlaintext, ProtoFTP, "220 (vsFTPd 3.0.3)"},
	} {
		var ep report.Endpoint
		recordGreeting(&ep, []byte(c.in))
		if ep.Transport != c.transport || ep.Protocol != c.proto || ep.Banner != c.banner {
			t.Errorf("recordGreeting(%q): %q %q %q, want %q %q %q", c.in, ep.Transport, ep.Protocol, ep.Banner, c.transport, c.proto, c.banner)
		}
	}
}

func TestFirstLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"220 (vsFTPd 3.0.3)\r\nmore", "220 (vsFTPd 3.0.3)"},
		{"\x1b[31mred\x1b[0m\n", `\x1b[31mred\x1b[0m`},
		{"a\\b\x00", `a\\b\x00`},
		{"\xff\xfe", `\xff\xfe`},
	}
	for _, c := range cases {
		if got := FirstLine([]byte(c.in)); got != c.want {
			t.Errorf("FirstLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := FirstLine([]byte(strings.Repeat("A", 500)))
	if len(long) != maxBanner+3 || !strings.HasSuffix(long, "...") {
		t.Errorf("long banner cut to %d bytes: %q", len(long), long)
	}
}

func TestLooksLikeTLS(t *testing.T) {
	for _, b := range []string{"\x16\x03\x03\x00\x10", "\x15\x03\x01\x00\x02\x02\x46", "\x80\x2e\x04\x00\x01"} {
		if !looksLikeTLS([]byte(b)) {
			t.Errorf("looksLikeTLS(%q) = false", b)
		}
	}
	for _, b := range []string{"HTTP/1.1", "220 ", "\x16\x02", "SSH-2.0"} {
		if looksLikeTLS([]byte(b)) {
			t.Errorf("looksLikeTLS(%q) = true", b)
		}
	}
}

// FuzzBanner: the classifier and the escaper take any bytes a peer sends.
// The escaped line must be printable ASCII only and bounded.
func FuzzBanner(f *testing.F) {
	for _, s := range []string{"HTTP/1.1 200 OK\r\n", "220 ftp\r\n", "SSH-2.0-x", "\x1b]0;title\x07", "\x16\x03\x01", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ClassifyBanner(b)
		_ = looksLikeTLS(b)
		line := FirstLine(b)
		if len(line) > maxBanner+6 {
			t.Fatalf("line of %d bytes", len(line))
		}
		if !utf8.ValidString(line) {
			t.Fatal("invalid UTF-8")
		}
		for _, c := range []byte(line) {
			if c < 0x20 || c >= 0x7f {
				t.Fatalf("unescaped byte %#x in %q", c, line)
			}
		}
	})
}
