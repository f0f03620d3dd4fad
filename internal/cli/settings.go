package cli

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/render"
	"github.com/tlsweep/tlsweep/scanner"
)

// The command line, parsed once into values; nothing after this file reads
// a flag.

// renderConfig is -f, -o, --no-color and --wide.
type renderConfig struct {
	format string
	output string // a file; "" (or -o -) is stdout
	table  render.Options
}

func parseRender(c *cli.Context, stdout io.Writer) (renderConfig, error) {
	r := renderConfig{format: c.String(flagFormat), output: c.String(flagOutput)}
	if r.output == "-" {
		r.output = ""
	}
	if err := checkFormat(r.format); err != nil {
		return r, usageErr(err)
	}
	if err := checkOutput(r.output); err != nil {
		return r, usageErr(err)
	}
	_, noColorEnv := os.LookupEnv("NO_COLOR")
	toTerminal := r.output == "" && isTerminal(stdout)
	r.table.Color = !c.Bool(flagNoColor) && !noColorEnv && toTerminal
	r.table.Wide = c.Bool(flagWide)
	if toTerminal {
		r.table.Width = terminalWidth(stdout)
	}
	return r, nil
}

// sweepConfig is the pool part of the command line.
type sweepConfig struct {
	concurrency, probeConcurrency, hostConcurrency int
	rate                                           float64
	shard                                          scanner.Shard
	progress, fixedTimeout                         bool
	syn                                            bool // SYN discovery
}

func parseSweep(c *cli.Context, stderr io.Writer) (sweepConfig, error) {
	o := sweepConfig{
		concurrency:      c.Int("concurrency"),
		probeConcurrency: c.Int("probe-concurrency"),
		hostConcurrency:  c.Int("host-concurrency"),
		rate:             c.Float64("rate"),
		progress:         !c.Bool("no-progress") && isTerminal(stderr),
		fixedTimeout:     c.Bool("fixed-timeout"),
		syn:              c.Bool("syn"),
	}
	if o.syn && !c.IsSet("rate") {
		o.rate = scanner.DefaultSYNRate
	}
	switch {
	case o.concurrency < 1:
		return o, errors.New(errConcurrency)
	case o.probeConcurrency < 1:
		return o, errors.New(errProbeConcurrency)
	case o.hostConcurrency < 1:
		return o, errors.New(errHostConcurrency)
	case !(o.rate >= 0) || math.IsInf(o.rate, 1):
		return o, errors.New(errRate)
	}
	if s := c.String("shard"); s != "" {
		sh, err := parseShard(s)
		if err != nil {
			return o, err
		}
		o.shard = sh
	}
	if o.syn {
		return o, checkSYN()
	}
	return o, nil
}

// checkSYN says in one line why --syn cannot run here, if it cannot: it
// never falls back to connects.
func checkSYN() error {
	err := scanner.CheckSYN()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, scanner.ErrSYNPrivilege):
		return errors.New(errSYNPrivilege)
	case errors.Is(err, scanner.ErrSYNUnsupported):
		return errors.New(errSYNUnsupported)
	}
	return fmt.Errorf(errSYN, err)
}

// probeConfig is what is sent to every target and how it is judged: the
// flags scan and demo share.
type probeConfig struct {
	render          renderConfig
	sweep           sweepConfig
	ports           []int
	timeout         time.Duration
	endpointTimeout time.Duration
	caCerts         []*x509.Certificate // --ca-file, trusted besides the system roots
	sni             string
	rules           findings.RuleConfig
	failOn          report.Severity
	showClosed      bool
	ciphers         bool // enumerate every accepted suite
	discoveryOnly   bool
	noVulns         bool // skip the known-vulnerability checks
	allVulns        bool // and run those beyond the connection budget
}

