package probes

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// Signalling cipher-suite values (not real suites).
const (
	// SCSVRenegotiation is TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746);
	// BuildClientHello appends it to every hello.
	SCSVRenegotiation uint16 = 0x00ff
	// SCSVFallback is TLS_FALLBACK_SCSV (RFC 7507).
	SCSVFallback uint16 = 0x5600
)

// MaxHelloSuites caps the suites BuildClientHello writes (the rest are
// dropped) so the hello stays well under one 16 KiB record. Real servers
// are far less tolerant: up to 128 suites per hello is safe; callers
// enumerating a long list chunk it.
const MaxHelloSuites = 4096

// HelloSpec describes one hand-built ClientHello.
type HelloSpec struct {
	// Version is the protocol version offered: 0x0300 (SSL 3.0, no
	// extensions), 0x0301..0x0303 (written as legacy_version, no
	// supported_versions), or 0x0304: legacy_version 0x0303 plus
	// supported_versions [0x0304] and an x25519 key_share. Other values
	// are written as they are into legacy_version (for version-intolerance
	// checks).
	Version uint16
	// Suites are offered in this order; TLS_EMPTY_RENEGOTIATION_INFO_SCSV
	// is appended.
	Suites []uint16
	// SNI is sent as server_name unless empty or an IP literal.
	SNI string
	// Deflate offers DEFLATE compression before null (a CRIME check).
	Deflate bool
	// Heartbeat adds the heartbeat extension, peer allowed to send
	// (RFC 6520), unless SSL 3.0.
	Heartbeat bool
	// Renegotiating, for a hello sent inside an established TLS 1.2
	// session, replaces the renegotiation SCSV with the renegotiation_info
	// extension carrying ClientVerifyData (RFC 5746 3.5).
	Renegotiating    bool
	ClientVerifyData []byte
}

// Extension and handshake code points used here.
const (
	extServerName          = 0x0000
	extSupportedGroups     = 0x000a
	extECPointFormats      = 0x000b
	extSignatureAlgorithms = 0x000d
	extPadding             = 0x0015
	extHeartbeat           = 0x000f
	extExtendedMasterSec   = 0x0017
	extSessionTicket       = 0x0023
	extSupportedVersions   = 0x002b
	extPSKModes            = 0x002d
	extKeyShare            = 0x0033

	recordAlert     = 21
	recordHandshake = 22

	hsClientHello = 1
	hsServerHello = 2
)

// helloGroups: x25519, secp256r1, secp384r1, secp521r1, ffdhe2048, ffdhe3072.
var helloGroups = []uint16{tlsinfo.GroupX25519, tlsinfo.GroupSecp256r1, tlsinfo.GroupSecp384r1, tlsinfo.GroupSecp521r1,
	tlsinfo.GroupFFDHE2048, tlsinfo.GroupFFDHE3072}

// helloSigAlgs: modern schemes first, then SHA-1, SHA-224 and DSA ones that
// old servers need to find something they can sign with.
var helloSigAlgs = []uint16{
	0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, secp384r1_sha384, secp521r1_sha512
	0x0807, 0x0808, // ed25519, ed448
	0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
	0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256/384/512
	0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
	0x0303, 0x0301, 0x0302, // sha224 with ecdsa, rsa, dsa
	0x0203, 0x0201, 0x0202, // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
	0x0402, 0x0502, 0x0602, // dsa with sha256/384/512
}

