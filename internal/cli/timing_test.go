package cli

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
)

// TestFixedTimeoutFlag: the JSON summary says adaptive timing by default
// and not with --fixed-timeout, with the round trips of the answered
// connects either way.
func TestFixedTimeoutFlag(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // now refused: an answered connect, quickly
	for _, c := range []struct {
		extra    []string
		adaptive bool
	}{{nil, true}, {[]string{"--fixed-timeout"}, false}} {
		args := append([]string{"scan", "--timeout", "1s", "-f", "json", "-p", strconv.Itoa(port)}, c.extra...)
		code, out, stderr := runCLI(t, append(args, "127.0.0.1")...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", c.extra, code, stderr)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		tm := rep.Summary.Timing
		if tm == nil || tm.Adaptive != c.adaptive || tm.RTTSamples != 1 {
			t.Errorf("%v: summary.timing %+v, want adaptive=%v and one sample", c.extra, tm, c.adaptive)
		}
	}
}

func TestProgressLine(t *testing.T) {
	p := new(scanner.Progress)
	p.Open.Store(3)
	if got := progressLine(p); got != "probes (3 open)" {
		t.Errorf("before any answer: %q", got)
	}
	for range 9 {
		p.RTT.Add(2 * time.Millisecond)
	}
	p.RTT.Add(40 * time.Millisecond)
	p.Retries.Store(7)
	got := progressLine(p)
	for _, want := range []string{"3 open", "rtt p50 1.98ms", "p90 1.98ms", "7 retries"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
}
