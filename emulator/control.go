package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/gorilla/mux"
)

// maxControlBody caps control-plane request bodies (seeds, snapshots, scenarios).
const maxControlBody = 32 << 20

// routes builds the control plane's router; it also answers paths no
// vendor serves.
func (e *Emulator) routes() *mux.Router {
	r := mux.NewRouter()
	r.SkipClean(true) // vendors see paths as sent (Bitrix24 clients send //)
	r.UseEncodedPath()
	c := r.PathPrefix("/_emulator").Subrouter()
	c.Handle("/healthz", e.control(false, methods{http.MethodGet: e.healthz, http.MethodHead: e.healthz})).Name("control.healthz")
	c.Handle("/reset", e.control(true, methods{http.MethodPost: e.reset})).Name("control.reset")
	c.Handle("/requests", e.control(true, methods{http.MethodGet: e.requests, http.MethodDelete: e.clearRequests})).Name("control.requests")
	c.Handle("/clock", e.control(true, methods{http.MethodGet: e.clockGet, http.MethodPost: e.clockSet})).Name("control.clock")
	c.Handle("/seed", e.control(true, methods{http.MethodPost: e.seed})).Name("control.seed")
	c.Handle("/scenarios", e.control(true, methods{http.MethodGet: e.scenarios, http.MethodPost: e.activateScenario, http.MethodDelete: e.clearScenarios})).Name("control.scenarios")
	c.Handle("/scenarios/{name}", e.control(true, methods{http.MethodDelete: e.removeScenario})).Name("control.scenario")
	c.Handle("/state", e.control(true, methods{http.MethodGet: e.exportState, http.MethodPut: e.importState})).Name("control.state")
	c.Handle("/deliveries", e.control(true, methods{http.MethodGet: e.deliveries, http.MethodDelete: e.clearDeliveries})).Name("control.deliveries")
	c.Handle("/events", http.HandlerFunc(e.serveEvents)).Name("control.events")
	e.mountUI(c)
	e.mountVendorControl(c)
	c.NotFoundHandler = e.control(false, notFound("no control route %s %s"))
	var prefixes []string
	for _, v := range e.vendors {
		prefixes = append(prefixes, strings.TrimSuffix(v.PathPrefix(), "/")+"/")
	}
	served := strings.Join(prefixes, ", ")
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeControl(w, nil, controlError(http.StatusNotFound,
			"nothing is served at %s: vendor APIs live under %s, the control plane under /_emulator/", r.URL.Path, served))
	})
	return r
}

// vendorRouter serves the paths under one of a vendor's prefixes.
type vendorRouter struct {
	prefix string
	router *core.Router
}

// mountVendors builds each vendor's router; ServeHTTP sends a path under
// one of its prefixes straight to it (the prefixes do not overlap, and the
// control plane lives under /_emulator).
func (e *Emulator) mountVendors() {
	hooks := core.Hooks{Clock: e.clock, Journal: e.journal, Logger: e.logger, Fault: e.faults, Outbound: e.outbound}
	e.byPrefix = e.byPrefix[:0]
	for _, v := range e.vendors {
		rt := core.Mount(v, hooks)
		for _, p := range rt.Prefixes() {
			e.byPrefix = append(e.byPrefix, vendorRouter{prefix: p, router: rt})
		}
	}
}

// mountVendorControl mounts the vendors' control routes under
// /_emulator/<vendor>: one handler per path, dispatching on the method like
// the built-in control routes.
func (e *Emulator) mountVendorControl(c *mux.Router) {
	for _, v := range e.vendors {
		cp, ok := v.(core.ControlProvider)
		if !ok {
			continue
		}
		byPath := map[string]methods{}
		names := map[string][]string{}
		var paths []string
		for _, cr := range cp.ControlRoutes() {
			if _, seen := byPath[cr.Path]; !seen {
				paths = append(paths, cr.Path)
				byPath[cr.Path] = methods{}
			}
			for _, m := range cr.Methods {
				m = strings.ToUpper(m)
				h := cr.Handler
				if m != http.MethodGet && m != http.MethodHead {
					h = e.announced(v.Name(), cr.Name, h)
				}
				byPath[cr.Path][m] = h
			}
			names[cr.Path] = append(names[cr.Path], cr.Name)
		}
		for _, p := range paths {
			c.Handle("/"+v.Name()+p, e.control(true, byPath[p])).Name("control." + v.Name() + "." + strings.Join(names[p], "|"))
		}
	}
}

