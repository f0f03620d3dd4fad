package probes

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// rawConfig says how a rawServer answers: what OpenSSL 3 and crypto/tls
// will no longer do (SSL 3.0, EXPORT suites, SSL 2.0) or do not do on
// demand (HelloRetryRequest, silence).
type rawConfig struct {
	// suites are the suites accepted per wire version, in the server's
	// preference order (it ignores the client's).
	suites map[uint16][]uint16
	// downgrade answers a hello for a version not in suites at the newest
	// version below it that is; without it such a hello gets the alert
	// protocol_version (a version-intolerant server).
	downgrade bool
	// hrr answers TLS 1.3 hellos with a HelloRetryRequest.
	hrr bool
	// sslv2 are the cipher specs an SSL 2.0 SERVER-HELLO lists; nil closes
	// SSL 2.0 hellos without a word.
	sslv2 []uint32
	// silent never answers anything.
	silent bool
}

// rawHello is the part of a ClientHello the raw server looks at.
type rawHello struct {
	sslv2   bool
	version uint16 // legacy_version, or TLS 1.3 when supported_versions lists it
	suites  []uint16
}

// rawServer is a tiny TLS responder on 127.0.0.1: it reads one hello per
// connection and writes one hand-made ServerHello or alert.
type rawServer struct {
	Target
	cfg   rawConfig
	conns atomic.Int32
}

func startRawServer(t *testing.T, cfg rawConfig) *rawServer {
	t.Helper()
	s := &rawServer{cfg: cfg}
	s.Target = serveLoopback(t, &s.conns, s.serve)
	return s
}

// serveLoopback accepts connections on a free 127.0.0.1 port until the test
// ends, counting them in count and handing each to serve on its own
// goroutine; done closes when the test ends. It returns the address.
func serveLoopback(t *testing.T, count *atomic.Int32, serve func(c net.Conn, done <-chan struct{})) Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			count.Add(1)
			wg.Go(func() { serve(c, done) })
		}
	})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	return targetOf(t, ln.Addr())
}

func (s *rawServer) serve(c net.Conn, done <-chan struct{}) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if s.cfg.silent {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		return
	}
	h, err := readRawHello(c)
	if err != nil {
		return
	}
	reply := s.answer(h)
	if reply == nil {
		return
	}
	_, _ = c.Write(reply)
	_, _ = io.Copy(io.Discard, c) // until the client closes
}

func (s *rawServer) answer(h rawHello) []byte {
	if h.sslv2 {
		if s.cfg.sslv2 == nil {
			return nil
		}
		return rawSSLv2ServerHello(s.cfg.sslv2)
	}
	v := h.version
	if _, ok := s.cfg.suites[v]; !ok && s.cfg.downgrade {
		for w := v; w >= tlsinfo.SSL30; w-- {
			if _, ok := s.cfg.suites[w]; ok && w != tlsinfo.TLS13 {
				v = w
				break
			}
		}
	}
	prefs, ok := s.cfg.suites[v]
	if !ok {
		return rawAlert(min(h.version, tlsinfo.TLS12), 70) // protocol_version
	}
	for _, id := range prefs {
		if slices.Contains(h.suites, id) {
			if v == tlsinfo.TLS13 && s.cfg.hrr {
				return rawServerHello(v, id, helloRetryRandom)
			}
			return rawServerHello(v, id, nil)
		}
	}
	return rawAlert(min(v, tlsinfo.TLS12), 40) // handshake_failure
}

// readRawHello reads one ClientHello record (TLS, or SSL 2.0 with a
// 2-byte header).
func readRawHello(r io.Reader) (rawHello, error) {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return rawHello{}, err
	}
	if hdr[0]&0x80 != 0 {
		n := int(hdr[0]&0x7f)<<8 | int(hdr[1])
		if n < 3 {
			return rawHello{}, errors.New("short sslv2 record")
		}
		_, err := io.ReadFull(r, make([]byte, n-3))
		return rawHello{sslv2: true}, err
	}
	body := make([]byte, binary.BigEndian.Uint16(hdr[3:5]))
	if _, err := io.ReadFull(r, body); err != nil {
		return rawHello{}, err
	}
	bad := errors.New("malformed client hello")
	if len(body) < 4+2+32+1 || body[0] != 1 {
		return rawHello{}, bad
	}
	p := body[4:]
	h := rawHello{version: binary.BigEndian.Uint16(p)}
	p = p[34:]
	p = p[1+int(p[0]):] // session id
	if len(p) < 2 {
		return rawHello{}, bad
	}
	n := int(binary.BigEndian.Uint16(p))
	if len(p) < 2+n+1 {
		return rawHello{}, bad
	}
	for i := 0; i < n; i += 2 {
		h.suites = append(h.suites, binary.BigEndian.Uint16(p[2+i:]))
	}
	p = p[2+n:]
	p = p[1+int(p[0]):] // compression methods
	if len(p) < 2 {
		return h, nil
	}
	for p = p[2:]; len(p) >= 4; {
		typ, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+l {
			return rawHello{}, bad
		}
		if typ == extSupportedVersions {
			for i := 5; i+1 < 4+l; i += 2 {
				h.version = max(h.version, binary.BigEndian.Uint16(p[i:]))
			}
		}
		p = p[4+l:]
	}
	return h, nil
}

// rawServerHello is a ServerHello record at version v choosing suite (with
// supported_versions for TLS 1.3; no extensions before, as an SSL 3.0
// server sends it).
func rawServerHello(v, suite uint16, random []byte) []byte {
	legacy := min(v, tlsinfo.TLS12)
	body := binary.BigEndian.AppendUint16(nil, legacy)
	if random == nil {
		random = bytes.Repeat([]byte{0x5a}, 32)
	}
	body = append(body, random...)
	body = append(body, 0) // no session id
	body = binary.BigEndian.AppendUint16(body, suite)
	body = append(body, 0) // null compression
	if v == tlsinfo.TLS13 {
		body = append(body, 0, 6, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04)
	}
	msg := append([]byte{hsServerHello, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	return rawRecord(recordHandshake, legacy, msg)
}

func rawAlert(v uint16, desc byte) []byte { return rawRecord(recordAlert, v, []byte{2, desc}) }

func rawRecord(typ byte, v uint16, frag []byte) []byte {
	b := []byte{typ, byte(v >> 8), byte(v), byte(len(frag) >> 8), byte(len(frag))}
	return append(b, frag...)
}

// rawSSLv2ServerHello is an SSL 2.0 SERVER-HELLO with a dummy certificate.
func rawSSLv2ServerHello(specs []uint32) []byte {
	cert := []byte("not a certificate")
	m := []byte{4, 0, 1, 0x00, 0x02}
	m = binary.BigEndian.AppendUint16(m, uint16(len(cert)))
	m = binary.BigEndian.AppendUint16(m, uint16(3*len(specs)))
	m = binary.BigEndian.AppendUint16(m, 16)
	m = append(m, cert...)
	for _, sp := range specs {
		m = append(m, byte(sp>>16), byte(sp>>8), byte(sp))
	}
	m = append(m, bytes.Repeat([]byte{0x42}, 16)...)
	return append([]byte{byte(len(m)>>8) | 0x80, byte(len(m))}, m...)
}
