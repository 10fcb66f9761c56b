package state

import (
	"encoding/json"
	"errors"
	"fmt"
)

// TableSpec describes a table: how its rows are keyed in memory and in
// the log, and what the vendor keeps up to date beside it.
type TableSpec[K comparable, V any] struct {
	// Owns reports whether a log key is one of this table's documents.
	Owns func(key string) bool
	// ID is a row's key in memory.
	ID func(*V) K
	// Key is a row's key in the log ("imbox:conversation:000000000001").
	Key func(K) string
	// Index, if set, keeps the vendor's secondary maps up to date: it is
	// called with the row before and after every change, nil for none
	// (nil, row: inserted; row, nil: deleted), including the undo of a
	// change, a load and a clear's re-inserts.
	Index func(old, new *V)
	// Seq, if set, names the id sequence a row's id belongs to: the
	// sequence is kept at or above every stored row's id.
	Seq func(*V) (name string, id int64)
	// FromKey, if set, fills in what a row's log key holds and its JSON
	// does not (a document whose key names its owner), before ID is taken.
	FromKey func(key string, v *V) error
	// Check, if set, refuses a document that decodes but the vendor cannot
	// serve (a load or an import of it fails, naming the key).
	Check func(*V) error
}

// Table is one kind of document of a model: rows by key, in memory.
// Rows are copied in and out: a caller never holds a pointer into the
// table, so a change is only made through Put or Delete (and so can be
// undone and logged). Values a row refers to (slices, maps) are shared
// with the copy: replace them, never change them in place.
type Table[K comparable, V any] struct {
	db   *DB
	spec TableSpec[K, V]
	rows map[K]*V
}

// NewTable registers a table with db.
func NewTable[K comparable, V any](db *DB, spec TableSpec[K, V]) *Table[K, V] {
	t := &Table[K, V]{db: db, spec: spec, rows: map[K]*V{}}
	db.tables = append(db.tables, t)
	return t
}

// Get returns a copy of the row with key k.
func (t *Table[K, V]) Get(k K) (V, bool) {
	if p, ok := t.rows[k]; ok {
		return *p, true
	}
	var zero V
	return zero, false
}

// Has reports whether a row with key k exists.
func (t *Table[K, V]) Has(k K) bool {
	_, ok := t.rows[k]
	return ok
}

// Len is how many rows the table holds.
func (t *Table[K, V]) Len() int { return len(t.rows) }

// Each calls fn with a copy of every row, in no particular order, until fn
// returns false.
func (t *Table[K, V]) Each(fn func(V) bool) {
	for _, p := range t.rows {
		if !fn(*p) {
			return
		}
	}
}

// Put stores a copy of v under its key, replacing any row there.
func (t *Table[K, V]) Put(tx *Tx, v V) {
	nv := new(V)
	*nv = v
	k := t.spec.ID(nv)
	old, had := t.rows[k]
	t.rows[k] = nv
	t.index(old, nv)
	if t.spec.Seq != nil {
		name, id := t.spec.Seq(nv)
		tx.bump(name, id)
	}
	tx.record(func() {
		if had {
			t.rows[k] = old
		} else {
			delete(t.rows, k)
		}
		t.index(nv, old)
	})
	if tx.logging {
		tx.log(change{key: t.spec.Key(k), encode: func() ([]byte, error) { return encodeJSON(nv) }})
	}
}

// Delete removes the row with key k, if there is one.
func (t *Table[K, V]) Delete(tx *Tx, k K) {
	old, had := t.rows[k]
	if !had {
		return
	}
	delete(t.rows, k)
	t.index(old, nil)
	tx.record(func() {
		t.rows[k] = old
		t.index(nil, old)
	})
	if tx.logging {
		tx.log(change{key: t.spec.Key(k)})
	}
}

func (t *Table[K, V]) index(old, nv *V) {
	if t.spec.Index == nil {
		return
	}
	if old == nil && nv == nil {
		return
	}
	t.spec.Index(old, nv)
}

func (t *Table[K, V]) bump(v *V) {
	if t.spec.Seq != nil {
		name, id := t.spec.Seq(v)
		t.db.Bump(name, id)
	}
}

func (t *Table[K, V]) owns(key string) bool { return t.spec.Owns(key) }

// errKeyMismatch is a document stored under a key other than its own.
var errKeyMismatch = errors.New("stored under a key that does not match its content")

func (t *Table[K, V]) decode(key string, raw []byte) (func(), error) {
	nv := new(V)
	if err := json.Unmarshal(raw, nv); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, fmt.Errorf("%s: JSON %s, want %s", te.Field, te.Value, te.Type)
		}
		return nil, err
	}
	if t.spec.FromKey != nil {
		if err := t.spec.FromKey(key, nv); err != nil {
			return nil, err
		}
	}
	if t.spec.Check != nil {
		if err := t.spec.Check(nv); err != nil {
			return nil, err
		}
	}
	k := t.spec.ID(nv)
	if t.spec.Key(k) != key {
		return nil, fmt.Errorf("%w (its key is %q)", errKeyMismatch, t.spec.Key(k))
	}
	return func() {
		old := t.rows[k]
		t.rows[k] = nv
		t.index(old, nv)
		t.bump(nv)
	}, nil
}

func (t *Table[K, V]) each(fn func(key string, raw []byte) error) error {
	for k, p := range t.rows {
		raw, err := encodeJSON(p)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", t.spec.Key(k), err)
		}
		if err := fn(t.spec.Key(k), raw); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table[K, V]) clear() { t.rows = map[K]*V{} }

// save returns what puts the table's rows back (clear leaves the map it
// replaces as it was), indexing each again.
func (t *Table[K, V]) save() func() {
	rows := t.rows
	return func() {
		t.rows = rows
		for _, p := range rows {
			t.index(nil, p)
		}
	}
}

func (t *Table[K, V]) size() int { return len(t.rows) }