// controlErr is a control-plane error: {"error": ..., "problems": [...]}.
type controlErr struct {
	Status   int            `json:"-"`
	Message  string         `json:"error"`
	Problems []core.Problem `json:"problems,omitempty"`
}

func (c *controlErr) Error() string { return c.Message }

func controlError(status int, format string, args ...any) *controlErr {
	return &controlErr{Status: status, Message: fmt.Sprintf(format, args...)}
}

// controlFunc is one control-plane operation.
type controlFunc func(*http.Request) (*core.Response, error)

// methods maps HTTP methods to the operations of one control path.
type methods map[string]controlFunc

func notFound(format string) methods {
	return methods{"": func(r *http.Request) (*core.Response, error) {
		return nil, controlError(http.StatusNotFound, format, r.Method, r.URL.Path)
	}}
}

// control adapts a control path: admin token, method dispatch, recovery,
// JSON errors. The control plane is never journaled or faulted.
func (e *Emulator) control(protected bool, ms methods) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				e.logger.Error("control panic", "path", r.URL.Path, "panic", fmt.Sprint(p))
				writeControl(w, nil, controlError(http.StatusInternalServerError, "internal error: %v", p))
			}
		}()
		if protected && e.cfg.AdminToken != "" && !e.adminAuthorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chatemu control plane"`)
			writeControl(w, nil, controlError(http.StatusUnauthorized, "the control plane needs Authorization: Bearer <admin token>"))
			return
		}
		h, ok := ms[r.Method]
		if !ok {
			h, ok = ms[""]
		}
		if !ok {
			writeControl(w, nil, controlError(http.StatusMethodNotAllowed, "%s does not accept %s", r.URL.Path, r.Method))
			return
		}
		// What the action causes (a person writing to a bot) is delivered
		// once the action has been answered.
		out := outbound.NewOutbox(outbound.OriginOf(r))
		resp, err := h(r.WithContext(outbound.WithOutbox(r.Context(), out)))
		writeControl(w, resp, err)
		if out.Len() > 0 {
			_ = http.NewResponseController(w).Flush()
			e.outbound.SubmitOutbox(out)
		}
	})
}

func (e *Emulator) adminAuthorized(r *http.Request) bool {
	token := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	} else {
		token = r.Header.Get("X-Chatemu-Admin-Token")
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(e.cfg.AdminToken)) == 1
}

func writeControl(w http.ResponseWriter, resp *core.Response, err error) {
	resp = controlAnswer(resp, err)
	if resp == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	_, _ = resp.Write(w)
}

// controlAnswer is the answer a control operation's result is sent as:
// the response, or its error as {"error", "problems"}; nil is 204.
func controlAnswer(resp *core.Response, err error) *core.Response {
	if err != nil {
		var ce *controlErr
		var ve *core.ValidationError
		var ae *core.APIError
		switch {
		case errors.As(err, &ce):
		case errors.As(err, &ae) && ae.Status != 0:
			ce = &controlErr{Status: ae.Status, Message: ae.Message}
		case errors.As(err, &ve):
			ce = &controlErr{Status: http.StatusBadRequest, Message: ve.Source + " is not valid", Problems: ve.Problems}
		case errors.As(err, &ae):
			ce = &controlErr{Status: ae.Status, Message: ae.Message}
			if ce.Status == 0 {
				ce.Status = http.StatusInternalServerError
			}
		default:
			ce = &controlErr{Status: http.StatusBadRequest, Message: err.Error()}
		}
		resp = core.JSON(ce.Status, ce)
	}
	return resp
}

func (e *Emulator) healthz(*http.Request) (*core.Response, error) {
	return core.OK(map[string]string{"status": "ok"}), nil
}

func (e *Emulator) reset(*http.Request) (*core.Response, error) {
	if err := e.Reset(); err != nil {
		return nil, controlError(http.StatusInternalServerError, "reset failed: %v", err)
	}
	return core.OK(map[string]string{"status": "reset"}), nil
}

