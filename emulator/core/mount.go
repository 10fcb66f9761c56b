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

	"github.com/chatemu/chatemu/internal/state"
	"github.com/gorilla/mux"
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
}

// StoredVendor is a vendor whose state lives in the buntdb Store.
type StoredVendor interface {
	Vendor
	// Indexes are the vendor's store indexes, created after every open.
	Indexes() []Index
	// ApplyFixtures writes the vendor's section of a validated fixture or
	// seed document into the store: documents replace those with the same
	// id, and id sequences move above every id written.
	ApplyFixtures(tx *Tx, section json.RawMessage) error
}

// ModeledVendor is a vendor whose state is a typed in-memory model
// (internal/state), made durable through Deps.Log.
type ModeledVendor interface {
	Vendor
	// Model is the vendor's model.
	Model() *state.DB
	// ApplyFixtures writes the vendor's section of a validated fixture or
	// seed document into the model: rows replace those with the same id,
	// and id sequences move above every id written.
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
}

// Mount registers a vendor's routes on r, each under its name, plus a
// catch-all under the vendor's prefix that answers unknown paths with the
// vendor's own not-found error. Route methods are checked by the adapter, so
// a wrong method gets the vendor's error rather than a bare 405.
//
// The returned VendorRouter serves the same routes as r without mux's
// per-request context copies; r must not get routes of its own after Mount.
func Mount(r *mux.Router, v Vendor, h Hooks) *VendorRouter {
	vr := &VendorRouter{mux: r, buckets: map[string][]*mountedRoute{}}
	prefix := strings.TrimSuffix(v.PathPrefix(), "/") + "/"
	var all []*mountedRoute
	keys := map[*mountedRoute]string{}
	for _, rt := range v.Routes() {
		rt := rt
		mr := r.NewRoute().Name(rt.Name)
		if rt.Match != nil {
			// Matchers run in the order they were added: the route's own
			// (cheap) check first, so that routes sharing a path template
			// (Bitrix24's methods) do not each run the path's regexp.
			match := rt.Match
			mr.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool { return match(req) })
		}
		a := &adapter{v: v, h: h, route: &rt}
		mr.Path(rt.Path).Handler(a)
		m := &mountedRoute{route: mr, handler: a, rt: &rt}
		all = append(all, m)
		if k, ok := literalSegment(rt.Path, prefix); ok {
			keys[m] = k
		}
	}
	catchAll := r.PathPrefix(v.PathPrefix()).Handler(&adapter{v: v, h: h}).Name(v.Name() + ".not_found")
	// Routes whose templates need no regexp are matched without mux, on
	// the path as the router matches it.
	if encoded, ok := encodedPathProbe(catchAll, v.PathPrefix()); ok {
		vr.decoded = !encoded
		for _, m := range all {
			m.fast, _ = newFastMatcher(m.rt, m.route)
		}
	}
	// A route whose template starts with a literal first segment under the
	// prefix can only match paths with that segment; the others may match
	// any path. Each bucket keeps registration order, as mux tries routes.
	for _, m := range all {
		if k, ok := keys[m]; ok {
			if _, seen := vr.buckets[k]; !seen {
				vr.buckets[k] = nil
			}
		}
	}
	for k := range vr.buckets {
		var list []*mountedRoute
		for _, m := range all {
			if mk, ok := keys[m]; !ok || mk == k {
				list = append(list, m)
			}
		}
		vr.buckets[k] = list
	}
	for _, m := range all {
		if _, ok := keys[m]; !ok {
			vr.others = append(vr.others, m)
		}
	}
	vr.prefix = prefix
	return vr
}

// VendorRouter serves one vendor's routes as the mux.Router they were
// mounted on would, choosing the same route, but looks routes up by their
// first path segment before matching and hands path variables to the
// adapter directly, instead of copying the request into a new context for
// mux.Vars and mux.CurrentRoute (which vendor handlers do not use: they
// read Request.Vars). Routes with plain templates are matched without
// mux's regexps (which would run twice per match, once to match and once
// to extract the variables); the others, and requests no route of the
// vendor's takes, still go through mux.
type VendorRouter struct {
	mux     *mux.Router
	prefix  string                     // the vendor's prefix with one trailing slash
	buckets map[string][]*mountedRoute // by literal first segment under prefix
	others  []*mountedRoute            // routes whose first segment is a variable
	// decoded: the routes match the decoded path, not the path as sent
	// (the router was not told UseEncodedPath).
	decoded bool
}

