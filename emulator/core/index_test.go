package core

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/tidwall/buntdb"
	"github.com/tidwall/gjson"
)

// buntdbCompound is the less function buntdb builds from one IndexJSONCaseSensitive
// function per field, which indexLess must agree with.
func buntdbCompound(fields []string) func(a, b string) bool {
	lessers := make([]func(a, b string) bool, len(fields))
	for i, f := range fields {
		lessers[i] = buntdb.IndexJSONCaseSensitive(f)
	}
	return func(a, b string) bool {
		for i := 0; i < len(lessers)-1; i++ {
			if lessers[i](a, b) {
				return true
			}
			if lessers[i](b, a) {
				return false
			}
		}
		return lessers[len(lessers)-1](a, b)
	}
}

func randomDocs(r *rand.Rand, n int) []string {
	values := []string{`1`, `2`, `10`, `-3.5`, `"a"`, `"A"`, `"b"`, `"ab"`, `"B"`, `""`, `null`, `true`, `false`, `[1]`, `{"x":1}`, `"Ä"`, `"a\"b"`}
	docs := make([]string, n)
	for i := range docs {
		doc := "{"
		for _, f := range []string{"portal", "sid", "code", "pad"} {
			if r.IntN(6) == 0 {
				continue // a missing field
			}
			if len(doc) > 1 {
				doc += ","
			}
			doc += fmt.Sprintf("%q:%s", f, values[r.IntN(len(values))])
		}
		docs[i] = doc + "}"
	}
	return docs
}

// cachedLess is an indexLess that has its table of size slots from the
// start (when it may have one).
func cachedLess(fields []string, size int) func(a, b string) bool {
	if len(fields) > maxCachedFields {
		return newIndexLess(fields)
	}
	il := &indexLess{fields: fields}
	il.once.Do(func() { il.cache.Store(newFieldCache(fields, size)) })
	return il.less
}

// TestIndexLessAgreesWithBuntdb checks every ordered pair of random
// documents, including the mirrored and repeated calls that buntdb makes,
// against buntdb's own compound less: without a table, crossing over to
// one (a new indexLess makes its first comparisons uncached), with a table
// that holds every document, and with tables so small that almost every
// lookup evicts another document.
func TestIndexLessAgreesWithBuntdb(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, fields := range [][]string{{"sid"}, {"portal", "code"}, {"portal", "sid", "code"}, {"portal", "sid", "code", "pad"}, {"portal", "sid", "code", "pad", "sid"}} {
		want := buntdbCompound(fields)
		for _, c := range []struct {
			name string
			less func(a, b string) bool
		}{
			{"new", newIndexLess(fields)},
			{"table of 1", cachedLess(fields, 1)},
			{"table of 4", cachedLess(fields, 4)},
			{"table of 1024", cachedLess(fields, 1024)},
		} {
			got := c.less
			docs := randomDocs(r, 60)
			for _, a := range docs {
				for _, b := range docs {
					for k := 0; k < 2; k++ { // the table's second use
						if g, w := got(a, b), want(a, b); g != w {
							t.Fatalf("fields %v, %s: less(%s, %s) = %v, want %v", fields, c.name, a, b, g, w)
						}
						if g, w := got(b, a), want(b, a); g != w {
							t.Fatalf("fields %v, %s: mirrored less(%s, %s) = %v, want %v", fields, c.name, b, a, g, w)
						}
					}
				}
			}
		}
	}
}

// TestFieldCacheHitsMissesEviction checks what a table holds: a looked-up
// document stays (the same string, so its bytes cannot be reused) until
// another document hashed to its slot replaces it, and each lookup answers
// the document's own values either way.
func TestFieldCacheHitsMissesEviction(t *testing.T) {
	t.Parallel()
	fields := []string{"a", "b"}
	c := newFieldCache(fields, 8)
	slotOf := func(doc string) int {
		for i := range c.slots {
			if same(c.slots[i].doc, doc) {
				return i
			}
		}
		return -1
	}
	check := func(doc string, a, b float64) {
		t.Helper()
		var out [maxCachedFields]fieldValue
		c.values(doc, &out)
		if out[0] != (fieldValue{typ: gjson.Number, num: a}) || out[1] != (fieldValue{typ: gjson.Number, num: b}) {
			t.Fatalf("values(%s) = %+v", doc, out[:2])
		}
	}
	d1 := string([]byte(`{"a":1,"b":2}`))
	check(d1, 1, 2) // a miss
	i := slotOf(d1)
	if i < 0 {
		t.Fatal("a looked-up document is not held")
	}
	c.vals[i*2].num = 99 // a hit answers what the slot holds
	var out [maxCachedFields]fieldValue
	if c.values(d1, &out); out[0].num != 99 {
		t.Fatalf("second lookup parsed again: %+v", out[:2])
	}
	check(string([]byte(`{"a":1,"b":2}`)), 1, 2) // same bytes elsewhere: its own entry
	// Documents enough to evict d1 from its slot, each answered right.
	for i := range 64 {
		check(string(fmt.Appendf(nil, `{"a":%d,"b":%d}`, i%10, i/10%10)), float64(i%10), float64(i/10%10))
	}
	if slotOf(d1) >= 0 {
		t.Fatal("64 other documents in 8 slots did not evict the first")
	}
	check(d1, 1, 2) // evicted, so parsed again
	if c.values("", &out); out[0] != (fieldValue{}) || out[1] != (fieldValue{}) {
		t.Fatalf("empty document: %+v", out[:2])
	}
}

