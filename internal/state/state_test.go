package state

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"
)

type item struct {
	ID    int64  `json:"id"`
	Owner string `json:"owner"`
	Name  string `json:"name"`
}

// model is a small vendor model: items by id, and by owner.
type model struct {
	db      *DB
	items   *Table[int64, item]
	byOwner map[string]map[int64]bool
}

func itemKey(id int64) string { return fmt.Sprintf("test:item:%012d", id) }

func newModel(log *Log) *model {
	m := &model{db: New("test", log), byOwner: map[string]map[int64]bool{}}
	m.items = NewTable(m.db, TableSpec[int64, item]{
		Owns: func(key string) bool { return strings.HasPrefix(key, "test:item:") },
		ID:   func(v *item) int64 { return v.ID },
		Key:  itemKey,
		Index: func(old, nv *item) {
			if old != nil {
				delete(m.byOwner[old.Owner], old.ID)
			}
			if nv != nil {
				if m.byOwner[nv.Owner] == nil {
					m.byOwner[nv.Owner] = map[int64]bool{}
				}
				m.byOwner[nv.Owner][nv.ID] = true
			}
		},
		Seq: func(v *item) (string, int64) { return "test:item", v.ID },
		Check: func(v *item) error {
			if v.ID <= 0 {
				return errors.New("id must be positive")
			}
			return nil
		},
	})
	m.db.OnClear(func() { m.byOwner = map[string]map[int64]bool{} })
	return m
}

func (m *model) add(owner, name string) (int64, error) {
	var id int64
	err := m.db.Update(func(tx *Tx) error {
		id = tx.Next("test:item")
		m.items.Put(tx, item{ID: id, Owner: owner, Name: name})
		return nil
	})
	return id, err
}

