package bitrix24

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

// encodeSuccess must write exactly what encode(200, success{...}) writes,
// for every kind of result the methods return: the fast paths (id lists,
// booleans, integers) and the reflective one with PHP escapes.
func TestEncodeSuccessMatchesEncode(t *testing.T) {
	t.Parallel()
	o := newOrdered()
	o.set("0", "a")
	o.set("1", map[string]any{"x": `<b>&'"/`})
	named := newOrdered()
	named.set("ID", int64(7))
	named.set("NAME", "Chat \"quoted\" / <tag> & 'apos' — ünïcödé")
	results := []any{
		nil, true, false, int64(0), int64(-12), int64(1 << 60), 0, 42,
		[]int64(nil), []int64{}, []int64{1}, []int64{3, 1, 2, -5, 1 << 50},
		"", "plain", `<script>alert('x')</script> & "q" / \ back`,
		[]any{}, []any{int64(1), "two", nil, 3.5},
		map[string]any{"CHAT_ID": int64(13), "TITLE": "a/b", "EMPTY": []int64{}},
		o, named, []string{"x", "y"}, 1.5, float64(2),
	}
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := 0; i < 50; i++ {
		ids := make([]int64, r.IntN(20))
		for j := range ids {
			ids[j] = r.Int64N(1e9) - 1e3
		}
		results = append(results, ids)
	}
	for i, result := range results {
		start := base.Add(time.Duration(r.Int64N(int64(time.Hour))))
		tb := newTimeBlock(start, start.Add(time.Duration(r.Int64N(int64(time.Second)))))
		want := encode(http.StatusOK, success{Result: result, Time: tb})
		got := encodeSuccess(result, tb)
		if got.Status != want.Status || got.ContentType != want.ContentType || !bytes.Equal(got.Raw, want.Raw) {
			t.Fatalf("result %d (%T):\n got %d %s %s\nwant %d %s %s", i, result, got.Status, got.ContentType, got.Raw,
				want.Status, want.ContentType, want.Raw)
		}
		if len(got.Header) != len(want.Header) {
			t.Fatalf("headers: got %v, want %v", got.Header, want.Header)
		}
		for k, v := range want.Header {
			if g := got.Header[k]; len(g) != 1 || g[0] != v[0] {
				t.Fatalf("header %s: got %v, want %v", k, g, v)
			}
		}
	}
	// A result that cannot be encoded gets encode's error answer.
	bad := map[string]any{"f": func() {}}
	tb := newTimeBlock(base, base)
	if got, want := encodeSuccess(bad, tb), encode(http.StatusOK, success{Result: bad, Time: tb}); got.Status != want.Status || !bytes.Equal(got.Raw, want.Raw) {
		t.Fatalf("unencodable: got %d %s, want %d %s", got.Status, got.Raw, want.Status, want.Raw)
	}
}
