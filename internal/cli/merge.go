package cli

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
)

func (e *env) mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "join the JSON reports of one sweep's shards (scan --shard K/N) into one report",
		ArgsUsage: "SHARD.json...",
		Flags:     outputFlags("json", "json or a report format (not jsonl)"),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErr(errors.New(errMergeArgs))
			}
			r, err := parseRender(c, e.stdout)
			if err != nil || r.format == "jsonl" {
				return usageErr(fmt.Errorf(errMergeFormat, c.String(flagFormat)))
			}
			var docs []*report.Report
			for _, name := range c.Args().Slice() {
				f, err := openInput(c.Context, name)
				if err != nil {
					return usageErr(fmt.Errorf(errReadShard, err))
				}
				doc, err := report.ReadJSON(f)
				f.Close()
				if err != nil {
					return usageErr(fmt.Errorf("%s: %w", name, err))
				}
				docs = append(docs, doc)
			}
			merged, err := report.Merge(docs)
			if err != nil {
				return usageErr(err)
			}
			out, err := e.openOutput(r.output)
			if err != nil {
				return failedErr(err)
			}
			if err := writeReport(out, r, merged, renderAll); err != nil {
				return err
			}
			if !merged.Complete {
				fmt.Fprintln(e.stderr, msgMergeIncomplete)
			}
			return nil
		},
	}
}
