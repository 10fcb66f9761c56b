package fault

import (
	"bytes"
	"net/http"
)

// captured is the real answer, produced into memory so that an action can
// alter it before it goes out.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}
func (c *captured) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// capture runs the real operation into memory.
func capture(x *request) *captured {
	c := &captured{header: http.Header{}}
	x.serve(c)
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c
}

// writeHead copies the captured headers and status to the client.
func (c *captured) writeHead(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range c.header {
		h[k] = vs
	}
	w.WriteHeader(c.status)
}
