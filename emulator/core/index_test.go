package core

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tidwall/buntdb"
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

// TestIndexLessAgreesWithBuntdb checks every ordered pair of random
// documents, including the mirrored and repeated calls that exercise the
// memo, against buntdb's own compound less.
func TestIndexLessAgreesWithBuntdb(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, fields := range [][]string{{"sid"}, {"portal", "code"}, {"portal", "sid", "code"}, {"portal", "sid", "code", "pad", "sid"}} {
		want := buntdbCompound(fields)
		got := newIndexLess(fields)
		docs := randomDocs(r, 60)
		for _, a := range docs {
			for _, b := range docs {
				for k := 0; k < 2; k++ { // the pivot memo's second use
					if g, w := got(a, b), want(a, b); g != w {
						t.Fatalf("fields %v: less(%s, %s) = %v, want %v", fields, a, b, g, w)
					}
					if g, w := got(b, a), want(b, a); g != w {
						t.Fatalf("fields %v: mirrored less(%s, %s) = %v, want %v", fields, b, a, g, w)
					}
				}
			}
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
	}{{"buntdb compound", buntdbCompound(fields)}, {"indexLess", newIndexLess(fields)}} {
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
