package fault

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
)

// Engine holds an instance's active scenarios and applies them to every
// vendor request (it implements core.FaultHook).
type Engine struct {
	clock    *core.Clock
	random   *core.Random
	catalogs map[string]core.ErrorCatalog
	// operations are each vendor's operation names.
	operations map[string][]string
	logger     *slog.Logger

	mu     sync.Mutex
	active []*active
	// anyActive mirrors len(active) > 0 (set under mu), so that a request
	// with no scenario active passes without taking mu.
	anyActive atomic.Bool

	release chan struct{} // closed to let held requests go (shutdown)
	once    sync.Once
}

// active is an activated scenario with its compiled rules and counters.
type active struct {
	scenario *Scenario
	rules    []*compiledRule
}

type compiledRule struct {
	rule    *Rule
	act     action
	matched int
	fired   int
}

// request is what an action works on.
type request struct {
	w     http.ResponseWriter
	req   *core.Request
	serve func(http.ResponseWriter)
	fail  func(http.ResponseWriter, *core.APIError)
	eng   *Engine
}

// action answers (or alters the answer to) a request. It returns false when
// it lets the request through untouched (a rate limit with tokens left).
type action func(x *request) bool

// NewEngine builds an engine over an instance's vendors. The engine knows each vendor's operations (core.Operations) and error
// catalog (core.ErrorCatalog), so that a rule naming one that does not
// exist is refused rather than left never to match.
func NewEngine(clock *core.Clock, random *core.Random, vendors []core.Vendor, logger *slog.Logger) *Engine {
	e := &Engine{clock: clock, random: random, catalogs: map[string]core.ErrorCatalog{},
		operations: map[string][]string{}, logger: logger, release: make(chan struct{})}
	for _, v := range vendors {
		if c, ok := v.(core.ErrorCatalog); ok {
			e.catalogs[v.Name()] = c
		}
		e.operations[v.Name()] = core.Operations(v)
	}
	return e
}

// Check compiles a scenario as Activate does, without activating it: every
// problem of every rule (an unknown operation or error code, an operation
// of another vendor) in one error. It is the one check of scenarios, for
// the control plane, --scenario and chatemu validate alike.
func (e *Engine) Check(s *Scenario) error {
	_, err := e.compileScenario(s)
	return err
}

func (e *Engine) compileScenario(s *Scenario) (*active, error) {
	a := &active{scenario: s}
	var errs []error
	for i := range s.Rules {
		if err := checkRuleKind(&s.Rules[i]); err != nil {
			errs = append(errs, fmt.Errorf("rules/%d (%s): %w", i, s.Rules[i].Name, err))
			continue
		}
		if s.Rules[i].IsDelivery() {
			a.rules = append(a.rules, &compiledRule{rule: &s.Rules[i]})
			continue
		}
		if err := e.checkOperation(&s.Rules[i].Match); err != nil {
			errs = append(errs, fmt.Errorf("rules/%d (%s): %w", i, s.Rules[i].Name, err))
			continue
		}
		act, err := e.compile(&s.Rules[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("rules/%d (%s): %w", i, s.Rules[i].Name, err))
			continue
		}
		a.rules = append(a.rules, &compiledRule{rule: &s.Rules[i], act: act})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return a, nil
}

// checkOperation refuses a match whose operation names no operation of
// its vendor (or of any vendor), naming the nearest real ones.
func (e *Engine) checkOperation(m *Match) error {
	if m.Operation == "" {
		return nil
	}
	var names []string
	for vendor, ops := range e.operations {
		if m.Vendor != "" && !strings.EqualFold(m.Vendor, vendor) {
			continue
		}
		for _, op := range ops {
			req := core.Request{Vendor: vendor, Route: op}
			if operationMatch(m.Operation, &req) {
				return nil
			}
			names = append(names, op)
		}
	}
	where := "any vendor"
	if m.Vendor != "" {
		where = m.Vendor
	}
	msg := fmt.Sprintf("operation %q matches no operation of %s", m.Operation, where)
	if near := core.Nearest(strings.ToLower(m.Operation), names, 3); len(near) > 0 {
		msg += "; nearest: " + strings.Join(near, ", ")
	}
	return errors.New(msg)
}

// Activate compiles a scenario and adds it after the active ones; one with
// the same name is replaced (its counters start again).
func (e *Engine) Activate(s *Scenario) error {
	a, err := e.compileScenario(s)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, old := range e.active {
		if old.scenario.Name == s.Name {
			e.active[i] = a
			return nil
		}
	}
	e.active = append(e.active, a)
	e.anyActive.Store(true)
	return nil
}

// Remove deactivates the named scenario; it reports whether it was active.
func (e *Engine) Remove(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, a := range e.active {
		if a.scenario.Name == name {
			e.active = append(e.active[:i], e.active[i+1:]...)
			e.anyActive.Store(len(e.active) > 0)
			return true
		}
	}
	return false
}

// Clear deactivates every scenario.
func (e *Engine) Clear() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.active = nil
	e.anyActive.Store(false)
}

