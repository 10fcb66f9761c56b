package state

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tidwall/buntdb"
)

// Log is an instance's durable log: a buntdb data file opened with every
// write synced, or nothing (memory mode: a nil *Log, or one over no file).
// Models append their changes to it; at start-up they are loaded from it.
type Log struct {
	db        *buntdb.DB
	path      string
	recovered *Recovery
	unlock    func()
	closeOnce sync.Once
	closeErr  error
}

// NewLog returns the log over an open buntdb database; db nil is memory
// mode. OpenLog is what an instance uses.
func NewLog(db *buntdb.DB) *Log { return &Log{db: db} }

// OpenLog opens an instance's log: memory mode (no file) when path is ""
// or ":memory:", else the data file at path, created if missing, locked
// for this process (a second one is refused with *InUseError), read
// strictly first (damage is a *DataFileError naming the file, the byte
// offset and the reason; an incomplete last write, never acknowledged, is
// dropped and reported by Recovered), and opened with every write synced
// before it is acknowledged.
func OpenLog(path string) (*Log, error) {
	if path == "" || path == ":memory:" {
		return &Log{}, nil
	}
	unlock, err := lockDataFile(path)
	if err != nil {
		return nil, err
	}
	rec, err := checkDataFile(path)
	if err != nil {
		unlock()
		return nil, err
	}
	db, err := buntdb.Open(path)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("opening data file %s: %w", path, err)
	}
	var cfg buntdb.Config
	err = db.ReadConfig(&cfg)
	if err == nil {
		cfg.SyncPolicy = buntdb.Always
		err = db.SetConfig(cfg)
	}
	if err != nil {
		db.Close()
		unlock()
		return nil, fmt.Errorf("configuring data file %s: %w", path, err)
	}
	return &Log{db: db, path: path, recovered: rec, unlock: unlock}, nil
}

// Path is the data file's path ("" in memory mode).
func (l *Log) Path() string { return l.path }

// Recovered reports the incomplete last write the data file ended with and
// that opening it dropped, if any.
func (l *Log) Recovered() (Recovery, bool) {
	if l.recovered == nil {
		return Recovery{}, false
	}
	return *l.recovered, true
}

// Close flushes and closes the data file and releases its lock; later
// calls do nothing.
func (l *Log) Close() error {
	if !l.Persistent() {
		return nil
	}
	l.closeOnce.Do(func() {
		l.closeErr = l.db.Close()
		if l.unlock != nil {
			l.unlock()
		}
	})
	return l.closeErr
}

// Each calls fn with every key and value in the log, in key order.
func (l *Log) Each(fn func(key string, raw []byte) error) error {
	if !l.Persistent() {
		return nil
	}
	var ferr error
	err := l.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("*", func(key, raw string) bool {
			ferr = fn(key, []byte(raw))
			return ferr == nil
		})
	})
	if err != nil {
		return err
	}
	return ferr
}

// Persistent reports whether changes go to a data file.
func (l *Log) Persistent() bool { return l != nil && l.db != nil }

// commit appends one write's changes in one buntdb transaction.
func (l *Log) commit(changes []change) error {
	if !l.Persistent() || len(changes) == 0 {
		return nil
	}
	// Encoded before the transaction, so that the file's lock is held for
	// the writes alone.
	vals := make([]string, len(changes))
	for i, c := range changes {
		if c.encode == nil {
			continue
		}
		raw, err := c.encode()
		if err != nil {
			return err
		}
		vals[i] = string(raw)
	}
	return l.db.Update(func(tx *buntdb.Tx) error {
		for i, c := range changes {
			if c.encode == nil {
				if _, err := tx.Delete(c.key); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
					return err
				}
				continue
			}
			if _, _, err := tx.Set(c.key, vals[i], nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// Replace writes the whole state of models to the log in one transaction,
// in place of the keys they own, with meta (plain values kept beside the
// documents under "meta:<name>"). Keys that belong to none of models are
// kept.
func (l *Log) Replace(meta map[string]string, models ...*DB) error {
	if !l.Persistent() {
		return nil
	}
	type kv struct{ key, raw string }
	var all []kv
	for _, m := range models {
		err := m.Export(func(key string, raw []byte) error {
			all = append(all, kv{key, string(raw)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return l.db.Update(func(tx *buntdb.Tx) error {
		var stale []string
		err := tx.AscendKeys("*", func(key, _ string) bool {
			for _, m := range models {
				if m.Owns(key) {
					stale = append(stale, key)
					break
				}
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		for _, d := range all {
			if _, _, err := tx.Set(d.key, d.raw, nil); err != nil {
				return err
			}
		}
		for name, v := range meta {
			if _, _, err := tx.Set("meta:"+name, v, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// Meta reads a plain value kept beside the documents.
func (l *Log) Meta(name string) (string, bool, error) {
	if !l.Persistent() {
		return "", false, nil
	}
	var v string
	var found bool
	err := l.db.View(func(tx *buntdb.Tx) error {
		raw, err := tx.Get("meta:" + name)
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		v, found = raw, err == nil
		return err
	})
	return v, found, err
}

// IsMeta reports whether key is a plain value rather than a document.
func IsMeta(key string) bool { return strings.HasPrefix(key, "meta:") }

// InUseError is a data file another running chatemu holds: two processes
// writing one file would hand out the same ids and interleave their logs.
type InUseError struct{ Path string }

func (e *InUseError) Error() string {
	return fmt.Sprintf("data file %s is in use by another chatemu process (it holds %s.lock); stop that one or use another file", e.Path, e.Path)
}

// LockDataFile takes the lock of the data file at path for this process;
// call unlock when the file is closed.
func LockDataFile(path string) (unlock func(), err error) { return lockDataFile(path) }
