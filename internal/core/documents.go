package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// DocumentChecker is implemented by vendors that can tell whether a stored
// document is one of theirs they can read: its key has a shape the vendor
// writes and its value decodes into the type stored under it. State
// snapshots are checked with it before they are imported and data files
// when they are opened, so that a hand-edited or damaged document is
// refused up front, naming its key, rather than failing requests later.
type DocumentChecker interface {
	CheckDocument(key string, raw []byte) error
}

// ErrUnknownDocument is a key no vendor writes.
var ErrUnknownDocument = errors.New("not a key the vendor writes")

// DocumentAs checks that raw decodes into a T: a JSON object for a struct,
// an array for a slice (null is neither).
func DocumentAs[T any](raw []byte) error {
	var v T
	want := byte('{')
	if reflect.TypeOf(v).Kind() == reflect.Slice {
		want = '['
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != want {
		return fmt.Errorf("want a JSON %s", map[byte]string{'{': "object", '[': "array"}[want])
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%s: JSON %s, want %s", te.Field, te.Value, te.Type)
		}
		return err
	}
	return nil
}

// KeyID parses the zero-padded id Key writes ("000000001854"; longer for
// ids of more than 12 digits).
func KeyID(s string) (int64, bool) {
	if len(s) < 12 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// Key builds "<vendor>:<kind>:<id padded to 12 digits>", the key of a
// stored document, so that keys sort by id.
func Key(vendor, kind string, id int64) string {
	return fmt.Sprintf("%s:%s:%012d", vendor, kind, id)
}
