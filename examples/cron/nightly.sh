#!/bin/sh
# nightly.sh — scan, compare with the last complete scan, mail the changes,
# and keep this scan as the next night's baseline.
#
# Scans are kept as $STATE/scans/<UTC time>.json; $STATE/last.json is a copy
# of the newest complete one and is the baseline. It is replaced only after
# a scan that ran to the end and whose mail went out, so a failed night is
# reported again (with everything since) the next night.
#
# Exit status is tlsweep's: 0 ok, 1 findings at or above --fail-on (if the
# config sets it), 2 bad config or flags, 3 the scan could not run or writing
# or mailing the report failed.
set -u

CONFIG=${TLSWEEP_CONFIG:-/etc/tlsweep/tlsweep.yaml}
STATE=${TLSWEEP_STATE:-/var/lib/tlsweep}
KEEP_DAYS=${TLSWEEP_KEEP_DAYS:-90}
TLSWEEP=${TLSWEEP:-tlsweep}

umask 077
mkdir -p "$STATE/scans" || exit 3

# One run at a time: a slow night must not race the next.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$STATE/.lock"
	flock -n 9 || { echo "nightly.sh: the previous run is still going" >&2; exit 3; }
fi

last="$STATE/last.json"
scan="$STATE/scans/$(date -u +%Y%m%dT%H%M%SZ).json"

set -- scan --config "$CONFIG" -f json -o "$scan"
if [ -s "$last" ]; then
	# tlsweep reads the baseline before it writes anything; the new scan
	# goes to its own file, so last.json is never overwritten mid-run.
	set -- "$@" --baseline "$last"
fi

echo "nightly.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ) $TLSWEEP $*"
"$TLSWEEP" "$@"
rc=$?

# Keep this scan as the baseline only if it finished (0, or 1 for findings)
# and is complete (not interrupted). After exit 3 the report file may exist
# but its mail did not go out: keep the old baseline so nothing is missed.
if [ "$rc" -le 1 ] && [ -s "$scan" ] && grep -q '"complete": true' "$scan"; then
	cp "$scan" "$last.tmp" && mv -f "$last.tmp" "$last" || rc=3
else
	echo "nightly.sh: exit $rc; $last stays the baseline" >&2
fi

# Old scans go after KEEP_DAYS days; last.json stays whatever its age.
find "$STATE/scans" -name '*.json' -type f -mtime +"$KEEP_DAYS" -exec rm -f {} + 2>/dev/null

exit "$rc"
