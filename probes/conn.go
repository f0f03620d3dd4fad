package probes

import (
	"context"
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
	// answer, when set, is an earlier deadline that holds only until the
	// peer's first byte: a silent peer is given up on at --timeout, one
	// that answers may take until hard (a slow or loaded server).
	answer         time.Time
	wantRd, wantWr time.Time // deadlines asked for, before clamping
}

func newRecordConn(c net.Conn, hard time.Time, keep int) *recordConn {
	rc := &recordConn{Conn: c, hard: hard, rec: make([]byte, 0, keep)}
	if !hard.IsZero() {
		_ = c.SetDeadline(hard)
	}
	return rc
}

// expectAnswerBy sets the deadline for the peer's first byte.
func (c *recordConn) expectAnswerBy(t time.Time) {
	c.answer = t
	_ = c.Conn.SetDeadline(c.clamp(time.Time{}))
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
	first := c.total == 0 && n > 0
	c.total += n
	if first && !c.answer.IsZero() {
		// The peer answered: lift the answer deadline.
		_ = c.Conn.SetReadDeadline(c.clamp(c.wantRd))
		_ = c.Conn.SetWriteDeadline(c.clamp(c.wantWr))
	}
	if room := cap(c.rec) - len(c.rec); room > 0 && n > 0 {
		c.rec = append(c.rec, p[:min(n, room)]...)
	}
	if err != nil {
		c.readErr = err
	}
	return n, err
}

// clamp limits a deadline a library asks for to the hard deadline, and to
// the answer deadline while the peer has said nothing.
func (c *recordConn) clamp(t time.Time) time.Time {
	limit := c.hard
	if c.total == 0 && !c.answer.IsZero() && (limit.IsZero() || c.answer.Before(limit)) {
		limit = c.answer
	}
	if limit.IsZero() || (!t.IsZero() && t.Before(limit)) {
		return t
	}
	return limit
}

func (c *recordConn) SetDeadline(t time.Time) error {
	c.wantRd, c.wantWr = t, t
	return c.Conn.SetDeadline(c.clamp(t))
}

func (c *recordConn) SetReadDeadline(t time.Time) error {
	c.wantRd = t
	return c.Conn.SetReadDeadline(c.clamp(t))
}

func (c *recordConn) SetWriteDeadline(t time.Time) error {
	c.wantWr = t
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

// openConn is the connection setup every probe shares: the connection to
// t, dialled and used within budget from now (never past ctx's deadline),
// closed as soon as ctx ends, keeping the first keep bytes the peer sends.
// done closes it.
func openConn(ctx context.Context, d Dialer, t Target, budget time.Duration, keep int) (rc *recordConn, done func(), err error) {
	deadline := time.Now().Add(budget)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	conn, err := d.DialContext(dctx, "tcp", t.Addr())
	cancel()
	if err != nil {
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	return newRecordConn(conn, deadline, keep), func() { stop(); _ = conn.Close() }, nil
}
