package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// positionalArgs returns the command's arguments after applying the flags
// among them, so "tlsweep report SCAN.json -f html" works like
// "tlsweep report -f html SCAN.json". Everything after "--" is an argument.
func positionalArgs(c *cli.Context) ([]string, error) {
	byName := flagsByName(c.Command.Flags)
	var args []string
	in := c.Args().Slice()
	for i := 0; i < len(in); i++ {
		tok := in[i]
		if tok == "--" {
			return append(args, in[i+1:]...), nil
		}
		if len(tok) < 2 || tok[0] != '-' {
			args = append(args, tok)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		f, ok := byName[name]
		if !ok {
			return nil, usageErr(fmt.Errorf(errFlagNotDefined, tok, c.Command.Name))
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(in) {
				return nil, usageErr(fmt.Errorf(errFlagNeedsArg, tok))
			}
			i++
			value = in[i]
		}
		for _, n := range f.Names() {
			if err := c.Set(n, value); err != nil {
				return nil, usageErr(fmt.Errorf(errFlagValue, value, tok, err))
			}
		}
	}
	return args, nil
}
