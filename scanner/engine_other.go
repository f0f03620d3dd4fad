//go:build !linux

package scanner

import (
	"context"
	"time"
)

// runRawEngines has no event-loop connect phase off Linux: false sends the
// sweep to the goroutine workers.
func runRawEngines(context.Context, int, *probeSource, *connectSink, *pacer, time.Duration) bool {
	return false
}

// openFileLimit is unknown here (0): local shortages are met by waiting
// and retrying.
func openFileLimit() uint64 { return 0 }
