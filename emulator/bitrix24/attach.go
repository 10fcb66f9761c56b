package bitrix24

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/core"
)

// Size limits of ATTACH and KEYBOARD: the documentation's 30 KB, or on a
// strict portal the server code's 60,000 characters of JSON.
const (
	docAttachLimit    = 30 * 1024
	strictAttachLimit = 60000
)

// oversize reports whether an ATTACH or KEYBOARD is over the portal's
// limit: above 30 KB of JSON by the documentation, or on a strict portal
// not shorter than 60,000 characters of the server's own JSON text
// (Bitrix\Main\Web\Json::encode: slashes and quotes escaped, Unicode raw).
func oversize(p *portal, data any) bool {
	if !p.Strict {
		return encodedSize(data) > docAttachLimit
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return false
	}
	return utf8.RuneCount(phpEscape(raw)) >= strictAttachLimit
}

// plainParam turns a parameter into JSON data: a tree with keys 0..n-1
// becomes a list, other trees objects; a string holding JSON (an object or
// a list) is decoded, as CUtil::JsObjectToPhp does.
func plainParam(v *core.Value) any {
	if v == nil {
		return nil
	}
	if !v.IsTree() {
		if s, ok := v.Scalar().(string); ok {
			t := strings.TrimSpace(s)
			if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
				dec := json.NewDecoder(strings.NewReader(t))
				dec.UseNumber()
				var out any
				if dec.Decode(&out) == nil {
					return out
				}
			}
		}
		return v.Scalar()
	}
	keys := v.Keys()
	isList := true
	for i, k := range keys {
		if k != strconv.Itoa(i) {
			isList = false
			break
		}
	}
	if isList {
		out := make([]any, 0, len(keys))
		for _, k := range keys {
			out = append(out, plainParam(v.Lookup(k)))
		}
		return out
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		out[k] = plainParam(v.Lookup(k))
	}
	return out
}

// encodedSize is the length of data's JSON text.
func encodedSize(data any) int {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(data) != nil {
		return 0
	}
	return b.Len() - 1
}

// itemsOf is the list a structured parameter holds: {key: [...]} or the
// bare list.
func itemsOf(data any, key string) ([]any, bool) {
	switch t := data.(type) {
	case map[string]any:
		list, ok := t[key].([]any)
		return list, ok
	case []any:
		return t, true
	}
	return nil, false
}

// attachBlocks are the block kinds an attachment may hold.
var attachBlocks = []string{"MESSAGE", "LINK", "USER", "GRID", "IMAGE", "FILE", "DELIMITER"}

// validAttach reports whether data is an attachment the server accepts
// (CIMMessageParamAttach::GetAttachByJson): {"BLOCKS": [...]} (with ID,
// COLOR or COLOR_TOKEN beside it) or the bare list of blocks, with at least
// one well-formed block.
func validAttach(data any) bool {
	blocks, ok := itemsOf(data, "BLOCKS")
	if !ok {
		return false
	}
	good := 0
	for _, b := range blocks {
		if m, ok := b.(map[string]any); ok && validBlock(m) {
			good++
		}
	}
	return good > 0
}

func validBlock(b map[string]any) bool {
	for _, kind := range attachBlocks {
		v, ok := b[kind]
		if !ok {
			continue
		}
		switch kind {
		case "MESSAGE":
			s, ok := v.(string)
			return ok && strings.TrimSpace(s) != ""
		case "DELIMITER":
			return true
		case "USER":
			m, ok := v.(map[string]any)
			return ok && nonEmptyString(m["NAME"])
		case "GRID":
			return everyItem(v, func(m map[string]any) bool { return nonEmptyString(m["NAME"]) || nonEmptyString(m["VALUE"]) })
		default: // LINK, IMAGE, FILE: one item or a list, each with a usable LINK
			return everyItem(v, func(m map[string]any) bool { return validLink(m["LINK"]) })
		}
	}
	return false
}

// everyItem applies ok to an object or to every object of a non-empty list.
func everyItem(v any, ok func(map[string]any) bool) bool {
	switch t := v.(type) {
	case map[string]any:
		return ok(t)
	case []any:
		if len(t) == 0 {
			return false
		}
		for _, e := range t {
			m, isMap := e.(map[string]any)
			if !isMap || !ok(m) {
				return false
			}
		}
		return true
	}
	return false
}

func nonEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) != ""
}

// validLink accepts absolute http(s) links and portal-relative paths.
func validLink(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	s = strings.TrimSpace(s)
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") && len(s) > 7 || strings.HasPrefix(l, "https://") && len(s) > 8 ||
		strings.HasPrefix(s, "/") && len(s) > 1
}

// keyboardButtons returns a KEYBOARD's buttons: {"BUTTONS": [...]}, or a
// bare list the server wraps in BUTTONS.
func keyboardButtons(data any) ([]any, bool) { return itemsOf(data, "BUTTONS") }

// validKeyboard reports whether data is a keyboard the server accepts
// (Im\Bot\Keyboard::getKeyboardByJson): at least one button with TEXT and
// an action (LINK, COMMAND, ACTION, APP_ID or FUNCTION), NEWLINE
// separators aside, and no malformed button.
func validKeyboard(data any) bool {
	buttons, ok := keyboardButtons(data)
	if !ok {
		return false
	}
	good := 0
	for _, b := range buttons {
		m, isMap := b.(map[string]any)
		if !isMap {
			return false
		}
		if t, _ := m["TYPE"].(string); strings.EqualFold(t, "NEWLINE") {
			continue
		}
		if !nonEmptyString(m["TEXT"]) {
			return false
		}
		switch {
		case m["LINK"] != nil:
			if !validLink(m["LINK"]) {
				return false
			}
		case nonEmptyString(m["COMMAND"]), nonEmptyString(m["ACTION"]), m["APP_ID"] != nil, nonEmptyString(m["FUNCTION"]):
		default:
			return false
		}
		good++
	}
	return good > 0
}
