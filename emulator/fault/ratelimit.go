package fault

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// bucket is a token bucket on the emulator clock.
type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the tenants one rate_limit rule keeps a bucket for;
// past it, full buckets (no different from new ones) are dropped first,
// then all tenants without one share one.
const maxBuckets = 4096

// rateLimitAction is a real limiter: Burst requests at once, refilled at
// Rate per second of the emulator clock, one bucket per tenant (or one for
// all). A request over the limit gets the vendor's own rate-limit error
// (Bitrix24 QUERY_LIMIT_EXCEEDED 503, ...) with Retry-After; the others go
// through untouched. Per tenant, only requests whose credentials hold
// spend the tenant's bucket: a stranger claiming a tenant cannot exhaust
// it (the request goes on to the vendor's own auth error).
func (e *Engine) rateLimitAction(a *Action) action {
	var mu sync.Mutex
	buckets := map[string]*bucket{}
	return func(x *request) bool {
		key := ""
		if a.Per != "all" {
			if x.req.Authenticate() != nil {
				return false
			}
			key = x.req.Tenant
		}
		now := e.clock.Now()
		mu.Lock()
		b, ok := buckets[key]
		if !ok {
			if len(buckets) >= maxBuckets {
				dropFullBuckets(buckets, now, a)
			}
			if len(buckets) >= maxBuckets {
				key = "\x00shared"
			}
			if b, ok = buckets[key]; !ok {
				b = &bucket{tokens: float64(a.Burst), at: now}
				buckets[key] = b
			}
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

// dropFullBuckets forgets the buckets that have refilled to Burst by now.
func dropFullBuckets(buckets map[string]*bucket, now time.Time, a *Action) {
	for k, b := range buckets {
		if b.tokens+now.Sub(b.at).Seconds()*a.Rate >= float64(a.Burst) {
			delete(buckets, k)
		}
	}
}
