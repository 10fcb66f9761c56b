package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chatemu/chatemu/internal/state"
	"github.com/tidwall/buntdb"
)

// Store holds all vendor state in buntdb: JSON documents under keys
// "<vendor>:<kind>:<zero-padded id>", in memory or in a data file.
type Store struct {
	db        *buntdb.DB
	path      string
	indexes   []Index
	recovered *Recovery

	unlock    func() // releases the data file's lock
	closeOnce sync.Once
	closeErr  error

	// gen counts read-write transactions (see Generation).
	gen atomic.Uint64
}

// Index is a secondary index over the JSON documents whose keys match
// Pattern, ordered by the JSON fields given (gjson paths), then by key.
type Index struct {
	Name    string
	Pattern string
	Fields  []string
}

// ErrNotFound is returned by Tx.Get's callers' helpers when a key is absent.
var ErrNotFound = errors.New("not found")

// OpenStore opens a store: in memory when path is "" or ":memory:", else a
// data file (created if missing, every write synced before it is
// acknowledged). A data file that cannot be read is an error that names it;
// a damaged one is a *DataFileError naming the file, the byte offset and
// the damage, and so is one holding a document that is not JSON. A file
// that ends in an incomplete write (a crash cut it off before it was
// acknowledged) opens without it: Recovered says so.
func OpenStore(path string) (*Store, error) {
	if path == "" {
		path = ":memory:"
	}
	if path == ":memory:" {
		db, err := buntdb.Open(path)
		if err != nil {
			return nil, fmt.Errorf("opening the in-memory store: %w", err)
		}
		return &Store{db: db, path: path}, nil
	}
	unlock, err := state.LockDataFile(path)
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
	if err := db.ReadConfig(&cfg); err != nil {
		db.Close()
		unlock()
		return nil, fmt.Errorf("configuring data file %s: %w", path, err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		db.Close()
		unlock()
		return nil, fmt.Errorf("configuring data file %s: %w", path, err)
	}
	s := &Store{db: db, path: path, recovered: rec, unlock: unlock}
	if err := s.checkDocuments(); err != nil {
		db.Close()
		unlock()
		return nil, err
	}
	return s, nil
}

// Recovered reports the incomplete last write the data file ended with and
// that opening it dropped, if any.
func (s *Store) Recovered() (Recovery, bool) {
	if s.recovered == nil {
		return Recovery{}, false
	}
	return *s.recovered, true
}

// checkDocuments makes sure every value of a data file is what this
// package writes: JSON documents, numeric sequences and plain meta values.
// A file edited by hand or damaged inside a value fails here, at start-up,
// rather than in the middle of a request.
func (s *Store) checkDocuments() error {
	var bad error
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("*", func(key, raw string) bool {
			switch {
			case strings.HasPrefix(key, "meta:"):
			case strings.HasPrefix(key, "seq:"):
				if _, err := strconv.ParseInt(raw, 10, 64); err != nil {
					bad = &DataFileError{Path: s.path, Offset: -1, Reason: fmt.Sprintf("sequence %q holds %q, not a number", key, clip([]byte(raw)))}
				}
			case !json.Valid([]byte(raw)):
				bad = &DataFileError{Path: s.path, Offset: -1, Reason: fmt.Sprintf("document %q is not valid JSON (%q)", key, clip([]byte(raw)))}
			}
			return bad == nil
		})
	})
	if err != nil {
		return fmt.Errorf("reading data file %s: %w", s.path, err)
	}
	return bad
}

// Durable is the data file's database for the typed models' log; nil in
// memory mode.
func (s *Store) Durable() *buntdb.DB {
	if !s.Persistent() {
		return nil
	}
	return s.db
}

// Persistent reports whether the store writes to a data file.
func (s *Store) Persistent() bool { return s.path != ":memory:" }

// CreateIndexes creates indexes (buntdb does not persist them, so this runs
// after every open). Creating an existing index again is not an error.
func (s *Store) CreateIndexes(idx ...Index) error {
	for _, ix := range idx {
		var less []func(a, b string) bool
		if len(ix.Fields) > 0 {
			less = append(less, newIndexLess(ix.Fields))
		}
		err := s.db.CreateIndex(ix.Name, ix.Pattern, less...)
		if err != nil && !errors.Is(err, buntdb.ErrIndexExists) {
			return fmt.Errorf("creating index %s: %w", ix.Name, err)
		}
		s.indexes = append(s.indexes, ix)
	}
	return nil
}

