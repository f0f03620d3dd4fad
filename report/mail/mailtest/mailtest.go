// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 for tests: STARTTLS or implicit TLS with a throwaway CA, AUTH
// PLAIN, and a record of every message it accepts. Only tests import it.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options choose how the server behaves.
type Options struct {
	// TLS is "starttls" (offer STARTTLS), "implicit" (TLS from the first
	// byte) or "" (plaintext only, no STARTTLS offered).
	TLS string
	// User and Password, when set, are the only login AUTH PLAIN accepts,
	// and MAIL is refused without it.
	User, Password string
}

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
	// TLS tells whether the message came over TLS.
	TLS bool
	// AuthUser is the user the client logged in as, if any.
	AuthUser string
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is the server's 127.0.0.1:port.
	Addr string
	// Roots trusts the server's certificate; CAFile holds the same CA as PEM.
	Roots  *x509.CertPool
	CAFile string

	mu       sync.Mutex
	received []Received
	mails    int
	srv      *smtp.Server
}

// Start starts a server on 127.0.0.1 that stops when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{}
	caPEM, tlsCert, roots := newCA(t)
	s.Roots = roots
	s.CAFile = filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(s.CAFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, o: o, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch o.TLS {
	case "starttls":
		srv.TLSConfig = tlsConf
	case "implicit":
		srv.TLSConfig = tlsConf
		ln = tls.NewListener(ln, tlsConf)
	case "":
	default:
		t.Fatalf("mailtest: unknown TLS option %q", o.TLS)
	}
	s.Addr = ln.Addr().String()
	s.srv = srv
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return s
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// MailCommands counts the MAIL FROM commands the server accepted.
func (s *Server) MailCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mails
}

type session struct {
	s        *Server
	o        Options
	tls      bool
	authUser string
	cur      Received
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if se.o.User == "" || username != se.o.User || password != se.o.Password {
			return errors.New("invalid user name or password")
		}
		se.authUser = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.o.User != "" && se.authUser == "" {
		return smtp.ErrAuthRequired
	}
	se.s.mu.Lock()
	se.s.mails++
	se.s.mu.Unlock()
	se.cur = Received{From: from, TLS: se.tls, AuthUser: se.authUser}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.cur.To = append(se.cur.To, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.cur.Data = b
	se.s.mu.Lock()
	se.s.received = append(se.s.received, se.cur)
	se.s.mu.Unlock()
	se.cur = Received{}
	return nil
}

func (se *session) Reset()        { se.cur = Received{} }
func (se *session) Logout() error { return nil }

// newCA makes a CA and a certificate it signs for 127.0.0.1 and localhost.
func newCA(t testing.TB) (caPEM []byte, leaf tls.Certificate, roots *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tlsweep mailtest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(caCert)
	leaf = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), leaf, roots
}