// Release lets every held request (timeout, latency, slow body) go at once
// and makes later ones not wait: call it before shutting the server down.
func (e *Engine) Release() { e.once.Do(func() { close(e.release) }) }

// Status is an active scenario with its rules' counters.
type Status struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Rules       []RuleStatus `json:"rules"`
}

// RuleStatus counts a rule's matching requests and how often it acted.
type RuleStatus struct {
	Name    string `json:"name"`
	Action  string `json:"action"`
	Matched int    `json:"matched"`
	Fired   int    `json:"fired"`
}

// Active lists the active scenarios in evaluation order.
func (e *Engine) Active() []Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []Status{}
	for _, a := range e.active {
		st := Status{Name: a.scenario.Name, Description: a.scenario.Description, Rules: []RuleStatus{}}
		for _, r := range a.rules {
			st.Rules = append(st.Rules, RuleStatus{Name: r.rule.Name, Action: r.rule.Action.Type, Matched: r.matched, Fired: r.fired})
		}
		out = append(out, st)
	}
	return out
}

// Intercept implements core.FaultHook: rules are tried in order (scenarios
// in activation order); the first whose match and trigger both pass acts.
// A rule whose trigger holds back (not yet "after", "times" used up, the
// draw missed, outside its window) lets later rules try.
func (e *Engine) Intercept(w http.ResponseWriter, req *core.Request, ex *core.Exchange, serve func(http.ResponseWriter), fail func(http.ResponseWriter, *core.APIError)) {
	if !e.anyActive.Load() {
		serve(w)
		return
	}
	rule, label := e.pick(req)
	if rule == nil {
		serve(w)
		return
	}
	x := &request{w: w, req: req, serve: serve, fail: fail, eng: e}
	ex.Fault = label
	if !rule.act(x) {
		// Let through untouched (a rate limit with tokens left): not fired.
		e.mu.Lock()
		rule.fired--
		e.mu.Unlock()
		ex.Fault = ""
		serve(w)
		return
	}
	e.logger.Debug("fault", "rule", label, "route", req.Route, "action", rule.rule.Action.Type)
}

// pick finds the acting rule and counts matches and firings.
func (e *Engine) pick(req *core.Request) (*compiledRule, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	for _, a := range e.active {
		for _, r := range a.rules {
			if r.act == nil || !matches(&r.rule.Match, req) {
				continue
			}
			if e.triggered(r, now) {
				return r, a.scenario.Name + "/" + r.rule.Name
			}
		}
	}
	return nil, ""
}

// triggered counts a match of r and reports whether its trigger lets it
// act now (counting that too). Called with e.mu held.
func (e *Engine) triggered(r *compiledRule, now time.Time) bool {
	t := &r.rule.Trigger
	if (t.From != nil && now.Before(*t.From)) || (t.Until != nil && !now.Before(*t.Until)) {
		return false
	}
	r.matched++
	if r.matched <= t.After || (t.Times > 0 && r.fired >= t.Times) {
		return false
	}
	if t.Probability != nil && e.random.Float64() >= *t.Probability {
		return false
	}
	r.fired++
	return true
}