// BuildClientHello returns one TLS record holding a ClientHello as s asks:
// record version 0x0300 for SSL 3.0 and 0x0301 otherwise, a fresh random,
// a random 32-byte session id, s.Suites plus the renegotiation SCSV, null
// compression only, and (unless SSL 3.0) server_name, supported_groups,
// ec_point_formats, signature_algorithms (TLS 1.2 and up only: RFC 5246
// forbids it in hellos offering older versions), extended_master_secret
// and session_ticket; TLS 1.3 hellos add supported_versions, key_share
// and psk_key_exchange_modes. A hello whose handshake message would be
// 256..511 bytes long is padded to 512 (RFC 7685) to dodge the F5 bug.
func BuildClientHello(s HelloSpec) []byte {
	suites := s.Suites
	if len(suites) > MaxHelloSuites {
		suites = suites[:MaxHelloSuites]
	}
	legacy := s.Version
	tls13 := s.Version == tlsinfo.TLS13
	if tls13 {
		legacy = tlsinfo.TLS12
	}

	var body []byte
	body = binary.BigEndian.AppendUint16(body, legacy)
	body = append(body, randomBytes(32)...)
	body = append(body, 32)
	body = append(body, randomBytes(32)...)
	if s.Renegotiating {
		body = binary.BigEndian.AppendUint16(body, uint16(2*len(suites)))
	} else {
		body = binary.BigEndian.AppendUint16(body, uint16(2*(len(suites)+1)))
	}
	for _, id := range suites {
		body = binary.BigEndian.AppendUint16(body, id)
	}
	if !s.Renegotiating {
		body = binary.BigEndian.AppendUint16(body, SCSVRenegotiation)
	}
	if s.Deflate {
		body = append(body, 2, 1, 0) // compression methods: DEFLATE, null
	} else {
		body = append(body, 1, 0) // compression methods: null
	}

	if s.Version > tlsinfo.SSL30 {
		exts := helloExtensions(s, tls13)
		// Pad a 256..511-byte handshake message (4-byte header + body +
		// 2-byte extensions length + extensions) to 512 bytes.
		if n := 4 + len(body) + 2 + len(exts); n >= 256 && n < 512 {
			pad := 512 - n - 4
			if pad < 0 {
				pad = 0
			}
			exts = appendExt(exts, extPadding, make([]byte, pad))
		}
		body = binary.BigEndian.AppendUint16(body, uint16(len(exts)))
		body = append(body, exts...)
	}

	recVersion := tlsinfo.TLS10
	if s.Version <= tlsinfo.SSL30 {
		recVersion = tlsinfo.SSL30
	}
	out := make([]byte, 0, 9+len(body))
	out = append(out, recordHandshake)
	out = binary.BigEndian.AppendUint16(out, recVersion)
	out = binary.BigEndian.AppendUint16(out, uint16(4+len(body)))
	out = append(out, hsClientHello, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
	return append(out, body...)
}

func helloExtensions(s HelloSpec, tls13 bool) []byte {
	var exts []byte
	if host := strings.TrimSuffix(s.SNI, "."); host != "" && net.ParseIP(host) == nil && len(host) < 256 {
		var sn []byte
		sn = binary.BigEndian.AppendUint16(sn, uint16(3+len(host)))
		sn = append(sn, 0) // host_name
		sn = binary.BigEndian.AppendUint16(sn, uint16(len(host)))
		sn = append(sn, host...)
		exts = appendExt(exts, extServerName, sn)
	}
	exts = appendExt(exts, extSupportedGroups, uint16List(helloGroups))
	exts = appendExt(exts, extECPointFormats, []byte{1, 0}) // uncompressed
	if s.Version >= tlsinfo.TLS12 {
		exts = appendExt(exts, extSignatureAlgorithms, uint16List(helloSigAlgs))
	}
	exts = appendExt(exts, extExtendedMasterSec, nil)
	exts = appendExt(exts, extSessionTicket, nil)
	if s.Renegotiating {
		exts = appendExt(exts, extRenegotiationInfo, append([]byte{byte(len(s.ClientVerifyData))}, s.ClientVerifyData...))
	}
	if s.Heartbeat {
		exts = appendExt(exts, extHeartbeat, []byte{1}) // peer_allowed_to_send
	}
	if tls13 {
		exts = appendExt(exts, extSupportedVersions, []byte{2, 0x03, 0x04})
		pub := x25519Public()
		var ks []byte
		ks = binary.BigEndian.AppendUint16(ks, uint16(4+len(pub)))
		ks = binary.BigEndian.AppendUint16(ks, tlsinfo.GroupX25519)
		ks = binary.BigEndian.AppendUint16(ks, uint16(len(pub)))
		ks = append(ks, pub...)
		exts = appendExt(exts, extKeyShare, ks)
		exts = appendExt(exts, extPSKModes, []byte{1, 1}) // psk_dhe_ke
	}
	return exts
}

func appendExt(b []byte, typ uint16, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// uint16List encodes a list with a 2-byte length prefix.
func uint16List(v []uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(2*len(v)))
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// x25519Public returns the public half of a fresh X25519 key. The private
// half is thrown away: tlsweep never finishes a handshake it starts here.
func x25519Public() []byte {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil { // cannot happen with crypto/rand
		return make([]byte, 32)
	}
	return k.PublicKey().Bytes()
}

// SSL 2.0 cipher specs (3 bytes each).
const (
	SSLv2RC4128WithMD5            uint32 = 0x010080
	SSLv2RC4128Export40WithMD5    uint32 = 0x020080
	SSLv2RC2128CBCWithMD5         uint32 = 0x030080
	SSLv2RC2128CBCExport40WithMD5 uint32 = 0x040080
	SSLv2IDEA128CBCWithMD5        uint32 = 0x050080
	SSLv2DES64CBCWithMD5          uint32 = 0x060040
	SSLv2DES192EDE3CBCWithMD5     uint32 = 0x0700c0
)

// DefaultSSLv2Suites are the seven standard SSL 2.0 cipher specs.
var DefaultSSLv2Suites = []uint32{
	SSLv2RC4128WithMD5, SSLv2RC4128Export40WithMD5, SSLv2RC2128CBCWithMD5,
	SSLv2RC2128CBCExport40WithMD5, SSLv2IDEA128CBCWithMD5, SSLv2DES64CBCWithMD5,
	SSLv2DES192EDE3CBCWithMD5,
}

// BuildSSLv2ClientHello returns an SSL 2.0 CLIENT-HELLO (2-byte record
// header, version 0x0002, no session id, 16-byte challenge) offering suites,
// or DefaultSSLv2Suites when suites is nil. Only the low 24 bits of each
// spec are sent, and at most 4096 specs.
func BuildSSLv2ClientHello(suites []uint32) []byte {
	if suites == nil {
		suites = DefaultSSLv2Suites
	}
	if len(suites) > 4096 {
		suites = suites[:4096]
	}
	const challenge = 16
	n := 9 + 3*len(suites) + challenge
	b := make([]byte, 0, 2+n)
	b = append(b, byte(n>>8)|0x80, byte(n))
	b = append(b, 1, 0x00, 0x02) // CLIENT-HELLO, version 2
	b = binary.BigEndian.AppendUint16(b, uint16(3*len(suites)))
	b = binary.BigEndian.AppendUint16(b, 0) // session id length
	b = binary.BigEndian.AppendUint16(b, challenge)
	for _, c := range suites {
		b = append(b, byte(c>>16), byte(c>>8), byte(c))
	}
	return append(b, randomBytes(challenge)...)
}

// ReplyKind says what a server answered a hand-built hello with.
type ReplyKind uint8

const (
	ReplyServerHello      ReplyKind = iota + 1 // a ServerHello: the server accepted Version and Suite
	ReplyAlert                                 // an alert (AlertLevel, AlertDesc)
	ReplyHelloRetry                            // a TLS 1.3 HelloRetryRequest: Version and Suite accepted, key share not
	ReplySSLv2ServerHello                      // an SSL 2.0 SERVER-HELLO (SSLv2Suites)
	ReplySSLv2Error                            // an SSL 2.0 ERROR message (its code in AlertDesc)
)

var replyKindNames = [...]string{"", "server_hello", "alert", "hello_retry_request", "sslv2_server_hello", "sslv2_error"}

func (k ReplyKind) String() string {
	if int(k) < len(replyKindNames) && k != 0 {
		return replyKindNames[k]
	}
	return fmt.Sprintf("reply_kind(%d)", uint8(k))
}

// ServerReply is the first thing a server answered a hello with.
type ServerReply struct {
	Kind ReplyKind
	// Version is the negotiated version: the supported_versions extension
	// when the ServerHello has one (TLS 1.3), else its server_version;
	// 0x0002 for SSL 2.0; for alerts, the version of the alert record.
	Version uint16
	// Suite is the cipher suite the ServerHello or HelloRetryRequest chose.
	Suite uint16
	// AlertLevel and AlertDesc are the alert's (ReplyAlert), or 0 and the
	// low byte of the SSL 2.0 error code (ReplySSLv2Error: 1 no cipher,
	// 2 no certificate, 4 bad certificate, 6 unsupported certificate type).
	AlertLevel, AlertDesc uint8
	// SSLv2Suites are the cipher specs an SSL 2.0 SERVER-HELLO lists.
	SSLv2Suites []uint32
}

// ErrShortReply means the bytes so far are a valid beginning of a reply
// but not a whole one: read more and parse again.
var ErrShortReply = errors.New("incomplete server reply")

// ErrMalformedReply means the peer speaks TLS records but its handshake
// does not parse (errors wrap it with the detail).
var ErrMalformedReply = errors.New("malformed server reply")

// RecordError means the peer's bytes are not a TLS (or SSL 2.0) record at
// all: a plaintext service, or garbage.
type RecordError struct {
	Header [5]byte // the first bytes received, zero-padded
	Msg    string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("not a tls record (%s): % x", e.Msg, e.Header)
}

func recordError(b []byte, msg string) error {
	e := &RecordError{Msg: msg}
	copy(e.Header[:], b)
	return e
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedReply, fmt.Sprintf(format, args...))
}

// helloRetryRandom is SHA-256("HelloRetryRequest") (RFC 8446 4.1.3).
var helloRetryRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// maxRecordLen is the largest record length accepted: 2^14 plaintext plus
// the 2048 bytes of expansion TLS 1.2 allows ciphertext.
const maxRecordLen = 1<<14 + 2048

// ParseServerReply parses the start of what a server sent after a
// hand-built hello: a ServerHello (or HelloRetryRequest) split over several
// records or followed by more handshake messages, an alert, or an SSL 2.0
// SERVER-HELLO or ERROR. It returns ErrShortReply while b is a valid but
// incomplete start, a *RecordError when b is not TLS at all, and an error
// wrapping ErrMalformedReply when the handshake does not parse. A
// ServerHello is parsed as soon as its bytes are in, even if the record
// carrying it is not complete.
func ParseServerReply(b []byte) (ServerReply, error) {
	if len(b) == 0 {
		return ServerReply{}, ErrShortReply
	}
	if b[0]&0x80 != 0 {
		return parseSSLv2Reply(b)
	}
	var msg []byte // handshake bytes gathered from successive records
	for off := 0; ; {
		rest := b[off:]
		if err := checkRecordHeader(rest, off == 0); err != nil {
			return ServerReply{}, err
		}
		typ, n := rest[0], int(binary.BigEndian.Uint16(rest[3:5]))
		frag := rest[5:]
		complete := len(frag) >= n
		if complete {
			frag = frag[:n]
		}
		if typ == recordAlert {
			if len(frag) < 2 {
				if complete {
					return ServerReply{}, malformed("alert record of %d bytes", n)
				}
				return ServerReply{}, ErrShortReply
			}
			return ServerReply{Kind: ReplyAlert, Version: binary.BigEndian.Uint16(rest[1:3]),
				AlertLevel: frag[0], AlertDesc: frag[1]}, nil
		}
		msg = append(msg, frag...)
		if len(msg) >= 4 {
			if msg[0] != hsServerHello {
				return ServerReply{}, malformed("first handshake message is type %d, not server_hello", msg[0])
			}
			ml := int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3])
			if ml > 1<<16 {
				return ServerReply{}, malformed("server_hello of %d bytes", ml)
			}
			if len(msg) >= 4+ml {
				return parseServerHello(msg[4 : 4+ml])
			}
		}
		if !complete {
			return ServerReply{}, ErrShortReply
		}
		off += 5 + n
	}
}

