package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "start a demo backup estate on 127.42.x.x loopback addresses, scan it, print the report",
		Flags: scanFlags(),
		Action: func(c *cli.Context) error {
			o, err := parseScanOptions(c)
			if err != nil {
				return err
			}
			if !c.IsSet("timeout") {
				// Loopback answers in microseconds; only the silent port waits.
				o.timeout, o.endpointTimeout = time.Second, 4*time.Second
			}
			e, err := lab.Start(time.Now())
			if err != nil {
				return failedErr(err)
			}
			defer e.Close()
			// The demo's internal CA is trusted, as an enterprise passes its own with --ca-file.
			o.roots.AddCert(e.CA.X509)
			tokens := []string{e.Code42, e.Sesam}
			set, err := scanner.Expand(c.Context, scanner.TargetConfig{Targets: tokens, Ports: o.ports})
			if err != nil {
				return usageErr(err)
			}
			return runScan(c, o, set, tokens)
		},
	}
}

func labCommand() *cli.Command {
	return &cli.Command{
		Name:  "lab",
		Usage: "keep the demo estate listening on loopback until Ctrl-C, to scan by hand",
		Action: func(c *cli.Context) error {
			e, err := lab.Start(time.Now())
			if err != nil {
				return failedErr(err)
			}
			defer e.Close()
			caFile := filepath.Join(os.TempDir(), "tlsweep-lab-ca.pem")
			if err := os.WriteFile(caFile, e.CA.CertPEM(), 0o644); err != nil {
				return failedErr(fmt.Errorf("write the lab CA: %w", err))
			}
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "HOST\tPORT\tLISTENER")
			for _, l := range e.Listeners() {
				fmt.Fprintf(w, "%s\t%s\t%s\n", l.Host, l.Port, l.What)
			}
			_ = w.Flush()
			fmt.Fprintf(c.App.Writer, "\nThe lab CA is in %s. Try:\n  tlsweep scan --ca-file %s %s %s\nCtrl-C stops the lab.\n",
				caFile, caFile, e.Code42, e.Sesam)
			<-c.Context.Done()
			return nil
		},
	}
}

func portsCommand() *cli.Command {
	return &cli.Command{
		Name:  "ports",
		Usage: "list the port profiles -p accepts, with each port's service and expected transport",
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			for _, p := range scanner.Profiles {
				fmt.Fprintf(w, "%s\t%s\n", p.Name, p.Doc)
				for _, pi := range p.Ports {
					expect := "TLS"
					if pi.Expect == "closed" {
						expect = "should be closed"
					}
					fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", strconv.Itoa(pi.Port), pi.Service, expect, pi.Note)
				}
			}
			return w.Flush()
		},
	}
}

func rulesCommand() *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list the finding ids tlsweep raises, with severity and what raises them",
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSEVERITY\tRAISED WHEN")
			for _, r := range report.Rules {
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Severity, r.When)
			}
			return w.Flush()
		},
	}
}
