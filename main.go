// Command tlsweep sweeps hosts and subnets for TLS and plaintext listeners
// on backup-infrastructure ports and reports what is wrong with them.
// The command line lives in internal/cli; main only exits with its code.
package main

import (
	"os"

	"github.com/tlsweep/tlsweep/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
