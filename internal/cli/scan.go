package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/probes"
	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
)

func (e *env) scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "sweep targets and report TLS and plaintext listeners",
		ArgsUsage: "TARGET...  (address, CIDR, range, hostname, host:port)",
		Flags:     scanCommandFlags(),
		Before:    applyConfigFile,
		Action: func(c *cli.Context) error {
			s, err := parseScan(c, e, c.Args().Slice())
			if err != nil {
				return err
			}
			set, err := scanner.Expand(c.Context, scanner.TargetConfig{
				Targets: s.targets, Exclude: s.exclude, Ports: s.ports, MaxHosts: s.maxHosts,
			})
			if err != nil {
				return usageErr(err)
			}
			if set.Hosts() == 0 && len(s.exclude) > 0 {
				return usageErr(fmt.Errorf(errExcludedAll, strings.Join(s.exclude, ",")))
			}
			return e.runScan(c.Context, s, set)
		},
	}
}

// scannerConfig is the sweep's configuration from the command line.
func (o *probeConfig) scannerConfig() (scanner.Config, error) {
	pipeline, err := probes.Default(probes.Config{
		Timeout: o.timeout, Patience: o.endpointTimeout, ExtraRoots: o.caCerts, UserAgent: "tlsweep/" + Version,
		DiscoveryOnly: o.discoveryOnly, FullCiphers: o.ciphers,
		NoVulns: o.noVulns, AllVulns: o.allVulns,
	})
	if err != nil {
		return scanner.Config{}, err
	}
	return scanner.Config{
		ConnectTimeout:   o.timeout,
		EndpointTimeout:  o.endpointTimeout,
		Probes:           pipeline,
		Rules:            o.rules,
		SNI:              o.sni,
		ShowClosed:       o.showClosed,
		Concurrency:      o.sweep.concurrency,
		ProbeConcurrency: o.sweep.probeConcurrency,
		HostConcurrency:  o.sweep.hostConcurrency,
		Rate:             o.sweep.rate,
		FixedTimeout:     o.sweep.fixedTimeout,
		SYN:              o.sweep.syn,
		Shard:            o.sweep.shard,
		Progress:         new(scanner.Progress),
	}, nil
}

// runScan sweeps set and writes the report where -o/-f say, then compares
// it with the baseline, mails it and decides the exit code.
func (e *env) runScan(ctx context.Context, s *scanConfig, set *scanner.TargetSet) error {
	cfg, err := s.scannerConfig()
	if err != nil {
		return failedErr(err)
	}
	out, err := e.openOutput(ctx, s.render.output)
	if err != nil {
		return failedErr(err)
	}
	defer out.abort()
	what := renderAll
	if s.render.format == "jsonl" {
		what = renderStreamed
		jw := report.NewJSONLWriter(out)
		cfg.OnEndpoint = jw.Write
		// Nothing after the sweep needs the endpoints unless a baseline or
		// mail does.
		cfg.StreamOnly = s.baseline == nil && s.mail == nil
	}
	stopProgress := func() {}
	if s.sweep.progress {
		stopProgress = showProgress(ctx, e.stderr, cfg.Progress)
	}
	scanner.RaiseFileLimit(cfg) // so that a large --concurrency is not cut down
	rep, err := scanner.Sweep(ctx, cfg, set)
	stopProgress()
	if err != nil {
		return failedErr(err)
	}
	rep.Tool = report.Tool{Name: "tlsweep", Version: Version}
	rep.Targets = s.targets
	rep.Shard = s.sweep.shard.String()
	rep.Ports = s.ports
	if s.baseline != nil {
		rep.Changes = report.Compare(s.baseline.rep, rep)
		rep.Changes.Baseline = filepath.Base(s.baseline.name)
	}
	if err := writeReport(out, s.render, rep, what); err != nil {
		return err
	}
	if !rep.Complete {
		fmt.Fprintln(e.stderr, msgScanInterrupted)
	}
	if err := e.deliver(ctx, s.mail, rep, s.render.output); err != nil {
		return err
	}
	return failOn(s.failOn, rep.Worst(), errFindingsAtOrAbove)
}

// failOn is the --fail-on verdict: exit 1 when worst is at or above it.
func failOn(threshold, worst report.Severity, msg string) error {
	if threshold != report.SeverityNone && worst >= threshold {
		return &exitError{ExitFindings, fmt.Errorf(msg, threshold)}
	}
	return nil
}
