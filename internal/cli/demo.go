package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/scanner"
	"github.com/tlsweep/tlsweep/scanner/lab"
)

// demoTimeout replaces --timeout's default in the demo: loopback answers
// in microseconds; only the silent port waits.
const demoTimeout = time.Second

func (e *env) demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "start a demo backup estate on 127.42.x.x loopback addresses, scan it, print the report",
		Flags: probeFlags(),
		Action: func(c *cli.Context) error {
			o, err := parseProbe(c, e, demoTimeout)
			if err != nil {
				return err
			}
			est, err := lab.Start(time.Now())
			if err != nil {
				return failedErr(err)
			}
			defer est.Close()
			// The demo's internal CA is trusted, as an enterprise passes its own with --ca-file.
			o.caCerts = append(o.caCerts, est.CA.X509)
			s := &scanConfig{probeConfig: o, targets: []string{est.Code42, est.Sesam}}
			set, err := scanner.Expand(c.Context, scanner.TargetConfig{Targets: s.targets, Ports: s.ports})
			if err != nil {
				return usageErr(err)
			}
			return e.runScan(c.Context, s, set)
		},
	}
}

func (e *env) labCommand() *cli.Command {
	return &cli.Command{
		Name:  "lab",
		Usage: "keep the demo estate listening on loopback until Ctrl-C, to scan by hand",
		Action: func(c *cli.Context) error {
			est, err := lab.Start(time.Now())
			if err != nil {
				return failedErr(err)
			}
			defer est.Close()
			caFile := filepath.Join(os.TempDir(), "tlsweep-lab-ca.pem")
			if err := os.WriteFile(caFile, est.CA.CertPEM(), 0o644); err != nil {
				return failedErr(fmt.Errorf(errWriteLabCA, err))
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "HOST\tPORT\tLISTENER")
			for _, l := range est.Listeners() {
				fmt.Fprintf(w, "%s\t%s\t%s\n", l.Host, l.Port, l.What)
			}
			_ = w.Flush()
			fmt.Fprintf(e.stdout, msgLab, caFile, caFile, est.Code42, est.Sesam)
			<-c.Context.Done()
			return nil
		},
	}
}
