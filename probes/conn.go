package probes

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrReadLimit is returned when a peer sends more than a probe will read.
var ErrReadLimit = errors.New("peer sent more data than tlsweep reads from one connection")

// maxRead caps what one connection may deliver, whatever the peer sends
// (an endless record stream, a megabyte certificate message).
const maxRead = 1 << 20

// recordConn wraps a connection to keep the first bytes the peer sent, to
// remember the last read error, to cap the bytes read, and to clamp every
// deadline a library sets to the probe's own hard deadline.
type recordConn struct {
	net.Conn
	hard    time.Time // zero: no hard deadline
	rec     []byte    // first bytes read, up to cap(rec)
	total   int
	readErr error
}

func newRecordConn(c net.Conn, hard time.Time, keep int) *recordConn {
	rc := &recordConn{Conn: c, hard: hard, rec: make([]byte, 0, keep)}
	if !hard.IsZero() {
		_ = c.SetDeadline(hard)
	}
	return rc
}

func (c *recordConn) Read(p []byte) (int, error) {
	if c.total >= maxRead {
		c.readErr = ErrReadLimit
		return 0, ErrReadLimit
	}
	if room := maxRead - c.total; len(p) > room {
		p = p[:room]
	}
	n, err := c.Conn.Read(p)
	c.total += n
	if room := cap(c.rec) - len(c.rec); room > 0 && n > 0 {
		c.rec = append(c.rec, p[:min(n, room)]...)
	}
	if err != nil {
		c.readErr = err
	}
	return n, err
}

func (c *recordConn) clamp(t time.Time) time.Time {
	if c.hard.IsZero() || (!t.IsZero() && t.Before(c.hard)) {
		return t
	}
	return c.hard
}

func (c *recordConn) SetDeadline(t time.Time) error     { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *recordConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *recordConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

// timedOut reports whether the last read ended on a deadline.
func (c *recordConn) timedOut() bool {
	var ne net.Error
	return errors.As(c.readErr, &ne) && ne.Timeout()
}

// describeReadErr says in words how the peer ended the exchange.
func describeReadErr(err error, wait time.Duration) string {
	var ne net.Error
	switch {
	case err == nil:
		return "no data"
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no response within %s", wait.Round(time.Millisecond))
	case errors.Is(err, ErrReadLimit):
		return ErrReadLimit.Error()
	default:
		return "connection closed without a response"
	}
}
