package fault

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// statusAction answers with any status, headers and body. A JSON string
// body is sent as its text; any other JSON value is sent as JSON.
func statusAction(a *Action) (action, error) {
	var body []byte
	contentType := ""
	if len(a.Body) > 0 && !bytes.Equal(a.Body, []byte("null")) {
		var text string
		if err := json.Unmarshal(a.Body, &text); err == nil {
			body, contentType = []byte(text), "text/plain; charset=utf-8"
		} else {
			body, contentType = a.Body, "application/json; charset=utf-8"
		}
	}
	return func(x *request) bool {
		h := x.w.Header()
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		for k, v := range a.Headers {
			h.Set(k, v)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		x.w.WriteHeader(a.Status)
		_, _ = x.w.Write(body)
		return true
	}, nil
}