// PickDelivery implements outbound.FaultPicker: the first delivery rule
// (in the order of Intercept) whose match and trigger pass acts on d.
func (e *Engine) PickDelivery(d *outbound.Delivery) (outbound.Fault, bool) {
	if !e.anyActive.Load() {
		return outbound.Fault{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	for _, a := range e.active {
		for _, r := range a.rules {
			if r.act != nil || !matchesDelivery(&r.rule.Match, d) || !e.triggered(r, now) {
				continue
			}
			act := &r.rule.Action
			f := outbound.Fault{Kind: act.Type, Delay: time.Duration(act.Delay), Copies: act.Copies,
				Rule: a.scenario.Name + "/" + r.rule.Name}
			if j := time.Duration(act.Jitter); f.Kind == outbound.FaultDelay && j > 0 {
				f.Delay += time.Duration((e.random.Float64()*2 - 1) * float64(j))
				f.Delay = max(f.Delay, 0)
			}
			e.logger.Debug("delivery fault", "rule", f.Rule, "event", d.Event, "action", f.Kind)
			return f, true
		}
	}
	return outbound.Fault{}, false
}

func matchesDelivery(m *Match, d *outbound.Delivery) bool {
	return (m.Vendor == "" || strings.EqualFold(m.Vendor, d.Vendor)) &&
		(m.Event == "" || globMatch(strings.ToLower(m.Event), strings.ToLower(d.Event))) &&
		(m.Tenant == "" || globMatch(m.Tenant, d.Tenant))
}

// checkRuleKind refuses a match field the rule's kind never sees: a
// delivery rule matches vendor, event and tenant only; a request rule
// never matches an event.
func checkRuleKind(r *Rule) error {
	m := &r.Match
	if !r.IsDelivery() {
		if m.Event != "" {
			return fmt.Errorf("match.event selects deliveries, which only the delivery actions drop, delay, duplicate and reorder act on (this rule's action is %q)", r.Action.Type)
		}
		return nil
	}
	var extra []string
	if m.Operation != "" {
		extra = append(extra, "operation")
	}
	if m.Method != "" {
		extra = append(extra, "method")
	}
	if m.Path != "" {
		extra = append(extra, "path")
	}
	if len(m.Params) > 0 {
		extra = append(extra, "params")
	}
	if len(m.Headers) > 0 {
		extra = append(extra, "headers")
	}
	if len(extra) > 0 {
		return fmt.Errorf("a %s rule acts on deliveries, which match on vendor, event and tenant only, not %s", r.Action.Type, strings.Join(extra, ", "))
	}
	return nil
}

func matches(m *Match, req *core.Request) bool {
	if m.Vendor != "" && !strings.EqualFold(m.Vendor, req.Vendor) {
		return false
	}
	if m.Operation != "" && !operationMatch(m.Operation, req) {
		return false
	}
	if m.Method != "" && !strings.EqualFold(m.Method, req.HTTP.Method) {
		return false
	}
	if m.Path != "" && !globMatch(m.Path, req.HTTP.URL.Path) {
		return false
	}
	if m.Tenant != "" && !globMatch(m.Tenant, req.Tenant) {
		return false
	}
	for name, want := range m.Headers {
		if req.HTTP.Header.Get(name) != want {
			return false
		}
	}
	for name, want := range m.Params {
		v := lookupParam(req.Params, name)
		if v == nil || v.IsTree() || v.String() != want {
			return false
		}
	}
	return true
}

// operationMatch compares with the route name, with or without the vendor
// prefix ("imbot.chat.add" matches "bitrix24.imbot.chat.add").
func operationMatch(pattern string, req *core.Request) bool {
	if globMatch(pattern, req.Route) {
		return true
	}
	return globMatch(pattern, strings.TrimPrefix(req.Route, req.Vendor+"."))
}

// lookupParam finds "a[b][0]" in the decoded tree, names case-insensitive.
func lookupParam(p *core.Params, name string) *core.Value {
	path := []string{name}
	if i := strings.IndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		path = append([]string{name[:i]}, strings.Split(name[i+1:len(name)-1], "][")...)
	}
	v := p.Root()
	for _, seg := range path {
		if v = v.LookupFold(seg); v == nil {
			return nil
		}
	}
	return v
}

func (e *Engine) compile(r *Rule) (action, error) {
	a := &r.Action
	switch a.Type {
	case "error":
		return e.errorAction(r)
	case "status":
		return statusAction(a)
	case "latency":
		return latencyAction(a), nil
	case "timeout":
		return timeoutAction(a), nil
	case "reset":
		return resetAction, nil
	case "empty":
		return emptyAction, nil
	case "truncate":
		return truncateAction(a), nil
	case "malformed":
		return malformedAction, nil
	case "slow_body":
		return slowBodyAction(a), nil
	case "rate_limit":
		return e.rateLimitAction(a), nil
	}
	return nil, fmt.Errorf("unknown action type %q", a.Type)
}
