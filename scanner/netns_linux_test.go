package scanner_test

import (
	"encoding/binary"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Helpers for tests that need a firewall and a slow network: the test runs
// again in a network namespace of its own (unshare -n), where it may set
// nftables rules and delay packets without touching anything else.

const netnsChildEnv = "TLSWEEP_TEST_NETNS_CHILD"

// inOwnNetns reports whether this is the copy of the test running in its
// own namespace. Otherwise it runs that copy (test name, same binary) and
// reports its outcome, or skips when it cannot (not root, no unshare, nft,
// iptables or ip).
func inOwnNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsChildEnv) == t.Name() {
		run(t, "ip", "link", "set", "lo", "up")
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace with nftables")
	}
	for _, tool := range []string{"unshare", "nft", "iptables", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (apt-get install util-linux nftables iptables iproute2)", tool)
		}
	}
	cmd := exec.Command("unshare", "-n", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), netnsChildEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("in its own network namespace:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("the test failed in its network namespace: %v", err)
	}
	return false
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// nftRules loads a ruleset (nft -f -).
func nftRules(t *testing.T, rules string) {
	t.Helper()
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s\n%s", err, out, rules)
	}
}

// delayTo holds every packet sent to addr for d (through NFQUEUE 0, as the
// bench rig's delayq does: this kernel has no netem), so a connect to addr
// takes d longer. It stops with the test.
func delayTo(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_NETFILTER)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	// A blocked recvfrom does not end when the socket is closed: wake up
	// every 50 ms to see whether the test is over.
	tv := syscall.NsecToTimeval(int64(50 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	send := func(typ uint16, attrs ...[]byte) {
		if err := syscall.Sendto(fd, nfqMsg(typ, attrs...), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
			t.Errorf("nfqueue: %v", err)
		}
	}
	const config, verdict = 3<<8 | 2, 3<<8 | 1
	send(config, nfqAttr(1, []byte{1, 0, 0, syscall.AF_INET})) // bind queue 0
	send(config, nfqAttr(2, []byte{0, 0, 0xff, 0xff, 1}))      // copy metadata only
	run(t, "iptables", "-t", "mangle", "-A", "OUTPUT", "-d", addr, "-j", "NFQUEUE", "--queue-num", "0")
	stop, done := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		<-done
		time.Sleep(d) // the last verdicts
		syscall.Close(fd)
	})
	go func() {
		defer close(done)
		buf := make([]byte, 1<<16)
		for {
			select {
			case <-stop:
				return
			default:
			}
			n, _, err := syscall.Recvfrom(fd, buf, 0)
			if err != nil {
				continue // EAGAIN (the 50 ms wake-up), EINTR, ENOBUFS
			}
			if id, ok := nfqPacketID(buf[:n]); ok {
				time.AfterFunc(d, func() {
					v := make([]byte, 8)
					binary.BigEndian.PutUint32(v, 1) // NF_ACCEPT
					binary.BigEndian.PutUint32(v[4:], id)
					_ = syscall.Sendto(fd, nfqMsg(verdict, nfqAttr(2, v)), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
				})
			}
		}
	}()
}

// nfqMsg is one nfnetlink message of queue 0 with its attributes.
func nfqMsg(typ uint16, attrs ...[]byte) []byte {
	b := make([]byte, 20)
	for _, a := range attrs {
		b = append(b, a...)
	}
	binary.NativeEndian.PutUint32(b, uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], 1) // NLM_F_REQUEST
	b[16] = syscall.AF_UNSPEC
	return b
}

func nfqAttr(typ uint16, payload []byte) []byte {
	a := make([]byte, (4+len(payload)+3)&^3)
	binary.NativeEndian.PutUint16(a, uint16(4+len(payload)))
	binary.NativeEndian.PutUint16(a[2:], typ)
	copy(a[4:], payload)
	return a
}

// nfqPacketID is the packet id of a queued-packet message.
func nfqPacketID(m []byte) (uint32, bool) {
	if len(m) < 20 || binary.NativeEndian.Uint16(m[4:]) != 3<<8 {
		return 0, false
	}
	for off := 20; off+4 <= len(m); {
		l := int(binary.NativeEndian.Uint16(m[off:]))
		if l < 4 || off+l > len(m) {
			return 0, false
		}
		if binary.NativeEndian.Uint16(m[off+2:])&0x3fff == 1 && l >= 8 {
			return binary.BigEndian.Uint32(m[off+4:]), true
		}
		off += (l + 3) &^ 3
	}
	return 0, false
}
