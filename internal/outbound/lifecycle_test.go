package outbound

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// waitReceived waits (bounded by the test's deadline) until the handler
// has received n requests.
func waitReceived(t *testing.T, rec *recorder, n int) {
	t.Helper()
	for len(rec.received()) < n {
		time.Sleep(time.Millisecond)
	}
}

func TestAnImmediateDropAfterAResetIsJournaledAndReplied(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    Delivery
		want string
	}{
		{"scenario drop", Delivery{Event: "drop", URL: "http://127.0.0.1:1/"}, "scenario rule"},
		{"full queue", Delivery{Event: "huge", URL: "http://127.0.0.1:1/", Body: make([]byte, MaxPendingBytes+1)}, "queue full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, Config{Faults: picker{"drop": {Kind: FaultDrop, Rule: "s/drop"}}})
			e.Reset()
			replies := make(chan Result, 1)
			d := tt.d
			d.Reply = func(r Result) { replies <- r }
			e.Submit(d)
			r := waitRecords(t, e, 1)[0]
			if r.Outcome != OutcomeDropped || !strings.Contains(r.Error, tt.want) {
				t.Errorf("record %+v", r)
			}
			if got := <-replies; got.Outcome != OutcomeDropped {
				t.Errorf("reply %+v", got)
			}
		})
	}
}

func TestCloseDuringAReorderHoldBehindAnAttemptDoesNotPanic(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.hold = make(chan struct{}) // the first delivery stays in flight
	t.Cleanup(func() { close(rec.hold) })
	e := New(Config{Timeout: time.Hour, Faults: picker{"ADD": {Kind: FaultReorder, Delay: time.Hour, Rule: "s/swap"}}})
	e.Submit(Delivery{Event: "FIRST", URL: rec.srv.URL})
	waitReceived(t, rec, 1)
	// Queued alone behind the attempt in flight, then the engine closes:
	// the lane meets it closed, with nothing to swap it with.
	e.Submit(Delivery{Event: "ADD", URL: rec.srv.URL})
	e.Close()
	list, _ := e.Journal().List(Filter{})
	if len(list) != 2 || list[0].Outcome != OutcomeDropped || list[1].Outcome != OutcomeDropped {
		t.Errorf("records %+v", list)
	}
	if e.Pending() != 0 {
		t.Errorf("pending after close: %d", e.Pending())
	}
}

func TestCloseJournalsDelayedDeliveriesAndUncountsThem(t *testing.T) {
	t.Parallel()
	e := New(Config{Faults: picker{"late": {Kind: FaultDelay, Delay: time.Hour, Rule: "s/late"}}})
	e.Submit(Delivery{Event: "late", URL: "http://127.0.0.1:1/"})
	if e.Pending() != 1 {
		t.Fatalf("pending before close: %d", e.Pending())
	}
	e.Close()
	if e.Pending() != 0 {
		t.Errorf("pending after close: %d", e.Pending())
	}
	list, _ := e.Journal().List(Filter{})
	if len(list) != 1 || list[0].Outcome != OutcomeDropped || list[0].Fault != "s/late" {
		t.Errorf("records %+v", list)
	}
}

// A Reply under way when Reset is called finishes before Reset returns, so
// that what it stores is cleared with the rest of the state, never written
// over the fresh one.
func TestResetWaitsForAReplyUnderWay(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{})
	var mu sync.Mutex
	st := "seeded"
	entered, release, replied := make(chan struct{}), make(chan struct{}), make(chan struct{})
	e.Submit(Delivery{Event: "E", URL: rec.srv.URL, Reply: func(Result) {
		close(entered)
		<-release
		mu.Lock()
		st = "stored by an old reply"
		mu.Unlock()
		close(replied)
	}})
	<-entered
	reset := make(chan struct{})
	go func() {
		e.Reset()
		mu.Lock()
		st = "fresh" // the state reset after the engine
		mu.Unlock()
		close(reset)
	}()
	// Give a Reset that would not wait the time to finish first.
	select {
	case <-reset:
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-reset
	<-replied
	for e.Pending() != 0 { // the attempt is uncounted once journaled
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if st != "fresh" {
		t.Errorf("state after reset: %q", st)
	}
	if list, _ := e.Journal().List(Filter{}); len(list) != 0 {
		t.Errorf("the cleared journal holds %+v", list)
	}
}
