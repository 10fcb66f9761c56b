package core

import (
	"testing"
	"time"
)

func TestJournalIsBoundedRing(t *testing.T) {
	t.Parallel()
	j := NewJournal(3)
	for i := 0; i < 5; i++ {
		j.Record(Exchange{Vendor: "imbachat", Operation: []string{"a", "b"}[i%2]})
	}
	got := j.Find(JournalFilter{})
	if len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 {
		t.Fatalf("kept %+v, want seq 3..5", got)
	}
	if n := len(j.Find(JournalFilter{Operation: "A"})); n != 2 {
		t.Errorf("operation filter (case-insensitive) found %d, want 2", n)
	}
	if n := len(j.Find(JournalFilter{AfterSeq: 4})); n != 1 {
		t.Errorf("AfterSeq found %d, want 1", n)
	}
	if got := j.Find(JournalFilter{Limit: 1}); len(got) != 1 || got[0].Seq != 5 {
		t.Errorf("Limit keeps the newest: %+v", got)
	}
	j.Clear()
	if n := len(j.Find(JournalFilter{})); n != 0 || j.LastSeq() != 5 {
		t.Errorf("after Clear: %d records, last seq %d", n, j.LastSeq())
	}
	if seq := j.Record(Exchange{}); seq != 6 {
		t.Errorf("sequence continues after Clear: got %d", seq)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 12, 18, 7, 17, 7, 0, time.UTC)
	c := NewClock(start, true)
	if !c.Now().Equal(start) || !c.Frozen() {
		t.Fatalf("frozen clock at %v, want %v", c.Now(), start)
	}
	c.Advance(168 * time.Hour)
	if want := start.Add(168 * time.Hour); !c.Now().Equal(want) {
		t.Errorf("after Advance: %v, want %v", c.Now(), want)
	}
	c.Set(start.Add(time.Hour), false)
	if c.Frozen() || c.Now().Before(start.Add(time.Hour)) {
		t.Errorf("running clock from a set time: %v frozen=%v", c.Now(), c.Frozen())
	}
	c.Reset()
	if !c.Now().Equal(start) || !c.Frozen() {
		t.Errorf("Reset: %v frozen=%v", c.Now(), c.Frozen())
	}
	real := NewClock(time.Time{}, false)
	if d := time.Since(real.Now()); d < -time.Second || d > time.Minute {
		t.Errorf("real clock off by %v", d)
	}
}
