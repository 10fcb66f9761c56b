package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// Vendor is what each vendor package provides to be served.
type Vendor interface {
	// Name is the vendor's short name and route-name prefix ("imbachat").
	Name() string
	// PathPrefix is the path under which all its routes live ("/imbachat").
	PathPrefix() string
	// Routes is the vendor's route table.
	Routes() []Route
	// DecodeOptions shapes request decoding for this vendor.
	DecodeOptions() DecodeOptions
	// RenderError renders any APIError in the vendor's own error format.
	RenderError(*Request, *APIError) *Response
	// Model is the vendor's typed state (internal/state), made durable
	// through Deps.Log.
	Model() *state.DB
	// ApplyFixtures writes the vendor's section of a validated fixture or
	// seed document into the model: rows replace those with the same id,
	// and id sequences move above every id written. Problems a schema
	// cannot see (a duplicate id, a reference to nothing) are reported as
	// a *ValidationError with the JSON path of each.
	ApplyFixtures(tx *state.Tx, section json.RawMessage) error
}

// FaultHook may replace or alter the answer to a decoded request (the
// scenario engine). serve writes the real answer; a hook that lets the
// request through calls it, one that answers itself does not. fail renders
// an error through the vendor's own renderer. A hook names the rule that
// fired in ex.Fault.
type FaultHook interface {
	Intercept(w http.ResponseWriter, req *Request, ex *Exchange, serve func(http.ResponseWriter), fail func(http.ResponseWriter, *APIError))
}

// TenantResolver is implemented by vendors that can tell, before
// authentication, which tenant a request claims to act for (the widget in
// the path, the webhook user, the API key), so that fault rules can match
// on it. Authentication later confirms or replaces Request.Tenant.
type TenantResolver interface {
	ClaimedTenant(*Request) string
}

// ErrorCatalog is implemented by vendors whose documented errors a fault
// scenario can ask for by code.
type ErrorCatalog interface {
	// FaultError returns the vendor's error for code, with its real status.
	FaultError(code string) (*APIError, bool)
	// RateLimitError is the vendor's answer to a client over its rate limit.
	RateLimitError() *APIError
}

// Hooks are the shared services every mounted vendor route uses.
type Hooks struct {
	Clock   *Clock
	Journal *Journal
	Logger  *slog.Logger
	Fault   FaultHook // nil: no faults
	// Outbound sends the deliveries requests cause; nil: none are sent.
	Outbound *outbound.Engine
}

type adapter struct {
	v     Vendor
	h     Hooks
	route *Route // nil: no route matched
}

