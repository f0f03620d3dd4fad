// Package testbuild builds the tlsweep command for the tests that must run
// the real binary, as a user does: the documentation checks (docs/) and the
// container checks (examples/).
package testbuild

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ModuleRoot is the folder holding go.mod, found upwards from the working
// directory (a test runs in its package's folder).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Build runs `go build ARGS... -o DIR/tlsweep .` in the module root with the
// given extra environment (e.g. CGO_ENABLED=0) and returns the binary's path.
func Build(dir string, env []string, args ...string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	// The go command on PATH: .ci/run puts the toolchain there.
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "tlsweep")
	cmd := exec.Command(gocmd, append(append([]string{"build"}, args...), "-o", bin, ".")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}
