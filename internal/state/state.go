// Package state holds a vendor's typed in-memory model and makes it
// durable: a DB is one vendor's tables, id sequences and lock; a Log is
// the instance's buntdb data file, where every committed change is
// appended (and synced) before the request that made it is answered.
//
// Handlers read the model under DB.View and change it under DB.Update,
// through a Tx that remembers how to undo each change: a write that fails
// halfway leaves no trace, and one whose append to the log fails is undone
// too. In memory mode there is no log and nothing is encoded: the model is
// the state, held once.
//
// Documents keep the format the data files and state snapshots have always
// had: JSON values under keys "<vendor>:<kind>:<zero-padded id>" (or the
// vendor's own key shapes), sequences under "seq:<name>" as decimal text.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DB is one vendor's model: its tables, its id sequences and the lock
// they share. Tables are registered once, before the DB is used.
type DB struct {
	vendor string
	log    *Log

	mu      sync.RWMutex
	tables  []table
	seqs    map[string]int64
	onClear []func()
}

// New returns an empty model of vendor (its keys start with "<vendor>:")
// that appends its changes to log (nil or a memory log: none).
func New(vendor string, log *Log) *DB {
	return &DB{vendor: vendor, log: log, seqs: map[string]int64{}}
}

// Vendor is the name whose keys this model holds.
func (db *DB) Vendor() string { return db.vendor }

// OnClear registers fn to run whenever the model is emptied (a reset or an
// import): vendors empty the secondary maps they keep beside the tables.
func (db *DB) OnClear(fn func()) { db.onClear = append(db.onClear, fn) }

// View runs fn with the model locked for reading.
func (db *DB) View(fn func() error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return fn()
}

// Update runs fn with the model locked for writing. If fn returns an error,
// or its changes cannot be appended to the log, every change fn made is
// undone and the error returned.
func (db *DB) Update(fn func(tx *Tx) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	tx := &Tx{db: db, logging: db.log.Persistent()}
	if err := fn(tx); err != nil || tx.err != nil {
		tx.rollback()
		return errors.Join(err, tx.err)
	}
	if err := db.log.commit(tx.changes); err != nil {
		tx.rollback()
		return fmt.Errorf("appending to the data file: %w", err)
	}
	return nil
}

// UpdateAll runs fn over several models at once, each locked for writing
// (in the order given) with a Tx of its own, txs[i] for dbs[i]: if fn
// fails, or the changes cannot be appended to the log (in one append, so
// that the models share one log), every change of every model is undone.
func UpdateAll(dbs []*DB, fn func(txs []*Tx) error) error {
	txs := make([]*Tx, len(dbs))
	var log *Log
	for i, db := range dbs {
		db.mu.Lock()
		defer db.mu.Unlock()
		txs[i] = &Tx{db: db, logging: db.log.Persistent()}
		if db.log.Persistent() {
			log = db.log
		}
	}
	rollback := func() {
		for i := len(txs) - 1; i >= 0; i-- {
			txs[i].rollback()
		}
	}
	err := fn(txs)
	for _, tx := range txs {
		err = errors.Join(err, tx.err)
	}
	if err != nil {
		rollback()
		return err
	}
	var all []change
	for _, tx := range txs {
		all = append(all, tx.changes...)
	}
	if err := log.commit(all); err != nil {
		rollback()
		return fmt.Errorf("appending to the data file: %w", err)
	}
	return nil
}

// Tx is one write to the model: the changes made so far, each with its undo.
type Tx struct {
	db      *DB
	logging bool
	err     error // a failure found by the model itself (an exhausted sequence)
	undo    []func()
	changes []change
}

// change is one key's new value for the log: encode's JSON, or a delete
// when encode is nil.
type change struct {
	key    string
	encode func() ([]byte, error)
}

func (tx *Tx) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
	tx.undo, tx.changes = nil, nil
}

// record remembers a change's undo.
func (tx *Tx) record(undo func()) { tx.undo = append(tx.undo, undo) }

// log adds a change for the data file; in memory mode there is none to
// build (callers check tx.logging first, so no key is formatted).
func (tx *Tx) log(c change) { tx.changes = append(tx.changes, c) }

// ErrSequenceExhausted is a write that needed an id above the largest
// int64 (a snapshot or seed put a stored id there).
var ErrSequenceExhausted = errors.New("no ids are left above the highest stored one")

// seqKey is where sequence name is kept in the log.
func seqKey(name string) string { return "seq:" + name }

// Next returns the next id of sequence name: one above the last it handed
// out and above every id stored under it.
//
// A sequence at the largest int64 has no next id: the write fails with
// ErrSequenceExhausted (and is undone) instead of wrapping to negative ids.
func (tx *Tx) Next(name string) int64 {
	db := tx.db
	old, had := db.seqs[name]
	if old == math.MaxInt64 {
		tx.err = fmt.Errorf("%w: %s is at %d", ErrSequenceExhausted, name, old)
		return old
	}
	n := old + 1
	db.seqs[name] = n
	tx.record(func() {
		if had {
			db.seqs[name] = old
		} else {
			delete(db.seqs, name)
		}
	})
	if tx.logging {
		tx.log(change{key: seqKey(name), encode: func() ([]byte, error) { return strconv.AppendInt(nil, n, 10), nil }})
	}
	return n
}

