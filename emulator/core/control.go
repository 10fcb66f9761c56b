package core

import "net/http"

// ControlRoute is one route a vendor adds to the control plane, under
// /_emulator/<vendor>/: views of its state and actions that play the
// vendor's own UI (a person writing to an open line). Control routes are
// never journaled or faulted, and follow the control plane's admin token
// and error format (an *APIError's Status and Message).
type ControlRoute struct {
	Name    string // "<vendor>.<what>", unique; mounted as "control.<Name>"
	Method  string // GET, POST, ...
	Path    string // gorilla/mux template relative to /_emulator/<vendor>, "/portals/{portal}/chats/{id}"
	Handler func(r *http.Request, vars map[string]string) (*Response, error)
}

// ControlProvider is implemented by vendors that offer control routes.
type ControlProvider interface {
	ControlRoutes() []ControlRoute
}
