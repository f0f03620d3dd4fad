package cli

// Every sentence tlsweep says to its user, in one place: notices on stderr,
// and the usage errors that tell how to fix a command line. Errors from the
// library packages (a bad target, a bad port) pass through unchanged.

// Notices.
const (
	// msgError prefixes every error on stderr.
	msgError = "tlsweep: %s\n"
	// msgKeptStdout and msgKeptFile say where a report went when mailing
	// it failed.
	msgKeptStdout         = "it was written to standard output"
	msgKeptFile           = "the report is kept in %s"
	msgInterruptedAgain   = "tlsweep: interrupted again; exiting without writing"
	msgInterruptedStartup = "tlsweep: interrupted before the sweep started; nothing was sent"
	msgScanInterrupted    = "tlsweep: scan interrupted; the report holds what finished before the stop"
	msgMergeIncomplete    = "tlsweep: merged report is incomplete: a shard is missing or was interrupted"
	// msgPlaintextMail takes the relay address.
	msgPlaintextMail = "tlsweep: WARNING: --smtp-insecure-plaintext: the report goes to %s WITHOUT TLS; anyone on the path can read or change it. Use this only with a lab relay.\n"
	// msgLab takes the CA file twice and the two demo hosts.
	msgLab = "\nThe lab CA is in %s. Try:\n  tlsweep scan --ca-file %s %s %s\nCtrl-C stops the lab.\n"
)

// Usage errors: what is wrong and how to put it right.
const (
	errExcludedAll        = "--exclude %s removes every target: nothing is left to scan"
	errBaselineJSONL      = "--baseline needs the whole report, and -f jsonl streams endpoints: use -f json (or table, csv, markdown, html) with --baseline, or tlsweep diff on two -f json scans"
	errSNI                = "invalid --sni %q: %s"
	errMergeTwice         = "merge: %s and %s are the same file: give each shard report once"
	errMergeWhole         = "merge: %s and %s are both whole scans, not shards: merge joins the -f json reports of scan --shard K/N"
	errTooLarge           = "%s: larger than the limit of %s"
	errLinkLoop           = "%s: too many levels of symbolic links"
	errInFile             = "%s: %w"
	errReadFile           = "read %s: %w"
	errNoTargets          = "no targets: give addresses, CIDRs, ranges or names, or --list FILE"
	errMaxHosts           = "--max-hosts must be at least 1"
	errCiphersDiscovery   = "--ciphers and --discovery-only contradict each other: choose one"
	errVulnsFlags         = "--all-vulns and --no-vulns contradict each other: choose one"
	errEndpointTimeout    = "--endpoint-timeout %s is shorter than --timeout %s: every wait would be cut short"
	errFailOn             = "--fail-on: %w"
	errPolicy             = "unknown --policy %q: use one of %s"
	errExpiryNegative     = "--expiry-warn must be 0 or more days"
	errExpiryTooLarge     = "--expiry-warn must be at most 36500 days"
	errNotDuration        = "%s %q is not a duration: use e.g. 3s, 500ms or 2"
	errDurationTooLong    = "%s must be at most %s"
	errDurationNotPos     = "%s must be positive"
	errNoPEM              = "%s %s holds no PEM certificate"
	errReadList           = "read target list: %w"
	errFormat             = "unknown --format %q: use %s"
	errShard              = "invalid --shard %q: use K/N with 1 <= K <= N (e.g. 2/8), or the zero-based index:I/N with 0 <= I < N (e.g. index:1/8)"
	errConcurrency        = "--concurrency must be at least 1"
	errProbeConcurrency   = "--probe-concurrency must be at least 1"
	errHostConcurrency    = "--host-concurrency must be at least 1"
	errRate               = "--rate must be positive (or 0 for no cap)"
	errSYNPrivilege       = "--syn sends SYNs from a raw socket, which needs root or CAP_NET_RAW: run as root, give the binary the capability (setcap cap_net_raw+ep tlsweep), or scan without --syn"
	errSYNUnsupported     = "--syn works on Linux only: scan without --syn"
	errSYN                = "--syn: %w"
	errBaseline           = "--baseline: %w"
	errNotAReport         = "%s: %w; give a report written by tlsweep scan -f json"
	errMailOnChanges      = "--mail-on changes needs --baseline FILE to compare with"
	errMailOn             = "unknown --mail-on %q: use always, findings or changes"
	errMailTo             = "--mail-to %q: %w"
	errMailNeedsFrom      = "--mail-to needs --mail-from ADDR, the sender"
	errMailFrom           = "--mail-from %q: %w"
	errMailNeedsRelay     = "--mail-to needs --smtp HOST:PORT, the relay to send through"
	errRelay              = "--smtp %q: use HOST:PORT, e.g. smtp.example.com:587"
	errSMTPTLS            = "unknown --smtp-tls %q: use starttls or implicit"
	errSMTPContradict     = "--smtp-tls and --smtp-insecure-plaintext contradict each other: keep one"
	errPasswordFileNoUser = "--smtp-password-file needs --smtp-user"
	errPasswordPlaintext  = "refusing to send the SMTP password without TLS: drop --smtp-user or --smtp-insecure-plaintext"
	errReadPasswordFile   = "read --smtp-password-file: %w"
	errNoPassword         = "--smtp-user %s needs a password: set $%s or give --smtp-password-file FILE"
	errMailFailed         = "mail the report: %w (%s)"
	errComposeMail        = "compose the mail: %w"
	errWriteReport        = "write the report: %w"
	errCreateOutput       = "create the output file: %w"
	errOutput             = "-o %s: %w"
	errOutputFolder       = "-o %s is a folder: give a file name for the report"
	errOutputIsInput      = "-o %s is also the %s input: write the report to another file"
	errDiffArgs           = "diff needs two reports: tlsweep diff OLD.json NEW.json"
	errReportArgs         = "report needs one saved scan: tlsweep report SCAN.json -f html -o report.html"
	errMergeArgs          = "merge needs the shard reports: tlsweep merge a.json b.json -o all.json"
	errMergeFormat        = "merge writes json or one of the report formats, not %q"
	errReadShard          = "read shard report: %w"
	errFindingsAtOrAbove  = "findings at or above %s"
	errNewFindings        = "new findings at or above %s"
	errWriteLabCA         = "write the lab CA: %w"
	errReadConfig         = "read --config: %w"
	errConfigNested       = "config %s: a config file cannot name another: remove the config key"
	errConfigPassword     = "config %s: %s: the SMTP password is read only from $%s or --smtp-password-file"
	errConfigUnknown      = "config %s: unknown setting %q: use the long name of a flag of this command (see --help)"
	errConfigDup          = "config %s: %s and %s set the same flag: keep one"
	errConfigKey          = "config %s: %s: %w"
	errConfigOneValue     = "config %s: %s takes one value, not a list"
	errConfigExt          = "config %s: name the file .yaml, .yml or .toml so its format is known"
	errConfigSyntax       = "config %s: %snot valid %s (quote text values; see docs/scheduled-scans.md)"
	errConfigValue        = "config %s: %s: not a valid value for --%s"
	errConfigNoValue      = "has no value: give one or remove the key"
	errConfigType         = "a %T is not a flag value: use a string, number, true/false or a list of them"
)

// usageHint follows every usage error urfave/cli raises itself.
const usageHint = "%w (see tlsweep --help)"