// statusWriter remembers what was written, so that a panic after the
// headers went out is not answered twice.
type statusWriter struct {
	http.ResponseWriter
	status int
	// capture keeps the start of the answer while the journal is watched.
	capture *bodyCapture
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.capture != nil {
		w.capture.add(b)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (hijacking,
// flushing) through this wrapper.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// exchangeState is what one request through the adapter needs, allocated
// at once.
type exchangeState struct {
	w   statusWriter
	req Request
	ex  Exchange
}

// noParams is the parameter tree of a request not decoded (yet); nothing
// changes a tree once built.
var noParams = NewParams()

// serveHTTP serves r with the path variables vars.
func (a *adapter) serveHTTP(rw http.ResponseWriter, r *http.Request, vars map[string]string) {
	start := time.Now()
	st := &exchangeState{}
	w, req, ex := &st.w, &st.req, &st.ex
	w.ResponseWriter = rw
	*req = Request{HTTP: r, Vendor: a.v.Name(), Vars: vars, Now: a.h.Clock.Now(), Params: noParams, start: start}
	*ex = Exchange{Time: req.Now, Vendor: req.Vendor, Method: r.Method, Path: r.URL.Path}
	route := a.route
	if route != nil && route.Dispatch != nil {
		// An entry point: the vendor names the operation from the request.
		route = route.Dispatch(r, vars)
	}
	if route != nil {
		req.Route, ex.Operation = route.Name, route.Name
	}
	var watch *watchState
	if a.h.Journal.takeDetail() {
		// Someone reads the journal as it is written: keep what it will
		// want to see of this exchange.
		watch = &watchState{}
		req.watched = true
		w.capture = &watch.resp
		if r.Body != nil && r.Body != http.NoBody {
			watch.req.body = r.Body
			r.Body = &watch.req
		}
	}
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			a.h.Logger.Error("handler panic", "route", req.Route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if w.status == 0 {
				a.fail(w, req, ex, Internal(fmt.Errorf("panic: %v", p)))
			}
		}
		if !req.recorded {
			if watch != nil {
				ex.Detail = watch.exchangeDetail(r, w)
			}
			a.record(req, ex, w.status)
		}
		if req.outbox.Len() > 0 && a.h.Outbound != nil && (p == nil || p == http.ErrAbortHandler) {
			// Deliveries leave once the answer has: flush it to the client
			// first, as the portal's queue runs after the request ends. An
			// answer cut off on purpose (a truncate fault) still leaves
			// them: the change that caused them was made.
			_ = http.NewResponseController(rw).Flush()
			a.h.Outbound.SubmitOutbox(req.outbox)
		}
		if p == http.ErrAbortHandler {
			panic(p) // a deliberate abort (a dropped connection) stays one
		}
	}()

	// Routing comes first, as on a real server: an unknown operation or a
	// wrong method is answered before the body is read.
	if err := a.routeError(route, req, ex); err != nil {
		a.fail(w, req, ex, err)
		return
	}
	params, err := DecodeRequest(r, a.v.DecodeOptions())
	if err != nil {
		a.fail(w, req, ex, err)
		return
	}
	req.Params = params
	if tr, ok := a.v.(TenantResolver); ok {
		req.Tenant = tr.ClaimedTenant(req)
	}
	req.auth = route.Auth
	serve := func(out http.ResponseWriter) { a.serve(out, route, req, ex) }
	if a.h.Fault != nil {
		fail := func(out http.ResponseWriter, e *APIError) { a.fail(out, req, ex, e) }
		a.h.Fault.Intercept(w, req, ex, serve, fail)
		return
	}
	serve(w)
}

// routeError answers requests no route serves: an unknown operation (404,
// with the nearest known ones noted) or a method the route does not take.
func (a *adapter) routeError(route *Route, req *Request, ex *Exchange) error {
	if route == nil {
		a.noteNearest(req, ex)
		return &APIError{Kind: KindNotFound, Status: http.StatusNotFound,
			Message: "no such operation: " + req.HTTP.Method + " " + clipText(req.HTTP.URL.Path)}
	}
	if !methodAllowed(route.Methods, req.HTTP.Method) {
		e := &APIError{Kind: KindMethodNotAllowed, Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("%s does not accept %s (use %s)", route.Name, req.HTTP.Method, strings.Join(route.Methods, ", "))}
		return e.WithHeader("Allow", strings.Join(route.Methods, ", "))
	}
	return nil
}

// serve runs the real operation: auth, handler, render.
func (a *adapter) serve(w http.ResponseWriter, route *Route, req *Request, ex *Exchange) {
	if err := req.Authenticate(); err != nil {
		a.fail(w, req, ex, err)
		return
	}
	resp, err := route.Handler(req)
	if err != nil {
		a.fail(w, req, ex, err)
		return
	}
	a.write(w, req, ex, resp)
}

func methodAllowed(allowed []string, m string) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, a := range allowed {
		if strings.EqualFold(a, m) {
			return true
		}
	}
	return false
}

// fail renders err through the vendor's renderer.
func (a *adapter) fail(w http.ResponseWriter, req *Request, ex *Exchange, err error) {
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
	case errors.Is(err, state.ErrSequenceExhausted):
		// The vendor's 500, with the reason: ids at the top of int64 came
		// from a snapshot or a seed, and nothing can be created after them.
		apiErr = &APIError{Kind: KindInternal, Status: http.StatusInternalServerError, Message: err.Error(), Cause: err}
	default:
		a.h.Logger.Error("handler error", "route", req.Route, "err", err)
		apiErr = Internal(err)
	}
	if apiErr.Code != "" {
		ex.Error = apiErr.Code
	} else {
		ex.Error = apiErr.Message
	}
	resp := a.v.RenderError(req, apiErr)
	for k, vs := range apiErr.Header {
		if resp.Header == nil {
			resp.Header = http.Header{}
		}
		resp.Header[k] = vs
	}
	a.write(w, req, ex, resp)
}

