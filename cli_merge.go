package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
)

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "join the JSON reports of one sweep's shards (scan --shard K/N) into one report",
		ArgsUsage: "SHARD.json...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the merged report to `FILE` (atomically) instead of stdout"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "json", Usage: "output `FORMAT` of the merged report"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErr(errors.New("merge needs the shard reports: tlsweep merge a.json b.json -o all.json"))
			}
			if err := checkFormat(c.String("format")); err != nil || c.String("format") == "jsonl" {
				return usageErr(fmt.Errorf("merge writes json or one of the report formats, not %q", c.String("format")))
			}
			var docs []*report.Report
			for _, name := range c.Args().Slice() {
				f, err := os.Open(name)
				if err != nil {
					return usageErr(fmt.Errorf("read shard report: %w", err))
				}
				r, err := report.ReadJSON(f)
				f.Close()
				if err != nil {
					return usageErr(fmt.Errorf("%s: %w", name, err))
				}
				docs = append(docs, r)
			}
			merged, err := report.Merge(docs)
			if err != nil {
				return usageErr(err)
			}
			out, err := openOutput(c)
			if err != nil {
				return failedErr(err)
			}
			defer out.abort()
			o := &scanOptions{format: c.String("format")}
			if err := formats[o.format](out, merged, o); err != nil {
				return failedErr(fmt.Errorf("write the merged report: %w", err))
			}
			if err := out.commit(); err != nil {
				return failedErr(fmt.Errorf("write the merged report: %w", err))
			}
			if !merged.Complete {
				fmt.Fprintf(c.App.ErrWriter, "tlsweep: merged report is incomplete: a shard is missing or was interrupted\n")
			}
			return nil
		},
	}
}
