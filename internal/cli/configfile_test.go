package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestConfigSyntaxErrorsHideValues: a malformed config file is reported
// by file, line and key, never with a value from it: an unquoted SMTP
// password (the password key itself is refused, but a parser error
// comes first) must not reach stderr (issue 14, 2).
func TestConfigSyntaxErrorsHideValues(t *testing.T) {
	const secret = "Hunter2-s3cret"
	for i, tc := range []struct {
		name, body, where string
	}{
		{"c.toml", "smtp-password = " + secret + "\n", `line 1, key "smtp-password"`},
		{"c.toml", "ports = \"backup\"\nsmtp-password = " + secret + " x\n", `line 2, key "smtp-password"`},
		{"c.toml", "exclude = [\"10.0.0.1\", " + secret + "\n", `line 1, key "exclude"`},
		{"c.toml", "sni = \"" + secret + "\nports = 1\n", `line 1, key "sni"`},
		{"c.toml", "ports = '" + secret + "'\nports = '" + secret + "'\n", `line 2, key "ports"`},
		{"c.toml", "expiry-warn = 1979-13-99T" + secret + "\n", `line 1, key "expiry-warn"`},
		{"c.yaml", "smtp-password: " + secret + ": x\n", "not valid YAML"},
		{"c.yaml", "ports: backup\nexclude: [" + secret + "\n", "line "},
		{"c.yml", "ports: 1\n sni: " + secret + "\n", `line 2, key "sni"`},
		{"c.yaml", "sni: \"" + secret + "\n", "not valid YAML"},
		{"c.yaml", "expiry-warn: !!int " + secret + "\n", "not valid YAML"},
		{"c.yaml", "sni: &a " + secret + "\nports: *" + secret + "\n", "not valid YAML"},
		{"c.yaml", "- " + secret + "\n", "line 1"},
		// A value of the wrong kind for its flag: named by key, not echoed.
		{"c.yaml", "expiry-warn: " + secret + "\n", "expiry-warn: not a valid value for --expiry-warn"},
	} {
		// Not the body in the name: t.TempDir would show it in paths.
		t.Run(fmt.Sprint(i, tc.name), func(t *testing.T) {
			cfg := writeFile(t, tc.name, tc.body)
			code, stdout, stderr := runCLI(t, "scan", "--config", cfg, "127.0.0.1")
			if code != ExitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q", code, stdout)
			}
			if strings.Contains(stderr, "Hunter") || strings.Contains(stderr, "s3cret") {
				t.Errorf("stderr shows the value: %s", stderr)
			}
			if !strings.Contains(stderr, "config "+cfg+":") || !strings.Contains(stderr, tc.where) {
				t.Errorf("stderr %q does not name the file and %q", stderr, tc.where)
			}
		})
	}
}
