package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputLimits: files read whole stop at their limit (docs "Input
// limits"), so --ca-file /dev/zero or a huge file cannot grow tlsweep.
func TestInputLimits(t *testing.T) {
	t.Setenv(passwordEnv, "")
	dir := t.TempDir()
	big := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat("#", int(size))), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mail := []string{"--mail-to", "ops@example.test", "--mail-from", "t@example.test", "--smtp", "127.0.0.1:2525", "--smtp-user", "u"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ca-file", []string{"--ca-file", big("ca.pem", maxCAFile+1)}, "read --ca-file: " + dir + "/ca.pem: larger than the limit of 4 MiB"},
		{"smtp-ca-file", append(mail[:6:6], "--smtp-ca-file", big("smtp-ca.pem", maxCAFile+1)), "larger than the limit of 4 MiB"},
		{"config", []string{"--config", big("c.yaml", maxConfigFile+1)}, "larger than the limit of 1 MiB"},
		{"smtp-password-file", append(mail, "--smtp-password-file", big("pw", maxPasswordFile+1)), "larger than the limit of 64 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append(append([]string{"scan"}, tc.args...), "127.0.0.1")...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stderr %q, want %d and %q", code, stderr, ExitUsage, tc.want)
			}
		})
	}
	// At the limit is fine: the error is then about the content.
	code, _, stderr := runCLI(t, "scan", "--ca-file", big("ok.pem", maxCAFile), "127.0.0.1")
	if code != ExitUsage || !strings.Contains(stderr, "holds no PEM certificate") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
