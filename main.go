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
	// exitInterrupted is the shell's code for a second Ctrl-C (128+SIGINT).
	exitInterrupted = 130
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first SIGINT/SIGTERM cancels the sweep, which then writes what
	// finished; a second one exits at once. The channel has room for both,
	// so a quick double Ctrl-C is never lost.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "tlsweep: interrupted again; exiting without writing")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()

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
	app := &cli.App{
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
	// A command's usage error is one line on stderr and exit 2, never the
	// whole help on stdout, where a script would read it as output.
	for _, cmd := range app.Commands {
		cmd.OnUsageError = app.OnUsageError
	}
	return app
}
