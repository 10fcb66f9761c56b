package bitrix24

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// args is a method's view of its parameters. Most imbot and imopenlines
// handlers upper-case their parameter names (PHP array_change_key_case), so
// names match case-insensitively; imopenlines.bot.session.transfer does not,
// and reads its names exactly.
type args struct {
	root  *core.Value
	exact bool
}

func foldArgs(root *core.Value) args  { return args{root: root} }
func exactArgs(root *core.Value) args { return args{root: root, exact: true} }

// value returns the parameter name, or nil when it was not sent.
func (a args) value(name string) *core.Value {
	if a.exact {
		return a.root.Lookup(name)
	}
	return a.root.LookupFold(name)
}

// isSet is PHP isset(): sent, and not a JSON null.
func (a args) isSet(name string) bool {
	v := a.value(name)
	return v != nil && (v.IsTree() || v.Scalar() != nil)
}

// str is PHP's string cast of a scalar parameter; an absent parameter or an
// array gives "".
func (a args) str(name string) string { return a.value(name).String() }

// intval is PHP intval() of a parameter.
func (a args) intval(name string) int64 { return intval(a.value(name)) }

// empty is PHP empty() of a parameter.
func (a args) empty(name string) bool { return phpEmpty(a.value(name)) }

// intval converts a value the way PHP's intval() does: leading white space
// and a sign are taken, then digits up to the first other character ("13abc"
// is 13, "abc" is 0); JSON numbers are truncated; true is 1; an array is 1
// when it has elements.
func intval(v *core.Value) int64 {
	if v == nil {
		return 0
	}
	if v.IsTree() {
		if v.Len() > 0 {
			return 1
		}
		return 0
	}
	switch s := v.Scalar().(type) {
	case bool:
		if s {
			return 1
		}
		return 0
	case json.Number:
		return intvalNumber(s)
	case string:
		return intvalString(s)
	default:
		return 0
	}
}

func intvalNumber(n json.Number) int64 {
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil && !math.IsNaN(f) && math.Abs(f) < 9.2e18 {
		return int64(f)
	}
	return 0
}

func intvalString(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == digits {
		return 0
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil { // out of range: PHP saturates
		if s[0] == '-' {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return n
}

// phpEmpty is PHP empty(): absent, null, false, 0, "", "0" and an empty
// array are empty.
func phpEmpty(v *core.Value) bool {
	if v == nil {
		return true
	}
	if v.IsTree() {
		return v.Len() == 0
	}
	switch s := v.Scalar().(type) {
	case nil:
		return true
	case bool:
		return !s
	case json.Number:
		f, err := s.Float64()
		return err == nil && f == 0
	case string:
		return s == "" || s == "0"
	}
	return false
}

// phpBool is PHP's (bool) cast: what halt and HIDE_HISTORY go through.
// The string "false" is true, as in PHP.
func phpBool(v *core.Value) bool { return !phpEmpty(v) }

// chatDialogID parses a "chatNNN" dialog id (Bitrix\Im\Common::isChatId):
// ok is false when the value is not of that form.
func chatDialogID(v *core.Value) (int64, bool) {
	s := v.String()
	if v == nil || v.IsTree() || len(s) < 5 || !strings.EqualFold(s[:4], "chat") {
		return 0, false
	}
	for _, c := range s[4:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s[4:], 10, 64)
	return n, err == nil
}

// userDialogID parses a dialog id naming a user ("12"): digits only.
func userDialogID(v *core.Value) (int64, bool) {
	s := v.String()
	if v == nil || v.IsTree() || s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// idList reads an id list parameter (USERS): an array, or a JSON text of an
// array as CUtil::JsObjectToPhp accepts. Zero and empty elements are
// dropped (array_filter); ok is false when an element is neither a number
// nor a string (a nested array or object).
func idList(v *core.Value) (ids []int64, ok bool) {
	if v == nil {
		return nil, true
	}
	if !v.IsTree() {
		s := strings.TrimSpace(v.String())
		if !strings.HasPrefix(s, "[") {
			return nil, true
		}
		var raw []any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, true
		}
		for _, e := range raw {
			switch t := e.(type) {
			case json.Number:
				if n := intvalNumber(t); n != 0 {
					ids = append(ids, n)
				}
			case string:
				if n := intvalString(t); t != "" && t != "0" {
					ids = append(ids, n)
				}
			case bool:
				if t {
					return nil, false // array_filter keeps true, which is neither int nor string
				}
			case nil:
			default:
				return nil, false
			}
		}
		return ids, true
	}
	for _, k := range v.SortedKeys() {
		c := v.Lookup(k)
		if c.IsTree() {
			return nil, false
		}
		if b, isBool := c.Scalar().(bool); isBool && b {
			return nil, false // array_filter keeps true, which is neither int nor string
		}
		if phpEmpty(c) {
			continue // array_filter drops false, null, 0, "" and "0"
		}
		ids = append(ids, intval(c))
	}
	return ids, true
}