// requests lists the journal: ?vendor=&operation=&since=<seq or RFC 3339>&limit=
func (e *Emulator) requests(r *http.Request) (*core.Response, error) {
	q := r.URL.Query()
	f := core.JournalFilter{Vendor: q.Get("vendor"), Operation: q.Get("operation")}
	if s := q.Get("since"); s != "" {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			f.AfterSeq = n
		} else if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			f.Since = t
		} else {
			return nil, controlError(http.StatusBadRequest, "since must be a sequence number or an RFC 3339 time, got %q", s)
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, controlError(http.StatusBadRequest, "limit must be a non-negative integer, got %q", s)
		}
		f.Limit = n
	}
	return core.OK(map[string]any{"requests": e.journal.Find(f), "last_seq": e.journal.LastSeq()}), nil
}

// deliveries lists the delivery journal:
// ?vendor=&event=&tenant=&outcome=&since=<seq>&limit=
func (e *Emulator) deliveries(r *http.Request) (*core.Response, error) {
	q := r.URL.Query()
	f := outbound.Filter{Vendor: q.Get("vendor"), Event: q.Get("event"), Tenant: q.Get("tenant"), Outcome: q.Get("outcome")}
	if s := q.Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, controlError(http.StatusBadRequest, "since must be a delivery sequence number, got %q", s)
		}
		f.Since = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, controlError(http.StatusBadRequest, "limit must be a non-negative integer, got %q", s)
		}
		f.Limit = n
	}
	list, last := e.outbound.Journal().List(f)
	return core.OK(map[string]any{"deliveries": list, "last_seq": last, "pending": e.outbound.Pending()}), nil
}

func (e *Emulator) clearDeliveries(*http.Request) (*core.Response, error) {
	e.outbound.Journal().Clear()
	return nil, nil
}

func (e *Emulator) clearRequests(*http.Request) (*core.Response, error) {
	e.journal.Clear()
	return nil, nil
}

type clockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

func (e *Emulator) clockGet(*http.Request) (*core.Response, error) {
	return core.OK(clockState{Now: e.clock.Now(), Frozen: e.clock.Frozen()}), nil
}

// clockSet takes {"now": RFC 3339, "freeze": bool} and/or {"advance": "168h"}.
func (e *Emulator) clockSet(r *http.Request) (*core.Response, error) {
	var body struct {
		Now     *time.Time `json:"now"`
		Freeze  *bool      `json:"freeze"`
		Advance string     `json:"advance"`
	}
	if err := decodeControlJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Now == nil && body.Advance == "" && body.Freeze == nil {
		return nil, controlError(http.StatusBadRequest, `send {"now": "<RFC 3339>", "freeze": true|false} or {"advance": "<Go duration, e.g. 168h>"}`)
	}
	var advance time.Duration
	if body.Advance != "" {
		d, err := time.ParseDuration(body.Advance)
		if err != nil {
			return nil, controlError(http.StatusBadRequest, "advance must be a Go duration such as 90s or 168h, got %q", body.Advance)
		}
		advance = d
	}
	freeze := e.clock.Frozen()
	if body.Freeze != nil {
		freeze = *body.Freeze
	}
	var err error
	switch {
	case body.Now != nil:
		err = e.clock.Set(*body.Now, freeze)
	case body.Freeze != nil:
		err = e.clock.Set(e.clock.Now(), freeze)
	}
	if err == nil && advance != 0 {
		err = e.clock.Advance(advance)
	}
	if err != nil {
		return nil, controlError(http.StatusBadRequest, "%v", err)
	}
	return e.clockGet(r)
}

// readControlBody reads a control-plane document (a seed, a snapshot, a
// scenario), refusing one over maxControlBody with 413.
func readControlBody(r *http.Request, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		return nil, controlError(http.StatusBadRequest, "reading the body: %v", err)
	}
	if len(data) > maxControlBody {
		return nil, controlError(http.StatusRequestEntityTooLarge, "%s are limited to %d bytes", what, maxControlBody)
	}
	return data, nil
}

func (e *Emulator) seed(r *http.Request) (*core.Response, error) {
	data, err := readControlBody(r, "seed documents")
	if err != nil {
		return nil, err
	}
	doc, err := e.Seed("request body", data)
	if err != nil {
		return nil, err
	}
	var vendors []string
	for _, v := range vendorNames {
		if _, ok := doc.Sections[v]; ok {
			vendors = append(vendors, v)
		}
	}
	return core.OK(map[string]any{"status": "seeded", "vendors": vendors}), nil
}

func decodeControlJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return controlError(http.StatusBadRequest, "malformed JSON body: %v", err)
	}
	return nil
}
