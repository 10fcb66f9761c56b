package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
)

// The live journal (GET /_emulator/events, docs/dashboard.md): the
// requests, deliveries and person acts of an instance as they happen, as
// server-sent events. Nothing of it runs while nobody listens; while
// someone does, the vendor path only wakes the listeners (a non-blocking
// send each) and keeps each record's detail, and each listener reads at
// most liveBatch records per liveTick, passing over the rest with a
// "missed" event.
const (
	// maxLiveClients bounds the fan-out: one more is refused with 503.
	maxLiveClients = 16
	// liveTick is how often a listener reads what woke it.
	liveTick = 250 * time.Millisecond
	// liveLead is how long before a look a listener allows the records
	// their detail again.
	liveLead = 25 * time.Millisecond
	// liveBatch is how many requests and deliveries a listener reads per
	// tick: 200 a second of each, more than a page can show.
	liveBatch = 50
	// liveKeepAlive is how often an idle stream sends a comment, so that
	// proxies and browsers keep it open.
	liveKeepAlive = 15 * time.Second
	// actBuffer is how many acts wait for a slow listener before the
	// oldest new ones are dropped (and counted as missed).
	actBuffer = 64
)

// Act is a person's action done through the control plane (a visitor
// writing, an operator answering): the live journal shows it beside the
// requests and deliveries it causes.
type Act struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"` // emulator clock
	Vendor string    `json:"vendor"`
	// Action is the control route's name ("postMessage", "room.write").
	Action string `json:"action"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	// Body and Answer are the start of the action's body and answer.
	Body   string `json:"body,omitempty"`
	Answer string `json:"answer,omitempty"`
}

// liveHub hands acts to the live listeners and counts them.
type liveHub struct {
	mu        sync.Mutex
	listeners map[*liveListener]struct{}
	count     atomic.Int32
	seq       atomic.Uint64
}

type liveListener struct {
	acts   chan Act
	missed atomic.Uint64
}

// join adds a listener, or reports false when maxLiveClients listen.
func (h *liveHub) join() (*liveListener, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.listeners) >= maxLiveClients {
		return nil, false
	}
	if h.listeners == nil {
		h.listeners = map[*liveListener]struct{}{}
	}
	l := &liveListener{acts: make(chan Act, actBuffer)}
	h.listeners[l] = struct{}{}
	h.count.Add(1)
	return l, true
}

func (h *liveHub) leave(l *liveListener) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.listeners, l)
	h.count.Add(-1)
}

// publish hands an act to every listener without waiting for any.
func (h *liveHub) publish(a Act) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.listeners {
		select {
		case l.acts <- a:
		default:
			l.missed.Add(1)
		}
	}
}

// announced wraps a vendor's control action so that, while the live
// journal has listeners, what it did is shown there.
func (e *Emulator) announced(vendor, action string, h controlFunc) controlFunc {
	return func(r *http.Request) (*core.Response, error) {
		if e.live.count.Load() == 0 {
			return h(r)
		}
		body, err := readControlBody(r, "control bodies")
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		resp := controlAnswer(h(r))
		a := Act{Seq: e.live.seq.Add(1), Time: e.clock.Now(), Vendor: vendor, Action: action, Method: r.Method,
			Path: r.URL.Path, Status: http.StatusNoContent, Body: clipBody(body)}
		if resp != nil {
			a.Status = resp.Status
			if answer, _, err := resp.Encode(); err == nil {
				a.Answer = clipBody(answer)
			}
		}
		e.live.publish(a)
		return resp, nil
	}
}

// clipBody is the start of a body as the live journal shows it.
func clipBody(b []byte) string {
	if len(b) > core.MaxDetailBody {
		return strings.ToValidUTF8(string(b[:core.MaxDetailBody]), "\uFFFD") + fmt.Sprintf("…(%d bytes)", len(b))
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// liveAuthorized accepts the admin token as the other control routes do,
// or as ?token= (an EventSource cannot send headers).
func (e *Emulator) liveAuthorized(r *http.Request) bool {
	if e.cfg.AdminToken == "" || e.adminAuthorized(r) {
		return true
	}
	t := r.URL.Query().Get("token")
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(e.cfg.AdminToken)) == 1
}

// liveCursor is where a stream stands: the last request and delivery sent.
// It travels as the events' id ("<request seq>.<delivery seq>"), so that a
// reconnecting EventSource resumes where it stopped.
type liveCursor struct{ requests, deliveries uint64 }

func (c liveCursor) id() string { return fmt.Sprintf("%d.%d", c.requests, c.deliveries) }

// startCursor reads Last-Event-ID, else ?since=&dsince=, else now.
func (e *Emulator) startCursor(r *http.Request) (liveCursor, error) {
	_, dlast := e.outbound.Journal().List(outbound.Filter{Limit: 1})
	c := liveCursor{requests: e.journal.LastSeq(), deliveries: dlast}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		rs, ds, ok := strings.Cut(id, ".")
		rn, err1 := strconv.ParseUint(rs, 10, 64)
		dn, err2 := strconv.ParseUint(ds, 10, 64)
		if ok && err1 == nil && err2 == nil {
			return liveCursor{rn, dn}, nil
		}
	}
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *uint64
	}{{"since", &c.requests}, {"dsince", &c.deliveries}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return c, fmt.Errorf("%s must be a sequence number, got %q", p.name, s)
			}
			*p.dst = n
		}
	}
	return c, nil
}

// serveEvents is GET /_emulator/events: the live journal as server-sent
// events "request" (an Exchange), "delivery" (a Delivery), "act" (an Act)
// and "missed" ({"requests": N, "deliveries": N, "acts": N} passed over).
func (e *Emulator) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !e.liveAuthorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chatemu control plane"`)
		writeControl(w, nil, controlError(http.StatusUnauthorized, "the live journal needs Authorization: Bearer <admin token> or ?token=<admin token>"))
		return
	}
	if r.Method != http.MethodGet {
		writeControl(w, nil, controlError(http.StatusMethodNotAllowed, "%s does not accept %s", r.URL.Path, r.Method))
		return
	}
	cur, err := e.startCursor(r)
	if err != nil {
		writeControl(w, nil, controlError(http.StatusBadRequest, "%v", err))
		return
	}
	l, ok := e.live.join()
	if !ok {
		writeControl(w, nil, controlError(http.StatusServiceUnavailable, "the live journal serves at most %d listeners at once", maxLiveClients))
		return
	}
	defer e.live.leave(l)
	watch := e.journal.Watch()
	defer watch.Close()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &liveStream{w: w, cur: cur}
	s.comment("chatemu live journal")
	// Woken by a record, the stream waits for its look and listens to
	// neither journal meanwhile: a busy vendor path then costs it no
	// wake-ups at all. Shortly before the look it allows the next records
	// their detail again, so that under load (when the ring has turned
	// since the last look) the records it reads are ones that kept it.
	grant, look := time.NewTimer(liveTick), time.NewTimer(0) // what came before the stream opened goes first
	grant.Stop()
	waiting := true
	var requests <-chan struct{}
	var deliveries <-chan struct{}
	keepAlive := time.NewTicker(liveKeepAlive)
	defer keepAlive.Stop()
	for s.err == nil {
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-e.closing:
			return
		case <-requests:
		case <-deliveries:
		case a := <-l.acts:
			s.send("act", a)
			continue
		case <-keepAlive.C:
			s.comment("")
			continue
		case <-grant.C:
			e.journal.KeepDetail(2 * liveBatch)
			look.Reset(liveLead)
			continue
		case <-look.C:
			waiting = false
			requests, deliveries = watch.C, e.outbound.Journal().Changed()
			e.sendNew(s, l)
			// Twice the batch: the requests in flight now are recorded
			// first, without it. At a person's pace, every one keeps it.
			e.journal.KeepDetail(2 * liveBatch)
			continue
		}
		if !waiting {
			grant.Reset(liveTick - liveLead)
			waiting = true
			requests, deliveries = nil, nil
		}
	}
}

