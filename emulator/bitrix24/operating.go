package bitrix24

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// The cloud's operating-time limit ("REST API limits", "Resource consumption
// limits"; the server's Bitrix\Rest\Engine\Access\LoadLimiter): the
// execution time of each method is summed in ten one-minute buckets; a
// method whose sum over the window exceeds the limit answers 429
// OPERATION_TIME_LIMIT until old buckets leave the window. Every answer's
// time block reports the sum ("operating") and when the oldest bucket's
// time is released ("operating_reset_at"). batch itself is neither counted
// nor blocked; each of its commands is.
const (
	operatingBucket       = 60  // seconds per bucket (LoadLimiter::$bucketSize)
	operatingBuckets      = 10  // buckets in the window (LoadLimiter::$bucketCount)
	operatingWindow       = 600 // seconds: the window and a bucket's reset delay
	defaultOperatingLimit = 480 // seconds per window on the cloud ("REST API limits")
	// minimalFixTime is LoadLimiter::$minimalFixTime: shorter calls are not counted.
	minimalFixTime = 0.1
)

// operatingLimit is a portal's operating-time settings (fixture
// "operating_limit"). The zero value is the cloud's: active, 480 s per
// method per 10 minutes, and calls that cost nothing (the emulator's own
// execution time is far below the 0.1 s the server counts).
type operatingLimit struct {
	// Off plays a portal whose load limiter is inactive (on-premise): no
	// operating fields, no limit.
	Off bool `json:"off,omitempty"`
	// LimitSeconds is the time a method may use per window (0: 480).
	LimitSeconds float64 `json:"limit_seconds,omitempty"`
	// CallSeconds is the execution time charged per successful call.
	CallSeconds float64 `json:"call_seconds,omitempty"`
	// MethodSeconds replaces CallSeconds for the methods it names
	// (lower-case names).
	MethodSeconds map[string]float64 `json:"method_seconds,omitempty"`
}

// off reports whether the limiter is off (nil settings are the cloud's).
func (o *operatingLimit) off() bool { return o != nil && o.Off }

func (o *operatingLimit) limit() float64 {
	if o != nil && o.LimitSeconds > 0 {
		return o.LimitSeconds
	}
	return defaultOperatingLimit
}

func (o *operatingLimit) cost(method string) float64 {
	if o == nil {
		return 0
	}
	if v, ok := o.MethodSeconds[method]; ok {
		return v
	}
	return o.CallSeconds
}

// usageID names a method's usage: per portal, and on a strict portal per
// credential too (the server keys on the application or webhook).
type usageID struct{ portal, method, entity string }

// operatingUsage is a method's buckets in the window, oldest first.
type operatingUsage struct {
	Portal  string        `json:"portal"`
	Method  string        `json:"method"`
	Entity  string        `json:"entity,omitempty"`
	Buckets []usageBucket `json:"buckets"`
}

// usageBucket is one minute's execution time; ResetAt is when it is
// released, as the server reports it: the first charged call's start plus
// ten minutes.
type usageBucket struct {
	Minute  int64   `json:"minute"` // unix time / 60
	Seconds float64 `json:"seconds"`
	ResetAt int64   `json:"reset_at"`
}

const usagePrefix = vendorName + ":operating:"

func usageKey(k usageID) string {
	key := usagePrefix + k.portal + ":" + k.method
	if k.entity != "" {
		key += ":" + k.entity
	}
	return key
}

// newUsageTable registers the usage table; it goes after the portal-scoped
// tables, which claim a portal named "operating"'s keys first.
func newUsageTable(db *state.DB) *state.Table[usageID, operatingUsage] {
	return state.NewTable(db, state.TableSpec[usageID, operatingUsage]{
		Owns: func(key string) bool { return strings.HasPrefix(key, usagePrefix) },
		ID:   func(u *operatingUsage) usageID { return usageID{u.Portal, u.Method, u.Entity} },
		Key:  usageKey,
	})
}

// operating is what a call's time block reports.
type operating struct {
	seconds float64
	resetAt int64
}

// metered is a method's result with the operating figures of its call; the
// envelope (and batch's result_time) take the figures, the result encodes
// as itself.
type metered struct {
	result any
	op     operating
}

// MarshalJSON implements json.Marshaler: the result alone.
func (m metered) MarshalJSON() ([]byte, error) { return json.Marshal(m.result) }

