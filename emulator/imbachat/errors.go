package imbachat

import (
	"fmt"
	"net/http"

	"github.com/chatemu/chatemu/internal/core"
)

// errorBody is ImbaChat's error envelope. The vendor documents only that a
// missing required parameter answers "an error with code 422 and a message";
// the emulator uses the house envelope of imba_rooms with the HTTP status
// equal to "code" (docs/fidelity.md, "ImbaChat errors").
type errorBody struct {
	Success bool   `json:"success"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    []any  `json:"data"`
}

// renderError renders every error, real or injected, in the envelope above.
func renderError(_ *core.Request, e *core.APIError) *core.Response {
	status := e.Status
	msg := e.Message
	switch e.Kind {
	case core.KindNotFound:
		status, msg = http.StatusNotFound, "Not found: "+e.Message
	case core.KindInternal:
		status, msg = http.StatusInternalServerError, "Server error"
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return core.JSON(status, errorBody{Success: false, Code: status, Message: msg, Data: []any{}})
}

// errRequired is the documented 422 for a missing required parameter.
func errRequired(name string) *core.APIError {
	return core.VendorError(http.StatusUnprocessableEntity, "422",
		fmt.Sprintf("The %s parameter is required", name))
}

// errInvalid is a 422 for a parameter with a value the API does not take.
func errInvalid(name, format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusUnprocessableEntity, "422",
		fmt.Sprintf("The %s parameter is invalid: %s", name, fmt.Sprintf(format, args...)))
}

// errUnauthorized asks for Basic credentials, as ImbaChat's own sample
// servers do.
func errUnauthorized(msg string) *core.APIError {
	return core.VendorError(http.StatusUnauthorized, "401", msg).
		WithHeader("WWW-Authenticate", `Basic realm="Backend"`)
}

func errForbidden(msg string) *core.APIError {
	return core.VendorError(http.StatusForbidden, "403", msg)
}

func errNotFound(format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusNotFound, "404", fmt.Sprintf(format, args...))
}