// Bump makes sure sequence name hands out ids above id. It needs no Tx:
// a sequence that moved further than a failed write needed is harmless.
// Tables bump their sequences themselves (TableSpec.Seq); the log learns
// the new value with the sequence's next use.
func (db *DB) Bump(name string, id int64) {
	if db.seqs[name] < id {
		db.seqs[name] = id
	}
}

// Current is the last id sequence name handed out or saw stored.
func (db *DB) Current(name string) int64 { return db.seqs[name] }

// Sequences returns every sequence of the model with its current value.
func (db *DB) Sequences() map[string]int64 {
	out := make(map[string]int64, len(db.seqs))
	for k, v := range db.seqs {
		out[k] = v
	}
	return out
}

// table is what the DB needs of a Table whatever its types.
type table interface {
	owns(key string) bool
	decode(key string, raw []byte) (func(), error) // the insert, to run later
	each(fn func(key string, raw []byte) error) error
	clear()
	size() int
}

// Owns reports whether key is one of this model's keys: a document of one
// of its tables or one of its sequences.
func (db *DB) Owns(key string) bool {
	if name, ok := strings.CutPrefix(key, "seq:"); ok {
		return strings.HasPrefix(name, db.vendor+":")
	}
	return strings.HasPrefix(key, db.vendor+":")
}

// Documents is a set of stored values by key, as a log or a snapshot
// holds them: JSON documents, and sequences as decimal text.
type Documents map[string][]byte

// Load replaces the whole model with docs (the keys this model owns; others
// are an error). Every document is decoded before anything changes: a set
// with one document that cannot be read changes nothing. Sequences end up
// at or above every id stored, whatever docs says of them.
func (db *DB) Load(docs Documents) error { return LoadAll(map[*DB]Documents{db: docs}) }

// LoadAll replaces several models at once, each with its documents: every
// document of every model is decoded first, so that a set with one
// document that cannot be read changes no model.
func LoadAll(sets map[*DB]Documents) error {
	applies := make([]func(), 0, len(sets))
	for db, docs := range sets {
		apply, err := db.prepare(docs)
		if err != nil {
			return err
		}
		applies = append(applies, apply)
	}
	for _, apply := range applies {
		apply()
	}
	return nil
}

// prepare decodes docs and returns what replaces the model with them.
func (db *DB) prepare(docs Documents) (func(), error) {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	inserts := make([]func(), 0, len(keys))
	seqs := map[string]int64{}
	for _, key := range keys {
		raw := docs[key]
		if name, ok := strings.CutPrefix(key, "seq:"); ok && db.Owns(key) {
			n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("sequence %q holds %q, not a number", key, clip(raw))
			}
			seqs[name] = n
			continue
		}
		t := db.tableOf(key)
		if t == nil {
			return nil, fmt.Errorf("document %q: not a key the %s model keeps", key, db.vendor)
		}
		ins, err := t.decode(key, raw)
		if err != nil {
			return nil, fmt.Errorf("document %q: %w", key, err)
		}
		inserts = append(inserts, ins)
	}
	return func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		db.clearLocked()
		db.seqs = seqs
		for _, ins := range inserts {
			ins()
		}
	}, nil
}

func (db *DB) tableOf(key string) table {
	for _, t := range db.tables {
		if t.owns(key) {
			return t
		}
	}
	return nil
}

// Reset empties the model and runs fn to fill it again (fixtures), in one
// write that is not appended to the log: the caller writes the whole state
// to the log (Log.Replace) once every vendor is reset. If fn fails, the
// model is left empty.
func (db *DB) Reset(fn func(tx *Tx) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.clearLocked()
	tx := &Tx{db: db}
	if err := fn(tx); err != nil {
		db.clearLocked()
		return err
	}
	return nil
}

func (db *DB) clearLocked() {
	for _, t := range db.tables {
		t.clear()
	}
	db.seqs = map[string]int64{}
	for _, fn := range db.onClear {
		fn()
	}
}

// Export calls fn with every document and sequence of the model, encoded
// as the log keeps them, in key order.
func (db *DB) Export(fn func(key string, raw []byte) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	type kv struct {
		key string
		raw []byte
	}
	var all []kv
	for _, t := range db.tables {
		err := t.each(func(key string, raw []byte) error {
			all = append(all, kv{key, raw})
			return nil
		})
		if err != nil {
			return err
		}
	}
	for name, n := range db.seqs {
		all = append(all, kv{seqKey(name), strconv.AppendInt(nil, n, 10)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
	for _, d := range all {
		if err := fn(d.key, d.raw); err != nil {
			return err
		}
	}
	return nil
}

// Size is how many documents the model holds.
func (db *DB) Size() int {
	db.mu.RLock()
	defer db.mu.RUnlock()
	n := 0
	for _, t := range db.tables {
		n += t.size()
	}
	return n
}

// encodeJSON is how tables encode a row for the log.
func encodeJSON(v any) ([]byte, error) { return json.Marshal(v) }
