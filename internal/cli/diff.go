package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
)

func (e *env) diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare two saved scans: new and resolved findings, endpoints that appeared or disappeared, replaced certificates",
		ArgsUsage: "OLD.json NEW.json",
		Flags: append(renderFlags(),
			&cli.StringFlag{Name: flagFailOn, Value: "none", Usage: "exit 1 when a NEW finding is at or above `SEVERITY`: none, info, low, medium, high, critical"}),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) != 2 {
				return usageErr(errors.New(errDiffArgs))
			}
			r, err := parseRender(c, e.stdout)
			if err != nil {
				return err
			}
			threshold, err := report.ParseSeverity(c.String(flagFailOn))
			if err != nil {
				return usageErr(fmt.Errorf(errFailOn, err))
			}
			old, err := readReportFile(c.Context, args[0])
			if err != nil {
				return usageErr(err)
			}
			cur, err := readReportFile(c.Context, args[1])
			if err != nil {
				return usageErr(err)
			}
			cur.Changes = report.Compare(old, cur)
			cur.Changes.Baseline = filepath.Base(args[0])
			out, err := e.openOutput(c.Context, r.output)
			if err != nil {
				return failedErr(err)
			}
			if err := writeReport(out, r, cur, renderChanges); err != nil {
				return err
			}
			return failOn(threshold, worstNew(cur.Changes), errNewFindings)
		},
	}
}

// worstNew is the highest severity among the new findings.
func worstNew(ch *report.Changes) report.Severity {
	worst := report.SeverityNone
	for _, s := range report.Severities {
		if ch.NewCount.Of(s) > 0 && s > worst {
			worst = s
		}
	}
	return worst
}
