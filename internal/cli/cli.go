// Package cli is the tlsweep command line: it parses flags once into the
// Config structs the library packages take, runs one command, and maps the
// outcome to an exit code. It never exits the process itself; main does.
package cli

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

// Version is set at build time with -ldflags "-X github.com/tlsweep/tlsweep/internal/cli.Version=...".
var Version = "dev"

// Exit codes (docs "Exit codes").
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitUsage    = 2
	ExitFailed   = 3
	// ExitInterrupted is the shell's code for Ctrl-C (128+SIGINT): a second
	// signal, or one that came before the sweep started.
	ExitInterrupted = 130
)

// exitError carries an exit code through urfave/cli.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error  { return &exitError{ExitUsage, err} }
func failedErr(err error) error { return &exitError{ExitFailed, err} }

// env is where a command reads and writes: the process's standard streams
// in production, buffers in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	cleanup        *cleanups
}

// Main runs the command line args and returns the exit code.
//
// The first SIGINT/SIGTERM cancels the run: a sweep stops and writes what
// finished, start-up stops at once. A second one returns at once with
// ExitInterrupted, after removing any temporary output file, even when the
// command is stuck (e.g. writing to a full pipe).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The channel has room for both signals, so a quick double Ctrl-C is
	// never lost.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, cleanup: new(cleanups)}
	result := make(chan int, 1)
	go func() { result <- e.run(ctx, args) }()

	interrupted := false
	for {
		select {
		case code := <-result:
			return code
		case <-sigs:
			if !interrupted {
				interrupted = true
				cancel()
				continue
			}
			e.cleanup.run()
			fmt.Fprintln(stderr, msgInterruptedAgain)
			return ExitInterrupted
		}
	}
}

// run is one command, start to end.
func (e *env) run(ctx context.Context, args []string) int {
	defer e.cleanup.run()
	app := e.newApp()
	err := app.RunContext(ctx, permuteArgs(app, args))
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.code == ExitFindings {
		return ExitFindings
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		fmt.Fprintln(e.stderr, msgInterruptedStartup)
		return ExitInterrupted
	}
	fmt.Fprintf(e.stderr, msgError, err)
	if errors.As(err, &ee) {
		return ee.code
	}
	// Errors urfave/cli raises itself are about the command line.
	return ExitUsage
}

func (e *env) newApp() *cli.App {
	app := &cli.App{
		Name:            "tlsweep",
		Usage:           "sweep hosts and subnets for TLS and plaintext listeners on backup-server ports",
		Version:         Version,
		Reader:          e.stdin,
		Writer:          e.stdout,
		ErrWriter:       e.stderr,
		HideHelpCommand: true,
		// Only Main decides how the process ends.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageErr(fmt.Errorf(usageHint, err))
		},
		Commands: []*cli.Command{
			e.scanCommand(),
			e.demoCommand(),
			e.labCommand(),
			e.portsCommand(),
			e.rulesCommand(),
			e.policiesCommand(),
			e.mergeCommand(),
			e.diffCommand(),
			e.reportCommand(),
		},
	}
	// A command's usage error is one line on stderr and exit 2, never the
	// whole help on stdout, where a script would read it as output.
	for _, cmd := range app.Commands {
		cmd.OnUsageError = app.OnUsageError
	}
	return app
}
