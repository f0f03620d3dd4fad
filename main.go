// Command tlsweep sweeps hosts and subnets for TLS and plaintext listeners
// on backup-infrastructure ports and reports what is wrong with them.
//
// main.go only wires flags into each package's Config and maps errors to
// exit codes; it is the only place that exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes (README "Exit codes").
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
	exitFailed   = 3
)

// exitError carries an exit code through urfave/cli.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error  { return &exitError{exitUsage, err} }
func failedErr(err error) error { return &exitError{exitFailed, err} }

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the exit, so tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, restore the default so a second one exits at once.
	context.AfterFunc(ctx, stop)

	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.code == exitFindings {
		return exitFindings
	}
	fmt.Fprintf(stderr, "tlsweep: %s\n", err)
	if errors.As(err, &ee) {
		return ee.code
	}
	// Errors urfave/cli raises itself are about the command line.
	return exitUsage
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:            "tlsweep",
		Usage:           "sweep hosts and subnets for TLS and plaintext listeners on backup-server ports",
		Version:         version,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// Only main decides how the process ends.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageErr(fmt.Errorf("%w (see tlsweep --help)", err))
		},
		Commands: []*cli.Command{
			scanCommand(),
			demoCommand(),
			labCommand(),
			portsCommand(),
			rulesCommand(),
			policiesCommand(),
			mergeCommand(),
			diffCommand(),
			reportCommand(),
		},
	}
}
