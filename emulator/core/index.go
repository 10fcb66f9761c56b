package core

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/tidwall/gjson"
)

// indexLess orders the JSON documents of one index by its fields exactly as
// buntdb's compound of IndexJSONCaseSensitive(field) functions does (each
// field through gjson, strings compared exactly, so that "Public_12" and
// "public_12" are different pipes), at a fraction of the cost.
//
// buntdb compares two items a and b by calling less(a, b) and, when that
// is false, less(b, a); a B-tree search compares one item with a dozen
// others in turn, and the items near the root of the tree take part in
// nearly every search. The compound of per-field functions parses every
// field of both documents again on every call: up to twelve gjson lookups
// per item comparison for a two-field index.
//
// indexLess instead keeps the parsed fields of recently compared documents
// in a small table (see fieldCache), so that a comparison of documents
// seen before costs two table lookups and no parsing. An index that has
// made few comparisons (most of them, in an instance that only loaded its
// fixtures) has no table and parses as the compound does, so idle
// instances pay no memory for it.
type indexLess struct {
	fields []string

	// calls counts comparisons until the table is made.
	calls atomic.Int64
	cache atomic.Pointer[fieldCache]
	once  sync.Once
}

// maxCachedFields bounds the fields an index may have for its documents'
// values to be cached; indexes with more fields still work, parsing
// every time.
const maxCachedFields = 4

// cacheAfter is how many comparisons an index makes before it gets its
// table: loading the default fixtures makes far fewer in every index.
const cacheAfter = 2048

// cacheSlots is the size of an index's table: enough for the items that
// B-tree searches visit over and over (the upper levels of the tree and
// the leaf being filled), small enough that a busy index costs a few tens
// of kilobytes at most.
const cacheSlots = 256

func newIndexLess(fields []string) func(a, b string) bool {
	if len(fields) > maxCachedFields {
		return func(a, b string) bool { return compareFields(fields, a, b) < 0 }
	}
	il := &indexLess{fields: fields}
	return il.less
}

func (il *indexLess) less(a, b string) bool {
	c := il.cache.Load()
	if c == nil {
		if il.calls.Add(1) < cacheAfter {
			return compareFields(il.fields, a, b) < 0
		}
		il.once.Do(func() { il.cache.Store(newFieldCache(il.fields, cacheSlots)) })
		c = il.cache.Load()
	}
	var av, bv [maxCachedFields]fieldValue
	c.values(a, &av)
	c.values(b, &bv)
	for i := range il.fields {
		if r := av[i].compare(bv[i]); r != 0 {
			return r < 0
		}
	}
	return false
}

// compareFields is the three-way comparison of a and b by fields, in the
// order buntdb's compound less checks them.
func compareFields(fields []string, a, b string) int {
	for _, f := range fields {
		av, bv := gjson.Get(a, f), gjson.Get(b, f)
		if av.Less(bv, true) {
			return -1
		}
		if bv.Less(av, true) {
			return 1
		}
	}
	return 0
}

// fieldValue is what gjson's Result.Less looks at in a field's value: its
// type, then the string (case-sensitively), the number, or for any other
// type the raw JSON text (which tells a missing field, "", from null).
type fieldValue struct {
	typ gjson.Type
	num float64
	s   string
}

func valueOf(r gjson.Result) fieldValue {
	switch r.Type {
	case gjson.String:
		return fieldValue{typ: r.Type, s: r.Str}
	case gjson.Number:
		return fieldValue{typ: r.Type, num: r.Num}
	default:
		return fieldValue{typ: r.Type, s: r.Raw}
	}
}

// compare is -1 when gjson orders v before w (v.Less(w, true)), 1 when
// after, else 0.
func (v fieldValue) compare(w fieldValue) int {
	switch {
	case v.typ < w.typ:
		return -1
	case v.typ > w.typ:
		return 1
	case v.typ == gjson.Number:
		switch {
		case v.num < w.num:
			return -1
		case w.num < v.num:
			return 1
		}
		return 0
	case v.s < w.s:
		return -1
	case w.s < v.s:
		return 1
	}
	return 0
}

// fieldCache is a direct-mapped table of documents' parsed index fields,
// indexed by a hash of the address of the document's bytes.
//
// buntdb keeps each document as one Go string and passes that same string
// to less on every comparison, so a document is recognised by identity:
// the address and length of its bytes. Go strings are immutable, so while
// a slot holds the string itself, its bytes cannot be freed and reused
// for another document, and the same address and length mean the same
// document. Keying by identity costs a multiplication, where keying by
// content would hash and compare the whole document on every lookup.
//
// Each slot has its own lock: buntdb compares from concurrent read
// transactions as well as from the writer, and with one lock per slot
// they rarely meet. A slot holds the last document hashed to it; a new
// one replaces it.
type fieldCache struct {
	fields []string
	shift  uint
	slots  []cacheSlot
	// vals holds len(fields) values per slot, slot i's at i*len(fields).
	vals []fieldValue
}

type cacheSlot struct {
	mu  sync.Mutex
	doc string
}

// newFieldCache returns a table of size slots (a power of two) for
// documents of an index on fields.
func newFieldCache(fields []string, size int) *fieldCache {
	shift := uint(64)
	for n := size; n > 1; n >>= 1 {
		shift--
	}
	return &fieldCache{
		fields: fields,
		shift:  shift,
		slots:  make([]cacheSlot, size),
		vals:   make([]fieldValue, size*len(fields)),
	}
}

// same reports whether a and b are the same string in memory.
func same(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// values sets out[:len(c.fields)] to doc's field values, from the table
// or parsed (and then remembered).
func (c *fieldCache) values(doc string, out *[maxCachedFields]fieldValue) {
	n := len(c.fields)
	if len(doc) == 0 {
		// Nothing to hold on to; an empty document has no fields.
		for i := range n {
			out[i] = fieldValue{}
		}
		return
	}
	// Fibonacci hashing of the address: allocations are aligned and
	// close together, so the top bits of the product spread them best.
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(doc)))) * 0x9e3779b97f4a7c15
	i := int(h >> c.shift)
	s := &c.slots[i]
	vals := c.vals[i*n : i*n+n]
	s.mu.Lock()
	if same(s.doc, doc) {
		copy(out[:n], vals)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	for j, f := range c.fields {
		out[j] = valueOf(gjson.Get(doc, f))
	}
	s.mu.Lock()
	s.doc = doc
	copy(vals, out[:n])
	s.mu.Unlock()
}
