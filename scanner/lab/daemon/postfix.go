package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// Postfix is Debian's postfix(1), the command that starts a Postfix
// instance; Postqueue and Postcat read its queue.
const (
	Postfix   = "/usr/sbin/postfix"
	Postqueue = "/usr/sbin/postqueue"
	Postcat   = "/usr/sbin/postcat"
)

// PostfixInstance is a Postfix mail server a test started: SMTP with
// STARTTLS on Addr, SMTP inside TLS from the first byte (the "wrapper
// mode" of port 465) on TLSAddr. Every message it accepts is put on hold,
// for Held to read.
type PostfixInstance struct {
	Addr, TLSAddr string
	dir           string
	t             testing.TB
}

// PostfixServer runs a private Postfix instance (its own configuration,
// queue and log, in a temporary directory) in the foreground on two free
// ports of host, a loopback address, with cert for TLS. Postfix's master
// runs as root and its daemons as the postfix user, so the test must run
// as root; it is skipped otherwise (and fails on CI, which runs as root).
// It relays nothing: mail from 127.0.0.0/8 is accepted and held.
func PostfixServer(t testing.TB, host string, cert *lab.Cert) *PostfixInstance {
	t.Helper()
	Require(t, Postfix)
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("Postfix needs root, and CI runs the tests as root")
		}
		t.Skip("Postfix's master process needs root")
	}
	dir := t.TempDir()
	// The postfix user's daemons must reach the queue under dir.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	certFile, keyFile := WriteCert(t, dir, "server", cert)
	ports := freePorts(t, host, 2)
	p := &PostfixInstance{Addr: net.JoinHostPort(host, strconv.Itoa(ports[0])),
		TLSAddr: net.JoinHostPort(host, strconv.Itoa(ports[1])), dir: dir, t: t}
	// Postfix creates the queue's subdirectories and the data directory
	// itself, owned by its user; the configuration and the queue's top
	// are root's. The listeners of master.cf name their addresses, so
	// inet_interfaces (which must name configured interface addresses,
	// and 127.25.0.1 is only part of lo's 127.0.0.0/8) stays "all".
	conf := filepath.Join(dir, "etc")
	for _, d := range []string{conf, filepath.Join(dir, "queue")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	WriteFile(t, conf, "main.cf", []byte(fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
inet_interfaces = all
inet_protocols = ipv4
myhostname = mail.backup.test
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
maillog_file = /dev/stdout
smtpd_banner = $myhostname ESMTP Postfix
smtpd_tls_cert_file = %[2]s
smtpd_tls_key_file = %[3]s
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_client_restrictions = check_client_access static:HOLD
smtpd_recipient_restrictions = permit_mynetworks, reject
`, dir, certFile, keyFile)))
	WriteFile(t, conf, "master.cf", postfixMaster(p.Addr, p.TLSAddr))
	if os.Getenv("PFDEBUG") != "" {
		t.Logf("config in %s", conf)
	}
	stop, out, err := spawn([]string{Postfix, "-c", conf, "start-fg"}, p.Addr)
	if err == nil {
		err = waitListening(p.TLSAddr)
	}
	if err != nil {
		stop()
		t.Fatalf("postfix did not start on %s and %s: %v\n%s", p.Addr, p.TLSAddr, err, out)
	}
	// Postfix's master leaves the process group it was started in (it
	// makes a session of its own), so killing the group is not enough:
	// ask it to stop, wait until it has, and kill what is left.
	t.Cleanup(func() {
		_ = exec.Command(Postfix, "-c", conf, "abort").Run()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if exec.Command(Postfix, "-c", conf, "status").Run() != nil {
				break // not running
			}
		}
		stop()
	})
	return p
}

// postfixMaster is the services of Debian's master.cf that a mail server
// which holds every message needs, none chrooted (the queue is a test's
// temporary directory), and the two SMTP listeners.
func postfixMaster(addr, tlsAddr string) []byte {
	return []byte(fmt.Sprintf(`%s inet n - n - - smtpd
%s inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`, addr, tlsAddr))
}

// freePorts finds n ports free on host.
func freePorts(t testing.TB, host string, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

func waitListening(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not accepting after 10s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Held returns the messages on hold, each as postcat prints its headers
// and body, waiting up to 10 s for the first one to be queued.
func (p *PostfixInstance) Held() []string {
	p.t.Helper()
	conf := filepath.Join(p.dir, "etc")
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := exec.Command(Postqueue, "-c", conf, "-j").Output()
		if err != nil {
			p.t.Fatalf("postqueue: %v", err)
		}
		var msgs []string
		for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
			var e struct {
				Queue string `json:"queue_name"`
				ID    string `json:"queue_id"`
			}
			if len(line) == 0 || json.Unmarshal(line, &e) != nil || e.Queue != "hold" {
				continue
			}
			msg, err := exec.Command(Postcat, "-c", conf, "-bh", "-q", e.ID).Output()
			if err != nil {
				p.t.Fatalf("postcat %s: %v", e.ID, err)
			}
			msgs = append(msgs, string(msg))
		}
		if len(msgs) > 0 || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(50 * time.Millisecond)
	}
}
