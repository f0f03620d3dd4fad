package probes

// Real Debian servers for the HTTP and FTP probe tests (nginx, vsftpd),
// started by scanner/lab/daemon on 127.0.0.1 ports the test picked itself.

import (
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/scanner/lab"
	"github.com/tlsweep/tlsweep/scanner/lab/daemon"
)

// httpNginx runs nginx with the server block srv inside http{}. In srv,
// PORT stands for the port, CERT and KEY for the files of cert (when not
// nil). It returns the port.
func httpNginx(t *testing.T, cert *lab.Cert, srv string) int {
	t.Helper()
	if cert != nil {
		certFile, keyFile := daemon.WriteCert(t, t.TempDir(), "server", cert)
		srv = strings.NewReplacer("CERT", certFile, "KEY", keyFile).Replace(srv)
	}
	return daemon.NginxServer(t, srv)
}

// ftpVsftpd runs vsftpd greeting "220 SEP sesam FTP"; with cert, AUTH TLS
// is on.
func ftpVsftpd(t *testing.T, cert *lab.Cert) int {
	t.Helper()
	return daemon.VsftpdServer(t, "SEP sesam FTP", cert)
}
