package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report/mail"
	"github.com/tlsweep/tlsweep/report/mail/mailtest"
)

const secret = "s3cret-Pa55word!"

func testMessage() *mail.Message {
	return &mail.Message{
		From:    "tlsweep <tlsweep@example.test>",
		To:      []string{"ops@example.test", "Backup Team <backup@example.test>"},
		Subject: "tlsweep: 2 new high findings on 10.1.0.0/24 (12 endpoints) — ünïcode",
		Date:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Text:    "New findings: 2\nA line that is rather long and goes on well beyond the seventy-six characters quoted-printable allows.\n",
		HTML:    "<!DOCTYPE html><html><body><p>New findings: 2 &amp; more</p></body></html>",
		Attachments: []mail.Attachment{{
			Name: "tlsweep-20260102T030405Z.json", ContentType: "application/json",
			Data: []byte(`{"schema": "tlsweep/v1", "endpoints": []}` + strings.Repeat(" ", 200) + "\n"),
		}},
	}
}

// part is one leaf MIME part of a parsed message.
type part struct {
	mediaType   string
	params      map[string]string
	disposition string
	body        string
}

// parseMessage parses raw with net/mail and mime/multipart and returns
// its header and leaf parts, decoded, in order.
func parseMessage(t *testing.T, raw []byte) (netmail.Header, []part) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	var parts []part
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			t.Fatalf("leaf %s outside a part", mt)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("next part: %v", err)
			}
			pct := p.Header.Get("Content-Type")
			if strings.HasPrefix(pct, "multipart/") {
				walk(pct, p)
				continue
			}
			pmt, pparams, err := mime.ParseMediaType(pct)
			if err != nil {
				t.Fatalf("part content type %q: %v", pct, err)
			}
			var r io.Reader = p
			switch enc := p.Header.Get("Content-Transfer-Encoding"); enc {
			case "quoted-printable":
				r = quotedPrintable(p)
			case "base64":
				r = base64Reader(p)
			default:
				t.Fatalf("part %s has transfer encoding %q", pmt, enc)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("read part %s: %v", pmt, err)
			}
			parts = append(parts, part{pmt, pparams, p.Header.Get("Content-Disposition"), string(b)})
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	return msg.Header, parts
}

func TestSendStartTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: "starttls", User: "tlsweep", Password: secret})
	cfg := mail.Config{Addr: srv.Addr, RootCAs: srv.Roots, Username: "tlsweep", Password: secret, Timeout: 10 * time.Second}
	m := testMessage()
	if err := mail.Send(context.Background(), cfg, m); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages", len(got))
	}
	rcv := got[0]
	if !rcv.TLS || rcv.AuthUser != "tlsweep" {
		t.Errorf("delivered with TLS %v as %q", rcv.TLS, rcv.AuthUser)
	}
	if rcv.From != "tlsweep@example.test" || strings.Join(rcv.To, ",") != "ops@example.test,backup@example.test" {
		t.Errorf("envelope from %q to %q", rcv.From, rcv.To)
	}
	if bytes.Contains(rcv.Data, []byte(secret)) {
		t.Error("the message holds the password")
	}
	checkMessage(t, rcv.Data, m)
}

func checkMessage(t *testing.T, raw []byte, m *mail.Message) {
	t.Helper()
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) > 0 && !bytes.HasSuffix(line, []byte("\r\n")) && i < len(bytes.Split(raw, []byte("\n")))-1 {
			t.Fatalf("line %d does not end in CRLF: %q", i+1, line)
		}
		if len(line) > 78+2 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
		for _, b := range line {
			if b >= 0x80 {
				t.Fatalf("line %d holds 8-bit data: %q", i+1, line)
			}
		}
	}
	h, parts := parseMessage(t, raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("subject %q (%v), want %q", subject, err, m.Subject)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Address != "ops@example.test" || to[1].Name != "Backup Team" {
		t.Errorf("To %v (%v)", to, err)
	}
	if from, err := h.AddressList("From"); err != nil || from[0].Address != "tlsweep@example.test" {
		t.Errorf("From %v (%v)", from, err)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if h.Get("Message-ID") == "" || h.Get("MIME-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("header %v", h)
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	want := []struct{ mt, body string }{
		{"text/plain", m.Text}, {"text/html", m.HTML}, {"application/json", string(m.Attachments[0].Data)},
	}
	for i, w := range want {
		if parts[i].mediaType != w.mt || parts[i].body != strings.ReplaceAll(w.body, "\n", "\r\n") && parts[i].body != w.body {
			t.Errorf("part %d: %s %q, want %s %q", i, parts[i].mediaType, parts[i].body, w.mt, w.body)
		}
	}
	if parts[0].params["charset"] != "utf-8" || !strings.HasPrefix(parts[2].disposition, "attachment") ||
		!strings.Contains(parts[2].disposition, m.Attachments[0].Name) {
		t.Errorf("parts: %+v", parts)
	}
}

func TestSendImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: "implicit", User: "u", Password: secret})
	cfg := mail.Config{Addr: srv.Addr, Security: mail.ImplicitTLS, RootCAs: srv.Roots, Username: "u", Password: secret}
	if err := mail.Send(context.Background(), cfg, testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("received %+v", got)
	}
}

