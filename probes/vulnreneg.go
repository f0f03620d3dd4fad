package probes

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"
	"slices"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// The client-initiated renegotiation check completes a TLS 1.2 handshake
// of its own (ECDHE, AES-GCM: what every server renegotiating securely
// offers) and then sends a new ClientHello inside the session, as a
// client asking to renegotiate does. A server that answers with a
// ServerHello accepts client-initiated renegotiation, a cheap way to make
// it do expensive handshakes over one connection (CVE-2011-1473). The
// server's certificate and signature are not checked: nothing is sent
// over the session but the two hellos.

// renegSuites are the suites the check offers, with their key size and hash.
var renegSuites = map[uint16]struct {
	keyLen int
	hash   func() hash.Hash
}{
	0xc02f: {16, sha256.New}, 0xc02b: {16, sha256.New}, // ECDHE_{RSA,ECDSA}_WITH_AES_128_GCM_SHA256
	0xc030: {32, sha512.New384}, 0xc02c: {32, sha512.New384}, // ECDHE_{RSA,ECDSA}_WITH_AES_256_GCM_SHA384
}

var renegOffer = []uint16{0xc02f, 0xc02b, 0xc030, 0xc02c}

// prf12 is the TLS 1.2 PRF (RFC 5246 5) over h.
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	out := make([]byte, 0, n+64)
	a := ls
	for len(out) < n {
		m := hmac.New(h, secret)
		m.Write(a)
		a = m.Sum(nil)
		m = hmac.New(h, secret)
		m.Write(a)
		m.Write(ls)
		out = m.Sum(out)
	}
	return out[:n]
}

// ecdheShare reads the curve and the server's share of an ECDHE
// ServerKeyExchange (curve_type 3 named_curve, then the point).
func ecdheShare(ske []byte) (ecdh.Curve, *ecdh.PublicKey, error) {
	if len(ske) < 4 || ske[0] != 3 || len(ske) < 4+int(ske[3]) {
		return nil, nil, errors.New("server_key_exchange is not a named-curve ECDHE one")
	}
	var c ecdh.Curve
	switch binary.BigEndian.Uint16(ske[1:3]) {
	case tlsinfo.GroupX25519:
		c = ecdh.X25519()
	case tlsinfo.GroupSecp256r1:
		c = ecdh.P256()
	case tlsinfo.GroupSecp384r1:
		c = ecdh.P384()
	case tlsinfo.GroupSecp521r1:
		c = ecdh.P521()
	default:
		return nil, nil, errors.New("unsupported curve")
	}
	pub, err := c.NewPublicKey(ske[4 : 4+int(ske[3])])
	return c, pub, err
}

// gcmConn protects records of one direction with AES-GCM (RFC 5288).
type gcmConn struct {
	aead    cipher.AEAD
	iv      []byte
	seq     uint64
	version uint16
}

func newGCM(key, iv []byte, version uint16) (*gcmConn, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &gcmConn{aead: a, iv: iv, version: version}, nil
}

func (g *gcmConn) additional(typ uint8, n int) []byte {
	ad := binary.BigEndian.AppendUint64(nil, g.seq)
	ad = append(ad, typ)
	ad = binary.BigEndian.AppendUint16(ad, g.version)
	return binary.BigEndian.AppendUint16(ad, uint16(n))
}

// seal returns the record body protecting plaintext.
func (g *gcmConn) seal(typ uint8, plaintext []byte) []byte {
	explicit := binary.BigEndian.AppendUint64(nil, g.seq)
	nonce := append(append([]byte(nil), g.iv...), explicit...)
	out := g.aead.Seal(explicit, nonce, plaintext, g.additional(typ, len(plaintext)))
	g.seq++
	return out
}

// open returns the plaintext of a record body.
func (g *gcmConn) open(typ uint8, body []byte) ([]byte, error) {
	if len(body) < 8+g.aead.Overhead() {
		return nil, errors.New("short protected record")
	}
	nonce := append(append([]byte(nil), g.iv...), body[:8]...)
	pt, err := g.aead.Open(nil, nonce, body[8:], g.additional(typ, len(body)-8-g.aead.Overhead()))
	g.seq++
	return pt, err
}