// TestFieldCacheNoReuseOfFreedDocuments drops the documents it looked up
// and makes many new ones of the same size, which the allocator would place
// at the freed addresses if the table did not hold the old strings: none
// may be answered with an old document's values.
func TestFieldCacheNoReuseOfFreedDocuments(t *testing.T) {
	t.Parallel()
	c := newFieldCache([]string{"n"}, 16)
	var out [maxCachedFields]fieldValue
	for round := range 20 {
		for i := range 200 {
			n := round*1000 + i
			doc := string(fmt.Appendf(nil, `{"n":%06d}`, n))
			if c.values(doc, &out); out[0].num != float64(n) {
				t.Fatalf("values(%s) = %+v", doc, out[0])
			}
		}
		runtime.GC()
	}
}

// TestIndexLessConcurrent compares from many goroutines at once, as
// concurrent read transactions do, through a table small enough that they
// keep replacing each other's entries; run it with -race.
func TestIndexLessConcurrent(t *testing.T) {
	t.Parallel()
	fields := []string{"portal", "sid", "code"}
	want := buntdbCompound(fields)
	got := cachedLess(fields, 8)
	docs := randomDocs(rand.New(rand.NewPCG(5, 6)), 40)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range 3000 {
				a, b := docs[r.IntN(len(docs))], docs[r.IntN(len(docs))]
				if got(a, b) != want(a, b) {
					errs <- fmt.Sprintf("less(%s, %s) disagrees", a, b)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestIndexLessInBuntdb orders a buntdb index by indexLess and another by
// buntdb's compound through inserts, replacements and deletions (enough
// for indexLess to make its table), and checks both scans give the same
// keys.
func TestIndexLessInBuntdb(t *testing.T) {
	t.Parallel()
	db, err := buntdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fields := []string{"portal", "sid", "code"}
	if err := db.CreateIndex("ours", "d:*", newIndexLess(fields)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateIndex("theirs", "d:*", buntdbCompound(fields)); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 9))
	docs := randomDocs(r, 300)
	for round := range 3 {
		err := db.Update(func(tx *buntdb.Tx) error {
			for i := range 400 {
				key := fmt.Sprintf("d:%03d", r.IntN(200))
				if i%5 == 4 {
					if _, err := tx.Delete(key); err != nil && err != buntdb.ErrNotFound {
						return err
					}
					continue
				}
				if _, _, err := tx.Set(key, docs[r.IntN(len(docs))], nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var ours, theirs []string
		db.View(func(tx *buntdb.Tx) error {
			tx.Ascend("ours", func(k, _ string) bool { ours = append(ours, k); return true })
			tx.Ascend("theirs", func(k, _ string) bool { theirs = append(theirs, k); return true })
			return nil
		})
		if !slices.Equal(ours, theirs) {
			t.Fatalf("round %d: index order differs:\nours   %v\ntheirs %v", round, ours, theirs)
		}
	}
}

// TestIndexLessEqualContentDistinctStrings checks that documents with the
// same bytes at different addresses are compared, not recognised.
func TestIndexLessEqualContentDistinctStrings(t *testing.T) {
	t.Parallel()
	less := newIndexLess([]string{"n"})
	a := string([]byte(`{"n":1}`))
	b := string([]byte(`{"n":2}`))
	if !less(a, b) || less(b, a) {
		t.Fatal("1 < 2 expected")
	}
	b2 := string([]byte(`{"n":0}`)) // same length as b, other bytes
	if less(a, b2) || !less(b2, a) {
		t.Fatal("0 < 1 expected")
	}
}

func BenchmarkIndexLess(b *testing.B) {
	docs := randomDocs(rand.New(rand.NewPCG(3, 4)), 64)
	fields := []string{"portal", "code"}
	for _, c := range []struct {
		name string
		less func(a, b string) bool
	}{
		{"buntdb compound", buntdbCompound(fields)},
		{"indexLess", newIndexLess(fields)},
		// every lookup a miss: the cost for documents seen once, as in a scan
		{"indexLess table of 1", cachedLess(fields, 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				// An item comparison as buntdb makes it, pivot fixed.
				p, x := docs[0], docs[1+i%63]
				if !c.less(p, x) {
					c.less(x, p)
				}
				i++
			}
		})
	}
}

// BenchmarkIndexedSet inserts documents into a buntdb index that starts
// with 20000, all with the same first field, as a widget's rooms have, so
// that every comparison goes on to the second. The second fields are
// random, so below the upper levels of the tree most documents a search
// visits are not in indexLess's table: the unfavourable case for it.
func BenchmarkIndexedSet(b *testing.B) {
	fields := []string{"imba_id", "pipe"}
	for _, c := range []struct {
		name string
		less func(a, b string) bool
	}{{"buntdb compound", buntdbCompound(fields)}, {"indexLess", newIndexLess(fields)}} {
		b.Run(c.name, func(b *testing.B) {
			db, err := buntdb.Open(":memory:")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.CreateIndex("rooms", "room:*", c.less); err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(10, 11))
			doc := func(i int) string {
				return fmt.Sprintf(`{"id":%d,"imba_id":209,"title":"Bench","type":1,"pipe":"room_%08d","created":"2020-12-18 07:17:07"}`, i, r.IntN(1e8))
			}
			i := 0
			set := func() {
				i++
				err := db.Update(func(tx *buntdb.Tx) error {
					_, _, err := tx.Set(fmt.Sprintf("room:%09d", i), doc(i), nil)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			for range 20000 {
				set()
			}
			b.ReportAllocs()
			for b.Loop() {
				set()
			}
		})
	}
}
