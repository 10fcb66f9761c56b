package core

import (
	"fmt"
	"net/http"
)

// Kind says where an APIError came from, so that each vendor can render the
// vendor-neutral failures (a malformed body, an unknown route, a panic) in
// its own error format.
type Kind int

// Error kinds. KindVendor errors carry the vendor's own status and code;
// the others are raised by the core and mapped by each vendor's renderer.
const (
	KindVendor Kind = iota
	KindMalformed
	KindTooLarge
	KindNotFound
	KindMethodNotAllowed
	KindInternal
)

// APIError is an error a handler (or the core) answers with. Every APIError
// is rendered by the vendor's own error renderer, so an injected fault and a
// real error look the same to the client.
type APIError struct {
	Kind    Kind
	Status  int         // HTTP status
	Code    string      // the vendor's error code, if it has one
	Message string      // human-readable text
	Header  http.Header // extra response headers (WWW-Authenticate, Retry-After)
	Cause   error       // what went wrong underneath, for logs
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Message)
}

// Unwrap exposes the cause.
func (e *APIError) Unwrap() error { return e.Cause }

// VendorError builds a KindVendor error.
func VendorError(status int, code, message string) *APIError {
	return &APIError{Kind: KindVendor, Status: status, Code: code, Message: message}
}

// WithHeader returns e with a response header added.
func (e *APIError) WithHeader(name, value string) *APIError {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Add(name, value)
	return e
}

// Internal wraps an unexpected error (a store failure, a recovered panic).
func Internal(cause error) *APIError {
	return &APIError{Kind: KindInternal, Status: http.StatusInternalServerError,
		Message: "internal server error", Cause: cause}
}
