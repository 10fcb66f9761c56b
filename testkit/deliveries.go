package testkit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
)

// WithEventTimeout sets how long the system under test's handlers have to
// answer a delivery (a bot event, a webhook; default 5s).
func WithEventTimeout(d time.Duration) Option {
	return func(c *emulator.Config) { c.EventTimeout = d }
}

// Deliveries returns the delivery journal's records that match f, oldest
// first: every call the vendors made to the system under test, with the
// exact body sent and what the handler answered.
//
//	emu.Deliveries(emulator.DeliveryFilter{Event: "ONIMBOTMESSAGEADD"})
func (s *Server) Deliveries(f emulator.DeliveryFilter) []emulator.Delivery {
	list, _ := s.emu.Deliveries().Journal().List(f)
	return list
}

// WaitDelivery waits for the first delivery that matches f (already made
// or still to come) and returns it. It gives up at the test's deadline (or
// after 10s for a test without one) and fails the test, listing what was
// delivered instead. Set f.Since to the Seq of a record to wait for a later
// one.
func (s *Server) WaitDelivery(t testing.TB, f emulator.DeliveryFilter) emulator.Delivery {
	t.Helper()
	return s.WaitDeliveries(t, f, 1)[0]
}

// WaitDeliveries waits until n deliveries match f and returns the first n,
// oldest first, failing the test as WaitDelivery does.
func (s *Server) WaitDeliveries(t testing.TB, f emulator.DeliveryFilter, n int) []emulator.Delivery {
	t.Helper()
	j := s.emu.Deliveries().Journal()
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if at, set := d.Deadline(); set {
			// leave the test time to report
			deadline = at.Add(-time.Until(at) / 20)
		}
	}
	f.Limit = 0
	for {
		changed := j.Changed()
		if list, _ := j.List(f); len(list) >= n {
			return list[:n]
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-changed:
		case <-timer.C:
		}
		timer.Stop()
	}
	all, _ := j.List(emulator.DeliveryFilter{})
	t.Fatalf("testkit: waited for %d deliveries matching %s; %s", n, describeFilter(f), describeDeliveries(all, s.emu.Deliveries().Pending()))
	return nil
}

func describeFilter(f emulator.DeliveryFilter) string {
	var parts []string
	for _, p := range [][2]string{{"vendor", f.Vendor}, {"event", f.Event}, {"tenant", f.Tenant}, {"outcome", f.Outcome}} {
		if p[1] != "" {
			parts = append(parts, p[0]+"="+p[1])
		}
	}
	if f.Since > 0 {
		parts = append(parts, fmt.Sprintf("since=%d", f.Since))
	}
	if len(parts) == 0 {
		return "{any}"
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// describeDeliveries lists the newest records for a failure message.
func describeDeliveries(all []emulator.Delivery, pending int) string {
	if len(all) == 0 {
		return fmt.Sprintf("nothing was delivered (%d waiting to be sent)", pending)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "delivered instead (%d in the journal, %d waiting to be sent):", len(all), pending)
	if len(all) > 20 {
		all = all[len(all)-20:]
	}
	for _, d := range all {
		fmt.Fprintf(&b, "\n  #%d %s %s -> %s: %s", d.Seq, d.Vendor, d.Event, d.URL, d.Outcome)
		if d.Status != 0 {
			fmt.Fprintf(&b, " (%d)", d.Status)
		}
		if d.Error != "" {
			fmt.Fprintf(&b, " %s", d.Error)
		}
	}
	return b.String()
}
