package core

import (
	"sync"
	"unsafe"

	"github.com/tidwall/gjson"
)

// indexLess orders the JSON documents of one index by its fields exactly as
// buntdb's compound of IndexJSONCaseSensitive(field) functions does (each
// field through gjson, strings compared exactly, so that "Public_12" and
// "public_12" are different pipes), at a fraction of the cost.
//
// buntdb compares two items a and b by calling less(a, b) and, when that
// is false, less(b, a); a B-tree search compares one pivot with a dozen
// items in turn. The compound of per-field functions parses every field of
// both documents again on every call: up to twelve gjson lookups per item
// comparison for a two-field index. indexLess parses each field once per
// call, answers the mirrored call from the previous result, and keeps the
// pivot's parsed fields while the pivot stays the same, so that an item
// comparison costs about one lookup per field.
//
// The remembered strings are held (so their memory cannot be reused while
// remembered) and recognised by identity, the address and length of their
// bytes: Go strings are immutable, so the same bytes mean the same
// document. A mutex guards the memo; lookups happen outside it.
type indexLess struct {
	fields []string

	mu sync.Mutex
	// The last comparison: cmp(lastA, lastB).
	lastA, lastB string
	lastCmp      int
	// The last left-hand document and its parsed fields.
	pivot     string
	pivotVals [maxMemoFields]gjson.Result
}

// maxMemoFields bounds the fields whose parsed values are kept for the
// pivot; indexes with more fields still work, without that memo.
const maxMemoFields = 4

func newIndexLess(fields []string) func(a, b string) bool {
	il := &indexLess{fields: fields}
	return il.less
}

// same reports whether a and b are the same string in memory.
func same(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

func (il *indexLess) less(a, b string) bool {
	n := len(il.fields)
	var av [maxMemoFields]gjson.Result
	haveA := false
	il.mu.Lock()
	switch {
	case same(il.lastA, a) && same(il.lastB, b):
		c := il.lastCmp
		il.mu.Unlock()
		return c < 0
	case same(il.lastA, b) && same(il.lastB, a):
		c := il.lastCmp
		il.mu.Unlock()
		return c > 0
	case n <= maxMemoFields && same(il.pivot, a):
		av, haveA = il.pivotVals, true
	}
	il.mu.Unlock()

	if n > maxMemoFields {
		c := compareFields(il.fields, a, b)
		il.remember(a, b, c, nil)
		return c < 0
	}
	if !haveA {
		for i, f := range il.fields {
			av[i] = gjson.Get(a, f)
		}
	}
	c := 0
	for i, f := range il.fields {
		bv := gjson.Get(b, f)
		if av[i].Less(bv, true) {
			c = -1
			break
		}
		if bv.Less(av[i], true) {
			c = 1
			break
		}
	}
	il.remember(a, b, c, &av)
	return c < 0
}

func (il *indexLess) remember(a, b string, c int, av *[maxMemoFields]gjson.Result) {
	il.mu.Lock()
	il.lastA, il.lastB, il.lastCmp = a, b, c
	if av != nil {
		il.pivot, il.pivotVals = a, *av
	}
	il.mu.Unlock()
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
