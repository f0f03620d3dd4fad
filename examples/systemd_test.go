package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnits checks the service and timer with systemd's own parser
// (systemd-analyze verify, which .ci/run installs): any warning fails, an
// unknown key or a bad value included. The service's ExecStart, the cron
// example's nightly.sh at its installed path, is pointed at a copy of the
// script, since verify wants the command to exist.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd; .ci/run installs it)")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "nightly.sh")
	b, err := os.ReadFile("cron/nightly.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, b, 0o755); err != nil {
		t.Fatal(err)
	}
	const installed = "ExecStart=/etc/tlsweep/nightly.sh"
	var units []string
	for _, name := range []string{"tlsweep-nightly.service", "tlsweep-nightly.timer"} {
		b, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if strings.HasSuffix(name, ".service") {
			if !strings.Contains(text, "\n"+installed+"\n") {
				t.Fatalf("%s does not run %s, where examples/cron installs nightly.sh", name, installed)
			}
			text = strings.Replace(text, installed, "ExecStart="+script, 1)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		units = append(units, path)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, units...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
