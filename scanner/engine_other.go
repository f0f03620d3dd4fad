//go:build !linux

package scanner

import "context"

// runRawEngines has no event-loop connect phase off Linux: false sends the
// sweep to the goroutine workers.
func runRawEngines(context.Context, int, *probeSource, *connectSink, *pacer) bool {
	return false
}

// openFileLimit is unknown here (0): local shortages are met by waiting
// and retrying.
func openFileLimit() uint64 { return 0 }

// engineAvailable: no event loop, so no adaptive timing, here.
const engineAvailable = false
