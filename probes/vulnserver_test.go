package probes

// A small TLS 1.0-1.2 server that answers like the vulnerable stacks no
// current Debian server imitates (Heartbleed, CCS injection, a ROBOT
// oracle), or like a patched one. It speaks up to the client's key
// exchange: ServerHello, Certificate, a DHE ServerKeyExchange when it picks
// DHE, ServerHelloDone; nothing it sends is ever decrypted.

import (
	"bytes"
	"crypto/rsa"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

type flawConfig struct {
	heartbleed bool // echo the heartbeat extension and over-read
	heartbeat  bool // echo the heartbeat extension, answer only sound requests
	ccs        bool // take an early ChangeCipherSpec
	robot      bool // answer the key exchange by its padding
	noReneg    bool // no renegotiation_info extension
	deflate    bool // choose DEFLATE when offered
	dhPrime    []byte
	noFallback bool // ignore TLS_FALLBACK_SCSV
	rsaKx      bool // accept TLS_RSA_* suites
}

type flawServer struct {
	Target
	cfg   flawConfig
	cert  *lab.Cert
	conns atomic.Int32
}

// Suites the flaw server knows, in its order of preference.
var flawSuites = []uint16{0x009e, 0x0033, 0x009c, 0x002f, 0xc02f, 0xc013}

func startFlawServer(t *testing.T, cfg flawConfig) *flawServer {
	t.Helper()
	s := &flawServer{cfg: cfg, cert: mustIssue(t, lab.CertOptions{CommonName: "flaw.test", Key: "rsa2048"}, nil)}
	s.Target = serveLoopback(t, &s.conns, func(c net.Conn, _ <-chan struct{}) { s.serve(c) })
	return s
}

// flawHello is what the server reads from a ClientHello.
type flawHello struct {
	version   uint16
	suites    []uint16
	deflate   bool
	heartbeat bool
}

func readFlawHello(r io.Reader) (flawHello, bool) {
	rec, err := readRecord(r)
	if err != nil || rec.typ != recordHandshake || len(rec.body) < 4+35 {
		return flawHello{}, false
	}
	p := rec.body[4:]
	h := flawHello{version: binary.BigEndian.Uint16(p)}
	p = p[34:]
	p = p[1+int(p[0]):]
	n := int(binary.BigEndian.Uint16(p))
	for i := 0; i < n; i += 2 {
		h.suites = append(h.suites, binary.BigEndian.Uint16(p[2+i:]))
	}
	p = p[2+n:]
	h.deflate = slices.Contains(p[1:1+int(p[0])], 1)
	p = p[1+int(p[0]):]
	if len(p) >= 2 {
		for p = p[2:]; len(p) >= 4; {
			typ, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
			h.heartbeat = h.heartbeat || typ == extHeartbeat
			p = p[4+l:]
		}
	}
	return h, true
}

func (s *flawServer) pick(h flawHello) uint16 {
	for _, id := range h.suites { // the client's order
		switch {
		case !slices.Contains(flawSuites, id):
		case (id == 0x009e || id == 0x0033) && s.cfg.dhPrime == nil:
		case (id == 0x009c || id == 0x002f) && !s.cfg.rsaKx:
		default:
			return id
		}
	}
	return 0
}

func (s *flawServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	h, ok := readFlawHello(c)
	if !ok {
		return
	}
	v := min(h.version, tlsinfo.TLS12)
	if slices.Contains(h.suites, SCSVFallback) && v < tlsinfo.TLS12 && !s.cfg.noFallback {
		_, _ = c.Write(rawAlert(v, alertInappropriateFb))
		return
	}
	suite := s.pick(h)
	if suite == 0 {
		_, _ = c.Write(rawAlert(v, 40))
		return
	}
	hb := h.heartbeat && (s.cfg.heartbeat || s.cfg.heartbleed)
	var fl []byte
	fl = append(fl, handshakeMsg(hsServerHello, s.serverHello(v, suite, h.deflate && s.cfg.deflate, hb))...)
	der := s.cert.X509.Raw
	cert := []byte{0, byte((len(der) + 3) >> 8), byte(len(der) + 3), 0, byte(len(der) >> 8), byte(len(der))}
	fl = append(fl, handshakeMsg(hsCertificate, append(cert, der...))...)
	if suite == 0x009e || suite == 0x0033 {
		ske := binary.BigEndian.AppendUint16(nil, uint16(len(s.cfg.dhPrime)))
		ske = append(ske, s.cfg.dhPrime...)
		ske = append(ske, 0, 1, 2, 0, 1, 5)       // g = 2, Ys = 5
		ske = append(ske, 4, 1, 0, 4, 1, 2, 3, 4) // a signature nobody checks
		fl = append(fl, handshakeMsg(hsServerKeyExchange, ske)...)
	}
	fl = append(fl, handshakeMsg(hsServerHelloDone, nil)...)
	if _, err := c.Write(rawRecord(recordHandshake, v, fl)); err != nil {
		return
	}
	s.afterFlight(c, v)
}

func (s *flawServer) serverHello(v, suite uint16, deflate, hb bool) []byte {
	b := binary.BigEndian.AppendUint16(nil, v)
	b = append(b, bytes.Repeat([]byte{0x5a}, 32)...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, suite)
	b = append(b, map[bool]byte{true: 1, false: 0}[deflate])
	var ext []byte
	if !s.cfg.noReneg {
		ext = append(ext, 0xff, 0x01, 0, 1, 0)
	}
	if hb {
		ext = append(ext, 0, byte(extHeartbeat), 0, 1, 1)
	}
	return append(binary.BigEndian.AppendUint16(b, uint16(len(ext))), ext...)
}

// afterFlight answers what a client sends after the server's flight.
func (s *flawServer) afterFlight(c net.Conn, v uint16) {
	earlyCCS, oracle := false, byte(0)
	for {
		rec, err := readRecord(c)
		if err != nil {
			return
		}
		switch {
		case earlyCCS:
			_, _ = c.Write(rawAlert(v, alertBadRecordMAC)) // "decrypted" with the empty master secret
			return
		case rec.typ == recordHeartbeat && len(rec.body) >= 3:
			claim := int(binary.BigEndian.Uint16(rec.body[1:3]))
			if s.cfg.heartbleed || 3+claim+16 <= len(rec.body) {
				// The over-read sends stand-in bytes, not memory.
				resp := append([]byte{2}, rec.body[1:3]...)
				resp = append(resp, make([]byte, claim+16)...)
				_, _ = c.Write(rawRecord(recordHeartbeat, v, resp))
			}
		case rec.typ == recordCCS && oracle == 0:
			if !s.cfg.ccs {
				_, _ = c.Write(rawAlert(v, alertUnexpectedMessage))
				return
			}
			earlyCCS = true
		case rec.typ == recordCCS:
		case rec.typ == recordHandshake && oracle == 0 && len(rec.body) > 6 && rec.body[0] == hsClientKeyExchange:
			oracle = s.keyExchange(rec.body[6:])
		case rec.typ == recordHandshake && oracle != 0: // the Finished
			_, _ = c.Write(rawAlert(v, oracle))
			return
		default:
			_, _ = c.Write(rawAlert(v, alertUnexpectedMessage))
			return
		}
	}
}

// keyExchange is the alert the server sends after the Finished: always
// bad_record_mac, or with an oracle decrypt_error (51) when the padding is
// wrong.
func (s *flawServer) keyExchange(enc []byte) byte {
	if !s.cfg.robot {
		return alertBadRecordMAC
	}
	k := s.cert.Key.(*rsa.PrivateKey)
	m := new(big.Int).Exp(new(big.Int).SetBytes(enc), k.D, k.N).FillBytes(make([]byte, k.Size()))
	if m[0] != 0 || m[1] != 2 {
		return 51
	}
	return alertBadRecordMAC
}
