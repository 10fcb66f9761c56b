package core

import (
	"sync"
	"time"
)

// Clock is the one time source of an emulator instance: timestamps, token
// expiry, weekly limits and date filters all read it. It runs with real
// time, shifted by an offset, or stands frozen at a set instant.
type Clock struct {
	mu     sync.RWMutex
	real   func() time.Time
	offset time.Duration
	frozen bool
	at     time.Time
	// initial state, for Reset
	initFrozen bool
	initAt     time.Time
}

// NewClock returns a clock on real time, or frozen at start when start is
// non-zero and freeze is true, or running from start when freeze is false.
func NewClock(start time.Time, freeze bool) *Clock {
	c := &Clock{real: time.Now}
	c.initAt, c.initFrozen = start, freeze && !start.IsZero()
	c.Reset()
	return c
}

// Now returns the emulator's current time in UTC, truncated to
// microseconds (the finest unit any vendor shows).
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.frozen {
		return c.at
	}
	return c.real().Add(c.offset).UTC().Truncate(time.Microsecond)
}

// Set moves the clock to t; frozen clocks stay frozen there, running ones run on from there.
func (c *Clock) Set(t time.Time, freeze bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t = t.UTC().Truncate(time.Microsecond)
	c.frozen = freeze
	c.at = t
	c.offset = t.Sub(c.real())
}

// Advance moves the clock forward (or back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
	c.offset += d
}

// Frozen reports whether the clock stands still.
func (c *Clock) Frozen() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.frozen
}

// Reset returns the clock to how it was created.
func (c *Clock) Reset() {
	if c.initAt.IsZero() {
		c.mu.Lock()
		c.frozen, c.offset, c.at = false, 0, time.Time{}
		c.mu.Unlock()
		return
	}
	c.Set(c.initAt, c.initFrozen)
}
