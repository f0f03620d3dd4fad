package probes

import (
	"crypto/tls"
	"errors"
	"net"
)

// clientCert answers a TLS 1.2-or-older server's certificate request with
// an empty Certificate message, as a client without one does. A server
// that requires one refuses it at once with an alert; one that merely
// asks waits for the key exchange. It returns whether the connection is
// still usable.
func (vs *vulnScan) clientCert(rc *recordConn, fl *flight) bool {
	if writeRecord(rc, recordHandshake, fl.version, handshakeMsg(hsCertificate, []byte{0, 0, 0})) != nil {
		return false
	}
	vs.waitFor(rc)
	rec, err := readRecord(rc)
	switch {
	case timedOut(err):
		vs.v.ClientCertificate = "optional"
		return true
	case err == nil && rec.typ == recordAlert:
		vs.v.ClientCertificate = "required"
	}
	return false
}

// clientCertTLS13 finds out whether a TLS 1.3-only server requires a client
// certificate. In TLS 1.3 the request is encrypted and the server's refusal
// comes after the client's Finished, when the handshake looks done to the
// client: a crypto/tls handshake without a certificate is followed by one
// short read, made only when the server asked.
func (vs *vulnScan) clientCertTLS13() {
	rc, done, err := vs.dial()
	if err != nil {
		return
	}
	defer done()
	asked := false
	c := tls.Client(rc, &tls.Config{
		ServerName:         vs.t.SNI,
		InsecureSkipVerify: true, // the TLS probe judges the chain; this only asks about client certificates
		MinVersion:         tls.VersionTLS13,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			asked = true
			return &tls.Certificate{}, nil
		},
	})
	err = c.HandshakeContext(vs.ctx)
	if !asked {
		return
	}
	if err == nil {
		vs.waitFor(rc)
		_, err = c.Read(make([]byte, 1))
	}
	var ne net.Error
	switch {
	case err == nil || errors.As(err, &ne) && ne.Timeout():
		vs.v.ClientCertificate = "optional"
	default:
		// An alert (certificate_required) or a close right after the
		// client's empty Certificate.
		vs.v.ClientCertificate = "required"
	}
}
