// Package fault is chatemu's scenario engine: ordered rules that make any
// vendor route misbehave on demand (vendor errors, arbitrary statuses,
// latency, held requests, reset or empty connections, truncated, malformed
// or dribbled bodies, rate limits), reproducibly under a seed. Scenario
// documents are JSON (schemas/scenario.schema.json, docs/scenarios.md).
package fault

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/schemas"
)

// Scenario is a named, ordered list of rules.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Rules       []Rule `json:"rules"`
}

// Rule is one "when this matches and the trigger allows, do that".
type Rule struct {
	Name    string  `json:"name,omitempty"` // defaults to "rule N"
	Match   Match   `json:"match"`
	Trigger Trigger `json:"trigger"`
	Action  Action  `json:"action"`
}

// Match selects requests; empty fields match everything.
type Match struct {
	Vendor    string `json:"vendor,omitempty"`    // "imbachat", "bitrix24", "imbox"
	Operation string `json:"operation,omitempty"` // route name or Bitrix24 method; "*" wildcards; case-insensitive
	Method    string `json:"method,omitempty"`    // HTTP method
	Path      string `json:"path,omitempty"`      // glob on the URL path: "*" matches any run of characters
	// Params must all have been sent with these values (decoded; nested
	// names in PHP brackets, "users_ids[0]"; names case-insensitive).
	Params map[string]string `json:"params,omitempty"`
	Tenant string            `json:"tenant,omitempty"` // "widget:627", "portal:...", "account:1"; "*" wildcards
	// Headers must all be present with these values (names case-insensitive).
	Headers map[string]string `json:"headers,omitempty"`
	// Event matches a delivery's event name ("ONIMBOTMESSAGEADD",
	// "users_info"; "*" wildcards; case-insensitive). Only rules with a
	// delivery action (drop, delay, duplicate, reorder) act on deliveries,
	// and they act on nothing else.
	Event string `json:"event,omitempty"`
}

// Trigger decides which matching requests the rule acts on.
type Trigger struct {
	After       int        `json:"after,omitempty"`       // let the first N matches through
	Times       int        `json:"times,omitempty"`       // act at most N times (0: no limit)
	Probability *float64   `json:"probability,omitempty"` // act on this share of matches (seeded draw)
	From        *time.Time `json:"from,omitempty"`        // emulator-clock window start (inclusive)
	Until       *time.Time `json:"until,omitempty"`       // emulator-clock window end (exclusive)
}

// Action is what the rule does; Type names the kind.
type Action struct {
	Type string `json:"type"`

	// error: the vendor's own error by code, rendered as the vendor does.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"` // replaces the error's text

	// status: any answer. Body is a JSON value (sent as JSON) or a string
	// (sent as is).
	Status  int               `json:"status,omitempty"` // also overrides error's status
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`

	// latency: Delay plus up to Jitter either way, then the real answer.
	Delay  Duration `json:"delay,omitempty"`
	Jitter Duration `json:"jitter,omitempty"`

	// timeout: hold the request this long (default 30s, at most 10m), then
	// close the connection without an answer. slow_body: spread the real
	// body over this long.
	Duration Duration `json:"duration,omitempty"`

	// truncate: cut the real answer after this many body bytes.
	Bytes int `json:"bytes,omitempty"`

	// rate_limit: a token bucket of Burst tokens refilled at Rate per second
	// of the emulator clock, one bucket per tenant ("tenant", the default)
	// or one for all ("all").
	Rate  float64 `json:"rate,omitempty"`
	Burst int     `json:"burst,omitempty"`
	Per   string  `json:"per,omitempty"`

	// duplicate: extra copies of the delivery (default 1: sent twice).
	Copies int `json:"copies,omitempty"`
}

// deliveryActions are the action types that act on deliveries (the calls a
// vendor makes to the system under test) rather than on requests.
var deliveryActions = map[string]bool{"drop": true, "delay": true, "duplicate": true, "reorder": true}

// IsDelivery reports whether the rule acts on deliveries.
func (r *Rule) IsDelivery() bool { return deliveryActions[r.Action.Type] }

// Duration is a time.Duration written as a Go duration string ("250ms", "2s").
type Duration time.Duration

// UnmarshalJSON reads "250ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"250ms\" or \"2s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes "250ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// schemaSet compiles the scenario schema once per process.
var schemaSet = core.NewSchemaSet(schemas.FS)

// Parse validates a scenario document against schemas/scenario.schema.json
// and decodes it. Problems name the source, the JSON path and the reason.
func Parse(source string, data []byte) (*Scenario, error) {
	problems, err := schemaSet.Validate("scenario.schema.json", data, "")
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, &core.ValidationError{Source: source, Problems: problems}
	}
	var s Scenario
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, &core.ValidationError{Source: source, Problems: []core.Problem{{Reason: err.Error()}}}
	}
	var probs []core.Problem
	for i := range s.Rules {
		r := &s.Rules[i]
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule %d", i+1)
		}
		if t := r.Trigger; t.From != nil && t.Until != nil && !t.Until.After(*t.From) {
			probs = append(probs, core.Problem{Path: fmt.Sprintf("/rules/%d/trigger/until", i), Reason: "until must be after from"})
		}
		if d := time.Duration(r.Action.Delay) + time.Duration(r.Action.Jitter); d > maxHold {
			probs = append(probs, core.Problem{Path: fmt.Sprintf("/rules/%d/action/delay", i), Reason: fmt.Sprintf("delay and jitter add up to %s; a request is held %s at most", d, maxHold)})
		}
		if d := time.Duration(r.Action.Duration); d > maxHold {
			probs = append(probs, core.Problem{Path: fmt.Sprintf("/rules/%d/action/duration", i), Reason: fmt.Sprintf("%s is longer than the %s a request is held at most", d, maxHold)})
		}
		if r.Action.Type == "error" && r.Match.Vendor == "" {
			probs = append(probs, core.Problem{Path: fmt.Sprintf("/rules/%d/match/vendor", i), Reason: "an error action needs the vendor whose error code it names"})
		}
	}
	if len(probs) > 0 {
		return nil, &core.ValidationError{Source: source, Problems: probs}
	}
	return &s, nil
}

// globMatch matches s against a pattern where "*" is any run of
// characters, case-insensitively.
func globMatch(pattern, s string) bool {
	p, t := strings.ToLower(pattern), strings.ToLower(s)
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == t
	}
	if !strings.HasPrefix(t, parts[0]) {
		return false
	}
	t = t[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(t, mid)
		if i < 0 {
			return false
		}
		t = t[i+len(mid):]
	}
	return strings.HasSuffix(t, parts[len(parts)-1])
}
