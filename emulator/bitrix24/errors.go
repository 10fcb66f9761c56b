package bitrix24

import (
	"errors"
	"net/http"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// errorBody is Bitrix24's error envelope. Error bodies carry no "time"
// block (reference §3).
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// renderError renders every error, real or injected, as Bitrix24 does:
// {"error","error_description"} with the status of the failure.
func renderError(_ *core.Request, e *core.APIError) *core.Response {
	status, code, text := e.Status, e.Code, e.Message
	switch e.Kind {
	case core.KindNotFound, core.KindMethodNotAllowed:
		status, code, text = http.StatusNotFound, "ERROR_METHOD_NOT_FOUND", "Method not found!"
	case core.KindInternal:
		status, code, text = http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal server error"
		if errors.Is(e.Cause, state.ErrSequenceExhausted) {
			text += ": " + e.Message // the reason, not a secret
		}
	case core.KindTooLarge:
		status, code = http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"
	case core.KindMalformed:
		status, code = http.StatusBadRequest, "ERROR_ARGUMENT"
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if code == "" {
		code = "ERROR_CORE"
	}
	return encode(status, errorBody{Error: code, ErrorDescription: text})
}

// methodError is a method's own error: 400 unless the method says 403.
func methodError(code, text string) *core.APIError {
	return core.VendorError(http.StatusBadRequest, code, text)
}

// forbidden is a method's 403 error (AccessException, ACCESS_ERROR on
// protected chats).
func forbidden(code, text string) *core.APIError {
	return core.VendorError(http.StatusForbidden, code, text)
}

// authError is a failure of the auth phase: always 401 (reference §3.1).
func authError(code, text string) *core.APIError {
	return core.VendorError(http.StatusUnauthorized, code, text)
}

// methodNotFound is ERROR_METHOD_NOT_FOUND, as the catch-all answers it.
func methodNotFound() *core.APIError {
	return &core.APIError{Kind: core.KindNotFound, Status: http.StatusNotFound,
		Code: "ERROR_METHOD_NOT_FOUND", Message: "Method not found!"}
}

// The errors several methods share, with the server's texts.
var (
	errChatIDEmpty   = func() *core.APIError { return methodError("CHAT_ID_EMPTY", "Chat ID can't be empty") }
	errUserIDEmpty   = func() *core.APIError { return methodError("USER_ID_EMPTY", "User ID can't be empty") }
	errDialogIDEmpty = func() *core.APIError { return methodError("DIALOG_ID_EMPTY", "Dialog ID can't be empty") }
	errBotNotFound   = func() *core.APIError { return methodError("BOT_ID_ERROR", "Bot not found") }
	errOtherApp      = func() *core.APIError {
		return methodError("APP_ID_ERROR", "Bot was installed by another rest application")
	}
	errNoClientID   = func() *core.APIError { return forbidden("ACCESS_DENIED", "Access denied! Client ID not specified") }
	errActionDenied = func() *core.APIError { return forbidden("ACCESS_ERROR", "Action unavailable") }
	errMessageEmpty = func() *core.APIError { return methodError("MESSAGE_EMPTY", "Message can't be empty") }
	errQueryLimit   = func() *core.APIError {
		return core.VendorError(http.StatusServiceUnavailable, "QUERY_LIMIT_EXCEEDED", "Too many requests")
	}
	errInsufficientWH = func() *core.APIError {
		return authError("insufficient_scope", "The request requires higher privileges than provided by the webhook token")
	}
	errInsufficientToken = func() *core.APIError {
		return authError("insufficient_scope", "The request requires higher privileges than provided by the access token")
	}
)

// idsExhausted is the 500 of a write whose id sequence stands at the top of
// int64 (a snapshot or seed stored the largest id): nothing is created with
// a negative or reused id, and the answer says why.
func idsExhausted(err error) *core.APIError {
	return &core.APIError{Kind: core.KindInternal, Status: http.StatusInternalServerError, Message: err.Error(), Cause: err}
}