// checkRecordHeader checks the (possibly partial) record header at the
// start of b: a handshake or alert record (only a handshake record may
// continue a split message), version 3.x, a sane length.
func checkRecordHeader(b []byte, first bool) error {
	if len(b) == 0 {
		return ErrShortReply
	}
	bad := func(msg string) error {
		if first {
			return recordError(b, msg)
		}
		return malformed("%s in a later record", msg)
	}
	switch {
	case b[0] == recordHandshake:
	case b[0] == recordAlert && first:
	default:
		return bad(fmt.Sprintf("record type %d", b[0]))
	}
	if len(b) >= 2 && b[1] != 3 {
		return bad("record version major " + fmt.Sprint(b[1]))
	}
	if len(b) >= 3 && b[2] > 4 {
		return bad("record version minor " + fmt.Sprint(b[2]))
	}
	if len(b) < 5 {
		return ErrShortReply
	}
	if n := int(binary.BigEndian.Uint16(b[3:5])); n == 0 || n > maxRecordLen {
		return bad(fmt.Sprintf("record length %d", n))
	}
	return nil
}

// parseServerHello parses a ServerHello body (RFC 5246 7.4.1.3, RFC 8446 4.1.3).
func parseServerHello(b []byte) (ServerReply, error) {
	// version(2) random(32) session_id(1+n) cipher_suite(2) compression(1)
	if len(b) < 38 {
		return ServerReply{}, malformed("server_hello of %d bytes", len(b))
	}
	r := ServerReply{Kind: ReplyServerHello, Version: binary.BigEndian.Uint16(b[0:2])}
	if bytes.Equal(b[2:34], helloRetryRandom) {
		r.Kind = ReplyHelloRetry
	}
	sid := int(b[34])
	if sid > 32 || len(b) < 35+sid+3 {
		return ServerReply{}, malformed("server_hello session id of %d bytes", sid)
	}
	p := b[35+sid:]
	r.Suite = binary.BigEndian.Uint16(p[0:2])
	p = p[3:] // suite, compression method
	if len(p) == 0 {
		return r, nil // no extensions (SSL 3.0, old TLS servers)
	}
	if len(p) < 2 || int(binary.BigEndian.Uint16(p)) != len(p)-2 {
		return ServerReply{}, malformed("server_hello extensions length")
	}
	for p = p[2:]; len(p) > 0; {
		if len(p) < 4 {
			return ServerReply{}, malformed("truncated server_hello extension")
		}
		typ, n := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+n {
			return ServerReply{}, malformed("server_hello extension %d overruns", typ)
		}
		if typ == extSupportedVersions {
			if n != 2 {
				return ServerReply{}, malformed("supported_versions of %d bytes", n)
			}
			r.Version = binary.BigEndian.Uint16(p[4:6])
		}
		p = p[4+n:]
	}
	return r, nil
}

