package probes

// This is the one file that reaches tlsx. tlsx's zcrypto mode ("ztls")
// speaks what Go's crypto/tls does not: finite-field DHE key exchange and
// SSL 3.0. tlsweep runs that mode's handshake (zcrypto/tls offering tlsx's
// list of every suite zcrypto knows) on a connection it already holds.
// tlsx's own ConnectWithOptions is not called: it dials by itself and runs
// cfssl's revocation check on every certificate, which fetches CRL, OCSP
// and issuer URLs written in the scanned certificate; tlsweep contacts
// only the targets it was given, and overwrites no global to prevent it.

import (
	"cmp"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"slices"

	tlsxztls "github.com/projectdiscovery/tlsx/pkg/tlsx/ztls"
	ztls "github.com/zmap/zcrypto/tls"

	"github.com/tlsweep/tlsweep/report"
	"github.com/tlsweep/tlsweep/tlsinfo"
)

// legacyHandshaker reads the version, suite and certificate chain from a
// server crypto/tls cannot complete a handshake with.
type legacyHandshaker interface {
	handshake(conn net.Conn, sni string) (legacySession, error)
}

// legacySession is what a legacy handshake saw: wire version and suite,
// and the certificates as sent (DER, leaf first).
type legacySession struct {
	version, suite uint16
	chain          [][]byte
}

// ztlsHandshaker is the legacyHandshaker tlsx's ztls mode provides.
type ztlsHandshaker struct{}

// legacySuites are tlsx's ztls suites, strong ones first (tlsx builds the
// list from a map, in a different order each run): a server that honours
// the client's order picks what a modern client would get.
var legacySuites = func() []uint16 {
	ids := slices.Clone(tlsxztls.AllCiphers)
	rank := func(id uint16) int {
		c, ok := tlsinfo.CipherSuiteByID(id)
		switch {
		case !ok:
			return 3
		case c.Insecure:
			return 2
		case c.Weak:
			return 1
		}
		return 0
	}
	slices.SortFunc(ids, func(a, b uint16) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(b, a)) })
	return ids
}()

// handshake stops as soon as the server's Certificate message is in
// (CertsOnly): the chain is all tlsweep needs, so the key exchange is
// never computed.
func (ztlsHandshaker) handshake(conn net.Conn, sni string) (legacySession, error) {
	c := ztls.Client(conn, &ztls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, //nolint:gosec // tlsweep verifies the chain itself
		CertsOnly:          true,
		MinVersion:         ztls.VersionSSL30,
		MaxVersion:         ztls.VersionTLS12,
		CipherSuites:       legacySuites,
	})
	err := c.Handshake()
	hl := c.GetHandshakeLog()
	if hl == nil || hl.ServerHello == nil || hl.ServerCertificates == nil || len(hl.ServerCertificates.Certificate.Raw) == 0 {
		if err == nil || err == ztls.ErrCertsOnly {
			err = errNoCertificate
		}
		return legacySession{}, err
	}
	s := legacySession{version: uint16(hl.ServerHello.Version), suite: uint16(hl.ServerHello.CipherSuite)}
	s.chain = append(s.chain, hl.ServerCertificates.Certificate.Raw)
	for _, sc := range hl.ServerCertificates.Chain {
		s.chain = append(s.chain, sc.Raw)
	}
	return s, nil
}

// tryLegacy retries, on a fresh connection, a handshake crypto/tls could
// not complete because the server refused its offer (an alert) or chose
// what it cannot speak. It returns first when the legacy handshake gets
// no chain either.
func (p *TLS) tryLegacy(ctx context.Context, d Dialer, t Target, first *HandshakeError) (*report.TLS, error) {
	if p.legacy == nil || (first.Reason != HandshakeAlert && first.Reason != HandshakeNoCommon) {
		return nil, first
	}
	// The server already answered once: a retry that stalls gets no more
	// than the first answer did.
	rc, done, err := openConn(ctx, d, t, p.answerWait(), 0)
	if err != nil {
		return nil, first
	}
	defer done()
	s, err := p.legacy.handshake(rc, t.SNI)
	if err != nil {
		return nil, first
	}
	chain := make([]*x509.Certificate, 0, len(s.chain))
	for i, der := range s.chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &HandshakeError{first.Reason, fmt.Sprintf("%s; certificate %d of the chain does not parse", first.Detail, i)}
		}
		chain = append(chain, c)
	}
	return p.judge(t, s.version, s.suite, chain)
}
