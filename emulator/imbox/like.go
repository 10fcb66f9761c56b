package imbox

import (
	"strings"
	"unicode/utf8"
)

// likePattern is an SQL LIKE pattern (% any run of characters, _ one
// character, a backslash takes the next character literally) compiled for
// matching in one pass over the text. The pattern is split at its
// unescaped % into segments of fixed length; the first must begin the
// text, the last must end it, and the ones between are each found at
// their leftmost place after the one before (the leftmost place never
// loses a match, since what follows a % may start anywhere later). So
// the text is read once: a segment without _ is searched with
// strings.Index, one with _ by a bit-parallel scan costing one step per
// text character and 64 pattern characters.
type likePattern struct {
	// segments are the runs between unescaped %; len 1 when there is none.
	segments []likeSegment
}

// likeSegment is a run of pattern characters without %.
type likeSegment struct {
	tokens []rune // the characters; anyChar stands for _
	// literal is the segment's text when it has no _ (searched as bytes).
	literal  string
	wildcard bool // the segment has a _
	// masks is, per character of the segment, the bitset of the token
	// positions it may take (its own positions and every _); other
	// characters take the _ positions only (anyMask).
	masks   map[rune][]uint64
	anyMask []uint64
}

// anyChar marks a _ among a segment's tokens: a value no rune decoded from
// a string can have.
const anyChar rune = -1

// compileLike parses an SQL LIKE pattern.
func compileLike(pattern string) *likePattern {
	p := &likePattern{}
	var cur []rune
	flush := func() { p.segments = append(p.segments, newLikeSegment(cur)); cur = nil }
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		i += n
		switch {
		case r == '%':
			flush()
		case r == '_':
			cur = append(cur, anyChar)
		case r == '\\' && i < len(pattern):
			r, n = utf8.DecodeRuneInString(pattern[i:])
			i += n
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return p
}

func newLikeSegment(tokens []rune) likeSegment {
	s := likeSegment{tokens: tokens}
	var b strings.Builder
	for _, t := range tokens {
		if t == anyChar {
			s.wildcard = true
			break
		}
		b.WriteRune(t)
	}
	if !s.wildcard {
		s.literal = b.String()
		return s
	}
	words := (len(tokens) + 63) / 64
	s.anyMask = make([]uint64, words)
	for i, t := range tokens {
		if t == anyChar {
			s.anyMask[i/64] |= 1 << (i % 64)
		}
	}
	s.masks = map[rune][]uint64{}
	for i, t := range tokens {
		if t == anyChar {
			continue
		}
		m, ok := s.masks[t]
		if !ok {
			m = append([]uint64(nil), s.anyMask...)
			s.masks[t] = m
		}
		m[i/64] |= 1 << (i % 64)
	}
	return s
}

// match reports whether the whole of text matches the pattern. Bytes that
// are not UTF-8 are each one character (U+FFFD), as in the pattern.
func (p *likePattern) match(text string) bool {
	if !utf8.ValidString(text) {
		text = strings.Map(func(r rune) rune { return r }, text)
	}
	segs := p.segments
	if len(segs) == 1 {
		end, ok := segs[0].prefix(text)
		return ok && end == len(text)
	}
	start, ok := segs[0].prefix(text)
	if !ok {
		return false
	}
	last := &segs[len(segs)-1]
	end := len(text)
	for range last.tokens {
		if end <= start {
			return false
		}
		_, n := utf8.DecodeLastRuneInString(text[:end])
		end -= n
	}
	if e, ok := last.prefix(text[end:]); !ok || end+e != len(text) {
		return false
	}
	for i := 1; i < len(segs)-1; i++ {
		e := segs[i].index(text[start:end])
		if e < 0 {
			return false
		}
		start += e
	}
	return true
}

// prefix matches the segment at the start of text; end is where the
// match ends.
func (s *likeSegment) prefix(text string) (end int, ok bool) {
	if !s.wildcard {
		return len(s.literal), strings.HasPrefix(text, s.literal)
	}
	for _, t := range s.tokens {
		if end >= len(text) {
			return 0, false
		}
		r, n := utf8.DecodeRuneInString(text[end:])
		if t != anyChar && t != r {
			return 0, false
		}
		end += n
	}
	return end, true
}

// index finds the segment's leftmost match in text and returns where it
// ends, or -1.
func (s *likeSegment) index(text string) int {
	if !s.wildcard {
		i := strings.Index(text, s.literal)
		if i < 0 {
			return -1
		}
		return i + len(s.literal)
	}
	// Shift-And: bit i of state is set when the segment's first i+1
	// tokens match the text ending at the current character.
	k := len(s.tokens)
	state := make([]uint64, len(s.anyMask))
	top, topBit := (k-1)/64, uint64(1)<<((k-1)%64)
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		mask, ok := s.masks[r]
		if !ok {
			mask = s.anyMask
		}
		carry := uint64(1) // a match may start at every character
		for w := range state {
			next := state[w] >> 63
			state[w] = (state[w]<<1 | carry) & mask[w]
			carry = next
		}
		if state[top]&topBit != 0 {
			return i
		}
	}
	return -1
}

// like matches s against an SQL LIKE pattern: % is any run of characters,
// _ one character, a backslash takes the next character literally.
func like(s, pattern string) bool { return compileLike(pattern).match(s) }
