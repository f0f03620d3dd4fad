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
			names := c.Args().Slice()
			if err := checkShardFiles(names); err != nil {
				return usageErr(err)
			}
			var docs []*report.Report
			for _, name := range names {
				f, err := openInput(c.Context, name)
				if err != nil {
					return usageErr(fmt.Errorf(errReadShard, err))
				}
				doc, err := report.ReadJSON(f)
				f.Close()
				if err != nil {
					return usageErr(fmt.Errorf(errInFile, name, err))
				}
				docs = append(docs, doc)
			}
			if err := checkWhole(names, docs); err != nil {
				return usageErr(err)
			}
			merged, err := report.Merge(docs)
			if err != nil {
				return usageErr(err)
			}
			out, err := e.openOutput(c.Context, r.output)
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

// checkShardFiles refuses a file named twice (under any name).
func checkShardFiles(names []string) error {
	for i, a := range names {
		for _, b := range names[:i] {
			if a == b || sameFile(a, b) {
				return fmt.Errorf(errMergeTwice, b, a)
			}
		}
	}
	return nil
}

// checkWhole refuses two reports of which neither is a shard; Merge
// would see the same (empty) shard twice.
func checkWhole(names []string, docs []*report.Report) error {
	first := -1
	for i, d := range docs {
		if d.Shard != "" {
			continue
		}
		if first >= 0 {
			return fmt.Errorf(errMergeWhole, names[first], names[i])
		}
		first = i
	}
	return nil
}
