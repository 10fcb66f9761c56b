package state

import (
	"errors"
	"fmt"
	"os"
	"strconv"
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

	// mu orders the writes of the models sharing the log, so that each
	// gets the next write number (integrity.go).
	mu sync.Mutex
	// txn is the number of the last write appended; lock the lock file,
	// which holds the number of the last one acknowledged.
	txn  int64
	lock *os.File
	// needBase: the next write is preceded by a base marker (after a
	// compaction when compact is set).
	needBase, compact bool
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
func OpenLog(path string) (*Log, error) { return openLog(path, compactAt) }

// openLog is OpenLog compacting a file of more than compactSize bytes.
func openLog(path string, compactSize int64) (*Log, error) {
	if path == "" || path == ":memory:" {
		return &Log{}, nil
	}
	lock, unlock, err := lockDataFile(path)
	if err != nil {
		return nil, err
	}
	fail := func(db *buntdb.DB, err error) (*Log, error) {
		if db != nil {
			db.Close()
		}
		unlock()
		return nil, err
	}
	rec, writes, err := checkDataFile(path)
	if err != nil {
		return fail(nil, err)
	}
	if acked := readAcked(lock); writes.based && acked > writes.last {
		st, _ := os.Stat(path)
		return fail(nil, &DataFileError{Path: path, Offset: st.Size(), Reason: fmt.Sprintf(
			"the file ends after write %d, but write %d was acknowledged: it was cut short or replaced by an older copy", writes.last, acked)})
	}
	if rec != nil {
		// buntdb would keep the whole commands of a write cut short.
		if err := os.Truncate(path, rec.Offset); err != nil {
			return fail(nil, fmt.Errorf("dropping the incomplete last write of data file %s: %w", path, err))
		}
	}
	db, err := buntdb.Open(path)
	if err != nil {
		return fail(nil, fmt.Errorf("opening data file %s: %w", path, err))
	}
	var cfg buntdb.Config
	err = db.ReadConfig(&cfg)
	if err == nil {
		cfg.SyncPolicy = buntdb.Always
		// buntdb's compaction rewrites the file without the write markers;
		// the log compacts at open instead (compactAt).
		cfg.AutoShrinkDisabled = true
		err = db.SetConfig(cfg)
	}
	if err != nil {
		return fail(db, fmt.Errorf("configuring data file %s: %w", path, err))
	}
	l := &Log{db: db, path: path, recovered: rec, unlock: unlock, lock: lock, txn: writes.last}
	st, err := os.Stat(path)
	if err != nil {
		return fail(db, err)
	}
	// Done before the first write, so that a file that is only read (or
	// refused by a vendor) is left as it was.
	l.needBase = !writes.based || st.Size() > compactSize
	l.compact = writes.based && st.Size() > compactSize
	return l, nil
}

// compactAt is the size past which a data file is compacted when opened.
const compactAt = 64 << 20

// rebase writes a base marker, once, before the first write: the writes
// before it carry none (a file of an earlier version, a new file). A large
// file that has markers is compacted first (buntdb rewrites it with the
// current values only).
func (l *Log) rebase() error {
	if !l.needBase {
		return nil
	}
	if l.compact {
		err := l.db.Update(func(tx *buntdb.Tx) error {
			_, err := tx.Delete(markerKey)
			if errors.Is(err, buntdb.ErrNotFound) {
				return nil
			}
			return err
		})
		if err == nil {
			err = l.db.Shrink()
		}
		if err != nil {
			return err
		}
	}
	err := l.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(markerKey, "base "+strconv.FormatInt(l.txn, 10), nil)
		return err
	})
	if err == nil {
		l.acked(l.txn)
		l.needBase, l.compact = false, false
	}
	return err
}