// sendNew sends the requests and deliveries made since the cursor, at
// most liveBatch of each (the oldest requests that kept their detail when
// more came; the newest deliveries), and what was passed over.
func (e *Emulator) sendNew(s *liveStream, l *liveListener) {
	var missed struct {
		Requests   uint64 `json:"requests,omitempty"`
		Deliveries uint64 `json:"deliveries,omitempty"`
		Acts       uint64 `json:"acts,omitempty"`
	}
	exs, n, upto := e.journal.After(s.cur.requests, liveBatch)
	missed.Requests = n
	for i := range exs {
		s.cur.requests = exs[i].Seq
		s.send("request", &exs[i])
	}
	s.cur.requests = upto
	list, last := e.outbound.Journal().List(outbound.Filter{Since: s.cur.deliveries, Limit: liveBatch})
	if len(list) > 0 && list[0].Seq > s.cur.deliveries+1 && len(list) == liveBatch {
		missed.Deliveries = list[0].Seq - s.cur.deliveries - 1
	}
	for i := range list {
		s.cur.deliveries = list[i].Seq
		s.send("delivery", &list[i])
	}
	s.cur.deliveries = max(s.cur.deliveries, last)
	missed.Acts = l.missed.Swap(0)
	if missed.Requests+missed.Deliveries+missed.Acts > 0 {
		s.send("missed", missed)
	}
}

// liveStream writes server-sent events, remembering the first error.
type liveStream struct {
	w   io.Writer
	cur liveCursor
	err error
}

func (s *liveStream) send(event string, v any) {
	if s.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		s.err = err
		return
	}
	_, s.err = fmt.Fprintf(s.w, "event: %s\nid: %s\ndata: %s\n\n", event, s.cur.id(), data)
}

func (s *liveStream) comment(text string) {
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, ": %s\n\n", text)
	}
}