func TestUpdateUndoesAFailedWrite(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	if _, err := m.add("ann", "one"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := m.db.Update(func(tx *Tx) error {
		id := tx.Next("test:item")
		m.items.Put(tx, item{ID: id, Owner: "bob", Name: "two"})
		m.items.Put(tx, item{ID: 1, Owner: "bob", Name: "renamed"})
		m.items.Delete(tx, 1)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	got, ok := m.items.Get(1)
	if !ok || got.Name != "one" || got.Owner != "ann" {
		t.Errorf("item 1 after rollback: %+v %v", got, ok)
	}
	if m.items.Len() != 1 || len(m.byOwner["bob"]) != 0 || !m.byOwner["ann"][1] {
		t.Errorf("rows %d, index %v", m.items.Len(), m.byOwner)
	}
	if n := m.db.Current("test:item"); n != 1 {
		t.Errorf("sequence %d after rollback, want 1", n)
	}
}

func TestGetHandsOutCopies(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	id, _ := m.add("ann", "one")
	v, _ := m.items.Get(id)
	v.Name = "changed"
	if again, _ := m.items.Get(id); again.Name != "one" {
		t.Errorf("a copy's change reached the table: %+v", again)
	}
}

func TestLoadKeepsSequencesAboveStoredIDs(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	err := m.db.Load(Documents{
		itemKey(7):       []byte(`{"id":7,"owner":"ann","name":"x"}`),
		"seq:test:item":  []byte("3"),
		itemKey(40):      []byte(`{"id":40,"owner":"bob","name":"y"}`),
		"seq:test:other": []byte("12"),
	})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := m.add("cy", "z")
	if id != 41 {
		t.Errorf("next id %d, want 41 (above every stored id, whatever the sequence said)", id)
	}
	if m.db.Current("test:other") != 12 || !m.byOwner["bob"][40] {
		t.Errorf("sequences %v, index %v", m.db.Sequences(), m.byOwner)
	}
}

func TestLoadRefusesWholeSetOnOneBadDocument(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	m.add("ann", "keep")
	for name, docs := range map[string]Documents{
		"not JSON":     {itemKey(1): []byte(`{"id":1}`), itemKey(2): []byte(`{`)},
		"wrong type":   {itemKey(2): []byte(`{"id":"2"}`)},
		"key mismatch": {itemKey(3): []byte(`{"id":4}`)},
		"check":        {itemKey(0): []byte(`{"id":0}`)},
		"unknown key":  {"test:other:1": []byte(`{}`)},
		"bad sequence": {"seq:test:item": []byte(`x`)},
	} {
		if err := m.db.Load(docs); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if v, ok := m.items.Get(1); !ok || v.Name != "keep" || m.items.Len() != 1 {
		t.Errorf("state changed by a refused load: %+v", v)
	}
}

func TestLogRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	bdb, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	log := NewLog(bdb)
	m := newModel(log)
	a, _ := m.add("ann", "one")
	b, _ := m.add("bob", "two")
	m.db.Update(func(tx *Tx) error { m.items.Delete(tx, a); return nil })
	// A failed write reaches neither the model nor the log.
	m.db.Update(func(tx *Tx) error {
		m.items.Put(tx, item{ID: 99, Owner: "x"})
		return errors.New("refused")
	})
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	bdb, err = buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	log = NewLog(bdb)
	again := newModel(log)
	docs := Documents{}
	err = log.Each(func(key string, raw []byte) error {
		if again.db.Owns(key) {
			docs[key] = raw
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.db.Load(docs); err != nil {
		t.Fatal(err)
	}
	if again.items.Has(a) || !again.items.Has(b) || again.items.Has(99) || again.items.Len() != 1 {
		t.Errorf("reloaded %d rows: %v", again.items.Len(), docs)
	}
	if id, _ := again.add("cy", "three"); id != 3 {
		t.Errorf("next id after reload %d, want 3", id)
	}
}

func TestUpdateAllRollsBackEveryModel(t *testing.T) {
	t.Parallel()
	m1, m2 := newModel(nil), newModel(nil)
	err := UpdateAll([]*DB{m1.db, m2.db}, func(txs []*Tx) error {
		m1.items.Put(txs[0], item{ID: 1, Owner: "a"})
		m2.items.Put(txs[1], item{ID: 2, Owner: "b"})
		return errors.New("second vendor refused")
	})
	if err == nil || m1.items.Len() != 0 || m2.items.Len() != 0 {
		t.Errorf("err %v, rows %d %d", err, m1.items.Len(), m2.items.Len())
	}
}

func TestResetEmptiesAndRefills(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	m.add("ann", "one")
	m.add("ann", "two")
	err := m.db.Reset(func(tx *Tx) error {
		m.items.Put(tx, item{ID: 5, Owner: "bob"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.items.Len() != 1 || len(m.byOwner["ann"]) != 0 || m.db.Current("test:item") != 5 {
		t.Errorf("rows %d, index %v, seq %d", m.items.Len(), m.byOwner, m.db.Current("test:item"))
	}
	var keys []string
	m.db.Export(func(key string, _ []byte) error { keys = append(keys, key); return nil })
	if strings.Join(keys, ",") != "seq:test:item,"+itemKey(5) {
		t.Errorf("export %v", keys)
	}
}

func TestNextRefusesToWrap(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	if err := m.db.Load(Documents{itemKey(math.MaxInt64): []byte(fmt.Sprintf(`{"id":%d,"owner":"ann"}`, int64(math.MaxInt64)))}); err != nil {
		t.Fatal(err)
	}
	_, err := m.add("bob", "wraps")
	if !errors.Is(err, ErrSequenceExhausted) {
		t.Fatalf("err %v", err)
	}
	if m.items.Len() != 1 || m.db.Current("test:item") != math.MaxInt64 {
		t.Errorf("rows %d, sequence %d", m.items.Len(), m.db.Current("test:item"))
	}
}

// TestRaisedSequenceIsLogged: a row stored with an id of its own raises
// its sequence in the log too, so that deleting the row before any id is
// drawn cannot let a restart hand the id out again.
func TestRaisedSequenceIsLogged(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	log, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(log)
	m.db.Update(func(tx *Tx) error { m.items.Put(tx, item{ID: 50, Owner: "a"}); return nil })
	m.db.Update(func(tx *Tx) error { m.items.Delete(tx, 50); return nil })
	log.Close()
	log, err = OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	again := newModel(log)
	docs := Documents{}
	log.Each(func(key string, raw []byte) error {
		if again.db.Owns(key) {
			docs[key] = raw
		}
		return nil
	})
	if err := again.db.Load(docs); err != nil {
		t.Fatal(err)
	}
	if id, _ := again.add("b", "next"); id != 51 {
		t.Errorf("next id %d after a deleted row 50, want 51", id)
	}
}

// TestPanicInUpdateUndoes: a write that panics leaves no trace.
func TestPanicInUpdateUndoes(t *testing.T) {
	t.Parallel()
	m := newModel(nil)
	func() {
		defer func() { recover() }()
		m.db.Update(func(tx *Tx) error {
			m.items.Put(tx, item{ID: 1, Owner: "a"})
			panic("boom")
		})
	}()
	if m.items.Len() != 0 || len(m.byOwner["a"]) != 0 {
		t.Errorf("rows %d, index %v after a panicking write", m.items.Len(), m.byOwner)
	}
}

// TestResetAllPutsBackOnFailure: a reset whose fill fails leaves every
// model as it was, rows and secondary maps.
func TestResetAllPutsBackOnFailure(t *testing.T) {
	t.Parallel()
	m1, m2 := newModel(nil), newModel(nil)
	m1.add("a", "kept")
	m2.add("b", "kept")
	err := ResetAll(nil, nil, []*DB{m1.db, m2.db}, func(i int, tx *Tx) error {
		if i == 1 {
			return errors.New("fixtures refused")
		}
		m1.items.Put(tx, item{ID: 9, Owner: "z"})
		return nil
	})
	if err == nil {
		t.Fatal("reset passed")
	}
	if m1.items.Len() != 1 || !m1.byOwner["a"][1] || len(m1.byOwner["z"]) != 0 || m2.items.Len() != 1 || m1.db.Current("test:item") != 1 {
		t.Errorf("after a failed reset: m1 %d rows %v, m2 %d rows", m1.items.Len(), m1.byOwner, m2.items.Len())
	}
}

// TestRewriteAndWritesAgree: writes running while the state is rewritten
// (a reset) all end up in the data file as in memory: none lands between
// the new state and the log written from it.
func TestRewriteAndWritesAgree(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	log, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 400; i++ {
			m.add("w", "x")
		}
	}()
	for i := 0; i < 20; i++ {
		err := ResetAll(log, map[string]string{"n": "1"}, []*DB{m.db}, func(_ int, tx *Tx) error {
			m.items.Put(tx, item{ID: 1, Owner: "fixture"})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	<-done
	inMemory := m.items.Len()
	log.Close()
	log, err = OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	inFile := 0
	log.Each(func(key string, _ []byte) error {
		if strings.HasPrefix(key, "test:item:") {
			inFile++
		}
		return nil
	})
	if inFile != inMemory {
		t.Errorf("%d items in memory, %d in the data file", inMemory, inFile)
	}
}
