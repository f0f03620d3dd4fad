package probes

import (
	"bytes"
	"crypto/dsa" //lint:ignore SA1019 DSA keys still turn up on old appliances; we only measure them.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/tlsweep/tlsweep/report"
)

// describeChain turns the certificates a server sent, leaf first, into
// report certificates judged at now, self-signatures checked through memo
// (nil: no memo).
func describeChain(chain []*x509.Certificate, now time.Time, memo *sigMemo) []report.Certificate {
	out := make([]report.Certificate, 0, len(chain))
	for _, c := range chain {
		out = append(out, describeCert(c, now, memo))
	}
	return out
}

func describeCert(c *x509.Certificate, now time.Time, memo *sigMemo) report.Certificate {
	sum := sha256.Sum256(c.Raw)
	keyType, bits := keyInfo(c.PublicKey)
	sans := make([]string, 0, len(c.DNSNames)+len(c.IPAddresses))
	sans = append(sans, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		sans = append(sans, ip.String())
	}
	serial := ""
	if c.SerialNumber != nil {
		serial = hex.EncodeToString(c.SerialNumber.Bytes())
	}
	return report.Certificate{
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		CommonName:         c.Subject.CommonName,
		SANs:               sans,
		Serial:             serial,
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		DaysLeft:           daysLeft(c.NotAfter, now),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		KeyType:            keyType,
		KeyBits:            bits,
		SHA256:             hex.EncodeToString(sum[:]),
		SelfSigned:         memo.selfSigned(c),
		IsCA:               c.IsCA,
	}
}

// daysLeft counts whole days until notAfter; negative once expired.
func daysLeft(notAfter, now time.Time) int {
	d := notAfter.Sub(now).Hours() / 24
	return int(math.Floor(d))
}

// selfSigned is true when the certificate names itself as issuer and its
// own key verifies its signature. Key identifiers alone prove nothing.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// sigMemo remembers which certificates sign themselves, by the SHA-256 of
// their DER, so a host that shows one certificate on several ports (or one
// endpoint judged twice) costs one signature check. It holds at most
// sigMemoMax entries and starts over when full, so a sweep's memory stays
// flat. A nil *sigMemo checks every time.
type sigMemo struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]bool
}

const sigMemoMax = 4096

func (s *sigMemo) selfSigned(c *x509.Certificate) bool {
	if s == nil || !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return selfSigned(c)
	}
	k := sha256.Sum256(c.Raw)
	s.mu.Lock()
	v, ok := s.m[k]
	s.mu.Unlock()
	if ok {
		return v
	}
	v = selfSigned(c)
	s.mu.Lock()
	if s.m == nil || len(s.m) >= sigMemoMax {
		s.m = make(map[[sha256.Size]byte]bool)
	}
	s.m[k] = v
	s.mu.Unlock()
	return v
}

func keyInfo(pub any) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		if k.Curve == nil {
			return "EC", 0
		}
		return "EC", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	case *dsa.PublicKey:
		if k.P == nil {
			return "DSA", 0
		}
		return "DSA", k.P.BitLen()
	}
	return "unknown", 0
}

// verifyChain checks the chain against roots (nil means the system roots),
// self-signatures checked through memo. The check is of the path to a
// trusted root only: validity dates are judged separately
// (expired-certificate, not-yet-valid-certificate), so a CA-signed
// certificate that expired is still "trusted" with an expired-certificate
// finding rather than two findings for one fault.
func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, now time.Time, memo *sigMemo) error {
	if len(chain) == 0 {
		return errNoCertificate
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	_, err := leaf.Verify(opts)
	if err == nil {
		return nil
	}
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) && inv.Reason == x509.Expired {
		// Judge the path at a moment the leaf was valid.
		for _, at := range []time.Time{leaf.NotAfter.Add(-time.Second), leaf.NotBefore.Add(time.Second)} {
			opts.CurrentTime = at
			if _, again := leaf.Verify(opts); again == nil {
				return nil
			}
		}
	}
	return trustError(err, chain, memo)
}

func trustError(err error, chain []*x509.Certificate, memo *sigMemo) error {
	leaf := chain[0]
	var ua x509.UnknownAuthorityError
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		if memo.selfSigned(leaf) {
			return errors.New("self-signed certificate not in the trusted roots")
		}
		if c := rejectedSignature(chain, memo); c != nil {
			return fmt.Errorf("chain uses a signature algorithm clients reject: %s signs %q", c.SignatureAlgorithm, c.Subject.String())
		}
		return errors.New("signed by an unknown authority " + report.Quote(leaf.Issuer.String()))
	case errors.As(err, &inv):
		return fmt.Errorf("invalid chain: %s", strings.TrimPrefix(inv.Error(), "x509: "))
	}
	return fmt.Errorf("chain does not verify: %s", strings.TrimPrefix(err.Error(), "x509: "))
}

// rejectedSignature is the first certificate of chain that another
// certificate signed with an algorithm crypto/x509 refuses to verify (MD2,
// MD5, SHA-1), or nil; a self-signed root's own signature is never checked.
func rejectedSignature(chain []*x509.Certificate, memo *sigMemo) *x509.Certificate {
	for _, c := range chain {
		switch c.SignatureAlgorithm {
		case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
			if !memo.selfSigned(c) {
				return c
			}
		}
	}
	return nil
}
