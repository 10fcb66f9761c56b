package fault

import (
	"net/http"
	"time"
)

// Bounds of a held request.
const (
	defaultHold = 30 * time.Second
	maxHold     = 10 * time.Minute
)

// timeoutAction holds the request without answering for Duration (30s by
// default, 10m at most), then closes the connection with no answer, as a
// vendor that never responds looks to a client with a longer timeout. The
// hold ends early when the client gives up or the emulator shuts down.
func timeoutAction(a *Action) action {
	hold := time.Duration(a.Duration)
	if hold <= 0 {
		hold = defaultHold
	}
	if hold > maxHold {
		hold = maxHold
	}
	return func(x *request) bool {
		x.eng.wait(x, hold)
		panic(http.ErrAbortHandler)
	}
}
