package cli

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// anywhere are the commands whose flags may follow their arguments, as
// with nmap: "tlsweep scan 10.0.0.0/24 -p 4287".
var anywhere = []string{"scan", "report", "diff", "merge"}

// permuteArgs moves the flags of an anywhere command ahead of its
// arguments and puts "--" between them, so urfave/cli (which stops at the
// first argument) sees every flag. A "--" of the user's own still ends the
// flags: everything after it is an argument. A flag the command lacks
// stays among the flags, where urfave/cli reports it.
func permuteArgs(app *cli.App, args []string) []string {
	if len(args) < 2 || !slices.Contains(anywhere, args[1]) {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	byName := flagsByName(cmd.Flags)
	flags := []string{args[0], args[1]}
	var positional []string
	in := args[2:]
	for i := 0; i < len(in); i++ {
		tok := in[i]
		if tok == "--" {
			positional = append(positional, in[i+1:]...)
			break
		}
		if len(tok) < 2 || tok[0] != '-' {
			positional = append(positional, tok)
			continue
		}
		flags = append(flags, tok)
		name, _, hasValue := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		f, ok := byName[name]
		if !ok || hasValue || !takesValue(f) {
			continue
		}
		if i+1 == len(in) {
			// The value is missing: let urfave/cli say so, with no "--"
			// after the flag for it to take as the value.
			return flags
		}
		i++
		flags = append(flags, in[i])
	}
	return append(append(flags, "--"), positional...)
}

// takesValue reports whether f reads the next argument as its value.
func takesValue(f cli.Flag) bool {
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}
