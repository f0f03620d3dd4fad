package scanner

import (
	"context"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tlsweep/tlsweep/report"
)

// The --syn sender sends its SYNs in batches, one sendmmsg(2) each: on a
// virtual machine every system call is a trip through the hypervisor, and
// one sendto(2) per SYN held the sender well below the default --rate.
// A batch is the SYNs of at most a millisecond of --rate (synBatchMax at
// most); it waits for the pacer slot of its last SYN, so no SYN leaves
// before its own slot, and a probe's wait starts when the batch is sent.

// synBatchMax is the most SYNs one sendmmsg(2) sends.
const synBatchMax = 64

// synBatchSize is the batch of a sender paced at one SYN per interval (0:
// no cap): a millisecond's worth, at least one, at most synBatchMax.
func synBatchSize(interval time.Duration) int {
	if interval <= 0 {
		return synBatchMax
	}
	return int(min(max(time.Millisecond/interval, 1), synBatchMax))
}

// synOut is a SYN in the sender's batch.
type synOut struct {
	key    uint64
	ip     [4]byte
	port   uint16
	resend bool // the second SYN of a silent probe; else its first
}

// synMsgs are the packets, addresses and headers of one sendmmsg(2),
// built once per sender and refilled for each batch: sending allocates
// nothing.
type synMsgs struct {
	pkts  [synBatchMax][synLen]byte
	addrs [synBatchMax]unix.RawSockaddrInet4
	iovs  [synBatchMax]unix.Iovec
	hdrs  [synBatchMax]unix.Mmsghdr
}

func newSYNMsgs() *synMsgs {
	m := new(synMsgs)
	for i := range m.hdrs {
		m.addrs[i].Family = unix.AF_INET
		m.iovs[i].Base = &m.pkts[i][0]
		m.iovs[i].SetLen(synLen)
		h := &m.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&m.addrs[i]))
		h.Namelen = unix.SizeofSockaddrInet4
		h.Iov = &m.iovs[i]
		h.SetIovlen(1)
	}
	return m
}

// sendBatch sends the SYNs of out (at most synBatchMax) with one
// sendmmsg(2) and returns how many went. Those after the first that could
// not go are not tried: err is the error of out[n] when it could not be
// built or was the first the kernel refused, and nil when the kernel
// stopped before out[n] for a reason it did not give (call again from
// out[n] to learn it). A non-nil error is either a local shortage
// (localFailure: try again later) or says the destination cannot be
// reached from here (no route, refused by the local firewall).
func (t *synSender) sendBatch(out []synOut) (int, error) {
	m := t.msgs
	built := 0
	var err error
	for ; built < len(out); built++ {
		o := &out[built]
		var src [4]byte
		if src, err = t.source(o.ip); err != nil {
			break
		}
		copy(m.pkts[built][:], t.pkt.fill(src, o.ip, o.port, t.s.cookie.seq(o.ip, o.port)))
		m.addrs[built].Addr = o.ip
	}
	if built == 0 {
		return 0, err
	}
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(t.s.send), uintptr(unsafe.Pointer(&m.hdrs[0])), uintptr(built), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if int(n) < built {
		return int(n), nil
	}
	return int(n), err
}

// queueNew puts the first SYN of p, whose host slot is held, in the batch;
// p awaits its answer from now on, its wait starting when the batch is
// sent. A probe of an address and port already awaited (the same address
// under another name) waits its turn.
func (e *synEngine) queueNew(p Probe) {
	ip, port := p.IP.Unmap().As4(), uint16(p.Port)
	key := synKey(ip, port)
	e.mu.Lock()
	_, dup := e.pending[key]
	if !dup {
		e.pending[key] = synPending{p: p, queued: true}
	}
	e.mu.Unlock()
	if dup {
		e.sink.hosts.release(p.IP)
		e.waiting = append(e.waiting, p)
		return
	}
	e.batch = append(e.batch, synOut{key: key, ip: ip, port: port})
}

// flush sends the batch once the pacer slot of its last SYN has come.
// False when ctx ended.
func (e *synEngine) flush(ctx context.Context) bool {
	defer func() { e.batch = e.batch[:0] }()
	if !e.pace.waitN(ctx, len(e.batch)) {
		return false
	}
	e.stamp()
	for i, backoff := 0, 50*time.Microsecond; i < len(e.batch); {
		n, err := e.tx.sendBatch(e.batch[i:])
		i += n
		switch {
		case err == nil && n > 0:
			backoff = 50 * time.Microsecond
		case err != nil && !localFailure(err) && err != unix.EINTR:
			e.unreachable(e.batch[i])
			i++
		default: // a local shortage: wait it out, as a connect does
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return false
			}
			backoff = min(2*backoff, 20*time.Millisecond)
		}
	}
	return true
}

// stamp starts the waits of the batch's probes, their SYNs about to leave,
// and drops from the batch the resends of probes answered meanwhile.
func (e *synEngine) stamp() {
	now := e.now()
	kept := e.batch[:0]
	e.mu.Lock()
	for _, o := range e.batch {
		pd, ok := e.pending[o.key]
		switch {
		case !ok || o.resend && (pd.queued || !pd.resent): // answered since
			continue
		case o.resend:
			pd.sent = now // the second wait's deadline stays
			e.cfg.Progress.Retries.Add(1)
		default:
			w, learned := e.firstWait(pd.p.IP)
			pd = synPending{p: pd.p, sent: now, first: now, due: now + w, learned: learned}
			e.deadlines.push(synDeadline{key: o.key, at: now + w})
		}
		e.pending[o.key] = pd
		kept = append(kept, o)
	}
	e.mu.Unlock()
	e.batch = kept
}

// unreachable decides the probe of o, whose SYN this machine cannot send:
// filtered, at once.
func (e *synEngine) unreachable(o synOut) {
	e.mu.Lock()
	pd, ok := e.pending[o.key]
	delete(e.pending, o.key)
	e.mu.Unlock()
	if ok {
		e.decided()
		e.sink.quiet(pd.p, report.StateFiltered)
	}
}
