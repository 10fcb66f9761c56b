package core

import "net/http"

// ControlRoute is one control-plane operation a vendor adds to shape data
// that its real API cannot create (a visitor chatting in a widget, an agent
// answering). The emulator mounts it at /_emulator/<vendor><Path>, behind the
// control plane's admin token, without journal or faults. Routes with the
// same Path share one mounted route that dispatches on the method and
// answers 405 for any other.
type ControlRoute struct {
	// Name is the operation ("startConversation"); the route is registered
	// as "control.<vendor>.<Name>".
	Name    string
	Methods []string // HTTP methods; at least one
	// Path is a gorilla/mux template relative to /_emulator/<vendor>,
	// starting with "/" ("/{sid}/conversations"). Path variables arrive
	// percent-encoded, as the router matches encoded paths.
	Path string
	// Handler answers with a *Response, or an error: an *APIError keeps its
	// status and message, a *ValidationError is a 400 listing its problems.
	Handler func(*http.Request) (*Response, error)
}

// ControlProvider is implemented by vendors that offer control-plane
// routes; the others need not know it exists.
type ControlProvider interface {
	ControlRoutes() []ControlRoute
}
