// Package lab starts a small estate of backup-server listeners on loopback
// addresses: the `tlsweep demo` and `tlsweep lab` commands and the tests
// scan it. It also makes the certificates they and the tests need.
package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// CertOptions describes a certificate to make.
type CertOptions struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	NotBefore  time.Time
	NotAfter   time.Time
	// Key: "rsa2048" (default), "rsa1024", "p256", "p384".
	Key string
	// SignatureAlgorithm overrides the default (e.g. x509.SHA1WithRSA).
	SignatureAlgorithm x509.SignatureAlgorithm
	IsCA               bool
	// CRL and OCSP URLs to write into the certificate.
	CRLURLs  []string
	OCSPURLs []string
}

// Cert is a certificate with its key.
type Cert struct {
	X509 *x509.Certificate
	Key  crypto.Signer
}

// NewKey makes a key of the named kind.
func NewKey(kind string) (crypto.Signer, error) {
	switch kind {
	case "", "rsa2048":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "rsa1024":
		return rsa.GenerateKey(rand.Reader, 1024)
	case "p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return nil, fmt.Errorf("unknown key kind %q", kind)
}

// Issue makes a certificate signed by parent, or self-signed when parent is nil.
func Issue(o CertOptions, parent *Cert) (*Cert, error) {
	key, err := NewKey(o.Key)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = o.NotBefore.Add(365 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: o.CommonName, Organization: []string{"tlsweep lab"}},
		DNSNames:              o.DNSNames,
		IPAddresses:           o.IPs,
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		SignatureAlgorithm:    o.SignatureAlgorithm,
		BasicConstraintsValid: true,
		IsCA:                  o.IsCA,
		CRLDistributionPoints: o.CRLURLs,
		OCSPServer:            o.OCSPURLs,
	}
	if o.IsCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.Key, parent.X509
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", o.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Cert{X509: c, Key: key}, nil
}

// TLSCertificate makes a tls.Certificate serving c followed by chain.
func (c *Cert) TLSCertificate(chain ...*Cert) tls.Certificate {
	tc := tls.Certificate{Certificate: [][]byte{c.X509.Raw}, PrivateKey: c.Key, Leaf: c.X509}
	for _, ch := range chain {
		tc.Certificate = append(tc.Certificate, ch.X509.Raw)
	}
	return tc
}

// CertPEM is the certificate in PEM.
func (c *Cert) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.X509.Raw})
}

// KeyPEM is the private key in PKCS#8 PEM.
func (c *Cert) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
