package imbachat

import (
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// ClaimedTenant implements core.TenantResolver: the widget a request names
// (the v2 path, or v1's imba_id parameter), before its credentials are checked.
// The id is read as auth reads it, so "0627" claims widget:627.
func (s *Service) ClaimedTenant(req *core.Request) string {
	raw, ok := req.Vars["imba_id"]
	if !ok {
		raw, _ = req.Params.String("imba_id")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		return ""
	}
	return tenant(id)
}

// FaultError implements core.ErrorCatalog. ImbaChat's errors are known by
// their status ("401", "422", "500", "503", ...): any 4xx or 5xx code gives
// the error errStatus builds for it, the same as the real one of that
// status.
func (s *Service) FaultError(code string) (*core.APIError, bool) {
	n, err := strconv.Atoi(code)
	if err != nil || n < 400 || n > 599 {
		return nil, false
	}
	return errStatus(n), true
}

// RateLimitError implements core.ErrorCatalog: ImbaChat documents no rate
// limit, so the emulator's is a 429 in the vendor's envelope.
func (s *Service) RateLimitError() *core.APIError { return errTooManyAttempts() }
