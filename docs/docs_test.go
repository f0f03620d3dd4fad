// Package docs holds tlsweep's documentation pages and the tests that keep
// them in step with the command: they build tlsweep and run it, as a user
// does, and compare what it prints with what the pages say.
package docs

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/internal/testbuild"
)

var update = flag.Bool("update", false, "rewrite the generated blocks in docs/*.md from the command's output")

// tlsweepBin is the binary built once for every test of this package.
var tlsweepBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "tlsweep-docs-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Built as the Dockerfile builds it (static, -trimpath), so that the
	// examples tests, which build it that way, find it in the build cache.
	tlsweepBin, err = testbuild.Build(dir, []string{"CGO_ENABLED=0"}, "-trimpath")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tlsweep runs the built command and returns its stdout; any exit other
// than 0 fails the test.
func tlsweep(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(tlsweepBin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tlsweep %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestGeneratedTables keeps the ports table of examining.md and the rules
// table of findings.md equal to what `tlsweep ports` and `tlsweep rules`
// print. go test ./docs -update rewrites them.
func TestGeneratedTables(t *testing.T) {
	for _, tc := range []struct {
		page, command string
		render        func(string) (string, error)
	}{
		{"examining.md", "ports", portsMarkdown},
		{"findings.md", "rules", rulesMarkdown},
	} {
		t.Run(tc.command, func(t *testing.T) {
			want, err := tc.render(tlsweep(t, tc.command))
			if err != nil {
				t.Fatalf("tlsweep %s: %v", tc.command, err)
			}
			page, err := os.ReadFile(tc.page)
			if err != nil {
				t.Fatal(err)
			}
			got, err := replaceBlock(string(page), "tlsweep "+tc.command, want)
			if err != nil {
				t.Fatalf("%s: %v", tc.page, err)
			}
			if got == string(page) {
				return
			}
			if *update {
				if err := os.WriteFile(tc.page, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			t.Errorf("%s: the table of `tlsweep %s` differs from the command's output "+
				"(go test ./docs -update rewrites it):\n%s", tc.page, tc.command, lineDiff(string(page), got))
		})
	}
}

// replaceBlock puts body between the page's BEGIN and END markers for what.
func replaceBlock(page, what, body string) (string, error) {
	begin := "<!-- BEGIN generated: " + what + " "
	end := "<!-- END generated: " + what + " -->"
	i := strings.Index(page, begin)
	if i < 0 {
		return "", fmt.Errorf("no %q marker", begin)
	}
	nl := strings.Index(page[i:], "\n")
	j := strings.Index(page, end)
	if nl < 0 || j < i+nl {
		return "", fmt.Errorf("no %q marker after %q", end, begin)
	}
	return page[:i+nl+1] + body + page[j:], nil
}

// columns splits one line of a tabwriter table (cells padded with at least
// two spaces) into its cells.
var columnGap = regexp.MustCompile(`\s{2,}`)

func columns(line string) []string {
	cells := columnGap.Split(strings.TrimSpace(line), -1)
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(c, "|", `\|`) // a literal | inside a Markdown cell
	}
	return cells
}

// portsMarkdown turns `tlsweep ports` (a profile line, then its ports
// indented) into a table of profiles and a table of ports. A port listed
// by several profiles must read the same in each, since it is one row.
func portsMarkdown(out string) (string, error) {
	var profiles, ports strings.Builder
	profiles.WriteString("| profile | ports | what it is |\n|---|---|---|\n")
	ports.WriteString("| port | service | tlsweep expects | vendor guidance |\n|---:|---|---|---|\n")
	seen := map[string]string{}
	var name, doc string
	var list []string
	flush := func() {
		if name != "" {
			fmt.Fprintf(&profiles, "| `%s` | %s | %s |\n", name, strings.Join(list, ", "), doc)
		}
	}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		cells := columns(line)
		if !strings.HasPrefix(line, " ") {
			if len(cells) != 2 {
				return "", fmt.Errorf("profile line %q: want 2 cells, got %d", line, len(cells))
			}
			flush()
			name, doc, list = cells[0], cells[1], nil
			continue
		}
		if len(cells) != 4 || name == "" {
			return "", fmt.Errorf("port line %q: want 4 cells under a profile, got %d", line, len(cells))
		}
		list = append(list, cells[0])
		row := fmt.Sprintf("| %s | `%s` | %s | %s |\n", cells[0], cells[1], cells[2], cells[3])
		if prev, ok := seen[cells[0]]; ok {
			if prev != row {
				return "", fmt.Errorf("port %s reads differently in two profiles:\n%s%s", cells[0], prev, row)
			}
			continue
		}
		seen[cells[0]] = row
		ports.WriteString(row)
	}
	flush()
	return profiles.String() + "\n" + ports.String(), nil
}

// rulesMarkdown turns `tlsweep rules` (a header line, then one rule a line)
// into a table.
func rulesMarkdown(out string) (string, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 || strings.Join(columns(lines[0]), "|") != "ID|SEVERITY|RAISED WHEN" {
		return "", fmt.Errorf("want a header ID, SEVERITY, RAISED WHEN, got %q", lines[0])
	}
	var b strings.Builder
	b.WriteString("| id | severity | raised when |\n|---|---|---|\n")
	for _, line := range lines[1:] {
		cells := columns(line)
		if len(cells) != 3 {
			return "", fmt.Errorf("rule line %q: want 3 cells, got %d", line, len(cells))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", cells[0], cells[1], cells[2])
	}
	return b.String(), nil
}

// lineDiff lists the lines only in old (-) and only in new (+).
func lineDiff(old, new string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	o, n := in(old), in(new)
	var b strings.Builder
	for _, l := range strings.Split(old, "\n") {
		if !n[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(new, "\n") {
		if !o[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// readPage reads a page of docs/ or, with a leading "../", of the repository.
func readPage(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
