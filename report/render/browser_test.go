package render

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

// hostileScript is a network string that would retitle the page if the
// report let it run.
const hostileScript = `<script>document.title='pwned'</script>`

// chromium runs Debian's headless chromium on the file page with args and
// returns its standard output. It only opens a file:// page: no network.
func chromium(t *testing.T, bin, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	t.Logf("chromium %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return stdout.Bytes()
}

// The HTML report of a 504-endpoint sweep, opened in a real browser: the
// DOM chromium builds shows the findings grouped by rule, worst severity
// first, with each rule's endpoint count; the expiry timeline's count per
// bucket; and no script, though a host name and a target carry one. The
// screenshot is a PNG of the window's size.
func TestHTMLInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian package chromium): the HTML report is not checked in a browser")
	}
	r := bigReport(504)
	r.Targets = append([]string{hostileScript}, r.Targets...)
	r.Endpoints[0].Host = hostileScript
	spreadExpiry(r)
	var buf bytes.Buffer
	if err := mustNew(t, "html", Options{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dom := string(chromium(t, bin, page, "--dump-dom"))
	if !strings.Contains(dom, ">Endpoints</h2>") {
		t.Fatalf("chromium's DOM lacks the endpoint table:\n%.2000s", dom)
	}
	checkNoScript(t, dom)
	checkFixGroups(t, dom, r)
	checkExpiryTimeline(t, dom, r)

	shot := filepath.Join(dir, "report.png")
	chromium(t, bin, page, "--screenshot="+shot, "--window-size=1280,2000")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
}

// spreadExpiry gives every fifth leaf 3 days and every fifth, offset, 60
// days, so each bar of the expiry timeline has certificates.
func spreadExpiry(r *report.Report) {
	k := 0
	for i := range r.Endpoints {
		ep := &r.Endpoints[i]
		if ep.Leaf() == nil {
			continue
		}
		k++
		days := map[int]int{1: 3, 3: 60}[k%5]
		if days == 0 {
			continue
		}
		tls := *ep.TLS
		tls.Chain = append([]report.Certificate{reporttest.Cert(fmt.Sprintf("leaf%d.test", k), "Test CA", days)}, tls.Chain[1:]...)
		ep.TLS = &tls
	}
}

// checkNoScript: the page has no script element and a policy that forbids
// them, and the hostile strings are text: the title is the report's, the
// body shows them escaped.
func checkNoScript(t *testing.T, dom string) {
	t.Helper()
	if regexp.MustCompile(`(?i)<script`).MatchString(dom) {
		t.Error("the DOM holds a script element")
	}
	csp := `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`
	if !strings.Contains(dom, csp) {
		t.Error("the page lacks the Content-Security-Policy that forbids scripts and external resources")
	}
	title := regexp.MustCompile(`(?s)<title>(.*?)</title>`).FindStringSubmatch(dom)
	escaped := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(hostileScript)
	if title == nil || !strings.HasPrefix(title[1], "tlsweep report: "+escaped) {
		t.Errorf("DOM title %q: a script changed it, or the target is not shown as text", title)
	}
	if n := strings.Count(dom, escaped); n < 3 {
		t.Errorf("the hostile string shows as text %d times, want the target, the host and the endpoint", n)
	}
}

// fixRow is one row of "What to fix" in the DOM: the severity badge, the
// rule id, the endpoint count in the summary and the list items.
var fixRow = regexp.MustCompile(`(?s)<tr><td[^>]*><span[^>]*>([a-z]+)</span></td><td[^>]*><b>[^<]*</b><br><span[^>]*>([^<]*)</span></td><td[^>]*><details><summary><b>(\d+)</b> endpoints?</summary><ul[^>]*>(.*?)</ul>`)

func checkFixGroups(t *testing.T, dom string, r *report.Report) {
	t.Helper()
	want, worst := map[string]int{}, map[string]report.Severity{}
	for i := range r.Endpoints {
		seen := map[string]bool{}
		for _, f := range r.Endpoints[i].Findings {
			if !seen[f.ID] {
				want[f.ID]++
			}
			seen[f.ID] = true
			worst[f.ID] = max(worst[f.ID], f.Severity)
		}
	}
	section := between(t, dom, ">What to fix</h2>", "</table>")
	rows := fixRow.FindAllStringSubmatch(section, -1)
	if len(rows) != len(want) || len(rows) == 0 {
		t.Fatalf("the DOM shows %d finding groups, want %d", len(rows), len(want))
	}
	prev := report.Severity(255)
	for _, row := range rows {
		sev, err := report.ParseSeverity(row[1])
		if err != nil {
			t.Fatal(err)
		}
		id, count := row[2], atoi(t, row[3])
		if sev != worst[id] || count != want[id] {
			t.Errorf("%s: shown as %s on %d endpoints, want %s on %d", id, sev, count, worst[id], want[id])
		}
		if items := strings.Count(row[4], "<li>"); items != count {
			t.Errorf("%s: %d endpoints listed under a count of %d", id, items, count)
		}
		if sev > prev {
			t.Errorf("%s (%s) shown after a %s finding: not worst first", id, sev, prev)
		}
		prev = sev
	}
}

// checkExpiryTimeline: each bar of the timeline shows how many leaf
// certificates fall in its bucket.
func checkExpiryTimeline(t *testing.T, dom string, r *report.Report) {
	t.Helper()
	labels := []string{"expired", "&lt; 7 days", "&lt; 30 days", "&lt; 90 days", "later"}
	want := make([]int, len(labels))
	for i := range r.Endpoints {
		l := r.Endpoints[i].Leaf()
		if l == nil || l.NotAfter.IsZero() {
			continue
		}
		switch d := l.DaysLeft; {
		case d < 0:
			want[0]++
		case d < 7:
			want[1]++
		case d < 30:
			want[2]++
		case d < 90:
			want[3]++
		default:
			want[4]++
		}
	}
	section := between(t, dom, ">Certificate expiry</h3>", "</table>")
	for i, label := range labels {
		m := regexp.MustCompile(`<td[^>]*>` + regexp.QuoteMeta(label) + `</td><td[^>]*><b>(\d+)</b>`).FindStringSubmatch(section)
		if m == nil {
			t.Errorf("the expiry timeline has no %q bar", label)
			continue
		}
		if want[i] == 0 {
			t.Errorf("expiry %q: the test report has no certificate for this bar", label)
		}
		if got := atoi(t, m[1]); got != want[i] {
			t.Errorf("expiry %q: the DOM shows %d, want %d", label, got, want[i])
		}
	}
}

// between is the part of s after from up to the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("the DOM has no %q", from)
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(fmt.Errorf("count %q: %w", s, err))
	}
	return n
}
