package probes

import (
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// Record content types and handshake message types the vulnerability
// checks read and write.
const (
	recordCCS       = 20
	recordAppData   = 23
	recordHeartbeat = 24

	hsCertificate        = 11
	hsServerKeyExchange  = 12
	hsCertificateRequest = 13
	hsServerHelloDone    = 14
	hsClientKeyExchange  = 16
	hsFinished           = 20

	extRenegotiationInfo = 0xff01
)

// tlsRecord is one TLS record as read from the wire.
type tlsRecord struct {
	typ     uint8
	version uint16
	body    []byte
}

// readRecordHeader reads one record header and checks it is a TLS one.
func readRecordHeader(r io.Reader) (typ uint8, version uint16, n int, err error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, 0, 0, err
	}
	n = int(binary.BigEndian.Uint16(h[3:5]))
	if h[0] < recordCCS || h[0] > recordHeartbeat || h[1] != 3 || n > maxRecordLen {
		return 0, 0, 0, recordError(h[:], "unexpected record header")
	}
	return h[0], binary.BigEndian.Uint16(h[1:3]), n, nil
}

// readRecord reads one whole record.
func readRecord(r io.Reader) (tlsRecord, error) {
	typ, ver, n, err := readRecordHeader(r)
	if err != nil {
		return tlsRecord{}, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return tlsRecord{}, err
	}
	return tlsRecord{typ: typ, version: ver, body: body}, nil
}

// writeRecord frames body as one record of type typ.
func writeRecord(w io.Writer, typ uint8, version uint16, body []byte) error {
	out := make([]byte, 0, 5+len(body))
	out = append(out, typ)
	out = binary.BigEndian.AppendUint16(out, version)
	out = binary.BigEndian.AppendUint16(out, uint16(len(body)))
	_, err := w.Write(append(out, body...))
	return err
}

// handshakeMsg frames a handshake message body.
func handshakeMsg(typ uint8, body []byte) []byte {
	out := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	return append(out, body...)
}

// alertError is a TLS alert the server sent instead of what was expected.
type alertError struct{ level, desc uint8 }

func (e *alertError) Error() string { return "server sent alert " + tlsinfo.AlertName(e.desc) }

// flight is what a server sent after a hand-built TLS 1.2-or-older hello,
// up to its ServerHelloDone.
type flight struct {
	version      uint16
	suite        uint16
	compression  uint8
	serverRandom []byte
	secureReneg  bool // renegotiation_info extension present
	heartbeat    bool // heartbeat extension echoed
	ems          bool // extended_master_secret echoed
	leaf         *x509.Certificate
	ske          []byte // ServerKeyExchange body
	certRequest  bool
	// transcript holds every handshake message, framed, from ServerHello on.
	transcript []byte
}

// maxFlight caps the handshake bytes a flight may take.
const maxFlight = 256 << 10

// readFlight reads records until ServerHelloDone. An alert ends it with an
// *alertError.
func readFlight(r io.Reader) (*flight, error) {
	f := &flight{}
	var buf []byte // handshake bytes not yet parsed
	for {
		rec, err := readRecord(r)
		if err != nil {
			return f, err
		}
		switch rec.typ {
		case recordAlert:
			if len(rec.body) < 2 {
				return f, malformed("alert of %d bytes", len(rec.body))
			}
			return f, &alertError{rec.body[0], rec.body[1]}
		case recordHandshake:
		default:
			return f, malformed("record type %d before server_hello_done", rec.typ)
		}
		buf = append(buf, rec.body...)
		for len(buf) >= 4 {
			n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
			if len(f.transcript)+4+n > maxFlight {
				return f, malformed("server flight over %d bytes", maxFlight)
			}
			if len(buf) < 4+n {
				break
			}
			msg := buf[:4+n]
			buf = buf[4+n:]
			f.transcript = append(f.transcript, msg...)
			done, err := f.add(msg[0], msg[4:])
			if err != nil || done {
				return f, err
			}
		}
	}
}

// add takes one handshake message; done is true at ServerHelloDone.
func (f *flight) add(typ uint8, body []byte) (done bool, err error) {
	switch typ {
	case hsServerHello:
		return false, f.serverHello(body)
	case hsCertificate:
		// certificate_list<3>, each certificate<3>: the leaf only.
		if len(body) >= 6 {
			n := int(body[3])<<16 | int(body[4])<<8 | int(body[5])
			if 6+n <= len(body) {
				f.leaf, _ = x509.ParseCertificate(body[6 : 6+n])
			}
		}
	case hsServerKeyExchange:
		f.ske = body
	case hsCertificateRequest:
		f.certRequest = true
	case hsServerHelloDone:
		if f.serverRandom == nil {
			return true, malformed("server_hello_done without server_hello")
		}
		return true, nil
	}
	return false, nil
}

func (f *flight) serverHello(b []byte) error {
	if len(b) < 38 {
		return malformed("server_hello of %d bytes", len(b))
	}
	f.version = binary.BigEndian.Uint16(b)
	f.serverRandom = b[2:34]
	sid := int(b[34])
	if len(b) < 35+sid+3 {
		return malformed("server_hello session id of %d bytes", sid)
	}
	p := b[35+sid:]
	f.suite = binary.BigEndian.Uint16(p)
	f.compression = p[2]
	p = p[3:]
	if len(p) < 2 {
		return nil
	}
	p = p[2:]
	for len(p) >= 4 {
		typ, n := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+n {
			return malformed("server_hello extension %d overruns", typ)
		}
		switch typ {
		case extRenegotiationInfo:
			f.secureReneg = true
		case extHeartbeat:
			f.heartbeat = true
		case extExtendedMasterSec:
			f.ems = true
		}
		p = p[4+n:]
	}
	return nil
}

// dhParams reads the prime and generator of a finite-field DHE
// ServerKeyExchange (dh_p<2>, dh_g<2>, dh_Ys<2>, then the signature).
func dhParams(ske []byte) (p, g *big.Int, err error) {
	var parts [2][]byte
	for i := range parts {
		if len(ske) < 2 {
			return nil, nil, errors.New("short server_key_exchange")
		}
		n := int(binary.BigEndian.Uint16(ske))
		if len(ske) < 2+n || n == 0 {
			return nil, nil, fmt.Errorf("server_key_exchange field %d overruns", i)
		}
		parts[i] = ske[2 : 2+n]
		ske = ske[2+n:]
	}
	return new(big.Int).SetBytes(parts[0]), new(big.Int).SetBytes(parts[1]), nil
}
