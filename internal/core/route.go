package core

import "net/http"

// HandlerFunc answers one decoded request. It returns a *Response, or an
// error: an *APIError is rendered by the vendor, anything else becomes the
// vendor's internal error.
type HandlerFunc func(*Request) (*Response, error)

// AuthFunc checks a request's credentials before its handler runs and may
// set Request.Tenant. It returns an *APIError to refuse the request.
type AuthFunc func(*Request) error

// Route is one named vendor operation.
type Route struct {
	Name    string   // "<vendor>.<operation>", unique
	Methods []string // HTTP methods; empty means any
	Path    string   // a Router template, absolute ("/imbachat/v2/{imba_id}/get_rooms")
	Auth    AuthFunc // optional
	// Dispatch, when set, makes the route an entry point: it names the
	// operation the request asks for (a Bitrix24 method), returning the
	// route that serves it, or nil for an unknown operation (the vendor's
	// not-found answer). It runs before the journal and faults see the
	// request, so they key on the operation's name.
	Dispatch func(r *http.Request, vars map[string]string) *Route
	Handler  HandlerFunc
}
