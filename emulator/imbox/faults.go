package imbox

import (
	"net/http"
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
)

// FaultError implements core.ErrorCatalog: the emulator's ImBox errors by
// their journal code (invalid_api_key 401, user_mismatch 403, bad_request
// 400, span_too_long 400, not_found 404), or any 4xx/5xx status as a code
// ("500", "503") for the outages a scenario plays.
func (s *Service) FaultError(code string) (*core.APIError, bool) {
	switch code {
	case codeInvalidKey:
		return errInvalidKey(), true
	case codeWrongUser:
		return core.VendorError(http.StatusForbidden, codeWrongUser, "apiKey does not belong to this userId"), true
	case codeBadRequest:
		return errBadRequest("Bad request"), true
	case codeSpanTooLong:
		return errSpanTooLong(), true
	case codeNotFound:
		return core.VendorError(http.StatusNotFound, codeNotFound, "Not found"), true
	}
	if n, err := strconv.Atoi(code); err == nil && n >= 400 && n <= 599 {
		return core.VendorError(n, code, http.StatusText(n)), true
	}
	return nil, false
}

// RateLimitError implements core.ErrorCatalog: ImBox documents no rate
// limit, so the emulator's is a 429 in the vendor's envelope.
func (s *Service) RateLimitError() *core.APIError {
	return core.VendorError(http.StatusTooManyRequests, "429", "Too many requests")
}

// ClaimedTenant implements core.TenantResolver: the account the path's
// userId names, before its apiKey is checked.
func (s *Service) ClaimedTenant(req *core.Request) string {
	raw, err := pathVar(req, "userId") // percent-decoded, as auth reads it
	if err != nil {
		return ""
	}
	if sid, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return tenant(sid)
	}
	return ""
}
