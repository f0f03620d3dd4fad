package probes

import (
	"slices"
	"testing"
	"time"
)

// TestDefaultOrder: the pipeline's probes, in the order a sweep runs them,
// with and without --discovery-only; the FTP probe upgrades with the same
// TLS probe the list starts with, and so does the SMTP probe.
func TestDefaultOrder(t *testing.T) {
	for _, tc := range []struct {
		discovery, noVulns bool
		want               []string
	}{
		{false, false, []string{"tls", "versions", "vulns", "plaintext", "http", "ftp", "smtp", "starttls-scan"}},
		{false, true, []string{"tls", "versions", "plaintext", "http", "ftp", "smtp", "starttls-scan"}},
		{true, false, []string{"tls", "plaintext"}},
	} {
		list, err := Default(Config{Timeout: time.Second, DiscoveryOnly: tc.discovery, NoVulns: tc.noVulns})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range list {
			names = append(names, p.Name())
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("discovery-only %v: probes %v, want %v", tc.discovery, names, tc.want)
		}
		if got := list[0].(*TLS).cfg.AppProtocol; got == tc.discovery {
			t.Errorf("discovery-only %v: the TLS probe asks what speaks inside TLS: %v", tc.discovery, got)
		}
		if !tc.discovery && list[len(list)-3].(*FTP).tls != list[0].(*TLS) {
			t.Error("the FTP probe does not upgrade with the pipeline's TLS probe")
		}
		if !tc.discovery && list[len(list)-2].(*SMTP).tls != list[0].(*TLS) {
			t.Error("the SMTP probe does not upgrade with the pipeline's TLS probe")
		}
	}
}
