package bitrix24

import (
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