// readAcked reads the number of the last acknowledged write from the lock
// file (0 when it holds none).
func readAcked(lock *os.File) int64 {
	if lock == nil {
		return 0
	}
	buf := make([]byte, 32)
	n, _ := lock.ReadAt(buf, 0)
	v, _ := strconv.ParseInt(strings.TrimSpace(string(buf[:n])), 10, 64)
	return v
}

// acked records n as the last acknowledged write. It is not synced: after
// a power loss it may be behind the file, never ahead of it.
func (l *Log) acked(n int64) {
	if l.lock != nil {
		l.lock.WriteAt([]byte(fmt.Sprintf("%020d\n", n)), 0)
	}
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

// commit appends one write's changes in one buntdb transaction, with the
// write's marker. A key changed more than once in the write is written
// once, with its last value, as buntdb would keep it.
func (l *Log) commit(changes []change) error {
	if !l.Persistent() || len(changes) == 0 {
		return nil
	}
	last := make(map[string]int, len(changes))
	for i, c := range changes {
		last[c.key] = i
	}
	// Encoded before the transaction, so that the file's lock is held for
	// the writes alone.
	vals := make([]string, len(changes))
	for i, c := range changes {
		if c.encode == nil || last[c.key] != i {
			continue
		}
		raw, err := c.encode()
		if err != nil {
			return err
		}
		vals[i] = string(raw)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.rebase(); err != nil {
		return err
	}
	n := l.txn + 1
	err := l.db.Update(func(tx *buntdb.Tx) error {
		var sum uint64
		count := 0
		for i, c := range changes {
			if last[c.key] != i {
				continue
			}
			if c.encode == nil {
				_, err := tx.Delete(c.key)
				if errors.Is(err, buntdb.ErrNotFound) {
					continue // nothing to delete, nothing written
				}
				if err != nil {
					return err
				}
				sum += commandDigest("del", c.key, "")
				count++
				continue
			}
			if _, _, err := tx.Set(c.key, vals[i], nil); err != nil {
				return err
			}
			sum += commandDigest("set", c.key, vals[i])
			count++
		}
		_, _, err := tx.Set(markerKey, marker(n, count, sum), nil)
		return err
	})
	if err == nil {
		l.txn = n
		l.acked(n)
	}
	return err
}

// replace writes the whole state of models (locked by the caller) to the
// log in one transaction, in place of the keys they own, with meta (plain
// values kept beside the documents under "meta:<name>"). Keys that belong
// to none of models are kept.
func (l *Log) replace(meta map[string]string, models []*DB) error {
	if !l.Persistent() {
		return nil
	}
	type kv struct{ key, raw string }
	var all []kv
	seen := map[string]int{}
	for _, m := range models {
		err := m.exportLocked(func(key string, raw []byte) error {
			// One value per key, the last, as buntdb keeps it.
			if i, ok := seen[key]; ok {
				all[i].raw = string(raw)
				return nil
			}
			seen[key] = len(all)
			all = append(all, kv{key, string(raw)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.rebase(); err != nil {
		return err
	}
	n := l.txn + 1
	err := l.db.Update(func(tx *buntdb.Tx) error {
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
		var sum uint64
		count := 0
		kept := make(map[string]bool, len(all))
		for _, d := range all {
			kept[d.key] = true
		}
		for _, k := range stale {
			if kept[k] {
				continue // set again below: buntdb writes only the set
			}
			if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
			sum += commandDigest("del", k, "")
			count++
		}
		for _, d := range all {
			if _, _, err := tx.Set(d.key, d.raw, nil); err != nil {
				return err
			}
			sum += commandDigest("set", d.key, d.raw)
			count++
		}
		for name, v := range meta {
			if _, _, err := tx.Set("meta:"+name, v, nil); err != nil {
				return err
			}
			sum += commandDigest("set", "meta:"+name, v)
			count++
		}
		_, _, err = tx.Set(markerKey, marker(n, count, sum), nil)
		return err
	})
	if err == nil {
		l.txn = n
		l.acked(n)
	}
	return err
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
