package fault

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// bucket is a token bucket on the emulator clock.
type bucket struct {
	tokens float64
	at     time.Time
}

// rateLimitAction is a real limiter: Burst requests at once, refilled at
// Rate per second of the emulator clock, one bucket per tenant (or one for
// all). A request over the limit gets the vendor's own rate-limit error
// (Bitrix24 QUERY_LIMIT_EXCEEDED 503, ...) with Retry-After; the others go
// through untouched.
func (e *Engine) rateLimitAction(a *Action) action {
	var mu sync.Mutex
	buckets := map[string]*bucket{}
	return func(x *request) bool {
		key := ""
		if a.Per != "all" {
			key = x.req.Tenant
		}
		now := e.clock.Now()
		mu.Lock()
		b, ok := buckets[key]
		if !ok {
			b = &bucket{tokens: float64(a.Burst), at: now}
			buckets[key] = b
		}
		if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
			b.tokens = math.Min(float64(a.Burst), b.tokens+elapsed*a.Rate)
		}
		b.at = now
		allowed := b.tokens >= 1
		if allowed {
			b.tokens--
		}
		wait := (1 - b.tokens) / a.Rate
		mu.Unlock()
		if allowed {
			return false
		}
		apiErr := rateLimitError(e.catalogs[x.req.Vendor])
		apiErr.WithHeader("Retry-After", strconv.Itoa(int(math.Ceil(wait))))
		x.fail(x.w, apiErr)
		return true
	}
}

func rateLimitError(cat core.ErrorCatalog) *core.APIError {
	if cat == nil {
		return core.VendorError(http.StatusTooManyRequests, "429", "Too Many Requests")
	}
	proto := cat.RateLimitError()
	cp := *proto
	cp.Header = nil
	for k, vs := range proto.Header {
		for _, v := range vs {
			cp.WithHeader(k, v)
		}
	}
	return &cp
}
