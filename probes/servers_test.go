package probes

// Real Debian servers for the HTTP and FTP probe tests (nginx, vsftpd),
// always on 127.0.0.1 and on ports the test picked itself.

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

const (
	httpNginxBin = "/usr/sbin/nginx"
	ftpVsftpdBin = "/usr/sbin/vsftpd"
)

// httpRequireBinary skips the test when path is missing, except on CI
// (CI set), where a missing server fails the test.
func httpRequireBinary(t *testing.T, path, pkg string) {
	t.Helper()
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing on CI: install the Debian package %s", path, pkg)
	}
	t.Skipf("%s is not installed: apt-get install %s to run this test", path, pkg)
}

// httpLockedBuffer collects a server's output for failure messages.
type httpLockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *httpLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 64<<10 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *httpLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// httpStartServer runs argv(port) on a free 127.0.0.1 port until the port
// accepts connections, retrying on another port when the server exits
// first (it lost the port to someone else). The server's process group is
// killed when the test ends. It returns the port.
func httpStartServer(t *testing.T, name string, argv func(port int) []string) int {
	t.Helper()
	var last string
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		args := argv(port)
		cmd := exec.Command(args[0], args[1:]...)
		out := &httpLockedBuffer{}
		// vsftpd writes its "500 OOPS" start-up errors to fd 0, so fd 0
		// is a file the test can read back.
		fd0, err := os.OpenFile(filepath.Join(t.TempDir(), "fd0"), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = fd0, out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		fd0.Close()
		if err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		stop := func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := httpWaitAccepting(addr, done); err != nil {
			stop()
			early, _ := os.ReadFile(fd0.Name())
			last = fmt.Sprintf("%s on %s: %v\n%s%s", name, addr, err, early, out.String())
			continue
		}
		t.Cleanup(stop)
		return port
	}
	t.Fatalf("server did not start:\n%s", last)
	return 0
}

func httpWaitAccepting(addr string, done <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("exited before listening")
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting after 10s: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// httpWriteCert writes c's certificate and key as PEM into dir.
func httpWriteCert(t *testing.T, dir string, c *lab.Cert) (certFile, keyFile string) {
	t.Helper()
	key, err := c.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, c.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// httpNginx runs nginx in the foreground, one process, with the server
// block srv inside http{}. In srv, PORT stands for the port, CERT and KEY
// for the files of cert (when not nil). It returns the port.
func httpNginx(t *testing.T, cert *lab.Cert, srv string) int {
	t.Helper()
	httpRequireBinary(t, httpNginxBin, "nginx-light (or nginx)")
	dir := t.TempDir()
	if cert != nil {
		certFile, keyFile := httpWriteCert(t, dir, cert)
		srv = strings.NewReplacer("CERT", certFile, "KEY", keyFile).Replace(srv)
	}
	return httpStartServer(t, "nginx", func(port int) []string {
		conf := fmt.Sprintf(`daemon off;
master_process off;
user root;
pid %[1]s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/b;
    proxy_temp_path %[1]s/p;
    fastcgi_temp_path %[1]s/f;
    uwsgi_temp_path %[1]s/u;
    scgi_temp_path %[1]s/s;
    %[2]s
}
`, dir, strings.ReplaceAll(srv, "PORT", strconv.Itoa(port)))
		path := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{httpNginxBin, "-c", path, "-p", dir + "/", "-e", "stderr"}
	})
}

// ftpVsftpd runs vsftpd standalone in the foreground greeting "220 SEP
// sesam FTP"; with cert, AUTH TLS is on (ssl_enable). vsftpd will not
// serve with both local and anonymous logins off (it greets "500 OOPS:
// vsftpd: both local and anonymous access disabled!"), so anonymous login
// is on, read-only, in an empty directory; the probe never logs in.
// Debian's vsftpd 3.0.3 has no ssl_tlsv1_2 option (it refuses to start:
// "unrecognised variable in config file"); ssl_tlsv1 (default YES) lets
// OpenSSL negotiate TLS 1.0 and up.
func ftpVsftpd(t *testing.T, cert *lab.Cert) int {
	t.Helper()
	httpRequireBinary(t, ftpVsftpdBin, "vsftpd")
	dir := t.TempDir()
	// An empty directory only root may write, for vsftpd to chroot into.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	ssl := ""
	if cert != nil {
		certFile, keyFile := httpWriteCert(t, dir, cert)
		ssl = fmt.Sprintf("ssl_enable=YES\nrsa_cert_file=%s\nrsa_private_key_file=%s\n", certFile, keyFile)
	}
	return httpStartServer(t, "vsftpd", func(port int) []string {
		conf := fmt.Sprintf(`listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=%[1]d
background=NO
anonymous_enable=YES
anon_root=%[2]s
local_enable=NO
write_enable=NO
ftpd_banner=SEP sesam FTP
secure_chroot_dir=%[2]s
run_as_launching_user=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
vsftpd_log_file=%[3]s/vsftpd.log
%[4]s`, port, empty, dir, ssl)
		path := filepath.Join(dir, "vsftpd.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{ftpVsftpdBin, path}
	})
}
