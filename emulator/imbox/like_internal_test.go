package imbox

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// likeReference is SQL LIKE by its definition, over characters: a table
// of which pattern prefixes match which text prefixes.
func likeReference(s, pattern string) bool {
	type token struct {
		r        rune
		any, run bool // _ ; %
	}
	var toks []token
	pr := []rune(pattern)
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '%':
			toks = append(toks, token{run: true})
		case pr[i] == '_':
			toks = append(toks, token{any: true})
		case pr[i] == '\\' && i+1 < len(pr):
			i++
			toks = append(toks, token{r: pr[i]})
		default:
			toks = append(toks, token{r: pr[i]})
		}
	}
	sr := []rune(s)
	// ok[j]: the tokens so far match sr[:j].
	ok := make([]bool, len(sr)+1)
	ok[0] = true
	for _, t := range toks {
		next := make([]bool, len(sr)+1)
		for j := 0; j <= len(sr); j++ {
			switch {
			case t.run:
				next[j] = ok[j] || (j > 0 && next[j-1])
			case j > 0 && (t.any || t.r == sr[j-1]):
				next[j] = ok[j-1]
			}
		}
		ok = next
	}
	return ok[len(sr)]
}

// like answers as SQL LIKE's definition does, on random texts and patterns
// over a small alphabet (so that matches are frequent), wildcards, escapes,
// multi-byte characters and bytes that are not UTF-8 included.
func TestLikeMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	textAlphabet := []string{"a", "b", "a", "b", "%", "_", `\`, "é", "ß", "\xff"}
	patternAlphabet := []string{"a", "b", "%", "%", "_", "_", `\`, "é", "ß", "\xff"}
	gen := func(alphabet []string, max int) string {
		var b strings.Builder
		for n := rng.IntN(max + 1); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	// Long patterns of many _ take the scan across several 64-bit words.
	long := func() string {
		var b strings.Builder
		for n := 60 + rng.IntN(140); n > 0; n-- {
			b.WriteString([]string{"_", "a", "_", "b"}[rng.IntN(4)])
		}
		return b.String()
	}
	for i := 0; i < 50000; i++ {
		s, p := gen(textAlphabet, 12), gen(patternAlphabet, 8)
		if i%10 == 0 {
			s = gen([]string{"a", "b", "é"}, 300)
			p = "%" + long() + "%"
			if i%20 == 0 {
				p = "%" + s[len(s)/3:len(s)/3+len(s)/2] + "%"
				p = strings.ReplaceAll(p, "b", "_")
			}
		}
		if got, want := like(s, p), likeReference(s, p); got != want {
			t.Fatalf("like(%q, %q) = %v, want %v", s, p, got, want)
		}
	}
}

// Large filters against large pages answer in one pass over the page (a
// 20,000-character filter against a 200,000-character page took seconds
// when every mismatch backtracked over the text).
func TestLikeLargeInputs(t *testing.T) {
	t.Parallel()
	a20k, a200k := strings.Repeat("a", 20000), strings.Repeat("a", 200000)
	underscores := strings.Repeat("a_", 2000)
	percents := strings.Repeat("a%", 10000)
	tests := []struct {
		name, s, pattern string
		want             bool
	}{
		{"a literal that almost matches everywhere", a200k, "%" + a20k + "b%", false},
		{"a literal at the very end", a200k + "b", "%" + a20k + "b%", true},
		{"many %", a200k, "%" + percents + "b%", false},
		{"many % at the very end", a200k + "b", "%" + percents + "b%", true},
		{"many _ (a scan over 63 words)", a200k, "%" + underscores + "b%", false},
		{"many _ at the very end", a200k + "b", "%" + underscores + "b%", true},
	}
	for _, tc := range tests {
		if got := like(tc.s, tc.pattern); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// BenchmarkLikeLargeInputs is the cost of the largest filter against the
// largest page (the quadratic matcher it replaced took seconds; this one
// reads the page once): go test -run '^$' -bench LikeLarge ./emulator/imbox/
func BenchmarkLikeLargeInputs(b *testing.B) {
	page := strings.Repeat("a", 200000)
	pattern := "%" + strings.Repeat("a", 2000) + "b%"
	for b.Loop() {
		like(page, pattern)
	}
}
