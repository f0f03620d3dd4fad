package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tlsweep/tlsweep/internal/cli"
	"github.com/tlsweep/tlsweep/scanner/lab"
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"estate":   cmdEstate,
			"jsonkeys": cmdJSONKeys,
		},
	})
}

// exits CODE PROG [ARGS...] runs PROG and fails unless it exits with CODE;
// stdout and stderr are then checked as after exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: code %q: %v", args[0], err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// estate starts the demo estate (scanner/lab) for the rest of the script
// and sets $CODE42 and $SESAM to its two hosts and $CA to a file holding
// its CA. The sesam-server certificate on $SESAM:11443 expires in 20 days
// and 1 hour.
func cmdEstate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: estate")
	}
	e, err := lab.Start(time.Now())
	if err != nil {
		ts.Fatalf("start the estate: %v", err)
	}
	ts.Defer(e.Close)
	ca := filepath.Join(ts.Getenv("WORK"), "ca.pem")
	if err := os.WriteFile(ca, e.CA.CertPEM(), 0o600); err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv("CODE42", e.Code42)
	ts.Setenv("SESAM", e.Sesam)
	ts.Setenv("CA", ca)
}

// jsonkeys FILE PATH KEY... fails unless the JSON object at PATH in FILE
// (dot-separated keys and array indexes; . is the document) has every KEY.
// With !, it fails if the object has any KEY.
func cmdJSONKeys(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: jsonkeys FILE PATH KEY...")
	}
	var doc any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	for _, step := range strings.Split(strings.Trim(args[1], "."), ".") {
		if step == "" {
			continue
		}
		switch v := doc.(type) {
		case map[string]any:
			doc = v[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(v) {
				ts.Fatalf("%s: no element %s in an array of %d", args[1], step, len(v))
			}
			doc = v[i]
		default:
			ts.Fatalf("%s: %s is inside a %T", args[1], step, v)
		}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		ts.Fatalf("%s is a %T, not an object", args[1], doc)
	}
	for _, k := range args[2:] {
		if _, has := obj[k]; has == neg {
			ts.Fatalf("%s: key %q present: %v, want %v", args[1], k, has, !neg)
		}
	}
}
