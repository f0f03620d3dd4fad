package findings

import (
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report"
)

// Finding details name what a server sent with the one escape of the
// report package: BEL is \x07 (as in every renderer), never Go's \a, and
// a string the probe already escaped (the HSTS header) is not escaped a
// second time.
func TestDetailEscaping(t *testing.T) {
	ep := goodEndpoint()
	l := &ep.TLS.Chain[0]
	l.Subject, l.Issuer = "CN=bell\x07\u202e", "CN=bell\x07\u202e"
	ep.TLS.Chain = ep.TLS.Chain[:1]
	ep.TLS.Trusted = false
	ep.TLS.HostnameMatch = boolPtr(false)
	ep.TLS.SNI = "sni\x07"
	l.SANs = []string{"san\x07"}
	ep.HTTP = &report.HTTP{Status: 200}
	ep.TLS.HSTS = &report.HSTS{Header: `max-age=\x07`, MaxAge: -1} // as probes store it
	seen := map[string]bool{}
	for _, f := range evaluate(ep, ruleConfig) {
		seen[f.ID] = true
		if strings.Contains(f.Detail, `\a`) || strings.ContainsAny(f.Detail, "\x07\u202e") {
			t.Errorf("%s: detail %q holds \\a or a raw control", f.ID, f.Detail)
		}
		switch f.ID {
		case "untrusted-certificate", "self-signed-certificate", "hostname-mismatch":
			if !strings.Contains(f.Detail, `\x07`) {
				t.Errorf("%s: detail %q does not show BEL as \\x07", f.ID, f.Detail)
			}
		case "missing-hsts":
			if want := `"max-age=\x07"`; !strings.Contains(f.Detail, want) {
				t.Errorf("missing-hsts: detail %q, want it to hold %s once escaped", f.Detail, want)
			}
		}
	}
	for _, id := range []string{"hostname-mismatch", "missing-hsts"} {
		if !seen[id] {
			t.Errorf("%s not raised; the test shows nothing", id)
		}
	}
	if !seen["untrusted-certificate"] && !seen["self-signed-certificate"] {
		t.Error("no trust finding raised; the test shows nothing")
	}
}
