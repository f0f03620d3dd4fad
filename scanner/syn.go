package scanner

import (
	"errors"
	"time"
)

// Stateless SYN discovery (Config.SYN, --syn): instead of a connect per
// probe, SYNs leave from a raw socket at --rate and the answers are read
// from another (synpacket.go, syn_linux.go). A SYN-ACK makes the port open
// and the examiners connect to it as usual; a RST makes it closed; no
// answer after the wait (a few learned round trips, then one resend, as
// the connect engine does) makes it filtered. A silent probe then costs a
// table entry, not a socket, and the sweep goes at --rate. IPv6 probes are
// connected to, as without SYN discovery.

// DefaultSYNRate is the --rate of a --syn sweep when none is given: SYNs
// per second.
const DefaultSYNRate = 50000

// ErrSYNPrivilege: raw sockets need root or CAP_NET_RAW.
var ErrSYNPrivilege = errors.New("SYN discovery needs root or CAP_NET_RAW")

// ErrSYNUnsupported: raw-socket SYN discovery is written for Linux only.
var ErrSYNUnsupported = errors.New("SYN discovery works on Linux only")

const (
	// synMaxPending bounds the SYNs awaiting an answer (about 100 bytes
	// each): at the default rate, over five seconds' worth.
	synMaxPending = 1 << 18
	// synIdle is the longest the sender sleeps when it has nothing to
	// send, so cancellation and freed hosts are seen.
	synIdle = 2 * time.Millisecond
	// synOpensQueue holds open ports found while the examiners are busy,
	// so that reading answers never waits for them.
	synOpensQueue = 1 << 12
	// synResendProof, synResendUseful and synResendSample: see
	// worthResend.
	synResendProof  = 1000
	synResendUseful = 10000
	synResendSample = 64
	// synMaxAlive bounds the addresses remembered as answering (a dozen
	// bytes each).
	synMaxAlive = 1 << 18
	// synV6Workers connect the IPv6 probes of a --syn sweep.
	synV6Workers = 256
)

// synDeadline is when the probe keyed key stops waiting for its answer.
type synDeadline struct {
	key uint64
	at  time.Duration
}

func (d synDeadline) due() time.Duration { return d.at }

// synHeap holds the --syn engine's deadlines. Entries are never removed
// early: one that no longer matches its probe is skipped when it comes up.
type synHeap = minHeap[synDeadline]