// record journals the exchange once, answered with status. An answer is
// journaled before it is written, so that a client that has read it finds
// it in the journal (a large body reaches the client while it is being
// written); what never writes an answer (a held or reset connection) is
// journaled when the request ends.
func (a *adapter) record(req *Request, ex *Exchange, status int) {
	req.recorded = true
	ex.Status, ex.Tenant, ex.Duration = status, req.Tenant, time.Since(req.start)
	if root := req.Params.Root(); root.Len() > 0 {
		if req.Params.source <= journalKeepSource && keepable(root, 0) {
			ex.tree = root // summarized when read
		} else {
			ex.Params = summarize(req.Params)
		}
	}
	a.h.Journal.Record(*ex)
}

func (a *adapter) write(w http.ResponseWriter, req *Request, ex *Exchange, resp *Response) {
	// A watched exchange keeps the start of its answer, so it is journaled
	// once written (a page reading the journal live does not race it).
	if !req.recorded && !req.watched {
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		a.record(req, ex, status)
	}
	if _, err := resp.Write(w); err != nil {
		a.h.Logger.Warn("writing response", "route", req.Route, "err", err)
	}
}

// Journal records keep parameters small: long strings are cut and big trees
// summarized, so a bounded journal stays bounded in bytes too. What a
// record keeps is copied out of the request, never a slice of its body.
const (
	journalMaxString = 512
	journalMaxKeys   = 64
	// journalMaxValues bounds the values (keys and leaves) one record keeps.
	journalMaxValues = 256
	// journalKeepSource: the tree of a request of at most this many bytes
	// of query and body is kept as it is until read (its strings share at
	// most that much); a larger request's is summarized into copies.
	journalKeepSource = 4 << 10
)

// SummarizeParams is a parameter tree as the journal keeps it: long strings
// cut, large trees summarized, every string copied. Vendors journaling
// operations of their own (Deps.Journal) record parameters through it.
func SummarizeParams(v *Value) map[string]any {
	if v == nil || !v.IsTree() || v.Len() == 0 {
		return nil
	}
	budget := journalMaxValues
	m, _ := summarizeValue(v, 0, &budget).(map[string]any)
	return m
}

// keepable reports whether a parameter tree is small enough to be kept
// whole in the journal until read: no string, key count, depth or value
// count the summary would cut, so that keeping it costs what the summary
// would.
func keepable(v *Value, depth int) bool {
	budget := journalMaxValues
	return keepableWithin(v, depth, &budget)
}

func keepableWithin(v *Value, depth int, budget *int) bool {
	*budget--
	if *budget < 0 {
		return false
	}
	if !v.IsTree() {
		return !v.isStr || len(v.str) <= journalMaxString
	}
	if len(v.kids) > journalMaxKeys || depth > 8 {
		return false
	}
	for _, k := range v.kids {
		if len(k.name) > journalMaxString || !keepableWithin(k.val, depth+1, budget) {
			return false
		}
	}
	return true
}

func summarize(p *Params) map[string]any {
	if p == nil {
		return nil
	}
	return SummarizeParams(p.Root())
}

func summarizeValue(v *Value, depth int, budget *int) any {
	*budget--
	if !v.IsTree() {
		if s, ok := v.Scalar().(string); ok {
			return clipText(s)
		}
		return v.Scalar()
	}
	out := map[string]any{}
	for i, k := range v.Keys() {
		if i == journalMaxKeys || depth > 8 || *budget <= 0 {
			out["…"] = fmt.Sprintf("%d more", v.Len()-i)
			break
		}
		out[clipText(k)] = summarizeValue(v.Lookup(k), depth+1, budget)
	}
	return out
}

// clipText is s as a journal record keeps it: a copy, cut to
// journalMaxString bytes (on a rune boundary) with the full length noted.
func clipText(s string) string {
	if len(s) <= journalMaxString {
		return strings.Clone(s)
	}
	cut := s[:journalMaxString]
	for !utf8.ValidString(cut) && len(cut) > journalMaxString-utf8.UTFMax {
		cut = cut[:len(cut)-1]
	}
	return fmt.Sprintf("%s…(%d bytes)", cut, len(s))
}
