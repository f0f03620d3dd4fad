package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/tlsweep/tlsweep/tlsinfo"
)

// HandshakeError is a TLS handshake that did not complete. Code tells the
// reasons apart by Reason, never by the text; Error is what the endpoint
// reports.
type HandshakeError struct {
	Reason HandshakeFailure
	Detail string // the explanation after the "tls handshake" prefix
}

func (e *HandshakeError) Error() string {
	if e.Reason == HandshakeNoAnswer {
		return "tls handshake: " + e.Detail
	}
	return "tls handshake failed: " + e.Detail
}

// HandshakeFailure says why a handshake did not complete.
type HandshakeFailure uint8

const (
	// HandshakeNoAnswer: nothing came back to the ClientHello.
	HandshakeNoAnswer HandshakeFailure = iota + 1
	// HandshakeAlert: the server answered with an alert.
	HandshakeAlert
	// HandshakeTimeout: the server stalled inside the handshake.
	HandshakeTimeout
	// HandshakeClosed: the server hung up inside the handshake.
	HandshakeClosed
	// HandshakeReadLimit: the server sent more than a probe reads.
	HandshakeReadLimit
	// HandshakeNoCommon: the server chose a version or suite the client
	// does not speak (SSL 3.0, finite-field DHE, an SSL 2.0 reply).
	HandshakeNoCommon
	// HandshakeBroken: malformed or out-of-order messages.
	HandshakeBroken
)

// handshakeFailure explains a handshake the peer answered in TLS but did
// not complete: an alert is named, a stall or a hang-up is said as such,
// a version or suite the client cannot speak is called one, and anything
// else is a server that broke the protocol. rec holds the peer's first
// bytes.
func handshakeFailure(rec []byte, err error) *HandshakeError {
	if len(rec) >= 7 && rec[0] == 0x15 {
		return &HandshakeError{HandshakeAlert, fmt.Sprintf("server sent alert %s", tlsinfo.AlertName(rec[6]))}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return &HandshakeError{HandshakeTimeout, "handshake timed out"}
	case errors.Is(err, ErrReadLimit):
		return &HandshakeError{HandshakeReadLimit, ErrReadLimit.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return &HandshakeError{HandshakeClosed, "the server closed the connection during the handshake"}
	case unspeakableHello(rec):
		return &HandshakeError{HandshakeNoCommon, "no version or cipher suite in common with a modern client"}
	}
	return &HandshakeError{HandshakeBroken, brokeTLS + ": " + FirstLine([]byte(err.Error()))}
}

// unspeakableHello reports whether rec starts with a server hello the
// handshake client cannot accept: SSL 2.0, a version below TLS 1.0, or a
// suite crypto/tls does not implement.
func unspeakableHello(rec []byte) bool {
	r, err := ParseServerReply(rec)
	if err != nil && !errors.Is(err, ErrShortReply) {
		return false
	}
	switch r.Kind {
	case ReplySSLv2ServerHello:
		return true
	case ReplyServerHello:
		return r.Version < tls.VersionTLS10 || !goSpeaks(r.Suite)
	}
	return false
}

// goSpeaks reports whether crypto/tls implements the suite.
func goSpeaks(id uint16) bool {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if cs.ID == id {
				return true
			}
		}
	}
	return false
}

// brokeTLS starts the description of a handshake the server sent malformed
// or out-of-order messages in; the versions probe keeps such an error.
const brokeTLS = "the server broke the TLS protocol"

// errNoCertificate is a handshake that brought back no certificate.
var errNoCertificate = errors.New("the server sent no certificate")

// NoChainError is a TLS endpoint whose versions the hand-built hellos saw
// but whose certificate chain no handshake could read.
type NoChainError struct{ Handshake *HandshakeError }

func (e *NoChainError) Error() string {
	return "certificate not read: no handshake could be completed (" + e.Handshake.Detail + ")"
}

func (e *NoChainError) Unwrap() error { return e.Handshake }