// parseProbe parses the shared flags. fastTimeout, when the user gave no
// --timeout, replaces its default (the demo talks to loopback only).
func parseProbe(c *cli.Context, e *env, fastTimeout time.Duration) (*probeConfig, error) {
	o := &probeConfig{sni: c.String("sni"), showClosed: c.Bool("show-closed"),
		ciphers: c.Bool("ciphers"), discoveryOnly: c.Bool("discovery-only"),
		noVulns: c.Bool("no-vulns"), allVulns: c.Bool("all-vulns")}
	if err := checkSNI(o.sni); err != nil {
		return nil, usageErr(err)
	}
	var err error
	if o.render, err = parseRender(c, e.stdout); err != nil {
		return nil, err
	}
	if o.ports, err = scanner.ParsePorts(c.String("ports")); err != nil {
		return nil, usageErr(err)
	}
	if o.timeout, err = parseDuration("--timeout", c.String(flagTimeout)); err != nil {
		return nil, usageErr(err)
	}
	if fastTimeout > 0 && !c.IsSet(flagTimeout) {
		o.timeout = fastTimeout
	}
	o.endpointTimeout = 4 * o.timeout
	if o.ciphers {
		// Full enumeration makes a connection per accepted suite.
		o.endpointTimeout = 30 * o.timeout
	}
	if o.noVulns && o.allVulns {
		return nil, usageErr(errors.New(errVulnsFlags))
	}
	if o.ciphers && o.discoveryOnly {
		return nil, usageErr(errors.New(errCiphersDiscovery))
	}
	if s := c.String("endpoint-timeout"); s != "" {
		if o.endpointTimeout, err = parseDuration("--endpoint-timeout", s); err != nil {
			return nil, usageErr(err)
		}
		if o.endpointTimeout < o.timeout {
			return nil, usageErr(fmt.Errorf(errEndpointTimeout, o.endpointTimeout, o.timeout))
		}
	}
	if o.failOn, err = report.ParseSeverity(c.String(flagFailOn)); err != nil {
		return nil, usageErr(fmt.Errorf(errFailOn, err))
	}
	var ok bool
	if o.rules.Policy, ok = findings.PolicyByName(c.String("policy")); !ok {
		return nil, usageErr(fmt.Errorf(errPolicy, c.String("policy"), strings.Join(findings.PolicyNames(), ", ")))
	}
	if o.sweep, err = parseSweep(c, e.stderr); err != nil {
		return nil, usageErr(err)
	}
	switch days := c.Int("expiry-warn"); {
	case days < 0:
		return nil, usageErr(errors.New(errExpiryNegative))
	case days > 36500:
		return nil, usageErr(errors.New(errExpiryTooLarge))
	default:
		o.rules.ExpiryWarn = time.Duration(days) * 24 * time.Hour
	}
	if o.caCerts, err = loadCAs(c.Context, "--ca-file", c.String("ca-file")); err != nil {
		return nil, err
	}
	return o, nil
}

// scanConfig is the whole scan command line.
type scanConfig struct {
	*probeConfig
	targets  []string // as given, then the --list file's
	exclude  []string
	maxHosts int
	baseline *baseline // nil without --baseline
	mail     *delivery // nil without --mail-to
}

// baseline is the --baseline report, read once before the sweep.
type baseline struct {
	name string
	rep  *report.Report
}

// inputFlags name the files scan reads; -o must be none of them.
var inputFlags = []string{"list", "config", "baseline", "ca-file", "smtp-ca-file", "smtp-password-file"}