func TestSendPlaintextLabRelay(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := mail.Config{Addr: srv.Addr, Security: mail.Plaintext}
	if err := mail.Send(context.Background(), cfg, testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].TLS {
		t.Fatalf("received %+v", got)
	}
}

func TestSendRefusals(t *testing.T) {
	plain := mailtest.Start(t, mailtest.Options{})
	tlsSrv := mailtest.Start(t, mailtest.Options{TLS: "starttls", User: "u", Password: secret})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()

	cases := []struct {
		name string
		cfg  mail.Config
		want string
	}{
		{"no STARTTLS offered", mail.Config{Addr: plain.Addr}, "does not offer STARTTLS"},
		{"password over plaintext", mail.Config{Addr: plain.Addr, Security: mail.Plaintext, Username: "u", Password: secret},
			"refusing to send the smtp password over a plaintext connection"},
		{"untrusted certificate", mail.Config{Addr: tlsSrv.Addr, Username: "u", Password: secret}, "certificate"},
		{"wrong password", mail.Config{Addr: tlsSrv.Addr, RootCAs: tlsSrv.Roots, Username: "u", Password: secret + "x"},
			`login as "u" failed`},
		{"server down", mail.Config{Addr: down, RootCAs: tlsSrv.Roots}, "connect to smtp server " + down},
		{"bad address", mail.Config{Addr: "smtp.example.test"}, "use HOST:PORT"},
		{"user without password", mail.Config{Addr: tlsSrv.Addr, Username: "u"}, "no smtp password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Timeout = 5 * time.Second
			err := mail.Send(context.Background(), tc.cfg, testMessage())
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the password: %v", err)
			}
		})
	}
	if plain.MailCommands() != 0 || len(tlsSrv.Messages()) != 0 {
		t.Errorf("a refused connection still sent mail: %d MAIL, %d messages", plain.MailCommands(), len(tlsSrv.Messages()))
	}
	err = mail.Send(context.Background(), mail.Config{Addr: plain.Addr}, testMessage())
	if !errors.Is(err, mail.ErrNoStartTLS) {
		t.Errorf("error %v is not ErrNoStartTLS", err)
	}
}

func TestSendCancelled(t *testing.T) {
	// A listener that accepts and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	err = mail.Send(context.Background(), mail.Config{Addr: ln.Addr().String(), Timeout: 300 * time.Millisecond}, testMessage())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want a deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v", d)
	}
}

func TestConfigHidesPassword(t *testing.T) {
	cfg := mail.Config{Addr: "smtp.example.test:587", Username: "u", Password: secret}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, cfg); strings.Contains(s, secret) {
			t.Errorf("%s shows the password: %s", verb, s)
		}
		if s := fmt.Sprintf(verb, &cfg); strings.Contains(s, secret) {
			t.Errorf("%s of a pointer shows the password: %s", verb, s)
		}
	}
}

func TestBuild(t *testing.T) {
	m := testMessage()
	m.Subject = "x\r\nBcc: evil@example.test"
	raw, err := mail.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	h, parts := parseMessage(t, raw)
	if h.Get("Bcc") != "" || !strings.HasPrefix(h.Get("Subject"), "x  Bcc") {
		t.Errorf("subject injected a header: %v", h)
	}
	if len(parts) != 3 {
		t.Errorf("%d parts", len(parts))
	}

	m = testMessage()
	m.HTML, m.Attachments = "", nil
	raw, err = mail.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, parts := parseMessage(t, raw); len(parts) != 1 || parts[0].mediaType != "text/plain" {
		t.Errorf("text-only message parts: %+v", parts)
	}

	for _, bad := range []*mail.Message{
		{From: "not an address", To: []string{"a@example.test"}},
		{From: "a@example.test"},
		{From: "a@example.test", To: []string{"b@example.test\r\nBcc: c@example.test"}},
	} {
		if _, err := mail.Build(bad); err == nil {
			t.Errorf("Build accepted %+v", bad)
		}
	}
}

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }
