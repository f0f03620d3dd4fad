package lab

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Estate is a running demo estate: a Code42 server and a SEP sesam server,
// each on its own loopback address, with the vendors' weak defaults.
type Estate struct {
	Code42 string // address of the Code42 host, e.g. 127.42.0.1
	Sesam  string // address of the SEP sesam host
	// CA signed the sesam HTTPS certificate: pass it as --ca-file, as an
	// enterprise would pass its internal CA.
	CA *Cert

	listeners []net.Listener
	servers   []*http.Server
	wg        sync.WaitGroup
	ctx       context.Context
	stop      context.CancelFunc
}

// Listener describes one port of the estate and what a scan should find.
type Listener struct {
	Host, Port, What string
}

// Listeners lists what the estate serves.
func (e *Estate) Listeners() []Listener {
	return []Listener{
		{e.Code42, "4287", "Code42 client TLS 1.2, self-signed certificate"},
		{e.Code42, "4288", "Code42 server TLS 1.0 only, RSA-1024 key signed by the demo CA"},
		{e.Code42, "4282", "Code42 legacy non-TLS protocol (greets first)"},
		{e.Code42, "4283", "Code42 legacy port, accepts and stays silent"},
		{e.Code42, "4285", "Code42 administration console over HTTPS, self-signed certificate, no HSTS"},
		{e.Code42, "4280", "Code42 legacy administration console over plain HTTP"},
		{e.Sesam, "11443", "SEP sesam HTTPS, internal-CA certificate expiring in 20 days, no HSTS"},
		{e.Sesam, "11000", "SEP sesam plaintext HTTP"},
		{e.Sesam, "11001", "SEP sesam plaintext FTP, offers AUTH TLS but does not require it"},
	}
}

// Start brings the estate up on the first free pair of addresses among
// 127.42.N.1 and 127.42.N.2. It never binds anything outside 127.0.0.0/8.
func Start(now time.Time) (*Estate, error) {
	var lastErr error
	for n := 0; n < 16; n++ {
		e, err := startAt(fmt.Sprintf("127.42.%d.1", n), fmt.Sprintf("127.42.%d.2", n), now)
		if err == nil {
			return e, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("start the demo estate on 127.42.0-15.x: %w", lastErr)
}

func startAt(code42, sesam string, now time.Time) (_ *Estate, err error) {
	e := &Estate{Code42: code42, Sesam: sesam}
	e.ctx, e.stop = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	ca, err := Issue(CertOptions{CommonName: "tlsweep demo internal CA", IsCA: true, Key: "p256",
		NotBefore: now.Add(-720 * time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour)}, nil)
	if err != nil {
		return nil, err
	}
	e.CA = ca
	selfSigned, err := Issue(CertOptions{CommonName: "code42-authority", IPs: []net.IP{net.ParseIP(code42)},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(2 * 365 * 24 * time.Hour)}, nil)
	if err != nil {
		return nil, err
	}
	weak, err := Issue(CertOptions{CommonName: "code42-storage", Key: "rsa1024", IPs: []net.IP{net.ParseIP(code42)},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(300 * 24 * time.Hour)}, ca)
	if err != nil {
		return nil, err
	}
	sesamCert, err := Issue(CertOptions{CommonName: "sesam-server", Key: "p256", IPs: []net.IP{net.ParseIP(sesam)},
		NotBefore: now.Add(-345 * 24 * time.Hour), NotAfter: now.Add(20*24*time.Hour + time.Hour)}, ca)
	if err != nil {
		return nil, err
	}

	tls12 := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{selfSigned.TLSCertificate()}}
	tls10 := &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		Certificates: []tls.Certificate{weak.TLSCertificate(ca)},
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}}
	https := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{sesamCert.TLSCertificate(ca)}}

	if err := e.serveTLSEcho(code42, 4287, tls12); err != nil {
		return nil, err
	}
	if err := e.serveTLSEcho(code42, 4288, tls10); err != nil {
		return nil, err
	}
	if err := e.serveRaw(code42, 4282, greet("\x00\x00\x00\x0bC42LEGACY\x01\x05\r\n")); err != nil {
		return nil, err
	}
	if err := e.serveRaw(code42, 4283, silent); err != nil {
		return nil, err
	}
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Code42 administration console\n")
	})
	if err := e.serveHTTP(code42, 4285, console, consoleTLS(selfSigned)); err != nil {
		return nil, err
	}
	if err := e.serveHTTP(code42, 4280, console, nil); err != nil {
		return nil, err
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "STPD")
		_, _ = io.WriteString(w, "SEP sesam\n")
	})
	if err := e.serveHTTP(sesam, 11443, page, https); err != nil {
		return nil, err
	}
	if err := e.serveHTTP(sesam, 11000, page, nil); err != nil {
		return nil, err
	}
	ftpTLS := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{sesamCert.TLSCertificate(ca)}}
	if err := e.serveRaw(sesam, 11001, ftpServer(ftpTLS)); err != nil {
		return nil, err
	}
	return e, nil
}