func parseScan(c *cli.Context, e *env, args []string) (*scanConfig, error) {
	s := &scanConfig{targets: args}
	if out := c.String(flagOutput); out != "" && out != "-" {
		for _, in := range inputFlags {
			if name := c.String(in); name != "" && name != "-" && sameFile(out, name) {
				return nil, usageErr(fmt.Errorf(errOutputIsInput, out, "--"+in))
			}
		}
	}
	if name := c.String("baseline"); name != "" {
		rep, err := readReportFile(c.Context, name)
		if err != nil {
			return nil, usageErr(fmt.Errorf(errBaseline, err))
		}
		s.baseline = &baseline{name: name, rep: rep}
	}
	var err error
	if s.mail, err = parseDelivery(c, s.baseline != nil); err != nil {
		return nil, err
	}
	if f := c.String("list"); f != "" {
		more, err := readList(c.Context, e.stdin, f)
		if err != nil {
			return nil, err
		}
		s.targets = append(s.targets, more...)
	}
	if len(s.targets) == 0 {
		return nil, usageErr(errors.New(errNoTargets))
	}
	if s.probeConfig, err = parseProbe(c, e, 0); err != nil {
		return nil, err
	}
	if s.baseline != nil && s.render.format == "jsonl" {
		return nil, usageErr(errors.New(errBaselineJSONL))
	}
	if s.maxHosts = c.Int("max-hosts"); s.maxHosts < 1 {
		return nil, usageErr(errors.New(errMaxHosts))
	}
	for _, x := range c.StringSlice("exclude") {
		s.exclude = append(s.exclude, splitList(x)...)
	}
	return s, nil
}

// readList reads the --list file (- is stdin), giving up when ctx ends
// first: a FIFO or a terminal may never end.
func readList(ctx context.Context, stdin io.Reader, name string) ([]string, error) {
	r := stdin
	if name != "-" {
		f, err := openInput(ctx, name)
		if err != nil {
			return nil, usageErr(fmt.Errorf(errReadList, err))
		}
		defer f.Close()
		r = f
	}
	type read struct {
		toks []string
		err  error
	}
	ch := make(chan read, 1)
	go func() {
		toks, err := scanner.ReadTargetList(r, name)
		ch <- read{toks, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return nil, usageErr(res.err)
		}
		return res.toks, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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

// maxTimeout caps --timeout and --endpoint-timeout: longer is a mistake,
// and a multiple of a huge value would overflow.
const maxTimeout = 24 * time.Hour

// parseDuration accepts Go durations (3s, 500ms) and plain seconds (2, 0.5).
func parseDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fmt.Errorf(errNotDuration, flag, s)
		}
		if f > maxTimeout.Seconds() {
			return 0, fmt.Errorf(errDurationTooLong, flag, maxTimeout)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf(errDurationNotPos, flag)
	}
	if d > maxTimeout {
		return 0, fmt.Errorf(errDurationTooLong, flag, maxTimeout)
	}
	return d, nil
}

// loadCAs reads the CAs in caFile, if named. The scan adds them to the
// system roots only when a chain needs verifying, so a scan that finds no
// TLS never loads the system roots (about 3 MB).
func loadCAs(ctx context.Context, flag, caFile string) ([]*x509.Certificate, error) {
	if caFile == "" {
		return nil, nil
	}
	data, err := readInput(ctx, caFile, maxCAFile)
	if err != nil {
		return nil, usageErr(fmt.Errorf(errReadFile, flag, err))
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		if block, data = pem.Decode(data); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, usageErr(fmt.Errorf(errNoPEM, flag, caFile))
	}
	return certs, nil
}

// loadRoots returns the system roots plus the CAs in caFile, if named.
func loadRoots(ctx context.Context, flag, caFile string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile == "" {
		return pool, nil
	}
	pem, err := readInput(ctx, caFile, maxCAFile)
	if err != nil {
		return nil, usageErr(fmt.Errorf(errReadFile, flag, err))
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, usageErr(fmt.Errorf(errNoPEM, flag, caFile))
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

// checkSNI validates --sni as a target is validated: a host name (RFC
// 1123) or an address, with no port or prefix, and no control bytes.
func checkSNI(sni string) error {
	if sni == "" {
		return nil
	}
	if _, err := netip.ParseAddr(sni); err == nil {
		return nil
	}
	_, err := scanner.ParseTarget(sni)
	var te *scanner.TargetError
	switch {
	case errors.As(err, &te):
		return fmt.Errorf(errSNI, sni, te.Reason)
	case err != nil:
		return fmt.Errorf(errSNI, sni, err)
	case strings.ContainsAny(sni, ":/"):
		return fmt.Errorf(errSNI, sni, "a server name has no port or prefix")
	}
	return nil
}
