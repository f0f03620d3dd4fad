// Package report is the model of a sweep's results: the typed Report,
// Endpoint and Finding that make the JSON contract "tlsweep/v1", how a
// report is read and written as JSON, compared with a baseline (diff) and
// joined from shards (merge).
//
// Judging an endpoint is the findings package's job, the TLS registry
// (versions, suites, alerts) is tlsinfo's, and writing a report for people
// is report/render's.
package report

import "time"

// Schema names the JSON document format. It changes only when a field is
// removed or changes meaning; new fields may appear within one schema.
const Schema = "tlsweep/v1"

// Report is one sweep: what was asked, what was found, and how it ended.
type Report struct {
	Schema     string    `json:"schema"`
	Tool       Tool      `json:"tool"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Complete   bool      `json:"complete"`
	// Shard is "K/N" when this report covers slice K of N of the probe space
	// (scan --shard); merge joins the N slices into one report.
	Shard     string     `json:"shard,omitempty"`
	Targets   []string   `json:"targets"`
	Ports     []int      `json:"ports"`
	Summary   Summary    `json:"summary"`
	Endpoints []Endpoint `json:"endpoints"`
	// Changes compares the report with a baseline (scan --baseline, diff);
	// absent when there was none.
	Changes *Changes `json:"changes,omitempty"`
}

// Tool identifies the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts what the sweep saw. Closed and filtered ports are counted
// here even when they are not listed in Endpoints.
type Summary struct {
	Hosts     int            `json:"hosts"`
	Probes    int            `json:"probes"`
	Open      int            `json:"open"`
	Closed    int            `json:"closed"`
	Filtered  int            `json:"filtered"`
	TLS       int            `json:"tls"`
	Encrypted int            `json:"encrypted"` // SSH and other non-TLS encryption
	Plaintext int            `json:"plaintext"`
	Unknown   int            `json:"unknown"`
	Findings  SeverityCounts `json:"findings"`
	// Timing is what the connect phase learned (absent in merged reports).
	Timing *Timing `json:"timing,omitempty"`
}

// Timing describes the connect phase's adaptive timing.
type Timing struct {
	Adaptive   bool    `json:"adaptive"`    // waits learned from round trips (false: --fixed-timeout)
	RTTSamples uint64  `json:"rtt_samples"` // answered connects (SYN-ACK or RST) measured
	RTTP50Ms   float64 `json:"rtt_p50_ms"`  // median connect round trip, milliseconds
	RTTP90Ms   float64 `json:"rtt_p90_ms"`  // 90th percentile
	Retries    uint64  `json:"retries"`     // second SYNs sent to probes silent after the learned wait
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// State is what a TCP connect to the endpoint showed.
type State string

const (
	StateOpen     State = "open"     // the connection was accepted
	StateClosed   State = "closed"   // refused (RST)
	StateFiltered State = "filtered" // no answer within the timeout, or unreachable
)

// Transport is what an open port speaks.
type Transport string

const (
	TransportTLS Transport = "tls"
	// TransportEncrypted is an encrypted protocol other than TLS, named by
	// Protocol: "ssh", whose version banner comes in clear before the
	// key exchange.
	TransportEncrypted Transport = "encrypted"
	TransportPlaintext Transport = "plaintext"
	TransportUnknown   Transport = "unknown" // open, but silent or undecidable
)

// Endpoint is everything learned about one host:port.
type Endpoint struct {
	Host      string    `json:"host"`
	IP        string    `json:"ip"`
	Port      int       `json:"port"`
	Service   string    `json:"service,omitempty"`
	State     State     `json:"state"`
	Transport Transport `json:"transport,omitempty"`
	// Protocol names what a plaintext or encrypted (non-TLS) port speaks:
	// http, ftp, smtp, pop3, imap or unknown in plaintext, ssh encrypted.
	Protocol string `json:"protocol,omitempty"`
	// Banner is the first line the peer sent, escaped and truncated.
	Banner string `json:"banner,omitempty"`
	// Error says what went wrong while probing an open port.
	Error string `json:"error,omitempty"`
	// Cause is the typed error behind Error while a sweep runs: code tells
	// failures apart with errors.Is and errors.As on it, never by Error's
	// text. It is not part of the JSON (nil in a report read back).
	Cause error `json:"-"`
	TLS   *TLS  `json:"tls,omitempty"`
	// HTTP is what an HTTP request showed: a GET on plaintext HTTP, a HEAD
	// inside TLS on any port where HTTP answered it.
	HTTP *HTTP `json:"http,omitempty"`
	// StartTLS names the protocol upgraded in-band ("ftp" after AUTH TLS,
	// "smtp" after STARTTLS); TLS then describes the upgraded session.
	StartTLS string    `json:"starttls,omitempty"`
	Findings []Finding `json:"findings"`
}

// Fail records err as the endpoint's error, its text in Error and the
// error itself in Cause; Fail(nil) clears both.
func (e *Endpoint) Fail(err error) {
	e.Cause, e.Error = err, ""
	if err != nil {
		e.Error = err.Error()
	}
}

// HTTP is the answer to one GET / (plaintext) or HEAD / (inside TLS) request.
type HTTP struct {
	Status int    `json:"status"`
	Server string `json:"server,omitempty"`
	// RedirectHTTPS is true when a plaintext HTTP port redirects to https://.
	RedirectHTTPS bool   `json:"redirect_https"`
	Location      string `json:"location,omitempty"`
}

// HSTS is a parsed Strict-Transport-Security header.
type HSTS struct {
	Header            string `json:"header"`
	MaxAge            int64  `json:"max_age"`
	IncludeSubDomains bool   `json:"include_subdomains"`
	Preload           bool   `json:"preload"`
}

// AcceptedCipher is a cipher suite the server accepted for a version.
type AcceptedCipher struct {
	Version string `json:"version"`
	Name    string `json:"name"`
	// ID is the IANA value as hex, e.g. "0xC02F".
	ID string `json:"id"`
	// Strength is insecure, weak, acceptable or strong (see tlsinfo.CipherSuite.Strength).
	Strength string `json:"strength"`
}

// TLS is what the TLS handshake showed.
type TLS struct {
	Version string `json:"version"`
	Cipher  string `json:"cipher"`
	SNI     string `json:"sni"`
	// Trusted is true when the chain verifies against the system roots and
	// any --ca-file bundle; TrustError says why not.
	Trusted    bool   `json:"trusted"`
	TrustError string `json:"trust_error,omitempty"`
	// HostnameMatch is set only when a name was checked (the target was a
	// hostname, or --sni was given).
	HostnameMatch *bool         `json:"hostname_match,omitempty"`
	Chain         []Certificate `json:"chain"`
	// Versions lists every protocol version the server accepts, oldest first
	// (SSL2.0 ... TLS1.3), from hand-built ClientHellos.
	Versions []string `json:"versions,omitempty"`
	// Ciphers lists accepted suites: every one with --ciphers (in the
	// server's preference order per version), otherwise the weak ones found.
	Ciphers []AcceptedCipher `json:"ciphers,omitempty"`
	// CiphersCapped is true when the suite search stopped at its share of
	// the connection budget: the server may accept more (weak) suites
	// than Ciphers lists; --ciphers lists them all.
	CiphersCapped bool `json:"ciphers_capped,omitempty"`
	// HSTS is the Strict-Transport-Security header, where HTTP answered
	// inside TLS.
	HSTS *HSTS `json:"hsts,omitempty"`
	// AppProtocol names what speaks inside TLS: http, ftp, smtp, ssh, pop3,
	// imap or unknown. Absent when it was not asked (--discovery-only, an
	// FTP AUTH TLS session, a handshake only tlsx's zcrypto mode completed).
	AppProtocol string `json:"app_protocol,omitempty"`
	// AppBanner is the first line the server sent inside TLS when it was
	// not HTTP (a greeting, or its answer to the HEAD request), escaped and
	// truncated like Endpoint.Banner.
	AppBanner string `json:"app_banner,omitempty"`
	// Grade is the letter grade after the SSL Labs rating guide.
	Grade string `json:"grade,omitempty"`
	// Vulns are the known-vulnerability checks' results (absent with
	// --no-vulns or --discovery-only).
	Vulns *Vulns `json:"vulns,omitempty"`
}

// Certificate describes one certificate of the chain the server sent, leaf first.
type Certificate struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	CommonName         string    `json:"common_name"`
	SANs               []string  `json:"sans"`
	Serial             string    `json:"serial"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	DaysLeft           int       `json:"days_left"`
	SignatureAlgorithm string    `json:"signature_algorithm"`
	KeyType            string    `json:"key_type"`
	KeyBits            int       `json:"key_bits"`
	SHA256             string    `json:"sha256"`
	SelfSigned         bool      `json:"self_signed"`
	IsCA               bool      `json:"is_ca"`
}

// Finding is one thing wrong with an endpoint. ID is stable across releases.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Detail   string   `json:"detail"`
	// Change is "new" or "unchanged" when the report was compared with a
	// baseline (see Compare), and empty otherwise.
	Change string `json:"change,omitempty"`
}

// Leaf is the first certificate of the chain the endpoint sent, or nil.
func (ep *Endpoint) Leaf() *Certificate {
	if ep.TLS == nil || len(ep.TLS.Chain) == 0 {
		return nil
	}
	return &ep.TLS.Chain[0]
}
