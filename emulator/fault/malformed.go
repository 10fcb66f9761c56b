package fault

import (
	"bytes"
	"strconv"
)

// malformedAction sends the real answer with a body that is no longer
// valid JSON, in the vendor docs' own style: a trailing comma before the
// closing brace ({"a":1,}).
func malformedAction(x *request) bool {
	c := capture(x)
	body := breakJSON(c.body.Bytes())
	c.header.Set("Content-Length", strconv.Itoa(len(body)))
	c.writeHead(x.w)
	_, _ = x.w.Write(body)
	return true
}

func breakJSON(body []byte) []byte {
	t := bytes.TrimRight(body, " \r\n\t")
	if n := len(t); n > 0 && (t[n-1] == '}' || t[n-1] == ']') {
		return append(append(append([]byte{}, t[:n-1]...), ','), t[n-1])
	}
	return append(append([]byte{}, t...), ',')
}
