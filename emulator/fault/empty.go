package fault

import "net/http"

// emptyAction closes the connection without writing anything: the client
// sees an empty reply (EOF before any status line).
func emptyAction(*request) bool {
	panic(http.ErrAbortHandler)
}
