package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/report"
)

// policiesCommand lists the policies --policy accepts (the first is the
// default), each with its rules and the profile its policy-* rules check.
func policiesCommand() *cli.Command {
	return &cli.Command{
		Name:  "policies",
		Usage: "list the policies --policy accepts, with their rules and parameters",
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			for i, p := range report.Policies {
				if i > 0 {
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "%s\t%s\n", p.Name, p.Doc)
				last := ""
				for _, param := range p.Parameters() {
					// Suites come one a line; name the parameter once.
					label := param.Name
					if label == last {
						label = ""
					}
					last = param.Name
					fmt.Fprintf(w, "  %s\t%s\n", label, param.Value)
				}
			}
			return w.Flush()
		},
	}
}
