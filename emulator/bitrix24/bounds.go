package bitrix24

import (
	"fmt"
	"unicode/utf8"
)

// The sizes of the columns a portal keeps the strings it is given in
// (Bitrix\Im\Model\ChatTable and the other ORM tables: string(N) is a
// VARCHAR(N) counted in characters, text a MySQL TEXT of 65,535 bytes).
// A portal cuts chat titles itself (mb_substr($title, 0, 255)), refuses a
// chat whose entity binding is longer than its column (the ORM's Length
// validator: the chat is not created) and, on MySQL without strict mode as
// Bitrix runs it, cuts TEXT values at the column's size. docs/fidelity.md
// and docs/reliability.md list what each string gets.
const (
	titleChars      = 255   // b_im_chat.TITLE
	entityTypeChars = 50    // b_im_chat.ENTITY_TYPE
	entityChars     = 255   // b_im_chat.ENTITY_ID, ENTITY_DATA_1..3
	textBytes       = 65535 // TEXT: chat descriptions, messages, greetings
	nameChars       = 50    // b_user.NAME, LAST_NAME: users and bots
)

// cutChars is PHP's mb_substr($s, 0, n).
func cutChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// cutBytes is what a TEXT column of n bytes keeps of s: the whole
// characters that fit.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// longerThan reports whether s has more than n characters.
func longerThan(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

// Bounds of the strings fixtures, seeds and snapshots give, which are
// refused whole past them (never cut: a test's data should say what it
// means). Credentials, domains and codes are held to 255 characters.
const (
	credentialChars = 255 // webhook codes, client ids and secrets, tokens, scopes, domains, member ids
	botCodeChars    = 50  // b_im_bot.CODE
	lineNameChars   = 255 // b_imopenlines_config.LINE_NAME
	colorChars      = 255 // b_im_chat.COLOR
	// attachBytes bounds a stored ATTACH or KEYBOARD: 60,000 characters
	// of the server's JSON (what strict portals take) at 4 bytes each.
	attachBytes = 240000
	// avatarBytes is the most image an 8 MiB request carries in base64.
	avatarBytes = 6 << 20
)

// textField is a stored string and its bound: max characters, or max
// bytes when bytes is set.
type textField struct {
	name  string // the field's JSON name
	value string
	max   int
	bytes bool
}

func chars(name, value string, n int) textField { return textField{name: name, value: value, max: n} }
func octets(name, value string, n int) textField {
	return textField{name: name, value: value, max: n, bytes: true}
}

// problem says how the value passes its bound, "" when it does not.
func (f textField) problem() string {
	if f.bytes {
		if len(f.value) > f.max {
			return fmt.Sprintf("at most %d bytes, got %d", f.max, len(f.value))
		}
		return ""
	}
	if longerThan(f.value, f.max) {
		return fmt.Sprintf("at most %d characters, got %d", f.max, utf8.RuneCountInString(f.value))
	}
	return ""
}

// overBound is the first field past its bound, as an error naming it.
func overBound(fields ...textField) error {
	for _, f := range fields {
		if p := f.problem(); p != "" {
			return fmt.Errorf("%s: %s", f.name, p)
		}
	}
	return nil
}
