package probes

import (
	"bytes"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// Heartbleed probe: a heartbeat request claiming hbClaim payload bytes but
// carrying none, then a well-formed one with hbPayload bytes. A patched
// server drops the first and echoes the second in a record of
// hbEchoLen bytes; a vulnerable one answers the first with hbClaim bytes
// of its memory.
const (
	hbClaim   = 64
	hbPayload = 16
	hbEchoLen = 3 + hbPayload + 16 // type, length, payload, padding
)

// heartbleed runs the Heartbleed check on a connection whose server flight
// was read; it returns whether the connection is still usable.
func (vs *vulnScan) heartbleed(rc *recordConn, fl *flight) bool {
	bad := []byte{1, 0, hbClaim}
	good := append([]byte{1, 0, hbPayload}, bytes.Repeat([]byte{0x42}, hbPayload+16)...)
	if writeRecord(rc, recordHeartbeat, fl.version, bad) != nil ||
		writeRecord(rc, recordHeartbeat, fl.version, good) != nil {
		return false
	}
	vs.waitFor(rc)
	typ, _, n, err := readRecordHeader(rc)
	switch {
	case timedOut(err):
		// Both requests ignored: heartbeats are not served before the
		// handshake ends, so the over-read cannot happen here either.
		vs.v.Heartbleed = report.VulnNotFound
		return true
	case err != nil:
		vs.v.Heartbleed = report.VulnNotFound
		return false
	case typ == recordHeartbeat && n > hbEchoLen:
		// The answer is longer than anything sent: the server read past
		// the request. Its bytes are server memory; they are not read.
		vs.v.Heartbleed = report.VulnFound
		vs.v.HeartbleedBytes = n
		return false
	case typ == recordHeartbeat:
		vs.v.Heartbleed = report.VulnNotFound
		_, err := io.CopyN(io.Discard, rc, int64(n))
		return err == nil
	}
	vs.v.Heartbleed = report.VulnNotFound
	return false
}

// Alert descriptions the CCS-injection check reads.
const (
	alertUnexpectedMessage = 10
	alertBadRecordMAC      = 20
	alertDecryptionFailed  = 21
	alertInappropriateFb   = 86
)

// ccsInjection sends two ChangeCipherSpec messages where the server
// expects a ClientKeyExchange. A patched server refuses the first with
// unexpected_message; a vulnerable one (CVE-2014-0224) takes it, switches
// to keys derived from an empty master secret, and fails to decrypt the
// second: bad_record_mac or decryption_failed.
func (vs *vulnScan) ccsInjection(rc *recordConn, fl *flight) {
	ccs := []byte{recordCCS, byte(fl.version >> 8), byte(fl.version), 0, 1, 1}
	if _, err := rc.Write(append(ccs, ccs...)); err != nil {
		vs.v.CCSInjection = report.VulnNotFound // closed on the first one
		return
	}
	vs.waitFor(rc)
	rec, err := readRecord(rc)
	switch {
	case err == nil && rec.typ == recordAlert && len(rec.body) == 2 &&
		(rec.body[1] == alertBadRecordMAC || rec.body[1] == alertDecryptionFailed):
		vs.v.CCSInjection = report.VulnFound
	case err == nil && rec.typ == recordAlert:
		vs.v.CCSInjection = report.VulnNotFound
	case err != nil && !timedOut(err):
		vs.v.CCSInjection = report.VulnNotFound // closed without a word
	}
	// A silent server leaves the check undecided.
}

// fallback sends a hello at the second newest accepted version carrying
// TLS_FALLBACK_SCSV. A server that honours RFC 7507 refuses it with
// inappropriate_fallback.
func (vs *vulnScan) fallback() {
	var lower uint16
	for _, v := range vs.accepted[min(1, len(vs.accepted)):] {
		if v >= tlsinfo.SSL30 {
			lower = v
			break
		}
	}
	if lower == 0 {
		vs.v.FallbackSCSV = report.VulnNotApplicable
		return
	}
	suites := append(slices.Clone(suitesByVersion()[lower].broad), SCSVFallback)
	rc, done, err := vs.dial()
	if err != nil {
		return
	}
	defer done()
	if _, err := rc.Write(BuildClientHello(HelloSpec{Version: lower, Suites: suites, SNI: vs.t.SNI})); err != nil {
		return
	}
	r, err := ReadServerReply(rc, 0)
	switch {
	case err != nil:
	case r.Kind == ReplyAlert && r.AlertDesc == alertInappropriateFb:
		vs.v.FallbackSCSV = report.VulnNotFound
	case r.Kind == ReplyServerHello && r.Version == lower:
		vs.v.FallbackSCSV = report.VulnFound
	}
}

// Known finite-field DH primes. The RFC 2409 and RFC 3526 MODP primes are
// 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + c): all begin with
// 64 one bits and the bits of pi, and end with 64 one bits. The RFC 7919
// primes have the same shape around e.
var (
	modpTop   = mustHex("ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1")
	ffdheTop  = mustHex("ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1")
	rfc5114p1 = mustHex("b10b8f96a080e01dde92de5eae5d54ec52c99fbcfb06a3c69a6a9dca52d23b616073e28675a23d189838ef1e2ee652c013ecb4aea906112324975c3cd49b83bfaccbdd7d90c4bd7098488e9c219a73724effd6fae5644738faa31a4ff55bccc0a151af5f0dc8b4bd45bf37df365c1a65e68cfda76d4da708df1fb2bc2e4a4371")
)

func mustHex(s string) []byte {
	b, ok := new(big.Int).SetString(s, 16)
	if !ok {
		return nil
	}
	return b.Bytes()
}

// modpNames names the MODP groups by size.
var modpNames = map[int]string{
	768: "RFC 2409 Oakley group 1", 1024: "RFC 2409 Oakley group 2", 1536: "RFC 3526 group 5",
	2048: "RFC 3526 group 14", 3072: "RFC 3526 group 15", 4096: "RFC 3526 group 16",
	6144: "RFC 3526 group 17", 8192: "RFC 3526 group 18",
}

// knownPrime names p when it is one of the published primes many servers
// share, and returns "" otherwise.
func knownPrime(p *big.Int) string {
	b := p.Bytes()
	ones := bytes.Repeat([]byte{0xff}, 8)
	shaped := func(top []byte) bool {
		return len(b) > 2*len(top) && bytes.HasPrefix(b, top) && bytes.HasSuffix(b, ones)
	}
	switch {
	case bytes.Equal(b, rfc5114p1):
		return "RFC 5114 1024-bit MODP group with 160-bit prime order subgroup"
	case shaped(modpTop):
		if n, ok := modpNames[p.BitLen()]; ok {
			return n
		}
		return fmt.Sprintf("MODP prime of %d bits (RFC 2409/3526 family)", p.BitLen())
	case shaped(ffdheTop):
		return fmt.Sprintf("RFC 7919 ffdhe%d", p.BitLen())
	}
	return ""
}
