package examples

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// run runs a command and returns its stdout; any failure fails the test.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// runImage runs the image's ENTRYPOINT with args the way a container
// engine would: root is the whole file system, the process runs as the
// image's USER, with an empty environment. It returns stdout, stderr and
// the exit code.
func runImage(t *testing.T, root string, args ...string) (string, string, int) {
	t.Helper()
	entry := dockerImage.entry
	cmd := exec.Command(entry[0], append(entry[1:len(entry):len(entry)], args...)...)
	cmd.Dir = "/"
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uint32(dockerImage.uid), Gid: uint32(dockerImage.gid)},
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("run %q in %s: %v", cmd.Args, root, err)
	}
	return stdout.String(), stderr.String(), 0
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to chroot into the image's file system and take the image's user; CI runs as root, run it there or as root")
	}
}

// scanReport is the part of the JSON report these tests read.
type scanReport struct {
	Complete bool   `json:"complete"`
	Shard    string `json:"shard"`
	Summary  struct {
		Open, TLS, Plaintext int
	} `json:"summary"`
	Endpoints []struct {
		Port     int `json:"port"`
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
		TLS *struct {
			Trusted    bool   `json:"trusted"`
			TrustError string `json:"trust_error"`
		} `json:"tls"`
	} `json:"endpoints"`
}

func parseReport(t *testing.T, out string) scanReport {
	t.Helper()
	var r scanReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, out)
	}
	return r
}

// TestImageScansTheDemoEstate: the static binary, alone with the CA bundle
// in an empty root and running as the image's non-root user, runs
// `tlsweep demo` and scans the whole demo estate on loopback.
func TestImageScansTheDemoEstate(t *testing.T) {
	needRoot(t)
	root := imageRoot(t, nil)
	out, stderr, code := runImage(t, root, "demo", "-f", "json", "--no-progress")
	if code != 0 {
		t.Fatalf("tlsweep demo in the image: exit %d\n%s", code, stderr)
	}
	r := parseReport(t, out)
	if !r.Complete || r.Summary.Open != 9 || r.Summary.TLS != 4 || r.Summary.Plaintext != 4 {
		t.Errorf("demo in the image: complete %v, %d open (%d tls, %d plaintext); want complete, 9 open (4 tls, 4 plaintext)",
			r.Complete, r.Summary.Open, r.Summary.TLS, r.Summary.Plaintext)
	}

	// The image's user is not root: it cannot write to the image's root.
	if err := os.WriteFile(root+"/scan.json", []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runImage(t, root, "report", "-f", "json", "-o", "/copy.json", "/scan.json")
	if code == 0 || !strings.Contains(stderr, "permission denied") {
		t.Errorf("writing into / as the image's user: exit %d, %s; want permission denied (is the user root?)", code, stderr)
	}
}

// TestImageTrustsItsCABundle: the binary in the image judges trust by the
// image's CA bundle, /etc/ssl/certs/ca-certificates.crt: a server whose CA
// is in the bundle is trusted, the same server is not when it is not.
func TestImageTrustsItsCABundle(t *testing.T) {
	needRoot(t)
	e, err := lab.Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	target := e.Sesam + ":11443"
	for _, tc := range []struct {
		name    string
		extra   []byte
		trusted bool
	}{
		{"CA in the bundle", e.CA.CertPEM(), true},
		{"CA not in the bundle", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := imageRoot(t, tc.extra)
			out, stderr, code := runImage(t, root, "scan", "-f", "json", "--no-progress", "--discovery-only", target)
			if code != 0 {
				t.Fatalf("tlsweep scan %s in the image: exit %d\n%s", target, code, stderr)
			}
			r := parseReport(t, out)
			if len(r.Endpoints) != 1 || r.Endpoints[0].TLS == nil {
				t.Fatalf("want one TLS endpoint, got %s", out)
			}
			if got := r.Endpoints[0].TLS; got.Trusted != tc.trusted {
				t.Errorf("trusted = %v (%s), want %v", got.Trusted, got.TrustError, tc.trusted)
			}
		})
	}
}
