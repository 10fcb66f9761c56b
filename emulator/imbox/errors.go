package imbox

import (
	"fmt"
	"net/http"

	"github.com/chatemu/chatemu/internal/core"
)

// errorBody is the emulator's ImBox error envelope. The vendor documents
// no error at all; this mirrors its success envelope ({"result":"success",
// ...}) with "result":"error" and a message, the HTTP status telling the
// kind (docs/fidelity.md, "ImBox errors").
type errorBody struct {
	Result  string `json:"result"`
	Message string `json:"message"`
}

// renderError renders every error, real or injected, in the envelope above.
func renderError(req *core.Request, e *core.APIError) *core.Response {
	status, msg := e.Status, e.Message
	switch e.Kind {
	case core.KindNotFound:
		status, msg = http.StatusNotFound, "Cannot "+requestLine(req)
	case core.KindMethodNotAllowed:
		status, msg = http.StatusMethodNotAllowed, "Cannot "+requestLine(req)+": this endpoint only answers GET"
	case core.KindMalformed:
		status = http.StatusBadRequest
	case core.KindTooLarge:
		status = http.StatusRequestEntityTooLarge
	case core.KindInternal:
		status, msg = http.StatusInternalServerError, "Internal server error"
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return core.JSON(status, errorBody{Result: "error", Message: msg})
}

func requestLine(req *core.Request) string {
	if req == nil || req.HTTP == nil {
		return "serve this request"
	}
	return req.HTTP.Method + " " + req.HTTP.URL.EscapedPath()
}

// Error codes, kept in the request journal (the body carries the message).
const (
	codeInvalidKey   = "invalid_api_key"
	codeWrongUser    = "user_mismatch"
	codeBadRequest   = "bad_request"
	codeNotFound     = "not_found"
	codeSpanTooLong  = "span_too_long"
	codeConflict     = "conflict"
	invalidKeyReason = "Invalid apiKey"
)

// errInvalidKey answers an API key no account has.
func errInvalidKey() *core.APIError {
	return core.VendorError(http.StatusUnauthorized, codeInvalidKey, invalidKeyReason)
}

// errWrongUser answers a valid API key sent with another account's userId.
func errWrongUser(userID string) *core.APIError {
	return core.VendorError(http.StatusForbidden, codeWrongUser,
		fmt.Sprintf("apiKey does not belong to userId %s", userID))
}

// errBadRequest answers a parameter the API cannot take.
func errBadRequest(format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusBadRequest, codeBadRequest, fmt.Sprintf(format, args...))
}

// errInvalid answers a parameter value of the wrong form.
func errInvalid(name, value, expected string) *core.APIError {
	return errBadRequest("Invalid %s %q: expected %s", name, value, expected)
}

// errRequired answers a missing required parameter.
func errRequired(name string) *core.APIError {
	return errBadRequest("%s is required", name)
}

// errSpanTooLong answers a chatStatistics window over the documented
// maximum of 365 days.
func errSpanTooLong() *core.APIError {
	return core.VendorError(http.StatusBadRequest, codeSpanTooLong,
		"chatStatistics covers at most 365 days per request")
}

// errConversationNotFound answers an id the account has no conversation by.
func errConversationNotFound(id string) *core.APIError {
	return core.VendorError(http.StatusNotFound, codeNotFound, fmt.Sprintf("Conversation %s not found", id))
}

// errAgentNotFound answers an id the account has no agent by.
func errAgentNotFound(id string) *core.APIError {
	return core.VendorError(http.StatusNotFound, codeNotFound, fmt.Sprintf("Agent %s not found", id))
}

// errConflict answers a control-plane request that would duplicate data.
func errConflict(format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusConflict, codeConflict, fmt.Sprintf(format, args...))
}
