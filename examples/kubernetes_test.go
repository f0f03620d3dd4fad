package examples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// k8sObject is the part of a Kubernetes manifest these tests read.
type k8sObject struct {
	Kind string `yaml:"kind"`
	Data map[string]string
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				InitContainers []k8sContainer `yaml:"initContainers"`
				Containers     []k8sContainer `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name, Value string
	} `yaml:"env"`
}

func readManifests(t *testing.T, path string) []k8sObject {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var objs []k8sObject
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			if err.Error() == "EOF" {
				return objs
			}
			t.Fatalf("%s: %v", path, err)
		}
		objs = append(objs, o)
	}
}

func find(t *testing.T, objs []k8sObject, kind string) k8sObject {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind {
			return o
		}
	}
	t.Fatalf("no %s", kind)
	return k8sObject{}
}

// k8sVar is a $(NAME) reference, which Kubernetes expands in args.
var k8sVar = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand does what Kubernetes does to a container's args: $(NAME) becomes
// the value of NAME among vars; there is no shell, no globbing, no
// arithmetic. paths moves the container's mounts into dir.
func expand(args []string, vars map[string]string, mounts map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		a = k8sVar.ReplaceAllStringFunc(a, func(ref string) string {
			if v, ok := vars[ref[2:len(ref)-1]]; ok {
				return v
			}
			return ref
		})
		for mount, dir := range mounts {
			a = strings.ReplaceAll(a, mount, dir)
		}
		out[i] = a
	}
	return out
}

// TestKubernetesNoShell: every container of the examples runs the image's
// entrypoint (no command, so no shell is needed), the Indexed Job hands its
// index to --shard in the zero-based form, and N is the same everywhere.
func TestKubernetesNoShell(t *testing.T) {
	shards := readManifests(t, "kubernetes/shards-job.yaml")
	merge := readManifests(t, "kubernetes/merge-job.yaml")
	job := find(t, shards, "Job")
	n := job.Spec.Completions
	if job.Spec.CompletionMode != "Indexed" || n < 2 || job.Spec.Parallelism != n {
		t.Errorf("shards job: mode %q, completions %d, parallelism %d; want Indexed and N = completions = parallelism",
			job.Spec.CompletionMode, n, job.Spec.Parallelism)
	}
	var all []k8sContainer
	for _, o := range append(shards, merge...) {
		all = append(all, o.Spec.Template.Spec.InitContainers...)
		all = append(all, o.Spec.Template.Spec.Containers...)
	}
	for _, c := range all {
		if len(c.Command) > 0 {
			t.Errorf("container %s sets command %q; the image has no shell, use its entrypoint", c.Name, c.Command)
		}
		for _, a := range c.Args {
			if strings.ContainsAny(a, "*;&|`") || strings.Contains(a, "${") || strings.Contains(a, "$((") {
				t.Errorf("container %s: arg %q needs a shell", c.Name, a)
			}
		}
	}
	want := "--shard=index:$(JOB_COMPLETION_INDEX)/" + strconv.Itoa(n)
	if c := job.Spec.Template.Spec.Containers[0]; !contains(c.Args, want) {
		t.Errorf("shards job args %q lack %q", c.Args, want)
	}
}

// TestKubernetesJobsRun plays both jobs against the demo estate on
// loopback: the shard container's args, with $(JOB_COMPLETION_INDEX)
// expanded for each index as Kubernetes does, the merge init container and
// the report container, with their mounts in a temporary folder. The
// merged report must be the complete sweep.
func TestKubernetesJobsRun(t *testing.T) {
	e, err := lab.Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	dir := t.TempDir()
	mounts := map[string]string{"/config/": dir + "/config/", "/results/": dir + "/results/"}
	for _, d := range mounts {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	shards := readManifests(t, "kubernetes/shards-job.yaml")
	if !strings.Contains(find(t, shards, "ConfigMap").Data["targets.txt"], "<replace-with") {
		t.Error("the example's targets.txt should be a placeholder tlsweep refuses")
	}
	// The estate instead of the placeholder; the demo CA is not in the system roots, which changes no count.
	targets := e.Code42 + "\n" + e.Sesam + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config", "targets.txt"), []byte(targets), 0o644); err != nil {
		t.Fatal(err)
	}
	job := find(t, shards, "Job")
	c := job.Spec.Template.Spec.Containers[0]
	var wg sync.WaitGroup
	errs := make([]string, job.Spec.Completions)
	for i := 0; i < job.Spec.Completions; i++ {
		wg.Add(1)
		go func(i int) { // as parallelism N runs them
			defer wg.Done()
			args := expand(c.Args, map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(i)}, mounts)
			if out, err := exec.Command(tlsweepBin, args...).CombinedOutput(); err != nil {
				errs[i] = err.Error() + ": " + string(out)
			}
		}(i)
	}
	wg.Wait()
	for i, msg := range errs {
		if msg != "" {
			t.Fatalf("shard pod %d: %s", i, msg)
		}
	}
	mergeJob := find(t, readManifests(t, "kubernetes/merge-job.yaml"), "Job")
	for _, c := range append(mergeJob.Spec.Template.Spec.InitContainers, mergeJob.Spec.Template.Spec.Containers...) {
		run(t, "", tlsweepBin, expand(c.Args, nil, mounts)...)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results", "all.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := parseReport(t, string(b))
	if !r.Complete || r.Summary.Open != 9 || r.Shard != "" {
		t.Errorf("merged report: complete %v, %d open, shard %q; want the complete sweep of the estate, 9 open", r.Complete, r.Summary.Open, r.Shard)
	}
	if _, err := os.Stat(filepath.Join(dir, "results", "all.html")); err != nil {
		t.Errorf("the report container wrote no all.html: %v", err)
	}
}

func contains(list []string, s string) bool { return index(list, s) >= 0 }
