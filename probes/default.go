package probes

import (
	"crypto/x509"
	"time"
)

// Every probe Default lists implements Probe.
var (
	_ Probe = (*TLS)(nil)
	_ Probe = (*Versions)(nil)
	_ Probe = (*Plaintext)(nil)
	_ Probe = (*HTTP)(nil)
	_ Probe = (*FTP)(nil)
	_ Probe = (*SMTP)(nil)
	_ Probe = (*Upgraded)(nil)
)

// Config is what the default pipeline takes from the command line.
type Config struct {
	// Timeout is --timeout: each connect, wait and handshake.
	Timeout time.Duration
	// Patience is --endpoint-timeout: how long a TLS handshake may take once
	// the peer has answered (default 4x Timeout).
	Patience time.Duration
	// Roots verify certificate chains; nil means the system roots plus
	// ExtraRoots, loaded when the first chain is verified.
	Roots *x509.CertPool
	// ExtraRoots (--ca-file) are trusted besides the system roots.
	ExtraRoots []*x509.Certificate
	// UserAgent is sent with HTTP requests; default "tlsweep".
	UserAgent string
	// DiscoveryOnly (--discovery-only) keeps one handshake per TLS
	// endpoint: the TLS and plaintext probes only.
	DiscoveryOnly bool
	// FullCiphers (--ciphers) enumerates every accepted suite.
	FullCiphers bool
	// NoVulns (--no-vulns) leaves out the known-vulnerability checks;
	// AllVulns (--all-vulns) adds those beyond the connection budget.
	NoVulns, AllVulns bool
}

// Default returns the probes every open endpoint goes through, in order:
// the TLS handshake (which also tells plaintext from TLS and, unless
// DiscoveryOnly, asks on its connection what speaks inside TLS); unless
// DiscoveryOnly, the accepted versions and weak suites, then (unless
// NoVulns) the known-vulnerability checks, which build on them; plaintext
// identification; unless DiscoveryOnly, plaintext HTTP, FTP AUTH TLS and
// SMTP STARTTLS, then the version scan and (unless NoVulns) the checks
// again on an endpoint one of those upgraded, through the upgrade.
// The command line and the tests both run this list.
func Default(cfg Config) ([]Probe, error) {
	tlsProbe, err := NewTLS(TLSConfig{Timeout: cfg.Timeout, Patience: cfg.Patience, Roots: cfg.Roots, ExtraRoots: cfg.ExtraRoots,
		AppProtocol: !cfg.DiscoveryOnly, UserAgent: cfg.UserAgent})
	if err != nil {
		return nil, err
	}
	plain := NewPlaintext(PlaintextConfig{Timeout: cfg.Timeout, UserAgent: cfg.UserAgent})
	if cfg.DiscoveryOnly {
		return []Probe{tlsProbe, plain}, nil
	}
	versions := NewVersions(VersionsConfig{Timeout: cfg.Timeout, Full: cfg.FullCiphers})
	list := []Probe{tlsProbe, versions}
	var vulns *Vulns
	if !cfg.NoVulns {
		vulns = NewVulns(VulnsConfig{Timeout: cfg.Timeout, Extra: cfg.AllVulns})
		list = append(list, vulns)
	}
	return append(list,
		plain,
		NewHTTP(HTTPConfig{Timeout: cfg.Timeout, UserAgent: cfg.UserAgent}),
		NewFTP(FTPConfig{Timeout: cfg.Timeout}, tlsProbe),
		NewSMTP(SMTPConfig{Timeout: cfg.Timeout}, tlsProbe),
		NewUpgraded(cfg.Timeout, versions, vulns),
	), nil
}
