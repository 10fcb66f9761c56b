package core

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// The instants the clock can stand at: what every vendor's date formats
// can write (four-digit years), and, for a running clock, within the
// ±292 years a time.Duration offset from real time can hold.
var (
	clockMin = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	clockMax = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// ClockRangeError is an instant or a move the clock refuses: it would leave
// the years 1-9999, or (running) more than 292 years from real time.
type ClockRangeError struct{ Reason string }

func (e *ClockRangeError) Error() string { return e.Reason }

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

// Set moves the clock to t; frozen clocks stay frozen there, running ones
// run on from there. An instant it cannot represent is refused with a
// *ClockRangeError and changes nothing.
func (c *Clock) Set(t time.Time, freeze bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t = t.UTC().Truncate(time.Microsecond)
	if t.Before(clockMin) || t.After(clockMax) {
		return &ClockRangeError{fmt.Sprintf("%s is outside the years 1-9999 the vendors' dates can show", t.Format(time.RFC3339))}
	}
	now := c.real()
	offset := t.Sub(now)
	if !freeze && !now.Add(offset).Equal(t) {
		return &ClockRangeError{fmt.Sprintf("a running clock can stand at most 292 years from real time; %s is farther (freeze the clock to go there)", t.Format(time.RFC3339))}
	}
	c.frozen = freeze
	c.at = t
	c.offset = offset
	return nil
}

// Advance moves the clock forward (or back, for a negative d). A move past
// what the clock can represent is refused with a *ClockRangeError and
// changes nothing.
func (c *Clock) Advance(d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		// A frozen clock keeps its instant; Set works out the offset
		// again when it runs.
		at := c.at.Add(d)
		if at.Before(clockMin) || at.After(clockMax) {
			return &ClockRangeError{fmt.Sprintf("advancing by %s would leave the years 1-9999 the vendors' dates can show", d)}
		}
		c.at = at
		return nil
	}
	if d > 0 && c.offset > math.MaxInt64-d || d < 0 && c.offset < math.MinInt64-d {
		return &ClockRangeError{fmt.Sprintf("advancing by %s would move the clock more than 292 years from real time", d)}
	}
	if at := c.real().Add(c.offset + d).UTC(); at.Before(clockMin) || at.After(clockMax) {
		return &ClockRangeError{fmt.Sprintf("advancing by %s would leave the years 1-9999 the vendors' dates can show", d)}
	}
	c.offset += d
	return nil
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
