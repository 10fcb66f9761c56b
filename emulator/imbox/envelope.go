package imbox

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
)

// envelope is ImBox's success envelope: {"result":"success","json":[...],
// "length":N}. Length is left out where the documentation's example leaves
// it out (grabVisitorInfo, grabVisitorLabels, grabVisitorCards, grabAgent).
type envelope struct {
	Result string `json:"result"`
	JSON   any    `json:"json"`
	Length *int   `json:"length,omitempty"`
}

// success answers items with their count.
func success[T any](items []T) *core.Response {
	if items == nil {
		items = []T{}
	}
	n := len(items)
	return core.OK(envelope{Result: "success", JSON: items, Length: &n})
}

// successWithoutLength answers items without "length".
func successWithoutLength[T any](items []T) *core.Response {
	if items == nil {
		items = []T{}
	}
	return core.OK(envelope{Result: "success", JSON: items})
}

// encodedItems builds the envelope success and successWithoutLength
// render around items the model keeps encoded (encodeItem), which need no
// encoding again.
type encodedItems struct {
	b []byte
	n int
}

const encodedHead = `{"result":"success","json":[`

// grow makes room for items of size bytes in all (commas included).
func (l *encodedItems) grow(size int) {
	if l.b == nil {
		l.b = append(make([]byte, 0, len(encodedHead)+size+32), encodedHead...)
	}
}

// add appends one encoded item.
func (l *encodedItems) add(item json.RawMessage) {
	l.grow(len(item))
	if l.n > 0 {
		l.b = append(l.b, ',')
	}
	l.b = append(l.b, item...)
	l.n++
}

// response answers the items, with their count when withLength is set.
func (l *encodedItems) response(withLength bool) *core.Response {
	l.grow(0)
	if withLength {
		l.b = append(l.b, `],"length":`...)
		l.b = strconv.AppendInt(l.b, int64(l.n), 10)
	} else {
		l.b = append(l.b, ']')
	}
	return core.EncodedJSON(http.StatusOK, append(l.b, '}'))
}