// Close closes the store, flushing a data file; later calls do nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.db.Close()
		if s.unlock != nil {
			s.unlock()
		}
	})
	return s.closeErr
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *Tx) error) error {
	return s.db.View(func(t *buntdb.Tx) error { return fn(&Tx{tx: t}) })
}

// Update runs fn in a read-write transaction; an error rolls it back.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.db.Update(func(t *buntdb.Tx) error {
		// Moved while the write lock is held, before the commit: a reader
		// that sees the new generation starts its transaction after this
		// one ends, so it reads what the generation stands for.
		defer s.gen.Add(1)
		return fn(&Tx{tx: t})
	})
}

// Generation changes with every read-write transaction (whether it
// changed anything or not), so a value read from the store while the
// generation was g is still what the store holds while it is g: what
// Lookups is built on.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// DeleteAll removes every key in the transaction (indexes stay).
func (t *Tx) DeleteAll() error { return t.tx.DeleteAll() }

// Tx is a store transaction.
type Tx struct{ tx *buntdb.Tx }

// Key builds "<vendor>:<kind>:<id padded to 12 digits>" so that keys sort by id.
func Key(vendor, kind string, id int64) string {
	return fmt.Sprintf("%s:%s:%012d", vendor, kind, id)
}

// Get decodes the document at key into v; found is false when it is absent.
func (t *Tx) Get(key string, v any) (found bool, err error) {
	raw, err := t.tx.Get(key)
	if errors.Is(err, buntdb.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", key, err)
	}
	return true, nil
}

// GetRaw returns the JSON text stored at key; found is false when it is
// absent.
func (t *Tx) GetRaw(key string) (raw string, found bool, err error) {
	raw, err = t.tx.Get(key)
	if errors.Is(err, buntdb.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return raw, true, nil
}

func decodeError(key string, err error) error { return fmt.Errorf("decoding %s: %w", key, err) }

// Put stores v as JSON at key.
func (t *Tx) Put(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	_, _, err = t.tx.Set(key, string(raw), nil)
	return err
}

// Delete removes key; an absent key is not an error.
func (t *Tx) Delete(key string) error {
	_, err := t.tx.Delete(key)
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil
	}
	return err
}

// Scan calls fn with every key and raw JSON document whose key matches
// pattern (a buntdb glob such as "imbachat:room:*"), in key order, until fn
// returns false.
func (t *Tx) Scan(pattern string, fn func(key, raw string) bool) error {
	return t.tx.AscendKeys(pattern, fn)
}

// ScanIndex walks an index from its start, in index order.
func (t *Tx) ScanIndex(index string, fn func(key, raw string) bool) error {
	return t.tx.Ascend(index, fn)
}

// ScanIndexEqual walks the documents of an index whose indexed fields equal
// the pivot document's, e.g. pivot `{"imba_id":627}`.
func (t *Tx) ScanIndexEqual(index, pivot string, fn func(key, raw string) bool) error {
	return t.tx.AscendEqual(index, pivot, fn)
}

// ScanIndexRange walks the documents of an index from greaterOrEqual up to
// (not including) lessThan, both pivot documents.
func (t *Tx) ScanIndexRange(index, greaterOrEqual, lessThan string, fn func(key, raw string) bool) error {
	return t.tx.AscendRange(index, greaterOrEqual, lessThan, fn)
}

// ScanKeyRange walks the documents whose keys are from greaterOrEqual up
// to (not including) lessThan, in key order: plain string comparisons in
// the store's key tree, where an index scan would compare JSON fields.
func (t *Tx) ScanKeyRange(greaterOrEqual, lessThan string, fn func(key, raw string) bool) error {
	return t.tx.AscendRange("", greaterOrEqual, lessThan, fn)
}

func seqKey(name string) string { return "seq:" + name }

// NextID returns the next number of sequence name (1, 2, ... or one above
// the highest value passed to BumpID).
func (t *Tx) NextID(name string) (int64, error) {
	cur, err := t.seq(name)
	if err != nil {
		return 0, err
	}
	cur++
	_, _, err = t.tx.Set(seqKey(name), strconv.FormatInt(cur, 10), nil)
	return cur, err
}