// parseSSLv2Reply parses an SSL 2.0 record with a 2-byte header: a
// SERVER-HELLO or an ERROR.
func parseSSLv2Reply(b []byte) (ServerReply, error) {
	if len(b) < 3 {
		return ServerReply{}, ErrShortReply
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	switch b[2] {
	case 4: // SERVER-HELLO
		if n < 11 {
			return ServerReply{}, recordError(b, "sslv2 server-hello too short")
		}
	case 0: // ERROR
		if n != 3 {
			return ServerReply{}, recordError(b, "sslv2 error of bad length")
		}
	default:
		return ServerReply{}, recordError(b, fmt.Sprintf("sslv2 message type %d", b[2]))
	}
	if len(b) < 2+n {
		return ServerReply{}, ErrShortReply
	}
	m := b[2 : 2+n]
	if m[0] == 0 {
		return ServerReply{Kind: ReplySSLv2Error, Version: tlsinfo.SSL20, AlertDesc: m[2]}, nil
	}
	// type(1) session_id_hit(1) certificate_type(1) version(2)
	// certificate_length(2) cipher_specs_length(2) connection_id_length(2)
	certLen := int(binary.BigEndian.Uint16(m[5:7]))
	specLen := int(binary.BigEndian.Uint16(m[7:9]))
	connLen := int(binary.BigEndian.Uint16(m[9:11]))
	if specLen%3 != 0 || 11+certLen+specLen+connLen > len(m) {
		return ServerReply{}, malformed("sslv2 server-hello lengths")
	}
	r := ServerReply{Kind: ReplySSLv2ServerHello, Version: binary.BigEndian.Uint16(m[3:5])}
	specs := m[11+certLen : 11+certLen+specLen]
	r.SSLv2Suites = make([]uint32, 0, len(specs)/3)
	for i := 0; i+3 <= len(specs); i += 3 {
		r.SSLv2Suites = append(r.SSLv2Suites, uint32(specs[i])<<16|uint32(specs[i+1])<<8|uint32(specs[i+2]))
	}
	return r, nil
}

// MaxReplyRead caps what ReadServerReply reads.
const MaxReplyRead = 64 << 10

// ReadServerReply reads from conn until ParseServerReply succeeds or fails
// with something other than ErrShortReply, the peer closes (an error
// wrapping io.EOF, or io.ErrUnexpectedEOF after a partial reply), or max
// bytes (at most MaxReplyRead; <= 0 means MaxReplyRead) arrive without a
// whole reply. The caller sets deadlines.
func ReadServerReply(conn net.Conn, max int) (ServerReply, error) {
	r, _, err := readServerReply(conn, max)
	return r, err
}

// readServerReply is ReadServerReply returning the bytes read as well.
func readServerReply(rd io.Reader, max int) (ServerReply, []byte, error) {
	if max <= 0 || max > MaxReplyRead {
		max = MaxReplyRead
	}
	buf := make([]byte, 0, min(max, 4096))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(cap(buf), max-len(buf)))...)[:len(buf)]
		}
		n, rerr := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n > 0 {
			r, err := ParseServerReply(buf)
			if !errors.Is(err, ErrShortReply) {
				return r, buf, err
			}
			if len(buf) >= max {
				return ServerReply{}, buf, fmt.Errorf("no complete server reply in %d bytes: %w", len(buf), ErrShortReply)
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				if len(buf) == 0 {
					return ServerReply{}, buf, fmt.Errorf("peer closed the connection without a reply: %w", io.EOF)
				}
				return ServerReply{}, buf, fmt.Errorf("peer closed the connection after %d bytes: %w", len(buf), io.ErrUnexpectedEOF)
			}
			return ServerReply{}, buf, rerr
		}
	}
}
