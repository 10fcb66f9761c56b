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