type mountedRoute struct {
	route   *mux.Route
	handler *adapter
	rt      *Route
	// fast matches the route as route.Match would, without regexps; nil:
	// only mux knows how to match it.
	fast *fastMatcher
}

// literalSegment is the first path segment under prefix that every path
// matching template has, if the template fixes one.
func literalSegment(template, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(template, prefix)
	if !ok {
		return "", false
	}
	seg, _, hasSlash := strings.Cut(rest, "/")
	if seg == "" || strings.ContainsAny(seg, "{}") {
		return "", false
	}
	if !hasSlash && strings.Contains(template, "{") {
		// The segment runs on into the template's variables.
		return "", false
	}
	return seg, true
}

// Match reports whether one of the vendor's routes (or its catch-all)
// serves req, as the mux.Router does.
func (vr *VendorRouter) Match(req *http.Request, m *mux.RouteMatch) bool { return vr.mux.Match(req, m) }

// ServeHTTP serves req through the route mux would choose.
func (vr *VendorRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a, vars := vr.choose(r); a != nil {
		a.serveHTTP(w, r, vars)
		return
	}
	// No route of the vendor's (the catch-all, a redirect or anything
	// unusual): the router itself answers.
	vr.mux.ServeHTTP(w, r)
}

// choose returns the vendor route mux would choose for r, with its path
// variables, or a nil adapter when the router itself must answer.
func (vr *VendorRouter) choose(r *http.Request) (*adapter, map[string]string) {
	// The routers match the path as sent (UseEncodedPath) unless set up
	// otherwise; bucketing and fast matching use the same path.
	var p string
	if vr.decoded {
		p = r.URL.Path
	} else {
		p = r.URL.EscapedPath()
	}
	candidates := vr.others
	if rest, ok := strings.CutPrefix(p, vr.prefix); ok {
		seg, _, _ := strings.Cut(rest, "/")
		if list, ok := vr.buckets[seg]; ok {
			candidates = list
		}
	}
	var vals [maxPathVars]string
	var m *mux.RouteMatch // allocated only if mux matches a route
	for _, c := range candidates {
		if f := c.fast; f != nil {
			// As mux does: the route's own matcher first, then the path.
			if (f.extra == nil || f.extra(r)) && f.path.match(p, vals[:len(f.path.names)]) {
				return c.handler, f.path.vars(vals[:len(f.path.names)])
			}
			continue
		}
		if m == nil {
			m = new(mux.RouteMatch)
		}
		if c.route.Match(r, m) {
			if m.MatchErr == nil && m.Handler == c.handler {
				return c.handler, m.Vars
			}
			break
		}
	}
	return nil, nil
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

func (a *adapter) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	a.serveHTTP(rw, r, mux.Vars(r))
}

// serveHTTP serves r with the path variables vars.
func (a *adapter) serveHTTP(rw http.ResponseWriter, r *http.Request, vars map[string]string) {
	start := time.Now()
	st := &exchangeState{}
	w, req, ex := &st.w, &st.req, &st.ex
	w.ResponseWriter = rw
	*req = Request{HTTP: r, Vendor: a.v.Name(), Vars: vars, Now: a.h.Clock.Now(), Params: noParams}
	*ex = Exchange{Time: req.Now, Vendor: req.Vendor, Method: r.Method, Path: r.URL.Path}
	if a.route != nil {
		req.Route, ex.Operation = a.route.Name, a.route.Name
	}
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			a.h.Logger.Error("handler panic", "route", req.Route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if w.status == 0 {
				a.fail(w, req, ex, Internal(fmt.Errorf("panic: %v", p)))
			}
		}
		ex.Status, ex.Tenant, ex.Duration = w.status, req.Tenant, time.Since(start)
		if root := req.Params.Root(); root.Len() > 0 {
			if keepable(root, 0) {
				ex.tree = root // summarized when read
			} else {
				ex.Params = summarize(req.Params)
			}
		}
		a.h.Journal.Record(*ex)
		if p == http.ErrAbortHandler {
			panic(p) // a deliberate abort (a dropped connection) stays one
		}
	}()

	// Routing comes first, as on a real server: an unknown operation or a
	// wrong method is answered before the body is read.
	if err := a.routeError(req, ex); err != nil {
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
	serve := func(out http.ResponseWriter) { a.serve(out, req, ex) }
	if a.h.Fault != nil {
		fail := func(out http.ResponseWriter, e *APIError) { a.fail(out, req, ex, e) }
		a.h.Fault.Intercept(w, req, ex, serve, fail)
		return
	}
	serve(w)
}

