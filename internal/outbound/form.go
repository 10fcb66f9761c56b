package outbound

import "strconv"

// Form is an ordered form body as PHP's http_build_query builds it, the way
// Bitrix24 encodes events: nested keys in brackets ("data[PARAMS][MESSAGE]"),
// every scalar a string, true and false as "1" and "0", and nil values and
// empty nested forms left out entirely. Fields keep the order they were set
// in, as PHP arrays do.
type Form struct {
	fields []field
	// seen has bit nameBit(name) set for every field name: a name whose bit
	// is clear is new, so Set appends it without scanning (events set most
	// fields once).
	seen uint64
}

// nameBit is a name's bit in Form.seen.
func nameBit(name string) uint64 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return 1 << (h % 64)
}

type field struct {
	name  string
	value any
}

// Set adds or replaces a field. value is a string, an integer, a float, a
// bool, nil (left out) or a *Form (a nested array).
func (f *Form) Set(name string, value any) *Form {
	bit := nameBit(name)
	if f.seen&bit != 0 {
		for i := range f.fields {
			if f.fields[i].name == name {
				f.fields[i].value = value
				return f
			}
		}
	}
	f.seen |= bit
	f.fields = append(f.fields, field{name, value})
	return f
}

// Get returns a field's value, nil when unset.
func (f *Form) Get(name string) any {
	if f.seen&nameBit(name) == 0 {
		return nil
	}
	for _, fl := range f.fields {
		if fl.name == name {
			return fl.value
		}
	}
	return nil
}

// Sub returns the nested form under name, adding an empty one if unset.
func (f *Form) Sub(name string) *Form {
	if sub, ok := f.Get(name).(*Form); ok {
		return sub
	}
	sub := &Form{}
	f.Set(name, sub)
	return sub
}

// Len is the number of fields set.
func (f *Form) Len() int { return len(f.fields) }

// Encode returns the body: application/x-www-form-urlencoded, keys and
// values escaped as PHP's urlencode does. It writes into one buffer: a
// key's escaped prefix is shared by its nested fields.
func (f *Form) Encode() []byte {
	buf := make([]byte, 0, 1024)
	var key []byte
	return f.encode(buf, key)
}

func (f *Form) encode(buf, prefix []byte) []byte {
	for _, fl := range f.fields {
		key := prefix
		if len(prefix) > 0 {
			key = append(key, "%5B"...)
			key = appendPHPURLEncoded(key, fl.name)
			key = append(key, "%5D"...)
		} else {
			key = appendPHPURLEncoded(key, fl.name)
		}
		if sub, ok := fl.value.(*Form); ok {
			if sub != nil {
				buf = sub.encode(buf, key)
			}
			continue
		}
		if fl.value == nil {
			continue
		}
		if len(buf) > 0 {
			buf = append(buf, '&')
		}
		buf = append(buf, key...)
		buf = append(buf, '=')
		buf = appendScalar(buf, fl.value)
	}
	return buf
}

// appendScalar appends a non-nil value as http_build_query writes it.
func appendScalar(buf []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendPHPURLEncoded(buf, x)
	case bool:
		if x {
			return append(buf, '1')
		}
		return append(buf, '0')
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	}
	s, _ := scalar(v)
	return appendPHPURLEncoded(buf, s)
}

// scalar is a value as http_build_query writes it; false for nil.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case interface{ String() string }:
		return x.String(), true
	}
	return "", false
}

// appendPHPURLEncoded appends s escaped as PHP's urlencode does: letters,
// digits and "-_." stay, a space becomes "+", every other byte "%XX" in
// upper case.
func appendPHPURLEncoded(buf []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			buf = append(buf, c)
		case c == ' ':
			buf = append(buf, '+')
		default:
			buf = append(buf, '%', hex[c>>4], hex[c&15])
		}
	}
	return buf
}
