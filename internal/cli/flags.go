package cli

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/scanner"
)

// Every flag is declared here, once; commands take the groups they need.
// Parsing them into Config structs is in config.go.

// passwordEnv holds the SMTP password; the only other source is
// --smtp-password-file. No flag takes the password itself.
const passwordEnv = "TLSWEEP_SMTP_PASSWORD"

// Flag names used in more than one place.
const (
	flagFormat  = "format"
	flagOutput  = "output"
	flagNoColor = "no-color"
	flagWide    = "wide"
	flagFailOn  = "fail-on"
	flagTimeout = "timeout"
)

// Help shows the flags in these groups, in this order of first use.
const (
	catTargets  = "Targets and ports"
	catTiming   = "Timing and load"
	catChecks   = "Checks"
	catOutput   = "Output"
	catSchedule = "Scheduled scans and mail"
)

// inCategory files flags under a help category. A switch's default (false)
// is not shown: its name says what turning it on does.
func inCategory(cat string, flags ...cli.Flag) []cli.Flag {
	for _, f := range flags {
		switch f := f.(type) {
		case *cli.StringFlag:
			f.Category = cat
		case *cli.IntFlag:
			f.Category = cat
		case *cli.Float64Flag:
			f.Category = cat
		case *cli.StringSliceFlag:
			f.Category = cat
		case *cli.BoolFlag:
			f.Category = cat
			f.DisableDefaultText = true
		}
	}
	return flags
}

// outputFlags are -f, -o and --no-color; what the format list and the
// default format say differs by command.
func outputFlags(defaultFormat, formats string) []cli.Flag {
	return inCategory(catOutput,
		&cli.StringFlag{Name: flagFormat, Aliases: []string{"f"}, Value: defaultFormat, Usage: "output `FORMAT`: " + formats},
		&cli.StringFlag{Name: flagOutput, Aliases: []string{"o"}, Usage: "write to `FILE` (atomically; - is stdout) instead of stdout"},
		&cli.BoolFlag{Name: flagNoColor, Usage: "no colour in the table (NO_COLOR in the environment does the same)"},
		&cli.BoolFlag{Name: flagWide, Usage: "the table with every column (version, cipher, certificate), ruled; by default it fits the terminal (120 columns when not one)"},
	)
}

// sweepFlags tune the worker pool: how hard tlsweep pushes the network.
func sweepFlags() []cli.Flag {
	flags := inCategory(catTiming,
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 4096, Usage: "connection attempts in flight; a silent (firewalled) port holds one until it is given up"},
		&cli.IntFlag{Name: "probe-concurrency", Value: 512, Usage: "open endpoints examined (handshakes, probes) at once"},
		&cli.IntFlag{Name: "host-concurrency", Value: scanner.DefaultHostConcurrency, Usage: "simultaneous connections to one address, every check included"},
		&cli.BoolFlag{Name: "fixed-timeout", Usage: "turn adaptive timing off: every connect waits all of --timeout, with no retry"},
		&cli.Float64Flag{Name: "rate", Usage: "cap new connection attempts (with --syn: SYNs) per second", DefaultText: "no cap; 50000 with --syn"},
		&cli.BoolFlag{Name: "syn", Usage: "find open IPv4 ports with SYNs from a raw socket (root or CAP_NET_RAW, Linux), then examine them as usual; IPv6 targets are connected to"},
	)
	flags = append(flags, inCategory(catTargets,
		&cli.StringFlag{Name: "shard", Usage: "scan slice `K/N` of the probe space (N machines each take one K); index:I/N is the zero-based form, slice I+1"},
	)...)
	return append(flags, inCategory(catOutput,
		&cli.BoolFlag{Name: "no-progress", Usage: "no progress display (it is only shown when stderr is a terminal)"},
	)...)
}

