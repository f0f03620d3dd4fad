package probes

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestRecordConnAnswerDeadline: a silent peer is given up on at the
// answer deadline; once it has said something, reads may run to the hard
// deadline, and a library's own deadline never extends either.
func TestRecordConnAnswerDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	now := time.Now()
	rc := newRecordConn(a, now.Add(2*time.Second), 16)
	rc.expectAnswerBy(now.Add(100 * time.Millisecond))
	_ = rc.SetReadDeadline(now.Add(time.Hour)) // a library asking for more
	buf := make([]byte, 4)
	if _, err := rc.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("silent peer: %v, want the answer deadline", err)
	}

	c, d := net.Pipe()
	defer c.Close()
	defer d.Close()
	now = time.Now()
	rc = newRecordConn(c, now.Add(2*time.Second), 16)
	rc.expectAnswerBy(now.Add(100 * time.Millisecond))
	_ = rc.SetReadDeadline(now.Add(time.Hour))
	go func() {
		_, _ = d.Write([]byte("x"))
		time.Sleep(300 * time.Millisecond) // past the answer deadline
		_, _ = d.Write([]byte("y"))
	}()
	if n, err := rc.Read(buf); n != 1 || err != nil {
		t.Fatalf("first byte: %d %v", n, err)
	}
	if n, err := rc.Read(buf); n != 1 || err != nil {
		t.Fatalf("a peer that answered was cut at the answer deadline: %d %v", n, err)
	}
	if string(rc.rec) != "xy" {
		t.Errorf("recorded %q", rc.rec)
	}
}
