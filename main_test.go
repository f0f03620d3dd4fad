package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tlsweep/tlsweep/internal/cli"
)

// TestMain lets the scripts run tlsweep as a command: the same cli.Main
// that main calls, in a re-executed test binary.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tlsweep": func() { os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script: every
// command's exit codes, usage errors, output shapes and round trips, as a
// user sees them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
