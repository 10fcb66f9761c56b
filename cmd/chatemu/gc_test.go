package main

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })

	t.Run("default when GOGC is unset", func(t *testing.T) {
		t.Setenv("GOGC", "")
		os.Unsetenv("GOGC")
		if got := tuneGC(); got != defaultGCPercent {
			t.Fatalf("tuneGC() = %d, want %d", got, defaultGCPercent)
		}
		if got := debug.SetGCPercent(defaultGCPercent); got != defaultGCPercent {
			t.Fatalf("GC percent in effect = %d, want %d", got, defaultGCPercent)
		}
	})
	t.Run("GOGC wins", func(t *testing.T) {
		t.Setenv("GOGC", "50")
		debug.SetGCPercent(50) // what the runtime parsed at start with GOGC=50
		if got := tuneGC(); got != 50 {
			t.Fatalf("tuneGC() = %d, want 50", got)
		}
		if got := debug.SetGCPercent(50); got != 50 {
			t.Fatalf("GC percent in effect = %d, want 50", got)
		}
	})
}
