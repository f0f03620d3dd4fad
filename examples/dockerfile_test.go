// Package examples holds deployment examples (cron, systemd, Kubernetes) and
// the tests that prove what can be proved about them, and about the
// repository's Dockerfile, without a container engine or a cluster: the
// binary is built with the Dockerfile's own build command and run as the
// image and the jobs would run it, on loopback only.
package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/internal/testbuild"
)

// image is what the Dockerfile says: how its build stage builds tlsweep and
// what its final stage holds.
type image struct {
	buildEnv  []string          // NAME=VALUE before "go build"
	buildArgs []string          // go build flags, without -o and the package
	binary    string            // where the build stage writes the binary (-o)
	base      string            // FROM of the final stage
	copies    map[string]string // final stage: destination -> source in the build stage
	uid, gid  int               // USER of the final stage
	entry     []string          // ENTRYPOINT of the final stage
}

// buildVersion stands in for the Dockerfile's VERSION build argument.
const buildVersion = "container-test"

func readDockerfile(path string) (image, error) {
	img := image{copies: map[string]string{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return img, err
	}
	stage := 0
	for n, line := range strings.Split(string(b), "\n") {
		words := shellWords(strings.ReplaceAll(line, "${VERSION}", buildVersion))
		if len(words) == 0 || strings.HasPrefix(words[0], "#") {
			continue
		}
		switch words[0] {
		case "FROM":
			stage++
			img.base = words[1]
		case "RUN":
			if i := index(words, "go"); i > 0 && index(words, "build") == i+1 {
				img.buildEnv = words[1:i]
				err = img.readBuild(words[i+2:])
			}
		case "COPY":
			if len(words) == 4 && words[1] == "--from=build" {
				img.copies[words[3]] = words[2]
			}
		case "USER":
			uid, gid, _ := strings.Cut(words[1], ":")
			img.uid, err = strconv.Atoi(uid)
			if err == nil {
				img.gid, err = strconv.Atoi(gid)
			}
		case "ENTRYPOINT":
			img.entry = jsonArray(strings.TrimSpace(strings.TrimPrefix(line, "ENTRYPOINT")))
		}
		if err != nil {
			return img, fmt.Errorf("%s:%d: %v", path, n+1, err)
		}
	}
	if stage < 2 || img.binary == "" || len(img.entry) == 0 {
		return img, fmt.Errorf("%s: want a build stage running go build -o and a final stage with an ENTRYPOINT", path)
	}
	return img, nil
}

func (img *image) readBuild(args []string) error {
	n := len(args)
	if n < 3 || args[n-1] != "." || args[n-3] != "-o" {
		return fmt.Errorf("go build must end with -o FILE . (got %q)", args)
	}
	img.binary, img.buildArgs = args[n-2], args[:n-3]
	return nil
}

func index(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}

// shellWords splits a Dockerfile line into words the way its shell form
// would: on blanks outside double quotes, the quotes removed.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// jsonArray reads the exec form ["a", "b"].
func jsonArray(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.Trim(strings.TrimSpace(part), `"`); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// The binary every test of this package runs: built as the Dockerfile
// builds it.
var (
	dockerImage image
	tlsweepBin  string
)

func TestMain(m *testing.M) {
	os.Exit(buildImageBinary(m))
}

func buildImageBinary(m *testing.M) int {
	var err error
	dockerImage, err = readDockerfile("../Dockerfile")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "tlsweep-image-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if tlsweepBin, err = testbuild.Build(dir, dockerImage.buildEnv, dockerImage.buildArgs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// TestDockerfileShape: the build is static (CGO_ENABLED=0) and stamps the
// version; the final image is FROM scratch, holds only the binary and the
// CA roots, runs as a non-root user and starts tlsweep itself.
func TestDockerfileShape(t *testing.T) {
	img := dockerImage
	if index(img.buildEnv, "CGO_ENABLED=0") < 0 {
		t.Errorf("the build stage must build with CGO_ENABLED=0, got env %q", img.buildEnv)
	}
	if img.base != "scratch" {
		t.Errorf("the final stage is FROM %s, want scratch (nothing but what is copied)", img.base)
	}
	want := map[string]bool{"/etc/ssl/certs/ca-certificates.crt": true}
	for dst, src := range img.copies {
		if src == img.binary {
			want[dst] = true
			if len(img.entry) == 0 || img.entry[0] != dst {
				t.Errorf("ENTRYPOINT %q does not start the binary %s", img.entry, dst)
			}
		}
	}
	if len(want) != 2 || len(img.copies) != 2 {
		t.Errorf("the final stage copies %v; want the binary and /etc/ssl/certs/ca-certificates.crt only", img.copies)
	}
	if img.uid == 0 || img.gid == 0 {
		t.Errorf("USER %d:%d: the image must not run as root", img.uid, img.gid)
	}
	out := run(t, "", tlsweepBin, "--version")
	if !strings.Contains(out, buildVersion) {
		t.Errorf("tlsweep --version says %q; the Dockerfile's -X does not reach the version (want %q)", out, buildVersion)
	}
}

// imageRoot makes the image's file system: an empty folder holding only
// what the final stage copies, the CA bundle with extra PEM appended.
func imageRoot(t *testing.T, extraPEM []byte) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for dst, src := range dockerImage.copies {
		mode := os.FileMode(0o644)
		if src == dockerImage.binary {
			src, mode = tlsweepBin, 0o755
		}
		b, err := os.ReadFile(src) // the build stage is Debian, like the machines the tests run on
		if err != nil {
			t.Fatal(err)
		}
		if mode == 0o644 {
			b = append(b, extraPEM...)
		}
		path := filepath.Join(root, filepath.FromSlash(dst))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
