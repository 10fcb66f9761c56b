package core

import (
	"path/filepath"
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

func TestStoreSequencesAndPersistence(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateIndexes(Index{Name: "by_w", Pattern: "v:doc:*", Fields: []string{"w"}}); err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.BumpID("v:doc", 1853); err != nil {
			return err
		}
		id, err := tx.NextID("v:doc")
		if err != nil || id != 1854 {
			t.Errorf("NextID after BumpID(1853) = %d, %v", id, err)
		}
		if err := tx.BumpID("v:doc", 10); err != nil { // never moves back
			return err
		}
		if err := tx.Put(Key("v", "doc", 2), map[string]any{"w": 1}); err != nil {
			return err
		}
		return tx.Put(Key("v", "doc", 1), map[string]any{"w": 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // idempotent

	s, err = OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateIndexes(Index{Name: "by_w", Pattern: "v:doc:*", Fields: []string{"w"}}); err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		var keys []string
		if err := tx.ScanIndexEqual("by_w", `{"w":1}`, func(k, _ string) bool { keys = append(keys, k); return true }); err != nil {
			return err
		}
		if len(keys) != 2 || keys[0] != "v:doc:000000000001" {
			t.Errorf("index after reopen: %v", keys)
		}
		id, err := tx.NextID("v:doc")
		if id != 1855 {
			t.Errorf("sequence after reopen = %d, want 1855", id)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Index lookups compare values exactly: "Public_12" and "public_12" are
// two keys (buntdb's default JSON index would fold case).
func TestIndexEqualityIsCaseSensitive(t *testing.T) {
	t.Parallel()
	s, err := OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateIndexes(Index{Name: "by_pipe", Pattern: "v:room:*", Fields: []string{"pipe"}}); err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.Put(Key("v", "room", 1), map[string]any{"pipe": "Public_12"}); err != nil {
			return err
		}
		return tx.Put(Key("v", "room", 2), map[string]any{"pipe": "public_12"})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		got, err := AllEqual[map[string]any](tx, "by_pipe", map[string]any{"pipe": "public_12"})
		if err != nil || len(got) != 1 || got[0]["pipe"] != "public_12" {
			t.Errorf("exact lookup: %v %v", got, err)
		}
		return nil
	})
}