// BumpID makes sure sequence name will hand out ids above id.
func (t *Tx) BumpID(name string, id int64) error {
	cur, err := t.seq(name)
	if err != nil || cur >= id {
		return err
	}
	_, _, err = t.tx.Set(seqKey(name), strconv.FormatInt(id, 10), nil)
	return err
}

func (t *Tx) seq(name string) (int64, error) {
	raw, err := t.tx.Get(seqKey(name))
	if errors.Is(err, buntdb.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(raw, 10, 64)
}

// Meta reads a plain string value kept beside the documents (markers such
// as "fixtures loaded").
func (t *Tx) Meta(name string) (string, bool, error) {
	raw, err := t.tx.Get("meta:" + name)
	if errors.Is(err, buntdb.ErrNotFound) {
		return "", false, nil
	}
	return raw, err == nil, err
}

// SetMeta stores a plain string value beside the documents.
func (t *Tx) SetMeta(name, value string) error {
	_, _, err := t.tx.Set("meta:"+name, value, nil)
	return err
}

// PutRaw stores an already-encoded JSON document at key.
func (t *Tx) PutRaw(key, raw string) error {
	_, _, err := t.tx.Set(key, raw, nil)
	return err
}

// EachEqual decodes, in index order, every document of index whose indexed
// fields equal pivot's (a value encoded as JSON, e.g.
// map[string]any{"imba_id": 627}, or a json.RawMessage used as it is),
// and calls fn with each until it returns false.
func EachEqual[T any](tx *Tx, index string, pivot any, fn func(*T) bool) error {
	return eachEqual(tx, index, pivot, func(raw string) (*T, error) {
		v := new(T)
		return v, json.Unmarshal([]byte(raw), v)
	}, fn)
}

// EachEqualCached is EachEqual decoding through cache: fn gets a copy of
// its own of each document.
func EachEqualCached[T any](tx *Tx, cache *DocCache[T], index string, pivot any, fn func(*T) bool) error {
	return eachEqual(tx, index, pivot, cache.Decode, fn)
}

func eachEqual[T any](tx *Tx, index string, pivot any, decode func(string) (*T, error), fn func(*T) bool) error {
	p, err := encodePivot(pivot)
	if err != nil {
		return err
	}
	return decodeEach(func(walk func(key, raw string) bool) error {
		return tx.tx.AscendEqual(index, p, walk)
	}, decode, fn)
}

// EachInRange decodes, in index order, every document of index from
// greaterOrEqual up to (not including) lessThan, both pivots encoded like
// EachEqual's, and calls fn with each until it returns false.
func EachInRange[T any](tx *Tx, index string, greaterOrEqual, lessThan any, fn func(*T) bool) error {
	ge, err := encodePivot(greaterOrEqual)
	if err != nil {
		return err
	}
	lt, err := encodePivot(lessThan)
	if err != nil {
		return err
	}
	return decodeEach(func(walk func(key, raw string) bool) error {
		return tx.tx.AscendRange(index, ge, lt, walk)
	}, func(raw string) (*T, error) {
		v := new(T)
		return v, json.Unmarshal([]byte(raw), v)
	}, fn)
}

// encodePivot encodes an index pivot; a json.RawMessage is used as it is.
func encodePivot(pivot any) (string, error) {
	if raw, ok := pivot.(json.RawMessage); ok {
		return string(raw), nil
	}
	p, err := json.Marshal(pivot)
	if err != nil {
		return "", fmt.Errorf("index pivot: %w", err)
	}
	return string(p), nil
}

// decodeEach runs an index walk, decoding each document it yields.
func decodeEach[T any](scan func(walk func(key, raw string) bool) error, decode func(string) (*T, error), fn func(*T) bool) error {
	var decodeErr error
	err := scan(func(key, raw string) bool {
		v, err := decode(raw)
		if err != nil {
			decodeErr = decodeError(key, err)
			return false
		}
		return fn(v)
	})
	if err != nil {
		return err
	}
	return decodeErr
}

// AllEqual returns, in index order, every document of index whose indexed
// fields equal pivot's.
func AllEqual[T any](tx *Tx, index string, pivot any) ([]T, error) {
	var out []T
	err := EachEqual(tx, index, pivot, func(v *T) bool {
		out = append(out, *v)
		return true
	})
	return out, err
}
