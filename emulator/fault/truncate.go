package fault

import (
	"net/http"
)

// truncateAction sends the real answer's status and headers (with the full
// Content-Length) and only its first Bytes body bytes, then closes the
// connection: the client sees an unexpected EOF in the body.
func truncateAction(a *Action) action {
	return func(x *request) bool {
		c := capture(x)
		body := c.body.Bytes()
		n := min(a.Bytes, len(body))
		c.writeHead(x.w)
		_, _ = x.w.Write(body[:n])
		_ = http.NewResponseController(x.w).Flush()
		panic(http.ErrAbortHandler)
	}
}
