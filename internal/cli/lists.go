package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/findings"
	"github.com/tlsweep/tlsweep/scanner"
)

// The commands that list what tlsweep knows: ports, rules, policies.

func (e *env) portsCommand() *cli.Command {
	return &cli.Command{
		Name:  "ports",
		Usage: "list the port profiles -p accepts, with each port's service, expected transport and the vendor's advice",
		Action: func(*cli.Context) error {
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, p := range scanner.Profiles {
				fmt.Fprintf(w, "%s\t%s\n", p.Name, p.Doc)
				for _, pi := range p.Ports {
					expect := strings.ToUpper(pi.Expect) // TLS, SSH
					if pi.Expect == scanner.ExpectClosed {
						expect = "should be closed"
					}
					fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", strconv.Itoa(pi.Port), pi.Service, expect, pi.Note)
				}
			}
			return w.Flush()
		},
	}
}

func (e *env) rulesCommand() *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list the finding ids tlsweep raises, with severity and what raises them",
		Action: func(*cli.Context) error {
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSEVERITY\tRAISED WHEN")
			for _, r := range findings.Rules {
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Severity, r.When)
			}
			return w.Flush()
		},
	}
}

// policiesCommand lists the policies --policy accepts (the first is the
// default), each with its rules and the profile its policy-* rules check.
func (e *env) policiesCommand() *cli.Command {
	return &cli.Command{
		Name:  "policies",
		Usage: "list the policies --policy accepts, with their rules and parameters",
		Action: func(*cli.Context) error {
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for i, p := range findings.Policies {
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
