package report

// VulnStatus is the verdict of one known-vulnerability check.
type VulnStatus string

const (
	// VulnFound: the server behaves like a vulnerable one.
	VulnFound VulnStatus = "vulnerable"
	// VulnNotFound: the check ran and the server behaved like a patched one.
	VulnNotFound VulnStatus = "not_vulnerable"
	// VulnNotApplicable: the server lacks what the flaw needs (no
	// heartbeat extension, no RSA key exchange, a single version...).
	VulnNotApplicable VulnStatus = "not_applicable"
)

// Vulns holds what the known-vulnerability checks learned about a TLS
// endpoint (scan without --no-vulns). A status left empty was not tested:
// the server speaks no version the check needs, or the scan stopped first.
type Vulns struct {
	// Heartbleed (CVE-2014-0160): a heartbeat request claiming more payload
	// than it carried was answered. HeartbleedBytes is the length of that
	// answer; its contents are never read.
	Heartbleed      VulnStatus `json:"heartbleed,omitempty"`
	HeartbleedBytes int        `json:"heartbleed_bytes,omitempty"`
	// CCSInjection (CVE-2014-0224): an early ChangeCipherSpec was accepted.
	CCSInjection VulnStatus `json:"ccs_injection,omitempty"`
	// ROBOT: RSA key exchange answers differ with the PKCS#1 padding of the
	// encrypted premaster secret; ROBOTOracle is "strong" or "weak".
	ROBOT       VulnStatus `json:"robot,omitempty"`
	ROBOTOracle string     `json:"robot_oracle,omitempty"`
	// SecureRenegotiation is whether the ServerHello carries the RFC 5746
	// renegotiation_info extension (absent: not tested).
	SecureRenegotiation *bool `json:"secure_renegotiation,omitempty"`
	// Compression is the compression method the server chose when offered
	// DEFLATE: "none" or "deflate" (CRIME).
	Compression string `json:"compression,omitempty"`
	// ClientRenegotiation: a renegotiation the client started inside an
	// established TLS 1.2 session was accepted (--all-vulns).
	ClientRenegotiation VulnStatus `json:"client_renegotiation,omitempty"`
	// FallbackSCSV: vulnerable when a hello below the newest version,
	// carrying TLS_FALLBACK_SCSV, was accepted (RFC 7507).
	FallbackSCSV VulnStatus `json:"fallback_scsv,omitempty"`
	// DHBits is the size of the finite-field Diffie-Hellman prime a DHE
	// suite used; DHPrime names it when it is a widely shared one.
	DHBits  int    `json:"dh_bits,omitempty"`
	DHPrime string `json:"dh_prime,omitempty"`
	// ClientCertificate is "required" when the server refuses a client
	// without a certificate, "optional" when it asks for one but goes on.
	ClientCertificate string `json:"client_certificate,omitempty"`
	// Connections counts the connections the checks made.
	Connections int `json:"connections"`
}
