package imbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Helpers of TestDocExamples: comparing served JSON with the
// documentation's printed examples by shape and by value.

// cleanDocJSON removes what no server sends: // comments (outside
// strings) and the doubled comma of the chatStatistics example.
func cleanDocJSON(s string) string {
	var out strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			out.WriteByte(c)
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			out.WriteByte(c)
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			out.WriteByte('\n')
		default:
			out.WriteByte(c)
		}
	}
	return strings.ReplaceAll(out.String(), ",,", ",")
}

// member is one key of an object, in order.
type member struct {
	Key   string
	Value any
}

// orderedJSON decodes JSON keeping object key order: objects become
// []member, arrays []any, numbers json.Number.
func orderedJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err == nil && dec.More() {
		err = fmt.Errorf("trailing data")
	}
	return v, err
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		if d == '{' {
			obj := []member{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{Key: k.(string), Value: v})
			}
			_, err := dec.Token()
			return obj, err
		}
		arr := []any{}
		for dec.More() {
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	default:
		return tok, nil
	}
}

// sameShape reports whether got has the documented shape: objects with the
// same keys in the same order, the same JSON type for every value, and
// every array element shaped like one of the documented elements (the
// chatStatistics example lists its second row's keys in another order;
// rows follow the first).
func sameShape(doc, got any) bool {
	switch d := doc.(type) {
	case []member:
		g, ok := got.([]member)
		if !ok || len(g) != len(d) {
			return false
		}
		for i := range d {
			if d[i].Key != g[i].Key || !sameShape(d[i].Value, g[i].Value) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			return false
		}
		for _, ge := range g {
			found := false
			for _, de := range d {
				if sameShape(de, ge) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	default:
		return kind(doc) == kind(got)
	}
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []member:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// shape renders a value's shape for failure messages.
func shape(v any) string {
	var b bytes.Buffer
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case []member:
			b.WriteByte('{')
			for i, m := range t {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(m.Key + ":")
				walk(m.Value)
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range t {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(e)
			}
			b.WriteByte(']')
		default:
			b.WriteString(kind(v))
		}
	}
	walk(v)
	return b.String()
}
