package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/mail"
	"github.com/tlsweep/tlsweep/report/render"
)

// delivery is the mail flags, checked.
type delivery struct {
	cfg  mail.Config
	from string
	to   []string
	on   string // always, findings or changes
}

// parseDelivery checks the mail flags; it returns nil without --mail-to.
func parseDelivery(c *cli.Context, hasBaseline bool) (*delivery, error) {
	on := c.String("mail-on")
	switch on {
	case "":
		on = "findings"
		if hasBaseline {
			on = "changes"
		}
	case "always", "findings":
	case "changes":
		if !hasBaseline {
			return nil, usageErr(errors.New(errMailOnChanges))
		}
	default:
		return nil, usageErr(fmt.Errorf(errMailOn, on))
	}
	to := c.StringSlice("mail-to")
	if len(to) == 0 {
		return nil, nil
	}
	for _, a := range to {
		if _, err := netmail.ParseAddress(a); err != nil {
			return nil, usageErr(fmt.Errorf(errMailTo, a, err))
		}
	}
	d := &delivery{from: c.String("mail-from"), to: to, on: on}
	if d.from == "" {
		return nil, usageErr(errors.New(errMailNeedsFrom))
	}
	if _, err := netmail.ParseAddress(d.from); err != nil {
		return nil, usageErr(fmt.Errorf(errMailFrom, d.from, err))
	}
	d.cfg.Addr = c.String("smtp")
	if d.cfg.Addr == "" {
		return nil, usageErr(errors.New(errMailNeedsRelay))
	}
	if host, port, err := net.SplitHostPort(d.cfg.Addr); err != nil || host == "" || !validPort(port) {
		return nil, usageErr(fmt.Errorf(errRelay, d.cfg.Addr))
	}
	switch mode := c.String("smtp-tls"); mode {
	case "":
	case "starttls":
		d.cfg.Security = mail.StartTLS
	case "implicit":
		d.cfg.Security = mail.ImplicitTLS
	default:
		return nil, usageErr(fmt.Errorf(errSMTPTLS, mode))
	}
	if c.Bool("smtp-insecure-plaintext") {
		if d.cfg.Security != mail.Auto {
			return nil, usageErr(errors.New(errSMTPContradict))
		}
		d.cfg.Security = mail.Plaintext
	}
	if err := smtpLogin(c, d); err != nil {
		return nil, err
	}
	if f := c.String("smtp-ca-file"); f != "" {
		pool, err := loadRoots(c.Context, "--smtp-ca-file", f)
		if err != nil {
			return nil, err
		}
		d.cfg.RootCAs = pool
	}
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		d.cfg.HelloName = h
	}
	return d, nil
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n < 65536
}

// smtpLogin fills in the user and the password, which comes only from the
// environment or a file.
func smtpLogin(c *cli.Context, d *delivery) error {
	user := c.String("smtp-user")
	file := c.String("smtp-password-file")
	if user == "" {
		if file != "" {
			return usageErr(errors.New(errPasswordFileNoUser))
		}
		return nil // a relay without login; $TLSWEEP_SMTP_PASSWORD has no use
	}
	if d.cfg.Security == mail.Plaintext {
		return usageErr(errors.New(errPasswordPlaintext))
	}
	password := os.Getenv(passwordEnv)
	if file != "" {
		b, err := readInput(c.Context, file, maxPasswordFile)
		if err != nil {
			return usageErr(fmt.Errorf(errReadPasswordFile, err))
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimSuffix(password, "\r")
	}
	if password == "" {
		return usageErr(fmt.Errorf(errNoPassword, user, passwordEnv))
	}
	d.cfg.Username, d.cfg.Password = user, password
	return nil
}

// wants reports whether --mail-on asks to mail rep.
func (d *delivery) wants(rep *report.Report) bool {
	switch d.on {
	case "always":
		return true
	case "changes":
		return rep.Changes != nil && !rep.Changes.None()
	}
	for i := range rep.Endpoints {
		if len(rep.Endpoints[i].Findings) > 0 {
			return true
		}
	}
	return rep.Worst() > report.SeverityNone
}

// deliver mails rep when --mail-to and --mail-on say so. It runs after the
// report was written (to output, or stdout when that is ""), so a failure
// here never loses it.
func (e *env) deliver(ctx context.Context, d *delivery, rep *report.Report, output string) error {
	if d == nil || !d.wants(rep) {
		return nil
	}
	if d.cfg.Security == mail.Plaintext {
		fmt.Fprintf(e.stderr, msgPlaintextMail, d.cfg.Addr)
	}
	msg, err := composeMail(d, rep)
	if err != nil {
		return failedErr(fmt.Errorf(errComposeMail, err))
	}
	if ctx.Err() != nil {
		// The sweep was interrupted; still mail what it found.
		ctx = context.WithoutCancel(ctx)
	}
	if err := mail.Send(ctx, d.cfg, msg); err != nil {
		kept := msgKeptStdout
		if output != "" {
			kept = fmt.Sprintf(msgKeptFile, output)
		}
		return failedErr(fmt.Errorf(errMailFailed, err, kept))
	}
	return nil
}

// composeMail builds the message: the Markdown report as text, the HTML
// report, and the JSON document attached.
func composeMail(d *delivery, rep *report.Report) (*mail.Message, error) {
	var text, html, js bytes.Buffer
	if err := render.WriteMarkdown(&text, rep); err != nil {
		return nil, err
	}
	if err := render.WriteHTML(&html, rep); err != nil {
		return nil, err
	}
	if err := report.WriteJSON(&js, rep); err != nil {
		return nil, err
	}
	return &mail.Message{
		From:    d.from,
		To:      d.to,
		Subject: render.MailSubject(rep),
		Text:    text.String(),
		HTML:    html.String(),
		Attachments: []mail.Attachment{{
			Name:        "tlsweep-" + rep.StartedAt.UTC().Format("20060102T150405Z") + ".json",
			ContentType: "application/json",
			Data:        js.Bytes(),
		}},
	}, nil
}
