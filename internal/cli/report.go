package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
)

// renderFlags are the flags of report and diff.
func renderFlags() []cli.Flag {
	return outputFlags("table", strings.Join(formatNames, ", "))
}

func (e *env) reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "render a saved scan (JSON, - for stdin) in another format",
		ArgsUsage: "SCAN.json",
		Flags:     renderFlags(),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) != 1 {
				return usageErr(errors.New(errReportArgs))
			}
			r, err := parseRender(c, e.stdout)
			if err != nil {
				return err
			}
			var rep *report.Report
			if name := args[0]; name == "-" {
				if rep, err = report.ReadJSON(e.stdin); err != nil {
					err = fmt.Errorf(errInFile, "stdin", err)
				}
			} else {
				rep, err = readReportFile(c.Context, name)
			}
			if err != nil {
				return usageErr(err)
			}
			out, err := e.openOutput(c.Context, r.output)
			if err != nil {
				return failedErr(err)
			}
			return writeReport(out, r, rep, renderAll)
		},
	}
}

// readReportFile reads a JSON report written by tlsweep.
func readReportFile(ctx context.Context, name string) (*report.Report, error) {
	f, err := openInput(ctx, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf(errNotAReport, name, err)
	}
	return rep, nil
}
