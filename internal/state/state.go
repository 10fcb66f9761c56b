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
	defer undoOnPanic(tx)
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
	defer func() {
		if p := recover(); p != nil {
			rollback()
			panic(p)
		}
	}()
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

// undoOnPanic undoes tx's changes when the write panics (the pipeline
// recovers from a handler's panic and serves on: no half write may stay).
func undoOnPanic(tx *Tx) {
	if p := recover(); p != nil {
		tx.rollback()
		panic(p)
	}
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

// bump raises sequence name to id within the write (a row stored with an
// id of its own, from fixtures or a seed): undone with the write, and
// logged, so that a restart cannot hand the id out again even if the row
// is deleted before the next id is drawn.
func (tx *Tx) bump(name string, id int64) {
	db := tx.db
	old, had := db.seqs[name]
	if old >= id {
		return
	}
	db.seqs[name] = id
	tx.record(func() {
		if had {
			db.seqs[name] = old
		} else {
			delete(db.seqs, name)
		}
	})
	if tx.logging {
		tx.log(change{key: seqKey(name), encode: func() ([]byte, error) { return strconv.AppendInt(nil, id, 10), nil }})
	}
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
	save() func()
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
func (db *DB) Load(docs Documents) error {
	return LoadAll(nil, nil, []*DB{db}, map[*DB]Documents{db: docs})
}

// LoadAll replaces several models at once, each with its documents (sets,
// for dbs in that order), and with log set rewrites the log from them with
// meta: every document of every model is decoded first, so that a set with
// one document that cannot be read changes no model, and if the log cannot
// be rewritten every model is put back as it was (see rewrite).
func LoadAll(log *Log, meta map[string]string, dbs []*DB, sets map[*DB]Documents) error {
	applies := make([]func(), 0, len(dbs))
	for _, db := range dbs {
		apply, err := db.prepare(sets[db])
		if err != nil {
			return err
		}
		applies = append(applies, apply)
	}
	return rewrite(log, meta, dbs, func() error {
		for _, apply := range applies {
			apply()
		}
		return nil
	})
}

// ResetAll empties several models and fills each again with fill(i, tx)
// (fixtures) for dbs[i], and with log set rewrites the log from them with
// meta; if a fill or the log fails, every model is put back as it was.
func ResetAll(log *Log, meta map[string]string, dbs []*DB, fill func(i int, tx *Tx) error) error {
	return rewrite(log, meta, dbs, func() error {
		for i, db := range dbs {
			tx := &Tx{db: db}
			if err := fill(i, tx); err != nil {
				return err
			}
			if tx.err != nil {
				return tx.err
			}
		}
		return nil
	})
}

// rewrite replaces the contents of dbs in one critical section: every
// model is locked for writing (in the order given) for the whole of it, so
// that no write lands between the new state and the log written from it;
// each is emptied, change fills them, and with log set the log is
// rewritten from them. If change or the log fails, every model is put back
// as it was.
func rewrite(log *Log, meta map[string]string, dbs []*DB, change func() error) error {
	for _, db := range dbs {
		db.mu.Lock()
		defer db.mu.Unlock()
	}
	restores := make([]func(), len(dbs))
	for i, db := range dbs {
		restores[i] = db.saveAndClearLocked()
	}
	restore := func() {
		for _, r := range restores {
			r()
		}
	}
	ok := false
	defer func() {
		if !ok {
			restore()
		}
	}()
	if err := change(); err != nil {
		return err
	}
	if log != nil {
		if err := log.replace(meta, dbs); err != nil {
			return fmt.Errorf("rewriting the data file: %w", err)
		}
	}
	ok = true
	return nil
}

// saveAndClearLocked empties the model and returns what puts it back as
// it was: its rows, sequences and, through the Index hooks, the vendor's
// secondary maps.
func (db *DB) saveAndClearLocked() func() {
	saved := make([]func(), len(db.tables))
	for i, t := range db.tables {
		saved[i] = t.save()
	}
	seqs := db.seqs
	db.clearLocked()
	return func() {
		db.clearLocked()
		for _, restore := range saved {
			restore()
		}
		db.seqs = seqs
	}
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
			if err != nil || n < 0 {
				return nil, fmt.Errorf("sequence %q holds %q, not a number of zero or more", key, clip(raw))
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

// Reset empties the model and runs fn to fill it again, without a log;
// if fn fails the model is put back as it was.
func (db *DB) Reset(fn func(tx *Tx) error) error {
	return ResetAll(nil, nil, []*DB{db}, func(_ int, tx *Tx) error { return fn(tx) })
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
	return ExportAll([]*DB{db}, fn)
}

// ExportAll exports several models as one state: all are locked for
// reading (in the order given) until every document is out.
func ExportAll(dbs []*DB, fn func(key string, raw []byte) error) error {
	for _, db := range dbs {
		db.mu.RLock()
		defer db.mu.RUnlock()
	}
	for _, db := range dbs {
		if err := db.exportLocked(fn); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) exportLocked(fn func(key string, raw []byte) error) error {
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
