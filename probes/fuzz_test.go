package probes

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// FuzzDescribeChain: any certificate crypto/x509 parses from a peer's DER
// is described and verified without a panic, and consistently.
func FuzzDescribeChain(f *testing.F) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range []lab.CertOptions{
		{CommonName: "p256", Key: "p256", DNSNames: []string{"a.example"}},
		{CommonName: "rsa1024", Key: "rsa1024", IsCA: true, CRLURLs: []string{"http://127.0.0.1/x.crl"}},
		{CommonName: "\x1b[31mred\x07", Key: "p384", NotAfter: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
	} {
		c, err := lab.Issue(o, nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.X509.Raw)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(-1), Subject: pkix.Name{CommonName: "ed25519"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(-time.Minute)}
	if der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv); err == nil {
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Skip()
		}
		chain := []*x509.Certificate{c, c}
		got := describeChain(chain, now, nil)
		if len(got) != 2 || got[0].SHA256 != got[1].SHA256 {
			t.Fatalf("described %d certificates: %+v", len(got), got)
		}
		d := got[0]
		if d.SHA256 != sha256Hex(der) || d.KeyBits < 0 || d.KeyType == "" {
			t.Fatalf("description %+v", d)
		}
		if expired := c.NotAfter.Before(now); (d.DaysLeft < 0) != expired {
			t.Fatalf("not after %s, now %s: %d days left", c.NotAfter, now, d.DaysLeft)
		}
		if err := verifyChain(chain, x509.NewCertPool(), now, nil); err == nil {
			t.Fatal("a chain verified against an empty pool")
		}
	})
}

// FuzzHandshakeFailure: whatever the peer sent and whatever tlsx said,
// the explanation is one printable line.
func FuzzHandshakeFailure(f *testing.F) {
	f.Add([]byte("\x15\x03\x03\x00\x02\x02\x28"), "remote error: tls: handshake failure")
	f.Add([]byte("\x16\x03\x03\x00\x40\x02"), `cause="could not do handshake" chain="tls: server sent two HelloRetryRequest messages"`)
	f.Add([]byte("\x16\x03\x01"), `cause="could not do handshake" chain="tls: server selected unsupported protocol version 300"`)
	f.Add([]byte{}, `cause="x" chain="\x1b[2J\u2028"`)
	f.Add([]byte("\x15"), `chain="unterminated`)
	f.Fuzz(func(t *testing.T, rec []byte, msg string) {
		for _, err := range []error{errors.New(msg), errors.New(strconv.Quote(msg))} {
			s := handshakeFailure(rec, err).Error()
			if s == "" || !utf8.ValidString(s) {
				t.Fatalf("description %q", s)
			}
			for _, r := range s {
				if r < 0x20 || r == 0x7f || r > 0x7e {
					t.Fatalf("description %q holds %U", s, r)
				}
			}
		}
	})
}