// consoleTLS is the Code42 console's TLS: TLS 1.2 and 1.3 with the
// server's out-of-the-box self-signed certificate.
func consoleTLS(c *Cert) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c.TLSCertificate()}}
}

// CAPool is a pool holding the demo CA.
func (e *Estate) CAPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.CA.X509)
	return p
}

func (e *Estate) listen(host string, port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	e.listeners = append(e.listeners, ln)
	return ln, nil
}

// serveRaw accepts connections and hands each to handle.
func (e *Estate) serveRaw(host string, port int, handle func(net.Conn)) error {
	ln, err := e.listen(host, port)
	if err != nil {
		return err
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				defer c.Close()
				stop := context.AfterFunc(e.ctx, func() { _ = c.Close() })
				defer stop()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				handle(c)
			}()
		}
	}()
	return nil
}

func (e *Estate) serveTLSEcho(host string, port int, cfg *tls.Config) error {
	return e.serveRaw(host, port, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		_, _ = io.Copy(tc, io.LimitReader(tc, 4096))
	})
}

func (e *Estate) serveHTTP(host string, port int, h http.Handler, cfg *tls.Config) error {
	ln, err := e.listen(host, port)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: discardLog()}
	e.servers = append(e.servers, srv)
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		_ = srv.Serve(ln)
	}()
	return nil
}

func greet(banner string) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := io.WriteString(c, banner); err != nil {
			return
		}
		// Read and drop whatever the client says until it leaves.
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<16))
	}
}

func silent(c net.Conn) { _, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<16)) }

// Close stops every listener and waits for the servers to finish.
func (e *Estate) Close() {
	if e.stop != nil {
		e.stop()
	}
	for _, s := range e.servers {
		_ = s.Close()
	}
	for _, ln := range e.listeners {
		_ = ln.Close()
	}
	e.wg.Wait()
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// ftpServer greets like SEP sesam's FTP interface, answers FEAT, and
// upgrades on AUTH TLS without requiring it. It never accepts a login.
func ftpServer(cfg *tls.Config) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := io.WriteString(c, "220 SEP sesam STPD FTP server ready\r\n"); err != nil {
			return
		}
		r := bufio.NewReader(io.LimitReader(c, 1<<16))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case cmd == "FEAT":
				_, err = io.WriteString(c, "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n")
			case cmd == "AUTH TLS":
				if _, err = io.WriteString(c, "234 Proceed with negotiation.\r\n"); err == nil {
					tc := tls.Server(c, cfg)
					if tc.Handshake() == nil {
						_, _ = io.Copy(io.Discard, io.LimitReader(tc, 4096))
					}
				}
				return
			case cmd == "QUIT":
				_, _ = io.WriteString(c, "221 Goodbye.\r\n")
				return
			case strings.HasPrefix(cmd, "USER"), strings.HasPrefix(cmd, "PASS"):
				_, err = io.WriteString(c, "530 Login incorrect.\r\n")
			default:
				_, err = io.WriteString(c, "502 Command not implemented.\r\n")
			}
			if err != nil {
				return
			}
		}
	}
}
