//go:build race

package scanner_test

// raceEnabled: the tests run under the race detector, which slows them.
const raceEnabled = true
