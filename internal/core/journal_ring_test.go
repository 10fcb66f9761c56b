package core

import "testing"

// TestJournalRingGrowsThenWraps checks the ring through growth, wrapping
// and clearing: the newest size records are found, in order.
func TestJournalRingGrowsThenWraps(t *testing.T) {
	t.Parallel()
	j := NewJournal(40)
	for i := 1; i <= 100; i++ {
		j.Record(Exchange{Path: "/p", Status: i})
		all := j.Find(JournalFilter{})
		want := min(i, 40)
		if len(all) != want {
			t.Fatalf("after %d records: %d kept, want %d", i, len(all), want)
		}
		for k, e := range all {
			if e.Status != i-want+1+k || e.Seq != uint64(e.Status) {
				t.Fatalf("after %d records: #%d is %+v", i, k, e)
			}
		}
	}
	if cap(j.ring) > 40 {
		t.Fatalf("ring grew past its size: cap %d", cap(j.ring))
	}
	j.Clear()
	if n := len(j.Find(JournalFilter{})); n != 0 {
		t.Fatalf("%d records after Clear", n)
	}
	j.Record(Exchange{Status: 1})
	if all := j.Find(JournalFilter{}); len(all) != 1 || all[0].Seq != 101 {
		t.Fatalf("after Clear and one record: %+v", all)
	}
}
