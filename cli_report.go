package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/mail"
)

// passwordEnv holds the SMTP password; the only other source is
// --smtp-password-file. No flag takes the password itself.
const passwordEnv = "TLSWEEP_SMTP_PASSWORD"

// reportFlags are the scan command's flags for scheduled scans: a config
// file, a baseline to compare with, and mailing the report.
func reportFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "read flag values from a YAML (.yaml, .yml) or TOML (.toml) `FILE`; keys are the long flag names, and flags on the command line win"},
		&cli.StringFlag{Name: "baseline", Usage: "compare with an earlier scan (a JSON `FILE` from -f json): mark findings new or unchanged, list resolved findings, endpoints that appeared or disappeared and replaced certificates"},
		&cli.StringSliceFlag{Name: "mail-to", Usage: "mail the report to `ADDR` (repeatable); needs --mail-from and --smtp"},
		&cli.StringFlag{Name: "mail-from", Usage: "sender `ADDR` of the mail"},
		&cli.StringFlag{Name: "mail-on", Usage: "`WHEN` to mail: always, findings (the scan raised any finding) or changes (something changed since --baseline); default changes with --baseline, else findings"},
		&cli.StringFlag{Name: "smtp", Usage: "SMTP relay `HOST:PORT`; port 465 speaks implicit TLS, any other port must offer STARTTLS"},
		&cli.StringFlag{Name: "smtp-user", Usage: "log in to the relay as `USER` (AUTH PLAIN, only over TLS); the password comes from $" + passwordEnv + " or --smtp-password-file"},
		&cli.StringFlag{Name: "smtp-password-file", Usage: "read the SMTP password from the first line of `FILE`"},
		&cli.StringFlag{Name: "smtp-tls", Usage: "`MODE` of TLS with the relay: starttls (the default) or implicit (the default on port 465)"},
		&cli.StringFlag{Name: "smtp-ca-file", Usage: "PEM `FILE` of a CA to trust for the relay's certificate (an internal CA), added to the system roots"},
		&cli.BoolFlag{Name: "smtp-insecure-plaintext", Usage: "talk to a lab relay without TLS (never with --smtp-user); prints a warning"},
	}
}

// loadConfig is the scan command's Before: it applies --config, then checks
// the baseline and mail flags, so a mistake stops the run before the sweep.
func loadConfig(c *cli.Context) error {
	if name := c.String("config"); name != "" {
		if err := applyConfigFile(c, name); err != nil {
			return usageErr(err)
		}
	}
	if name := c.String("baseline"); name != "" {
		if _, err := readReportFile(name); err != nil {
			return usageErr(fmt.Errorf("--baseline: %w", err))
		}
	}
	_, err := parseDelivery(c)
	return err
}

// readReportFile reads a JSON report written by tlsweep.
func readReportFile(name string) (*report.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; give a report written by tlsweep scan -f json", name, err)
	}
	return rep, nil
}

// applyBaseline compares rep with --baseline, if given, and records the
// changes in rep.
func applyBaseline(c *cli.Context, rep *report.Report) error {
	name := c.String("baseline")
	if name == "" {
		return nil
	}
	old, err := readReportFile(name)
	if err != nil {
		return failedErr(fmt.Errorf("--baseline: %w", err))
	}
	rep.Changes = report.Compare(old, rep)
	rep.Changes.Baseline = filepath.Base(name)
	return nil
}

// delivery is the mail flags, checked.
type delivery struct {
	cfg  mail.Config
	from string
	to   []string
	on   string // always, findings or changes
}

