package main

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
//
// chatemu's live heap is small (a few MiB with the default fixtures) and
// every request leaves a few kilobytes of short-lived garbage, so with Go's
// default of 100 the collector runs every few thousand requests and costs a
// fifth of the CPU under load. At 400 it runs a quarter as often; the heap
// may grow to five times the live data instead of twice, which for chatemu
// is tens of MiB. GOGC in the environment still wins, as for any Go program.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless the environment sets GOGC, and
// reports the percentage in effect (-1: collection off).
func tuneGC() int {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		p := debug.SetGCPercent(100) // read what the runtime parsed from GOGC
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent
}
