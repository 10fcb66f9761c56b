package fault

import (
	"fmt"
	"net/http"
)

// errorAction answers with the vendor's own error for a code, rendered by
// the vendor's renderer with its real status (Bitrix24
// QUERY_LIMIT_EXCEEDED 503, expired_token 401, ImbaChat "500", ...). The
// rule's message and status, when given, replace the vendor's.
func (e *Engine) errorAction(r *Rule) (action, error) {
	a := &r.Action
	cat, ok := e.catalogs[r.Match.Vendor]
	if !ok {
		return nil, fmt.Errorf("vendor %s has no error codes to inject", r.Match.Vendor)
	}
	proto, ok := cat.FaultError(a.Code)
	if !ok {
		return nil, fmt.Errorf("%s has no error code %q", r.Match.Vendor, a.Code)
	}
	return func(x *request) bool {
		apiErr := *proto
		apiErr.Header = http.Header{}
		for k, vs := range proto.Header {
			apiErr.Header[k] = append([]string(nil), vs...)
		}
		if a.Message != "" {
			apiErr.Message = a.Message
		}
		if a.Status != 0 {
			apiErr.Status = a.Status
		}
		for k, v := range a.Headers {
			apiErr.Header.Set(k, v)
		}
		x.fail(x.w, &apiErr)
		return true
	}, nil
}
