package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestScanHelpGrouped: scan --help shows its flags under the five
// categories, every flag in one, and no default twice.
func TestScanHelpGrouped(t *testing.T) {
	for _, f := range scanCommandFlags() {
		if c, ok := f.(cli.CategorizableFlag); !ok || c.GetCategory() == "" {
			t.Errorf("flag %v has no help category", f.Names())
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"tlsweep", "scan", "--help"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("scan --help exited %d: %s", code, errOut.String())
	}
	help := out.String()
	for _, cat := range []string{catTargets, catTiming, catChecks, catOutput, catSchedule} {
		if !strings.Contains(help, "\n   "+cat+"\n") {
			t.Errorf("scan --help has no %q group:\n%s", cat, help)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		if strings.Count(line, "(default:") > 1 {
			t.Errorf("a default shown twice: %s", line)
		}
		if strings.Contains(line, "(default: false)") {
			t.Errorf("a switch shows its default: %s", line)
		}
	}
}