// renegotiation runs the client-initiated renegotiation check.
func (vs *vulnScan) renegotiation() {
	if vs.v.SecureRenegotiation == nil || !*vs.v.SecureRenegotiation || !slices.Contains(vs.accepted, tlsinfo.TLS12) {
		return // without RFC 5746 insecure-renegotiation is the finding
	}
	hello := BuildClientHello(HelloSpec{Version: tlsinfo.TLS12, Suites: renegOffer, SNI: vs.t.SNI})
	rc, done, err := vs.dial()
	if err != nil {
		return
	}
	defer done()
	if _, err := rc.Write(hello); err != nil {
		return
	}
	fl, err := readFlight(rc)
	if err != nil || fl.version != tlsinfo.TLS12 {
		return
	}
	suite, ok := renegSuites[fl.suite]
	if !ok {
		return
	}
	s, err := vs.finishHandshake(rc, hello, fl, suite.keyLen, suite.hash)
	if err != nil {
		return
	}
	again := BuildClientHello(HelloSpec{Version: tlsinfo.TLS12, Suites: renegOffer, SNI: vs.t.SNI,
		Renegotiating: true, ClientVerifyData: s.clientVerify})
	if writeRecord(rc, recordHandshake, tlsinfo.TLS12, s.out.seal(recordHandshake, again[5:])) != nil {
		return
	}
	vs.waitFor(rc)
	vs.v.ClientRenegotiation = report.VulnNotFound
	rec, err := readRecord(rc)
	if err != nil || rec.typ != recordHandshake {
		return // a no_renegotiation or fatal alert, a close, or silence
	}
	if pt, err := s.in.open(rec.typ, rec.body); err == nil && len(pt) > 0 && pt[0] == hsServerHello {
		vs.v.ClientRenegotiation = report.VulnFound
	}
}

// session12 is an established TLS 1.2 session: both directions' record
// protection and the client's Finished verify_data.
type session12 struct {
	in, out      *gcmConn
	clientVerify []byte
}

// finishHandshake sends the client's second flight (an empty Certificate
// when asked for one, ClientKeyExchange, ChangeCipherSpec, Finished) and
// reads the server's ChangeCipherSpec and Finished.
func (vs *vulnScan) finishHandshake(rc *recordConn, hello []byte, fl *flight, keyLen int, h func() hash.Hash) (*session12, error) {
	curve, peer, err := ecdheShare(fl.ske)
	if err != nil {
		return nil, err
	}
	priv, err := curve.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pms, err := priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	transcript := append(append([]byte(nil), hello[5:]...), fl.transcript...)
	var flight2 []byte
	if fl.certRequest {
		flight2 = handshakeMsg(hsCertificate, []byte{0, 0, 0})
	}
	pub := priv.PublicKey().Bytes()
	flight2 = append(flight2, handshakeMsg(hsClientKeyExchange, append([]byte{byte(len(pub))}, pub...))...)
	transcript = append(transcript, flight2...)
	digest := func() []byte { d := h(); d.Write(transcript); return d.Sum(nil) }
	clientRandom := hello[11:43]
	var master []byte
	if fl.ems {
		master = prf12(h, pms, "extended master secret", digest(), 48)
	} else {
		master = prf12(h, pms, "master secret", append(append([]byte(nil), clientRandom...), fl.serverRandom...), 48)
	}
	kb := prf12(h, master, "key expansion", append(append([]byte(nil), fl.serverRandom...), clientRandom...), 2*keyLen+8)
	s := &session12{clientVerify: prf12(h, master, "client finished", digest(), 12)}
	if s.out, err = newGCM(kb[:keyLen], kb[2*keyLen:2*keyLen+4], tlsinfo.TLS12); err != nil {
		return nil, err
	}
	if s.in, err = newGCM(kb[keyLen:2*keyLen], kb[2*keyLen+4:2*keyLen+8], tlsinfo.TLS12); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	_ = writeRecord(&out, recordHandshake, tlsinfo.TLS12, flight2)
	_ = writeRecord(&out, recordCCS, tlsinfo.TLS12, []byte{1})
	_ = writeRecord(&out, recordHandshake, tlsinfo.TLS12, s.out.seal(recordHandshake, handshakeMsg(hsFinished, s.clientVerify)))
	if _, err := rc.Write(out.Bytes()); err != nil {
		return nil, err
	}
	for ccs := false; ; {
		rec, err := readRecord(rc)
		switch {
		case err != nil:
			return nil, err
		case rec.typ == recordAlert:
			return nil, errors.New("the server refused the handshake")
		case rec.typ == recordCCS:
			ccs = true
		case ccs && rec.typ == recordHandshake:
			pt, err := s.in.open(rec.typ, rec.body)
			if err != nil || len(pt) < 4 || pt[0] != hsFinished {
				return nil, errors.New("no server finished")
			}
			return s, nil
		}
	}
}
