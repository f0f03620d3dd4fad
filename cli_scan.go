package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
)

// scanFlags are shared by scan and demo.
func scanFlags() []cli.Flag {
	return append(sweepFlags(),
		&cli.StringFlag{Name: "ports", Aliases: []string{"p"}, Value: "backup", Usage: "port profiles, ports and ranges: `backup`, code42, sesam, 8443, 9000-9010"},
		&cli.StringFlag{Name: "timeout", Value: "3s", Usage: "per connect and per handshake: `DURATION` such as 3s, 500ms or 2"},
		&cli.StringFlag{Name: "endpoint-timeout", Usage: "cap on all work for one host:port (default 4x --timeout)"},
		&cli.StringFlag{Name: "sni", Usage: "server `NAME` to send to every target and check certificates against"},
		&cli.StringFlag{Name: "ca-file", Usage: "PEM `FILE` of extra trusted CAs (an internal CA), added to the system roots"},
		&cli.IntFlag{Name: "expiry-warn", Value: 30, Usage: "raise expiring-certificate under this many `DAYS`"},
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "output `FORMAT`: table, json, jsonl, csv, markdown, html"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` (atomically) instead of stdout"},
		&cli.BoolFlag{Name: "no-color", Usage: "no colour in the table (NO_COLOR in the environment does the same)"},
		&cli.StringFlag{Name: "fail-on", Value: "none", Usage: "exit 1 when a finding is at or above `SEVERITY`: none, info, low, medium, high, critical"},
		&cli.BoolFlag{Name: "show-closed", Usage: "list closed and filtered ports too (always counted in the summary)"},
		&cli.BoolFlag{Name: "ciphers", Usage: "enumerate every accepted cipher suite per version (more connections)"},
		&cli.BoolFlag{Name: "discovery-only", Usage: "one handshake per TLS endpoint: skip the accepted-version, weak-cipher, HTTP and FTP checks"},
		&cli.StringFlag{Name: "policy", Value: "default", Usage: "hold endpoints to the policy `NAME`: default, mozilla-intermediate or mozilla-modern (tlsweep policies lists their rules)"},
	)
}

func scanCommand() *cli.Command {
	flags := append(scanFlags(),
		&cli.StringFlag{Name: "list", Aliases: []string{"l"}, Usage: "read targets from `FILE` (- for stdin); # comments allowed"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "addresses, ranges or CIDRs to skip (repeatable, comma-separated)"},
		&cli.IntFlag{Name: "max-hosts", Value: 65536, Usage: "refuse target sets larger than this many hosts"},
	)
	flags = append(flags, reportFlags()...)
	return &cli.Command{
		Name:      "scan",
		Usage:     "sweep targets and report TLS and plaintext listeners",
		ArgsUsage: "TARGET...  (address, CIDR, range, hostname, host:port)",
		Flags:     flags,
		Before:    loadConfig,
		Action: func(c *cli.Context) error {
			tokens := c.Args().Slice()
			if f := c.String("list"); f != "" {
				more, err := readList(c, f)
				if err != nil {
					return err
				}
				tokens = append(tokens, more...)
			}
			if len(tokens) == 0 {
				return usageErr(errors.New("no targets: give addresses, CIDRs, ranges or names, or --list FILE"))
			}
			opts, err := parseScanOptions(c)
			if err != nil {
				return err
			}
			if c.Int("max-hosts") < 1 {
				return usageErr(errors.New("--max-hosts must be at least 1"))
			}
			var excludes []string
			for _, e := range c.StringSlice("exclude") {
				excludes = append(excludes, splitList(e)...)
			}
			set, err := scanner.Expand(c.Context, scanner.TargetConfig{
				Targets: tokens, Exclude: excludes, Ports: opts.ports, MaxHosts: c.Int("max-hosts"),
			})
			if err != nil {
				return usageErr(err)
			}
			return runScan(c, opts, set, tokens)
		},
	}
}

func readList(c *cli.Context, name string) ([]string, error) {
	var r io.Reader = c.App.Reader
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageErr(fmt.Errorf("read target list: %w", err))
		}
		defer f.Close()
		r = f
	}
	toks, err := scanner.ReadTargetList(r, name)
	if err != nil {
		return nil, usageErr(err)
	}
	return toks, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// scanOptions is the command line turned into values, before any network use.
type scanOptions struct {
	ports           []int
	timeout         time.Duration
	endpointTimeout time.Duration
	roots           *x509.CertPool
	format          string
	failOn          report.Severity
	policy          report.Policy
	color           bool
	width           int // table width limit; 0 = none (not a terminal)
	sweep           sweepOptions
}

func parseScanOptions(c *cli.Context) (*scanOptions, error) {
	o, err := renderOptions(c)
	if err != nil {
		return nil, err
	}
	if o.ports, err = scanner.ParsePorts(c.String("ports")); err != nil {
		return nil, usageErr(err)
	}
	if o.timeout, err = parseDuration("--timeout", c.String("timeout")); err != nil {
		return nil, usageErr(err)
	}
	o.endpointTimeout = 4 * o.timeout
	if c.Bool("ciphers") {
		// Full enumeration makes a connection per accepted suite.
		o.endpointTimeout = 30 * o.timeout
	}
	if c.Bool("ciphers") && c.Bool("discovery-only") {
		return nil, usageErr(errors.New("--ciphers and --discovery-only contradict each other: choose one"))
	}
	if s := c.String("endpoint-timeout"); s != "" {
		if o.endpointTimeout, err = parseDuration("--endpoint-timeout", s); err != nil {
			return nil, usageErr(err)
		}
		if o.endpointTimeout < o.timeout {
			return nil, usageErr(fmt.Errorf("--endpoint-timeout %s is shorter than --timeout %s: every wait would be cut short", o.endpointTimeout, o.timeout))
		}
	}
	if o.failOn, err = report.ParseSeverity(c.String("fail-on")); err != nil {
		return nil, usageErr(fmt.Errorf("--fail-on: %w", err))
	}
	var ok bool
	if o.policy, ok = report.PolicyByName(c.String("policy")); !ok {
		return nil, usageErr(fmt.Errorf("unknown --policy %q: use one of %s", c.String("policy"), strings.Join(report.PolicyNames(), ", ")))
	}
	if o.sweep, err = parseSweepOptions(c); err != nil {
		return nil, usageErr(err)
	}
	if c.Int("expiry-warn") < 0 {
		return nil, usageErr(errors.New("--expiry-warn must be 0 or more days"))
	}
	if c.Int("expiry-warn") > 36500 {
		return nil, usageErr(errors.New("--expiry-warn must be at most 36500 days"))
	}
	if o.roots, err = loadRoots(c.String("ca-file")); err != nil {
		return nil, usageErr(err)
	}
	return o, nil
}

// maxTimeout caps --timeout and --endpoint-timeout: longer is a mistake,
// and a multiple of a huge value would overflow.
const maxTimeout = 24 * time.Hour

// parseDuration accepts Go durations (3s, 500ms) and plain seconds (2, 0.5).
func parseDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fmt.Errorf("%s %q is not a duration: use e.g. 3s, 500ms or 2", flag, s)
		}
		if f > maxTimeout.Seconds() {
			return 0, fmt.Errorf("%s must be at most %s", flag, maxTimeout)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s must be positive", flag)
	}
	if d > maxTimeout {
		return 0, fmt.Errorf("%s must be at most %s", flag, maxTimeout)
	}
	return d, nil
}

func loadRoots(caFile string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read --ca-file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 40 {
			return width
		}
	}
	return 0
}

// runScan sweeps set and writes the report where -o/-f say.
func runScan(c *cli.Context, o *scanOptions, set *scanner.TargetSet, tokens []string) error {
	tlsProbe, err := probes.NewTLS(probes.TLSConfig{Timeout: o.timeout, Patience: o.endpointTimeout, Roots: o.roots})
	if err != nil {
		return failedErr(err)
	}
	cfg := scanner.Config{
		ConnectTimeout:  o.timeout,
		EndpointTimeout: o.endpointTimeout,
		Probes:          buildProbes(c, o, tlsProbe),
		Rules:           report.RuleConfig{ExpiryWarn: time.Duration(c.Int("expiry-warn")) * 24 * time.Hour, Policy: o.policy},
		SNI:             c.String("sni"),
		ShowClosed:      c.Bool("show-closed"),
	}
	o.sweep.apply(&cfg)

	out, err := openOutput(c)
	if err != nil {
		return failedErr(err)
	}
	defer out.abort()
	if o.format == "jsonl" {
		jw := report.NewJSONLWriter(out)
		cfg.OnEndpoint = jw.Write
		// Nothing after the sweep needs the endpoints unless a baseline or
		// mail does.
		cfg.StreamOnly = c.String("baseline") == "" && len(c.StringSlice("mail-to")) == 0
	}
	stopProgress := func() {}
	if o.sweep.progress {
		stopProgress = showProgress(c.Context, c, cfg.Progress)
	}
	rep, err := scanner.Sweep(c.Context, cfg, set)
	stopProgress()
	if err != nil {
		return failedErr(err)
	}
	rep.Tool = report.Tool{Name: "tlsweep", Version: version}
	rep.Targets = tokens
	rep.Shard = o.sweep.shard.String()
	rep.Ports = o.ports
	if err := applyBaseline(c, rep); err != nil {
		return err
	}
	err = formats[o.format](out, rep, o)
	if err == nil {
		err = out.commit()
	}
	if err != nil {
		return failedErr(fmt.Errorf("write the report: %w", err))
	}
	if !rep.Complete {
		fmt.Fprintln(c.App.ErrWriter, "tlsweep: scan interrupted; the report holds what finished before the stop")
	}
	if err := deliver(c, rep); err != nil {
		return err
	}
	if o.failOn != report.SeverityNone && rep.Worst() >= o.failOn {
		return &exitError{exitFindings, fmt.Errorf("findings at or above %s", o.failOn)}
	}
	return nil
}

// buildProbes lists the probes every open endpoint goes through, in order:
// the TLS handshake (which also tells plaintext from TLS), then, unless
// --discovery-only, accepted versions and weak suites, plaintext
// identification, HTTP(S) and FTP AUTH TLS.
func buildProbes(c *cli.Context, o *scanOptions, tlsProbe *probes.TLS) []probes.Probe {
	plain := probes.NewPlaintext(probes.PlaintextConfig{Timeout: o.timeout, UserAgent: "tlsweep/" + version})
	if c.Bool("discovery-only") {
		return []probes.Probe{tlsProbe, plain}
	}
	return []probes.Probe{
		tlsProbe,
		probes.NewVersions(probes.VersionsConfig{Timeout: o.timeout, Full: c.Bool("ciphers")}),
		plain,
		probes.NewHTTP(probes.HTTPConfig{Timeout: o.timeout, UserAgent: "tlsweep/" + version, NotHTTP: scanner.NotHTTP}),
		probes.NewFTP(probes.FTPConfig{Timeout: o.timeout}, tlsProbe),
	}
}

// output is stdout, or a temporary file renamed over -o only once complete,
// so a killed run never leaves a truncated report in place of the last one.
type output struct {
	io.Writer
	tmp  *os.File
	dest string
}

func openOutput(c *cli.Context) (*output, error) {
	dest := c.String("output")
	if dest == "" {
		return &output{Writer: c.App.Writer}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("create the output file: %w", err)
	}
	return &output{Writer: tmp, tmp: tmp, dest: dest}, nil
}

func (o *output) commit() error {
	if o.tmp == nil {
		return nil
	}
	if err := o.tmp.Sync(); err != nil {
		return err
	}
	if err := o.tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(o.tmp.Name(), o.dest); err != nil {
		return err
	}
	o.tmp = nil
	return nil
}

func (o *output) abort() {
	if o.tmp != nil {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
	}
}
