package docs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestEveryCommandAndFlagDocumented fails when a command of `tlsweep
// --help`, or a flag of any `tlsweep COMMAND --help`, is not in cli.md.
func TestEveryCommandAndFlagDocumented(t *testing.T) {
	page := readPage(t, "cli.md")
	commands := helpSection(tlsweep(t, "--help"), "COMMANDS:")
	if len(commands) < 5 {
		t.Fatalf("tlsweep --help lists %d commands; the help format changed?", len(commands))
	}
	flags := map[string][]string{} // flag -> commands that take it
	for _, line := range helpSection(tlsweep(t, "--help"), "GLOBAL OPTIONS:") {
		for _, f := range flagNames(line) {
			flags[f] = append(flags[f], "tlsweep")
		}
	}
	for _, line := range commands {
		cmd := strings.Fields(line)[0]
		if !regexp.MustCompile("`tlsweep " + regexp.QuoteMeta(cmd) + "[ `]").MatchString(page) {
			t.Errorf("cli.md does not document the command `tlsweep %s`", cmd)
		}
		for _, opt := range helpSection(tlsweep(t, cmd, "--help"), "OPTIONS:") {
			for _, f := range flagNames(opt) {
				flags[f] = append(flags[f], cmd)
			}
		}
	}
	if len(flags) < 20 {
		t.Fatalf("found %d flags in the help; the help format changed?", len(flags))
	}
	for f, cmds := range flags {
		if !regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(f) + `([^\w-]|$)`).MatchString(page) {
			t.Errorf("cli.md does not document %s (a flag of %s)", f, strings.Join(cmds, ", "))
		}
	}
}

// helpSection returns the lines under heading (e.g. "OPTIONS:") up to the
// next heading, blank lines left out.
func helpSection(help, heading string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case strings.TrimSpace(line) == heading:
			in = true
		case in && line != "" && !strings.HasPrefix(line, " "):
			in = false
		case in && strings.TrimSpace(line) != "":
			out = append(out, line)
		}
	}
	return out
}

var flagName = regexp.MustCompile(`(?:^|[\s,])(--?[a-zA-Z][\w-]*)`)

// flagNames reads the flag names of one help line ("--ports backup, -p
// backup   port profiles..."), leaving out --help and -h.
func flagNames(line string) []string {
	head := columns(line)[0]
	var out []string
	for _, m := range flagName.FindAllStringSubmatch(head, -1) {
		if m[1] != "--help" && m[1] != "-h" {
			out = append(out, m[1])
		}
	}
	return out
}

// TestEveryJSONFieldDocumented scans the demo estate (plain, as a shard,
// and compared with a second scan of it, whose certificates are new) and
// fails when a field name of those reports is not described in json.md
// (outside its example).
func TestEveryJSONFieldDocumented(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	tlsweep(t, "demo", "-f", "json", "-o", a)
	tlsweep(t, "demo", "-f", "json", "-o", b)
	reports := []string{
		readPage(t, a),
		tlsweep(t, "demo", "-f", "json", "--shard", "1/2"),
		tlsweep(t, "diff", "-f", "json", a, b),
	}
	keys := map[string]bool{}
	for _, r := range reports {
		var v any
		if err := json.Unmarshal([]byte(r), &v); err != nil {
			t.Fatalf("a report is not JSON: %v", err)
		}
		collectKeys(v, keys)
	}
	for _, must := range []string{"shard", "changes", "certificates_changed", "change", "chain"} {
		if !keys[must] {
			t.Fatalf("the demo reports have no %q field; this test no longer sees what it should", must)
		}
	}
	text := withoutCodeBlocks(readPage(t, "json.md"))
	var missing []string
	for k := range keys {
		quoted := regexp.QuoteMeta(k)
		if !regexp.MustCompile("[`.{,]" + quoted + "[`.},\\[]").MatchString(text) {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("json.md does not describe these fields of a real report: %s", strings.Join(missing, ", "))
	}
}

func collectKeys(v any, keys map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			keys[k] = true
			collectKeys(child, keys)
		}
	case []any:
		for _, child := range v {
			collectKeys(child, keys)
		}
	}
}

// withoutCodeBlocks drops fenced code blocks, so an example does not count
// as a description.
func withoutCodeBlocks(page string) string {
	var b strings.Builder
	fenced := false
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// TestReadmeCommands checks the two commands at the top of README.md: the
// first code block runs the demo and then exactly the test command that
// .ci/run runs.
func TestReadmeCommands(t *testing.T) {
	readme := readPage(t, "../README.md")
	start := strings.Index(readme, "```sh\n")
	if start < 0 || strings.Count(readme[:start], "\n") > 15 {
		t.Fatal("README.md has no sh code block among its first 15 lines")
	}
	block := readme[start+len("```sh\n"):]
	block = block[:strings.Index(block, "```")]
	var cmds []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		cmds = append(cmds, strings.TrimSpace(cmd))
	}
	var ci string
	for _, line := range strings.Split(readPage(t, "../.ci/run"), "\n") {
		if strings.HasPrefix(line, "go test ") {
			// CI adds -json and pipes it to .ci/testreport.go, which
			// counts the skips; the command is the README's.
			cmd, _, _ := strings.Cut(line, "|")
			ci = strings.TrimSpace(strings.Replace(cmd, " -json", "", 1))
			break
		}
	}
	if ci == "" {
		t.Fatal(".ci/run runs no `go test` line at its top level")
	}
	if len(cmds) != 2 || cmds[0] != "go run . demo" || cmds[1] != ci {
		t.Errorf("README.md's first commands are %q; want [\"go run . demo\" %q] (the test command of .ci/run)", cmds, ci)
	}
	if _, err := os.Stat("../main.go"); err != nil {
		t.Errorf("`go run . demo` needs the main package at the root: %v", err)
	}
}

// TestReadmeDemoOutput: the lines README.md quotes as the end of
// `tlsweep demo` are the end of what it prints.
func TestReadmeDemoOutput(t *testing.T) {
	readme := readPage(t, "../README.md")
	start := strings.Index(readme, "```text\n")
	if start < 0 {
		t.Fatal("README.md quotes no demo output (a text block)")
	}
	quoted := readme[start+len("```text\n"):]
	quoted = strings.TrimSpace(quoted[:strings.Index(quoted, "```")])
	out := strings.TrimSpace(tlsweep(t, "demo", "--no-progress"))
	if !strings.HasSuffix(out, "\n"+quoted) {
		lines := strings.Split(out, "\n")
		t.Errorf("README.md says tlsweep demo ends with\n%s\nbut it ends with\n%s", quoted, strings.Join(lines[max(0, len(lines)-3):], "\n"))
	}
}