// errOperationTimeLimit is the server's answer to a blocked method.
func errOperationTimeLimit() *core.APIError {
	return core.VendorError(http.StatusTooManyRequests, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
}

// metered wraps a method's call with the operating-time limit: the check
// before the call (processCall's LoadLimiter::is), the charge after a
// successful one (a failed call is not counted) and the figures for the
// time block. batch is only reported.
func (s *Service) metered(m *method, inner func(*call) (any, error)) func(*call) (any, error) {
	if m.name == "batch" {
		return func(c *call) (any, error) {
			res, err := inner(c)
			if err != nil || c.p.Portal.Operating.off() {
				return res, err
			}
			if br, ok := res.(batchResult); ok {
				meterBatch(br)
			}
			return metered{result: res, op: operating{resetAt: c.req.Now.Unix() + operatingWindow}}, nil
		}
	}
	return func(c *call) (any, error) {
		o := c.p.Portal.Operating
		if o.off() {
			return inner(c)
		}
		id := usageID{portal: c.p.Portal.Name, method: m.name}
		if c.p.Portal.Strict {
			id.entity = c.p.entity()
		}
		minute := c.req.Now.Unix() / operatingBucket
		var used operating
		_ = s.m.db.View(func() error {
			used = s.m.usage(id, minute)
			return nil
		})
		if used.seconds > o.limit() {
			return nil, errOperationTimeLimit()
		}
		result, err := inner(c)
		if err != nil {
			return nil, err
		}
		if cost := o.cost(m.name); cost > minimalFixTime {
			err := s.m.db.Update(func(tx *state.Tx) error {
				s.m.charge(tx, id, minute, cost, c.now)
				used = s.m.usage(id, minute)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		if used.resetAt == 0 {
			used.resetAt = c.req.Now.Unix() + operatingWindow
		}
		return metered{result: result, op: used}, nil
	}
}

// meterBatch moves each command's figures from its result to its
// result_time entry.
func meterBatch(br batchResult) {
	for _, key := range br.Result.keys {
		mv, ok := br.Result.vals[key].(metered)
		if !ok {
			continue
		}
		br.Result.vals[key] = mv.result
		if tb, ok := br.ResultTime.vals[key].(timeBlock); ok {
			br.ResultTime.vals[key] = tb.withOperating(mv.op)
		}
	}
}

// usage sums a method's buckets in the window ending at minute; resetAt is
// the oldest counted bucket's release time (0 when nothing is counted).
func (mo *model) usage(id usageID, minute int64) operating {
	var op operating
	u, ok := mo.usages.Get(id)
	if !ok {
		return op
	}
	for _, b := range u.Buckets {
		if b.Minute > minute-operatingBuckets && b.Minute <= minute && b.Seconds > 0 {
			op.seconds += b.Seconds
			if op.resetAt == 0 {
				op.resetAt = b.ResetAt
			}
		}
	}
	return op
}

// charge adds a call's execution time to the bucket of minute, dropping
// the buckets that have left the window (so a usage holds at most ten).
func (mo *model) charge(tx *state.Tx, id usageID, minute int64, seconds float64, at time.Time) {
	u, _ := mo.usages.Get(id)
	u.Portal, u.Method, u.Entity = id.portal, id.method, id.entity
	kept := make([]usageBucket, 0, operatingBuckets)
	for _, b := range u.Buckets {
		if b.Minute > minute-operatingBuckets && b.Minute <= minute {
			kept = append(kept, b)
		}
	}
	if n := len(kept); n > 0 && kept[n-1].Minute == minute {
		kept[n-1].Seconds += seconds
	} else {
		kept = append(kept, usageBucket{Minute: minute, Seconds: seconds, ResetAt: at.Unix() + operatingWindow})
	}
	u.Buckets = kept
	mo.usages.Put(tx, u)
}

// entity is the credential the server keys the limit on: the
// application's client id, or the webhook.
func (p *principal) entity() string {
	if p.Webhook {
		return fmt.Sprintf("webhook-%d-%s", p.UserID, p.HookCode)
	}
	return p.ClientID
}

// withOperating is tb with the operating fields.
func (tb timeBlock) withOperating(op operating) timeBlock {
	reset, secs := op.resetAt, phpFloat(math.Round(op.seconds*1e6)/1e6)
	tb.OperatingResetAt, tb.Operating = &reset, &secs
	return tb
}

// fixtureOperating is the part of a fixture section this file reads: each
// portal's "operating_limit" (the rest is fixtures.go's).
type fixtureOperating struct {
	Portals []struct {
		Name      string                   `json:"name"`
		Operating *fixtureOperatingSection `json:"operating_limit"`
	} `json:"portals"`
}

type fixtureOperatingSection struct {
	Active        *bool              `json:"active"`
	LimitSeconds  *float64           `json:"limit_seconds"`
	CallSeconds   *float64           `json:"call_seconds"`
	MethodSeconds map[string]float64 `json:"method_seconds"`
}

// applyOperatingFixtures sets the portals' operating_limit settings, after
// applyFixtures has written the portals: given fields replace the old ones.
func (s *Service) applyOperatingFixtures(tx *state.Tx, raw json.RawMessage) error {
	var sec fixtureOperating
	if err := json.Unmarshal(raw, &sec); err != nil {
		return fmt.Errorf("bitrix24 fixtures: %w", err)
	}
	for _, fp := range sec.Portals {
		fo := fp.Operating
		if fo == nil {
			continue
		}
		p, ok := s.m.portals.Get(fp.Name)
		if !ok {
			continue
		}
		var o operatingLimit
		if p.Operating != nil {
			o = *p.Operating
		}
		if fo.Active != nil {
			o.Off = !*fo.Active
		}
		if fo.LimitSeconds != nil {
			o.LimitSeconds = *fo.LimitSeconds
		}
		if fo.CallSeconds != nil {
			o.CallSeconds = *fo.CallSeconds
		}
		if fo.MethodSeconds != nil {
			o.MethodSeconds = map[string]float64{}
			for k, v := range fo.MethodSeconds {
				o.MethodSeconds[strings.ToLower(k)] = v
			}
		}
		p.Operating = &o
		s.m.portals.Put(tx, p)
	}
	return nil
}
