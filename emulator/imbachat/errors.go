package imbachat

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
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

// serverError is the text of every 500.
const serverError = "Server error"

// renderError renders every error, real or injected, in the envelope above.
func renderError(_ *core.Request, e *core.APIError) *core.Response {
	status := e.Status
	msg := e.Message
	switch e.Kind {
	case core.KindNotFound:
		status, msg = http.StatusNotFound, "Not found: "+e.Message
	case core.KindInternal:
		status, msg = http.StatusInternalServerError, serverError
		if errors.Is(e.Cause, state.ErrSequenceExhausted) {
			msg = serverError + ": " + e.Message // the reason, not a secret
		}
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

// authenticateRequired is ImbaChat's own sample servers' text for a request
// without credentials.
const authenticateRequired = "Authenticate required!"

// errUnauthorized asks for Basic credentials, as ImbaChat's own sample
// servers do.
func errUnauthorized(msg string) *core.APIError {
	return core.VendorError(http.StatusUnauthorized, "401", msg).
		WithHeader("WWW-Authenticate", `Basic realm="Backend"`)
}

// errForbidden refuses credentials or an action that are not allowed.
func errForbidden(msg string) *core.APIError {
	return core.VendorError(http.StatusForbidden, "403", msg)
}

// errNotFound names what a request asked for that does not exist.
func errNotFound(format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusNotFound, "404", fmt.Sprintf(format, args...))
}

// errTooManyAttempts is the emulator's rate limit answer: ImbaChat documents
// none, so it is Laravel's throttle text in the vendor's envelope.
func errTooManyAttempts() *core.APIError {
	return core.VendorError(http.StatusTooManyRequests, "429", "Too Many Attempts.")
}

// errStatus is the error a fault scenario injects by its status code: the
// real error of that status where ImbaChat has one, built by the same
// constructor, so that it carries the same text and headers (401 asks for
// Basic credentials as a real 401 does); other statuses get the vendor's
// envelope with the status's standard text.
func errStatus(status int) *core.APIError {
	code := strconv.Itoa(status)
	switch status {
	case http.StatusUnauthorized:
		return errUnauthorized(authenticateRequired)
	case http.StatusForbidden:
		return errForbidden(http.StatusText(status))
	case http.StatusNotFound:
		return errNotFound("%s", http.StatusText(status))
	case http.StatusMethodNotAllowed:
		// Every ImbaChat route takes POST only, as a real 405 says.
		return core.VendorError(status, code, http.StatusText(status)).WithHeader("Allow", http.MethodPost)
	case http.StatusUnprocessableEntity:
		return core.VendorError(status, code, "The given data was invalid.")
	case http.StatusTooManyRequests:
		return errTooManyAttempts()
	case http.StatusInternalServerError:
		return core.VendorError(status, code, serverError)
	case http.StatusServiceUnavailable:
		return core.VendorError(status, code, "Service Unavailable")
	}
	return core.VendorError(status, code, http.StatusText(status))
}

// errIDsExhausted is the 500 of a create whose id sequence stands at the
// top of int64: ImbaChat's "Server error", with the reason.
func errIDsExhausted(kind string, top int64) *core.APIError {
	e := core.VendorError(http.StatusInternalServerError, "500",
		fmt.Sprintf("%s: no %s ids are left above the highest stored one, %d", serverError, kind, top))
	e.Cause = state.ErrSequenceExhausted
	return e
}
