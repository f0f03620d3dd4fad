//go:build !linux

package scanner

import "context"

// runRawEngines has no event-loop connect phase off Linux: false sends the
// sweep to the goroutine workers.
func runRawEngines(context.Context, int, int, *probeSource, *connectSink, *pacer) bool {
	return false
}

// raiseOpenFileLimit does nothing here and the limit is unknown (0): local
// shortages are met by waiting and retrying.
func raiseOpenFileLimit(uint64) uint64 { return 0 }
