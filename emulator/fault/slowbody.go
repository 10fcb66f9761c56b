package fault

import (
	"net/http"
	"time"
)

// slowBodyAction sends the real answer's status and headers at once, then
// dribbles its body out in small pieces spread over Duration.
func slowBodyAction(a *Action) action {
	return func(x *request) bool {
		c := capture(x)
		body := c.body.Bytes()
		c.writeHead(x.w)
		rc := http.NewResponseController(x.w)
		_ = rc.Flush()
		pieces := min(len(body), 20)
		if pieces == 0 {
			return true
		}
		gap := time.Duration(a.Duration) / time.Duration(pieces)
		size := (len(body) + pieces - 1) / pieces
		for off := 0; off < len(body); off += size {
			if off > 0 && !x.eng.wait(x, gap) {
				return true // the client went away
			}
			_, _ = x.w.Write(body[off:min(off+size, len(body))])
			_ = rc.Flush()
		}
		return true
	}
}