// parseDelivery checks the mail flags; it returns nil without --mail-to.
func parseDelivery(c *cli.Context) (*delivery, error) {
	on := c.String("mail-on")
	baseline := c.String("baseline") != ""
	switch on {
	case "":
		on = "findings"
		if baseline {
			on = "changes"
		}
	case "always", "findings":
	case "changes":
		if !baseline {
			return nil, usageErr(errors.New("--mail-on changes needs --baseline FILE to compare with"))
		}
	default:
		return nil, usageErr(fmt.Errorf("unknown --mail-on %q: use always, findings or changes", on))
	}
	to := c.StringSlice("mail-to")
	if len(to) == 0 {
		return nil, nil
	}
	for _, a := range to {
		if _, err := netmail.ParseAddress(a); err != nil {
			return nil, usageErr(fmt.Errorf("--mail-to %q: %w", a, err))
		}
	}
	d := &delivery{from: c.String("mail-from"), to: to, on: on}
	if d.from == "" {
		return nil, usageErr(errors.New("--mail-to needs --mail-from ADDR, the sender"))
	}
	if _, err := netmail.ParseAddress(d.from); err != nil {
		return nil, usageErr(fmt.Errorf("--mail-from %q: %w", d.from, err))
	}
	d.cfg.Addr = c.String("smtp")
	if d.cfg.Addr == "" {
		return nil, usageErr(errors.New("--mail-to needs --smtp HOST:PORT, the relay to send through"))
	}
	if host, port, err := net.SplitHostPort(d.cfg.Addr); err != nil || host == "" || !validPort(port) {
		return nil, usageErr(fmt.Errorf("--smtp %q: use HOST:PORT, e.g. smtp.example.com:587", d.cfg.Addr))
	}
	switch mode := c.String("smtp-tls"); mode {
	case "":
	case "starttls":
		d.cfg.Security = mail.StartTLS
	case "implicit":
		d.cfg.Security = mail.ImplicitTLS
	default:
		return nil, usageErr(fmt.Errorf("unknown --smtp-tls %q: use starttls or implicit", mode))
	}
	if c.Bool("smtp-insecure-plaintext") {
		if d.cfg.Security != mail.Auto {
			return nil, usageErr(errors.New("--smtp-tls and --smtp-insecure-plaintext contradict each other: keep one"))
		}
		d.cfg.Security = mail.Plaintext
	}
	if err := smtpLogin(c, d); err != nil {
		return nil, err
	}
	if f := c.String("smtp-ca-file"); f != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, usageErr(fmt.Errorf("read --smtp-ca-file: %w", err))
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageErr(fmt.Errorf("--smtp-ca-file %s holds no PEM certificate", f))
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
			return usageErr(errors.New("--smtp-password-file needs --smtp-user"))
		}
		return nil // a relay without login; $TLSWEEP_SMTP_PASSWORD has no use
	}
	if d.cfg.Security == mail.Plaintext {
		return usageErr(errors.New("refusing to send the SMTP password without TLS: drop --smtp-user or --smtp-insecure-plaintext"))
	}
	password := os.Getenv(passwordEnv)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return usageErr(fmt.Errorf("read --smtp-password-file: %w", err))
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimSuffix(password, "\r")
	}
	if password == "" {
		return usageErr(fmt.Errorf("--smtp-user %s needs a password: set $%s or give --smtp-password-file FILE", user, passwordEnv))
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
// report was written, so a failure here never loses it.
func deliver(c *cli.Context, rep *report.Report) error {
	d, err := parseDelivery(c)
	if err != nil || d == nil || !d.wants(rep) {
		return err
	}
	if d.cfg.Security == mail.Plaintext {
		fmt.Fprintf(c.App.ErrWriter, "tlsweep: WARNING: --smtp-insecure-plaintext: the report goes to %s WITHOUT TLS; anyone on the path can read or change it. Use this only with a lab relay.\n", d.cfg.Addr)
	}
	msg, err := composeMail(d, rep)
	if err != nil {
		return failedErr(fmt.Errorf("compose the mail: %w", err))
	}
	ctx := c.Context
	if ctx.Err() != nil {
		// The sweep was interrupted; still mail what it found.
		ctx = context.WithoutCancel(ctx)
	}
	if err := mail.Send(ctx, d.cfg, msg); err != nil {
		kept := "it was written to standard output"
		if o := c.String("output"); o != "" {
			kept = "the report is kept in " + o
		}
		return failedErr(fmt.Errorf("mail the report: %w (%s)", err, kept))
	}
	return nil
}

// composeMail builds the message: the Markdown report as text, the HTML
// report, and the JSON document attached.
func composeMail(d *delivery, rep *report.Report) (*mail.Message, error) {
	var text, html, js bytes.Buffer
	if err := report.WriteMarkdown(&text, rep); err != nil {
		return nil, err
	}
	if err := report.WriteHTML(&html, rep); err != nil {
		return nil, err
	}
	if err := report.WriteJSON(&js, rep); err != nil {
		return nil, err
	}
	return &mail.Message{
		From:    d.from,
		To:      d.to,
		Subject: report.MailSubject(rep),
		Text:    text.String(),
		HTML:    html.String(),
		Attachments: []mail.Attachment{{
			Name:        "tlsweep-" + rep.StartedAt.UTC().Format("20060102T150405Z") + ".json",
			ContentType: "application/json",
			Data:        js.Bytes(),
		}},
	}, nil
}

// renderFlags are the flags of diff and report.
func renderFlags(defaultFormat string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: defaultFormat, Usage: "output `FORMAT`: " + strings.Join(formatNames, ", ")},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (atomically) instead of stdout"},
		&cli.BoolFlag{Name: "no-color", Usage: "no colour in the table (NO_COLOR in the environment does the same)"},
	}
}

