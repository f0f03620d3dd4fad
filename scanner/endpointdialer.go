package scanner

import (
	"context"
	"net"
	"net/netip"
	"sync"

	"github.com/tlsweep/tlsweep/probes"
)

// DefaultHostConcurrency is the most connections tlsweep holds open to one
// address at once unless told otherwise (--host-concurrency).
const DefaultHostConcurrency = 4

// endpointDialer is the Dialer one endpoint's probes share. Its first dial
// returns the connection the connect phase opened. Every connection counts
// against the address's --host-concurrency limit, every check included:
// the endpoint owns the host slot its connect phase took, which covers one
// open connection; each connection open beside it takes a further slot
// (waiting for one if the address is at its limit) and gives it back when
// it closes.
type endpointDialer struct {
	base  probes.Dialer
	hosts *hostLimiter
	ip    netip.Addr

	mu     sync.Mutex
	primed net.Conn
	live   int                       // connections of this endpoint open now
	open   map[*countedConn]struct{} // those handed to probes and not closed
}

func newEndpointDialer(primed net.Conn, base probes.Dialer, hosts *hostLimiter, ip netip.Addr) *endpointDialer {
	d := &endpointDialer{base: base, hosts: hosts, ip: ip, primed: primed, open: make(map[*countedConn]struct{})}
	if primed != nil {
		d.live = 1
	}
	return d
}

func (d *endpointDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	if c := d.primed; c != nil {
		d.primed = nil
		cc := d.track(c)
		d.mu.Unlock()
		return cc, nil
	}
	if d.live == 0 {
		d.live = 1 // the endpoint's own slot covers it
		d.mu.Unlock()
	} else {
		d.mu.Unlock()
		if !d.hosts.acquire(ctx, d.ip) {
			return nil, ctx.Err()
		}
		d.mu.Lock()
		d.live++
		d.mu.Unlock()
	}
	c, err := d.base.DialContext(ctx, network, addr)
	if err != nil {
		d.closed(nil)
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.track(c), nil
}

// track wraps c so its Close gives the slot back; d.mu is held.
func (d *endpointDialer) track(c net.Conn) *countedConn {
	cc := &countedConn{Conn: c, d: d}
	d.open[cc] = struct{}{}
	return cc
}

// closed accounts for one connection gone: a slot beyond the endpoint's
// own goes back to the address.
func (d *endpointDialer) closed(cc *countedConn) {
	d.mu.Lock()
	delete(d.open, cc)
	d.live--
	extra := d.live >= 1
	d.mu.Unlock()
	if extra {
		d.hosts.release(d.ip)
	}
}

// close ends the endpoint: the connection the probes never took, and any
// a probe left open, are closed and their slots given back.
func (d *endpointDialer) close() {
	d.mu.Lock()
	c := d.primed
	d.primed = nil
	left := make([]*countedConn, 0, len(d.open))
	for cc := range d.open {
		left = append(left, cc)
	}
	d.mu.Unlock()
	if c != nil {
		_ = c.Close()
		d.closed(nil)
	}
	for _, cc := range left {
		_ = cc.Close()
	}
}

// countedConn gives its slot back once, on the first Close.
type countedConn struct {
	net.Conn
	d    *endpointDialer
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.d.closed(c) })
	return err
}
