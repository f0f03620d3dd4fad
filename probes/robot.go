package probes

import (
	"bytes"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// ROBOT (Return Of Bleichenbacher's Oracle Threat) detection, after the
// published robot-detect method: five ClientKeyExchange messages whose
// RSA-encrypted premaster secret is well formed, or broken in one way each,
// are each sent on a fresh handshake, followed by a ChangeCipherSpec and a
// Finished the server cannot decrypt. A server without an oracle answers
// all five alike; one whose answer depends on the padding is vulnerable.
// Nothing is decrypted: the premaster secrets are tlsweep's own.

// robotPayload names the five premaster-secret encodings.
type robotPayload int

const (
	robotGood       robotPayload = iota // 00 02 pad 00 version pms
	robotWrongStart                     // 41 17 pad 00 version pms
	robotZeroLate                       // 00 02 pad 11 pms 00 11: 0x00 in the wrong place
	robotNoZero                         // 00 02 pad 11 11 11 pms: no 0x00 separator
	robotBadVersion                     // 00 02 pad 00 02 02 pms
	robotPayloads
)

// robotMessage builds the padded plaintext of payload kind for a k-byte
// modulus and a hello of version ver. The padding and the premaster bytes
// are fixed non-zero values: the check needs no secret.
func robotMessage(kind robotPayload, k int, ver uint16) []byte {
	pad := bytes.Repeat([]byte{0xab, 0xcd}, k)[:k-3-48]
	pms := bytes.Repeat([]byte{0x5a}, 46)
	var m []byte
	switch kind {
	case robotWrongStart:
		m = append(append([]byte{0x41, 0x17}, pad...), 0)
		m = append(binary.BigEndian.AppendUint16(m, ver), pms...)
	case robotZeroLate:
		m = append(append([]byte{0x00, 0x02}, pad...), 0x11)
		m = append(append(m, pms...), 0x00, 0x11)
	case robotNoZero:
		m = append(append([]byte{0x00, 0x02}, pad...), 0x11, 0x11, 0x11)
		m = append(m, pms...)
	case robotBadVersion:
		m = append(append([]byte{0x00, 0x02}, pad...), 0, 0x02, 0x02)
		m = append(m, pms...)
	default:
		m = append(append([]byte{0x00, 0x02}, pad...), 0)
		m = append(binary.BigEndian.AppendUint16(m, ver), pms...)
	}
	return m
}

// rsaEncryptRaw is textbook RSA (m^e mod n), left-padded to the modulus size.
func rsaEncryptRaw(pub *rsa.PublicKey, m []byte) []byte {
	c := new(big.Int).Exp(new(big.Int).SetBytes(m), big.NewInt(int64(pub.E)), pub.N)
	return c.FillBytes(make([]byte, pub.Size()))
}

// robot runs the ROBOT check where RSA key exchange is accepted.
func (vs *vulnScan) robot(legacy uint16) {
	if legacy < tlsinfo.TLS10 {
		return // SSL 3.0 frames the key exchange differently; not checked
	}
	offer := suitesWhere(legacy, isRSAKx)
	offer = offer[:min(len(offer), maxOffer)]
	var answers [robotPayloads]string
	var pub *rsa.PublicKey
	for kind := robotGood; kind < robotPayloads; kind++ {
		a, key, ok := vs.robotOracle(legacy, offer, kind, pub)
		if !ok {
			return
		}
		if kind == robotGood && key == nil {
			vs.v.ROBOT = report.VulnNotApplicable
			return
		}
		pub, answers[kind] = key, a
	}
	diff := -1
	for kind := robotWrongStart; kind < robotPayloads; kind++ {
		if answers[kind] != answers[robotGood] {
			diff = int(kind)
			break
		}
	}
	if diff < 0 {
		vs.v.ROBOT = report.VulnNotFound
		return
	}
	// Confirm the difference once, so a network hiccup is not an oracle.
	for _, kind := range []robotPayload{robotGood, robotPayload(diff)} {
		a, _, ok := vs.robotOracle(legacy, offer, kind, pub)
		if !ok || a != answers[kind] {
			return // inconsistent: undecided
		}
	}
	vs.v.ROBOT = report.VulnFound
	vs.v.ROBOTOracle = "strong"
	if answers[robotWrongStart] == answers[robotZeroLate] && answers[robotZeroLate] == answers[robotNoZero] {
		// Only a well-formed 00 02 ... 00 block is told apart: slow to use.
		vs.v.ROBOTOracle = "weak"
	}
}

// robotOracle runs one handshake with payload kind and describes the
// server's answer. key is the server's RSA key (nil when it refused RSA key
// exchange, or its certificate holds no RSA key); ok is false when the
// check cannot go on (a connect failed, the flight broke off).
func (vs *vulnScan) robotOracle(legacy uint16, offer []uint16, kind robotPayload, want *rsa.PublicKey) (string, *rsa.PublicKey, bool) {
	rc, done, fl, err := vs.hello(HelloSpec{Version: legacy, Suites: offer})
	if rc == nil {
		return "", nil, false
	}
	defer done()
	if isAlert(err, -1) && kind == robotGood && want == nil {
		return "", nil, true // RSA key exchange refused
	}
	if err != nil || !suiteIs(fl.suite, isRSAKx) || fl.leaf == nil {
		return "", nil, false
	}
	pub, isRSA := fl.leaf.PublicKey.(*rsa.PublicKey)
	if !isRSA || pub.Size() < 64 || (want != nil && !pub.Equal(want)) {
		return "", nil, kind == robotGood && want == nil
	}
	enc := rsaEncryptRaw(pub, robotMessage(kind, pub.Size(), legacy))
	cke := handshakeMsg(hsClientKeyExchange, append(binary.BigEndian.AppendUint16(nil, uint16(len(enc))), enc...))
	var out bytes.Buffer
	_ = writeRecord(&out, recordHandshake, fl.version, cke)
	_ = writeRecord(&out, recordCCS, fl.version, []byte{1})
	_ = writeRecord(&out, recordHandshake, fl.version, bytes.Repeat([]byte{0x3c}, 80)) // a Finished nobody can decrypt
	if _, err := rc.Write(out.Bytes()); err != nil {
		return "write failed", pub, true
	}
	vs.waitFor(rc)
	return robotAnswer(rc), pub, true
}

// robotAnswer describes what the server sent after the key exchange: up
// to two records, then how the connection ended.
func robotAnswer(r io.Reader) string {
	var parts []string
	for range 2 {
		rec, err := readRecord(r)
		if err != nil {
			switch {
			case timedOut(err):
				parts = append(parts, "silence")
			case errors.Is(err, io.EOF):
				parts = append(parts, "closed")
			default:
				parts = append(parts, "reset")
			}
			return fmt.Sprint(parts)
		}
		if rec.typ == recordAlert && len(rec.body) == 2 {
			parts = append(parts, "alert "+fmt.Sprint(rec.body[1]))
		} else {
			parts = append(parts, fmt.Sprintf("record %d", rec.typ))
		}
	}
	return fmt.Sprint(parts)
}