// routeError answers requests no route serves: an unknown operation (404,
// with the nearest known ones noted) or a method the route does not take.
func (a *adapter) routeError(req *Request, ex *Exchange) error {
	if a.route == nil {
		a.noteNearest(req, ex)
		return &APIError{Kind: KindNotFound, Status: http.StatusNotFound,
			Message: "no such operation: " + req.HTTP.Method + " " + req.HTTP.URL.Path}
	}
	if !methodAllowed(a.route.Methods, req.HTTP.Method) {
		e := &APIError{Kind: KindMethodNotAllowed, Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("%s does not accept %s (use %s)", a.route.Name, req.HTTP.Method, strings.Join(a.route.Methods, ", "))}
		return e.WithHeader("Allow", strings.Join(a.route.Methods, ", "))
	}
	return nil
}

// serve runs the real operation: auth, handler, render.
func (a *adapter) serve(w http.ResponseWriter, req *Request, ex *Exchange) {
	if a.route.Auth != nil {
		if err := a.route.Auth(req); err != nil {
			a.fail(w, req, ex, err)
			return
		}
	}
	resp, err := a.route.Handler(req)
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
	if !errors.As(err, &apiErr) {
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

func (a *adapter) write(w http.ResponseWriter, req *Request, ex *Exchange, resp *Response) {
	if _, err := resp.Write(w); err != nil {
		a.h.Logger.Warn("writing response", "route", req.Route, "err", err)
	}
}

// Journal records keep parameters small: long strings are cut and big trees
// summarized, so a bounded journal stays bounded in bytes too.
const (
	journalMaxString = 512
	journalMaxKeys   = 64
)

// SummarizeParams is a parameter tree as the journal keeps it: long strings
// cut, large trees summarized. Vendors journaling operations of their own
// (Deps.Journal) record parameters through it.
func SummarizeParams(v *Value) map[string]any {
	if v == nil || !v.IsTree() || v.Len() == 0 {
		return nil
	}
	m, _ := summarizeValue(v, 0).(map[string]any)
	return m
}

// keepable reports whether a parameter tree is small enough to be kept
// whole in the journal until read: no string, key count or depth the
// summary would cut, so that keeping it costs what the summary would.
func keepable(v *Value, depth int) bool {
	if !v.IsTree() {
		return !v.isStr || len(v.str) <= journalMaxString
	}
	if len(v.kids) > journalMaxKeys || depth > 8 {
		return false
	}
	for _, k := range v.kids {
		if len(k.name) > journalMaxString || !keepable(k.val, depth+1) {
			return false
		}
	}
	return true
}

func summarize(p *Params) map[string]any {
	if p == nil || p.Root().Len() == 0 {
		return nil
	}
	m, _ := summarizeValue(p.Root(), 0).(map[string]any)
	return m
}

func summarizeValue(v *Value, depth int) any {
	if !v.IsTree() {
		if s, ok := v.Scalar().(string); ok && len(s) > journalMaxString {
			cut := s[:journalMaxString]
			for !utf8.ValidString(cut) {
				cut = cut[:len(cut)-1]
			}
			return fmt.Sprintf("%s…(%d bytes)", cut, len(s))
		}
		return v.Scalar()
	}
	out := map[string]any{}
	for i, k := range v.Keys() {
		if i == journalMaxKeys || depth > 8 {
			out["…"] = fmt.Sprintf("%d more", v.Len()-i)
			break
		}
		out[k] = summarizeValue(v.Lookup(k), depth+1)
	}
	return out
}
