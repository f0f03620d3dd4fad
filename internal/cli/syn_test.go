package cli

// --syn through the command line: without the privilege it says so in one
// line and exits 2 (never falling back to connects); with it, the demo
// estate is found and examined as without it.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/scanner"
)

// TestSYNWithoutPrivilege runs the binary without CAP_NET_RAW (root drops
// it from its bounding set with setpriv; another user has none).
func TestSYNWithoutPrivilege(t *testing.T) {
	bin := buildTlsweep(t)
	args := []string{bin, "scan", "--syn", "--timeout", "1s", "-p", "4287", "127.0.0.1"}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("needs setpriv (util-linux) to drop CAP_NET_RAW")
		}
		args = append([]string{"setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw", "--"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != ExitUsage {
		t.Fatalf("exit %v, want %d\nstderr: %s", err, ExitUsage, stderr.String())
	}
	if want := "tlsweep: " + errSYNPrivilege + "\n"; stderr.String() != want {
		t.Errorf("stderr %q\nwant %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing (no report: nothing was scanned)", stdout.String())
	}
}

// TestSYNScansEstate: --syn finds the demo estate's endpoints and examines
// them as a connect scan does (same states and transports). Needs the
// privilege; it sends only to the estate on 127.42.0.0/16.
func TestSYNScansEstate(t *testing.T) {
	if err := scanner.CheckSYN(); err != nil {
		t.Skipf("--syn cannot run here: %v", err)
	}
	e, ca := startEstate(t)
	var ports []string
	for _, l := range e.Listeners() {
		ports = append(ports, l.Port)
	}
	scan := func(extra ...string) []string {
		args := append([]string{"scan", "--timeout", "1s", "--discovery-only", "--ca-file", ca, "-f", "json", "-p", strings.Join(ports, ",")}, extra...)
		code, out, stderr := runCLI(t, append(args, e.Code42, e.Sesam)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		var eps []string
		for _, ep := range rep.Endpoints {
			eps = append(eps, fmt.Sprintf("%s:%d %s %s", ep.IP, ep.Port, ep.State, ep.Transport))
		}
		sort.Strings(eps)
		return eps
	}
	conn, syn := scan(), scan("--syn")
	if strings.Join(syn, "\n") != strings.Join(conn, "\n") || len(syn) != len(ports) {
		t.Errorf("--syn found\n%s\nconnects found\n%s", strings.Join(syn, "\n"), strings.Join(conn, "\n"))
	}
}