// renderOptions are the scanOptions a renderer reads, from -f, -o and --no-color.
func renderOptions(c *cli.Context) (*scanOptions, error) {
	o := &scanOptions{format: c.String("format")}
	if err := checkFormat(o.format); err != nil {
		return nil, usageErr(err)
	}
	_, noColorEnv := os.LookupEnv("NO_COLOR")
	toTerminal := c.String("output") == "" && isTerminal(c.App.Writer)
	o.color = !c.Bool("no-color") && !noColorEnv && toTerminal
	if toTerminal {
		o.width = terminalWidth(c.App.Writer)
	}
	return o, nil
}

// render writes rep in o.format where -o says; jsonl writes one line per
// endpoint. With changesTable, the table format lists rep.Changes instead
// of the endpoints.
func render(c *cli.Context, o *scanOptions, rep *report.Report, changesTable bool) error {
	out, err := openOutput(c)
	if err != nil {
		return failedErr(err)
	}
	defer out.abort()
	switch {
	case o.format == "jsonl":
		jw := report.NewJSONLWriter(out)
		for i := range rep.Endpoints {
			if err = jw.Write(&rep.Endpoints[i]); err != nil {
				break
			}
		}
	case o.format == "table" && changesTable:
		err = report.WriteChanges(out, rep)
	default:
		err = formats[o.format](out, rep, o)
	}
	if err == nil {
		err = out.commit()
	}
	if err != nil {
		return failedErr(fmt.Errorf("write the report: %w", err))
	}
	return nil
}

func diffCommand() *cli.Command {
	flags := append(renderFlags("table"),
		&cli.StringFlag{Name: "fail-on", Value: "none", Usage: "exit 1 when a NEW finding is at or above `SEVERITY`: none, info, low, medium, high, critical"})
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare two saved scans: new and resolved findings, endpoints that appeared or disappeared, replaced certificates",
		ArgsUsage: "OLD.json NEW.json",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			args, err := positionalArgs(c)
			if err != nil {
				return err
			}
			if len(args) != 2 {
				return usageErr(errors.New("diff needs two reports: tlsweep diff OLD.json NEW.json"))
			}
			o, err := renderOptions(c)
			if err != nil {
				return err
			}
			failOn, err := report.ParseSeverity(c.String("fail-on"))
			if err != nil {
				return usageErr(fmt.Errorf("--fail-on: %w", err))
			}
			old, err := readReportFile(args[0])
			if err != nil {
				return usageErr(err)
			}
			cur, err := readReportFile(args[1])
			if err != nil {
				return usageErr(err)
			}
			cur.Changes = report.Compare(old, cur)
			cur.Changes.Baseline = filepath.Base(args[0])
			if err := render(c, o, cur, true); err != nil {
				return err
			}
			if failOn == report.SeverityNone {
				return nil
			}
			for _, s := range report.Severities {
				if s >= failOn && cur.Changes.NewCount.Of(s) > 0 {
					return &exitError{exitFindings, fmt.Errorf("new findings at or above %s", failOn)}
				}
			}
			return nil
		},
	}
}

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "render a saved scan (JSON, - for stdin) in another format",
		ArgsUsage: "SCAN.json",
		Flags:     renderFlags("table"),
		Action: func(c *cli.Context) error {
			args, err := positionalArgs(c)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return usageErr(errors.New("report needs one saved scan: tlsweep report SCAN.json -f html -o report.html"))
			}
			o, err := renderOptions(c)
			if err != nil {
				return err
			}
			name := args[0]
			var rep *report.Report
			if name == "-" {
				rep, err = report.ReadJSON(c.App.Reader)
				if err != nil {
					err = fmt.Errorf("stdin: %w", err)
				}
			} else {
				rep, err = readReportFile(name)
			}
			if err != nil {
				return usageErr(err)
			}
			return render(c, o, rep, false)
		},
	}
}
