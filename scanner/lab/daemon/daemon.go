// Package daemon starts real server software from Debian (openssl
// s_server, gnutls-serv, nginx, vsftpd, sshd, postfix) on loopback for tests: on a free port, in a
// process group of its own, waited for until it accepts connections, and
// killed when the test ends. Only tests import it.
package daemon

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// The server binaries, and the Debian packages that ship them.
const (
	OpenSSL = "/usr/bin/openssl"
	Nginx   = "/usr/sbin/nginx"
	Vsftpd  = "/usr/sbin/vsftpd"
	// GnuTLSServ still speaks 3DES and TLS 1.0, which Debian's OpenSSL 3
	// no longer offers.
	GnuTLSServ = "/usr/bin/gnutls-serv"
	// Sshd is OpenSSH's server; SSHKeygen makes its host key.
	Sshd      = "/usr/sbin/sshd"
	SSHKeygen = "/usr/bin/ssh-keygen"
)

var packages = map[string]string{OpenSSL: "openssl", Nginx: "nginx-light (or nginx)", Vsftpd: "vsftpd", GnuTLSServ: "gnutls-bin",
	Sshd: "openssh-server", SSHKeygen: "openssh-client", Postfix: "postfix"}

// Require skips the test when path is not installed, except on CI (CI set
// in the environment), which installs the packages: there a missing binary
// fails the test rather than silently testing less.
func Require(t testing.TB, path string) {
	t.Helper()
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return
	}
	pkg := packages[path]
	if pkg == "" {
		pkg = "the package that ships " + filepath.Base(path)
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing on CI (install the Debian package %s)", path, pkg)
	}
	t.Skipf("%s is not installed; apt-get install %s to run this test", path, pkg)
}

// WriteFile writes data to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteCert writes c's certificate and key as dir/name.crt and dir/name.key.
func WriteCert(t testing.TB, dir, name string, c *lab.Cert) (certFile, keyFile string) {
	t.Helper()
	key, err := c.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	return WriteFile(t, dir, name+".crt", c.CertPEM()), WriteFile(t, dir, name+".key", key)
}

// output collects a process's output for failure messages.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *output) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 64<<10 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *output) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Start runs the server argv(port) describes on a free port of host (a
// loopback address) and waits until the port accepts connections. A server
// that exits first (it lost the port to someone else) is retried on
// another port. It returns the port.
//
// The server's stdin is one end of a socket pair the test holds open:
// openssl s_server reads commands there and must not see end-of-file, and
// vsftpd writes its "500 OOPS" start-up errors to fd 0, which then show in
// the failure message.
func Start(t testing.TB, name, host string, argv func(port int) []string) int {
	t.Helper()
	var last string
	for range 3 {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		stop, out, err := spawn(argv(port), addr)
		if err == nil {
			t.Cleanup(stop)
			return port
		}
		stop()
		last = fmt.Sprintf("%s on %s: %v\n%s", name, addr, err, out)
	}
	t.Fatalf("server did not start:\n%s", last)
	return 0
}

// StartOn runs the server argv describes on host:port, a fixed port, and
// waits until it accepts connections. The port must be free on host: it
// is checked first, so a listener already there cannot pass for the
// server. It returns false, starting nothing, when the port is taken.
func StartOn(t testing.TB, name, host string, port int, argv []string) bool {
	t.Helper()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	ln.Close()
	stop, out, err := spawn(argv, addr)
	if err != nil {
		stop()
		t.Fatalf("%s did not start on %s: %v\n%s", name, addr, err, out)
	}
	t.Cleanup(stop)
	return true
}

