package probes

import (
	"bytes"
	"strings"

	"github.com/tlsweep/tlsweep/report"
)

// Protocols a plaintext banner can be classified as.
const (
	ProtoHTTP    = "http"
	ProtoFTP     = "ftp"
	ProtoSMTP    = "smtp"
	ProtoSSH     = "ssh"
	ProtoPOP3    = "pop3"
	ProtoIMAP    = "imap"
	ProtoUnknown = "unknown"
)

// maxBanner is how much of a banner's first line a report keeps.
const maxBanner = 120

// ClassifyBanner names the plaintext protocol whose first bytes b are.
// It looks only at the start of b and never fails.
func ClassifyBanner(b []byte) string {
	line := b
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	upper := bytes.ToUpper(line)
	switch {
	case bytes.HasPrefix(b, []byte("HTTP/")):
		return ProtoHTTP
	case sshIdentification(b):
		return ProtoSSH
	case len(line) >= 3 && string(line[:3]) == "220" && (len(line) == 3 || line[3] == ' ' || line[3] == '-'):
		if bytes.Contains(upper, []byte("SMTP")) || bytes.Contains(upper, []byte("MAIL")) {
			return ProtoSMTP
		}
		return ProtoFTP
	case bytes.HasPrefix(b, []byte("+OK")):
		return ProtoPOP3
	case bytes.HasPrefix(b, []byte("* OK")):
		return ProtoIMAP
	case bytes.HasPrefix(upper, []byte("<!DOCTYPE HTML")), bytes.HasPrefix(upper, []byte("<HTML")):
		return ProtoHTTP
	}
	return ProtoUnknown
}

// sshIdentification reports whether b starts with an SSH identification
// string (RFC 4253 4.2): "SSH-", a protocol version such as 2.0, 1.99 or
// 1.5, and "-" before the software version.
func sshIdentification(b []byte) bool {
	rest, ok := bytes.CutPrefix(b, []byte("SSH-"))
	if !ok {
		return false
	}
	major, minor, ok := bytes.Cut(rest, []byte("."))
	if !ok || !allDigits(major) {
		return false
	}
	minor, _, ok = bytes.Cut(minor, []byte("-"))
	return ok && allDigits(minor)
}

func allDigits(b []byte) bool {
	if len(b) == 0 || len(b) > 3 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// recordGreeting stores what a peer's first bytes, sent in clear, say
// about an endpoint: the protocol they name, their first line as the
// banner, and the transport. SSH sends only its identification string in
// clear and encrypts everything after the key exchange, so it is
// encrypted; every other greeting is plaintext.
func recordGreeting(ep *report.Endpoint, b []byte) {
	ep.Protocol = ClassifyBanner(b)
	ep.Banner = FirstLine(b)
	ep.Transport = report.TransportPlaintext
	if ep.Protocol == ProtoSSH {
		ep.Transport = report.TransportEncrypted
	}
}

// FirstLine returns the first line of b, safe to print anywhere: bytes
// outside printable ASCII are written as \xNN, a backslash as \\, and the
// result is cut to maxBanner characters with "..." after it.
func FirstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	const hex = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		if sb.Len() >= maxBanner {
			sb.WriteString("...")
			break
		}
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			sb.WriteString(`\x`)
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&0xf])
		}
	}
	return sb.String()
}

// looksLikeTLS reports whether b starts with a TLS record header (handshake
// or alert, any SSL 3.0+ version) or an SSL 2.0 server hello.
func looksLikeTLS(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	if (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03 && b[2] <= 0x04 {
		return true
	}
	// SSLv2 record: 2-byte length with the high bit set, then SERVER-HELLO (4).
	return b[0]&0x80 != 0 && b[2] == 0x04
}