// probeFlags say what is sent to every target and how it is judged: the
// flags of scan and demo.
func probeFlags() []cli.Flag {
	flags := sweepFlags()
	flags = append(flags, inCategory(catTargets,
		&cli.StringFlag{Name: "ports", Aliases: []string{"p"}, Value: "backup", Usage: "`PORTS` to probe: profiles, ports and ranges, e.g. backup (every vendor listener), code42, sesam, mission (the seven data ports), 8443, 9000-9010"},
		&cli.StringFlag{Name: "sni", Usage: "server `NAME` to send to every target and check certificates against"},
	)...)
	flags = append(flags, inCategory(catTiming,
		&cli.StringFlag{Name: flagTimeout, Value: "3s", Usage: "per connect and per handshake: `DURATION` such as 3s, 500ms or 2"},
		&cli.StringFlag{Name: "endpoint-timeout", Usage: "cap on all work for one host:port", DefaultText: "4x --timeout"},
	)...)
	flags = append(flags, outputFlags("table", strings.Join(formatNames, ", "))...)
	flags = append(flags, inCategory(catOutput,
		&cli.StringFlag{Name: flagFailOn, Value: "none", Usage: "exit 1 when a finding is at or above `SEVERITY`: none, info, low, medium, high, critical"},
		&cli.BoolFlag{Name: "show-closed", Usage: "list closed and filtered ports too (always counted in the summary)"},
	)...)
	return append(flags, inCategory(catChecks,
		&cli.StringFlag{Name: "ca-file", Usage: "PEM `FILE` of extra trusted CAs (an internal CA), added to the system roots; at most 4 MiB"},
		&cli.IntFlag{Name: "expiry-warn", Value: 30, Usage: "raise expiring-certificate under this many `DAYS`"},
		&cli.BoolFlag{Name: "ciphers", Usage: "enumerate every accepted cipher suite per version (more connections)"},
		&cli.BoolFlag{Name: "discovery-only", Usage: "one handshake per TLS endpoint: skip the accepted-version, weak-cipher, vulnerability, HTTP and FTP checks"},
		&cli.BoolFlag{Name: "no-vulns", Usage: "skip the known-vulnerability checks (Heartbleed, CCS injection, renegotiation, compression, fallback SCSV, DH group, client certificate)"},
		&cli.BoolFlag{Name: "all-vulns", Usage: "also run the checks beyond the budget of 12 connections per TLS endpoint: ROBOT (up to 7 more) and client-initiated renegotiation (1 more)"},
		&cli.StringFlag{Name: "policy", Value: "default", Usage: "hold endpoints to the policy `NAME`: default, mozilla-intermediate or mozilla-modern (tlsweep policies lists their rules)"},
	)...)
}

// targetFlags say what to scan besides the arguments.
func targetFlags() []cli.Flag {
	return inCategory(catTargets,
		&cli.StringFlag{Name: "list", Aliases: []string{"l"}, Usage: "read targets from `FILE` (- for stdin); # comments allowed"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "addresses, ranges or CIDRs to skip (repeatable, comma-separated)"},
		&cli.IntFlag{Name: "max-hosts", Value: 65536, Usage: "refuse target sets larger than this many hosts"},
	)
}

// scheduleFlags are the scan command's flags for scheduled scans: a config
// file, a baseline to compare with, and mailing the report.
func scheduleFlags() []cli.Flag {
	return inCategory(catSchedule,
		&cli.StringFlag{Name: "config", Usage: "read flag values from a YAML (.yaml, .yml) or TOML (.toml) `FILE` of at most 1 MiB; keys are the long flag names, and flags on the command line win"},
		&cli.StringFlag{Name: "baseline", Usage: "compare with an earlier scan (a JSON `FILE` from -f json): mark findings new or unchanged, list resolved findings, endpoints that appeared or disappeared and replaced certificates"},
		&cli.StringSliceFlag{Name: "mail-to", Usage: "mail the report to `ADDR` (repeatable); needs --mail-from and --smtp"},
		&cli.StringFlag{Name: "mail-from", Usage: "sender `ADDR` of the mail"},
		&cli.StringFlag{Name: "mail-on", Usage: "`WHEN` to mail: always, findings (the scan raised any finding) or changes (something changed since --baseline); default changes with --baseline, else findings"},
		&cli.StringFlag{Name: "smtp", Usage: "SMTP relay `HOST:PORT`; port 465 speaks implicit TLS, any other port must offer STARTTLS"},
		&cli.StringFlag{Name: "smtp-user", Usage: "log in to the relay as `USER` (AUTH PLAIN, only over TLS); the password comes from $" + passwordEnv + " or --smtp-password-file"},
		&cli.StringFlag{Name: "smtp-password-file", Usage: "read the SMTP password from the first line of `FILE` (at most 64 KiB)"},
		&cli.StringFlag{Name: "smtp-tls", Usage: "`MODE` of TLS with the relay: starttls (the default) or implicit (the default on port 465)"},
		&cli.StringFlag{Name: "smtp-ca-file", Usage: "PEM `FILE` of a CA to trust for the relay's certificate (an internal CA), added to the system roots; at most 4 MiB"},
		&cli.BoolFlag{Name: "smtp-insecure-plaintext", Usage: "talk to a lab relay without TLS (never with --smtp-user); prints a warning"},
	)
}

// scanCommandFlags are every flag of scan.
func scanCommandFlags() []cli.Flag {
	flags := append(probeFlags(), targetFlags()...)
	return append(flags, scheduleFlags()...)
}