func spawn(argv []string, addr string) (stop func(), out *output, err error) {
	out = &output{}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return func() {}, out, err
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "stdin")
	go func() { _, _ = io.Copy(out, ours) }()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs, out, out
	// A process group of its own, so cleanup reaches children (vsftpd
	// forks one per connection) and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		ours.Close()
		return func() {}, out, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		ours.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			return stop, out, fmt.Errorf("exited before listening")
		default:
		}
		c, derr := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if derr == nil {
			c.Close()
			return stop, out, nil
		}
		if time.Now().After(deadline) {
			return stop, out, fmt.Errorf("not accepting after 10s: %w", derr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// OpenSSLServer runs `openssl s_server` with the given certificate files
// and extra flags on a free port of host.
func OpenSSLServer(t testing.TB, host, certFile, keyFile string, flags ...string) int {
	t.Helper()
	Require(t, OpenSSL)
	return Start(t, "openssl s_server", host, func(port int) []string {
		return slices.Concat([]string{OpenSSL, "s_server", "-accept", net.JoinHostPort(host, strconv.Itoa(port)),
			"-cert", certFile, "-key", keyFile, "-quiet"}, flags)
	})
}

// GnuTLSServer runs `gnutls-serv --http` with the given certificate files
// and priority string on a free port. gnutls-serv has no option to bind one
// address: it listens on every address of the machine (the tests run in a
// network namespace of their own where loopback is the only one), and the
// tests connect to it on 127.0.0.1 only. GnuTLS still speaks 3DES and
// TLS 1.0, which Debian's OpenSSL 3 no longer offers.
func GnuTLSServer(t testing.TB, certFile, keyFile, priority string) int {
	t.Helper()
	Require(t, GnuTLSServ)
	return Start(t, "gnutls-serv", "127.0.0.1", func(port int) []string {
		return []string{GnuTLSServ, "--http", "--quiet", "--disable-client-cert", "--port", strconv.Itoa(port),
			"--x509certfile", certFile, "--x509keyfile", keyFile, "--priority", priority}
	})
}

// NginxServer runs nginx in the foreground, one process, with the server
// block srv inside http{}; in srv, PORT stands for the port. It listens on
// 127.0.0.1.
func NginxServer(t testing.TB, srv string) int {
	t.Helper()
	Require(t, Nginx)
	dir := t.TempDir()
	return Start(t, "nginx", "127.0.0.1", func(port int) []string {
		conf := fmt.Sprintf(`daemon off;
master_process off;
user root;
pid %[1]s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    %[2]s
}
`, dir, strings.ReplaceAll(srv, "PORT", strconv.Itoa(port)))
		path := WriteFile(t, dir, "nginx.conf", []byte(conf))
		return []string{Nginx, "-c", path, "-p", dir + "/", "-e", "stderr"}
	})
}

// VsftpdServer runs vsftpd standalone in the foreground on 127.0.0.1 with
// banner as its greeting; with cert, AUTH TLS is on (ssl_enable). vsftpd
// will not serve with both local and anonymous logins off (it greets "500
// OOPS: vsftpd: both local and anonymous access disabled!"), so anonymous
// login is on, read-only, in an empty directory; tests never log in.
// Debian's vsftpd 3.0.3 has no ssl_tlsv1_2 option; ssl_tlsv1 (default YES)
// lets OpenSSL negotiate TLS 1.0 and up. Each of extra is one more line
// of configuration (implicit_ssl=YES: TLS from the first byte, FTPS).
func VsftpdServer(t testing.TB, banner string, cert *lab.Cert, extra ...string) int {
	t.Helper()
	Require(t, Vsftpd)
	dir := t.TempDir()
	// An empty directory only root may write, for vsftpd to chroot into.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	ssl := ""
	if cert != nil {
		certFile, keyFile := WriteCert(t, dir, "server", cert)
		ssl = fmt.Sprintf("ssl_enable=YES\nrsa_cert_file=%s\nrsa_private_key_file=%s\n", certFile, keyFile)
	}
	for _, line := range extra {
		ssl += line + "\n"
	}
	return Start(t, "vsftpd", "127.0.0.1", func(port int) []string {
		conf := fmt.Sprintf(`listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=%[1]d
background=NO
anonymous_enable=YES
anon_root=%[3]s
local_enable=NO
write_enable=NO
ftpd_banner=%[2]s
secure_chroot_dir=%[3]s
run_as_launching_user=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
vsftpd_log_file=%[4]s/vsftpd.log
%[5]s`, port, banner, empty, dir, ssl)
		return []string{Vsftpd, WriteFile(t, dir, "vsftpd.conf", []byte(conf))}
	})
}

// SshdServer runs Debian's OpenSSH server in the foreground (-D -e) on
// port of the first free address among 127.22.N.1, with an Ed25519 host
// key made for the test and every login method off, and returns the
// address. As root sshd needs its privilege-separation directory
// /run/sshd, which Debian's package creates only at boot: it is created
// (0755, root's) when missing.
func SshdServer(t testing.TB, port int) string {
	t.Helper()
	Require(t, Sshd)
	Require(t, SSHKeygen)
	if os.Geteuid() == 0 {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("sshd's privilege-separation directory: %v", err)
		}
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	if out, err := exec.Command(SSHKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "tlsweep-test", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	for n := range 16 {
		host := fmt.Sprintf("127.22.%d.1", n)
		conf := fmt.Sprintf(`ListenAddress %s:%d
HostKey %s
PidFile none
UsePAM no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication no
AuthorizedKeysFile none
StrictModes no
LogLevel INFO
`, host, port, key)
		cfg := WriteFile(t, dir, fmt.Sprintf("sshd_config.%d", n), []byte(conf))
		if StartOn(t, "sshd", host, port, []string{Sshd, "-D", "-e", "-f", cfg}) {
			return host
		}
	}
	t.Fatalf("no address of 127.22.0-15.1 has port %d free for sshd", port)
	return ""
}
