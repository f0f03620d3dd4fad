//go:build ignore

// testreport reads `go test -json` on stdin and prints what CI needs: each
// package's result, the full output of every failed test, and every
// skipped test with its reason and count. It exits 1 when a test failed or
// when a test skipped that the allow-list (its one argument) does not name.
//
//	go test -json ./... | go run .ci/testreport.go .ci/skips-allowed
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// allowed is one allow-list line: a package (suffix of the import path)
// and a test name pattern (path.Match); comments start a line with #, or
// follow the pattern after " #".
type allowed struct{ pkg, test string }

func readAllowList(name string) ([]allowed, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []allowed
	for n, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		line, _, _ = strings.Cut(line, " #")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want PACKAGE TEST # reason", name, n+1)
		}
		out = append(out, allowed{f[0], f[1]})
	}
	return out, nil
}

func (a allowed) match(pkg, test string) bool {
	ok, _ := path.Match(a.test, test)
	return ok && (pkg == a.pkg || strings.HasSuffix(pkg, "/"+a.pkg))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/testreport.go ALLOW-LIST < go-test.json")
		os.Exit(2)
	}
	allow, err := readAllowList(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	output := map[string][]string{} // package + test -> output lines
	var failed, skipped []string
	reasons := map[string]string{}
	bad := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Build errors and the like are not JSON: show them.
			fmt.Println(sc.Text())
			bad = true
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			output[key] = append(output[key], e.Output)
			if e.Test != "" && strings.HasPrefix(strings.TrimSpace(e.Output), "--- SKIP") {
				// The reason is the line before the SKIP line.
				if lines := output[key]; len(lines) >= 2 {
					reasons[key] = strings.TrimSpace(lines[len(lines)-2])
				}
			}
		case "fail":
			bad = true
			if e.Test != "" {
				failed = append(failed, key)
			} else {
				fmt.Printf("FAIL\t%s\t%.1fs\n", e.Package, e.Elapsed)
				if len(output[key]) > 0 && !hasTestFailure(failed, e.Package) {
					fmt.Print(strings.Join(output[key], ""))
				}
			}
		case "pass":
			if e.Test == "" {
				fmt.Printf("ok\t%s\t%.1fs\n", e.Package, e.Elapsed)
			}
			delete(output, key)
		case "skip":
			if e.Test != "" {
				skipped = append(skipped, key)
			}
		}
	}
	for _, k := range failed {
		fmt.Printf("\n--- FAIL %s\n%s", k, strings.Join(output[k], ""))
	}
	sort.Strings(skipped)
	fmt.Printf("\n%d tests skipped\n", len(skipped))
	for _, k := range skipped {
		pkg, test, _ := strings.Cut(k, " ")
		mark := "NOT ALLOWED"
		for _, a := range allow {
			if a.match(pkg, test) {
				mark = "allowed"
			}
		}
		if mark != "allowed" {
			bad = true
		}
		fmt.Printf("  %-11s %s %s: %s\n", mark, pkg, test, reasons[k])
	}
	if bad {
		fmt.Println("testreport: FAIL (a test failed, or skipped without being on " + os.Args[1] + ")")
		os.Exit(1)
	}
}

func hasTestFailure(failed []string, pkg string) bool {
	for _, k := range failed {
		if strings.HasPrefix(k, pkg+" ") {
			return true
		}
	}
	return false
}
