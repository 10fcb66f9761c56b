package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Fault is what a scenario rule does to a delivery.
type Fault struct {
	// Kind is FaultDrop, FaultDelay, FaultDuplicate or FaultReorder.
	Kind string
	// Delay: how long a delayed delivery waits; how long at most a
	// reordered one waits for the next delivery to its handler.
	Delay time.Duration
	// Copies: how many extra copies a duplicated delivery is sent as
	// (default 1, so the handler receives it twice).
	Copies int
	// Rule names the rule that acted ("scenario/rule").
	Rule string
}

// Fault kinds.
const (
	FaultDrop      = "drop"
	FaultDelay     = "delay"
	FaultDuplicate = "duplicate"
	FaultReorder   = "reorder"
)

// FaultPicker decides whether a fault acts on a delivery (the scenario
// engine implements it).
type FaultPicker interface {
	PickDelivery(d *Delivery) (Fault, bool)
}

// Bounds of the engine: what is waiting to be sent (queued, delayed or in
// flight) is capped in number and bytes; beyond either, a delivery is
// journaled as dropped ("delivery queue full") instead of queued.
const (
	MaxPending      = 10000
	MaxPendingBytes = 16 << 20
	// MaxReplyBody is how much of a handler's answer is read.
	MaxReplyBody = 1 << 20
	// maxSending caps the attempts in flight at once (handlers are
	// independent, but a test machine's sockets are not endless).
	maxSending = 64
	// DefaultTimeout is the handler timeout when none is configured.
	DefaultTimeout = 5 * time.Second
	// defaultReorderHold is how long a reordered delivery waits for a
	// successor when the rule gives no delay.
	defaultReorderHold = time.Second
)

// UserAgent is sent when a delivery sets none.
const UserAgent = "chatemu"

// Config configures an Engine.
type Config struct {
	// Timeout is the handler timeout (DefaultTimeout when 0).
	Timeout time.Duration
	// JournalSize is how many attempts the journal keeps.
	JournalSize int
	// Now is the emulator clock (journal times); time.Now when nil.
	Now func() time.Time
	// Faults are consulted for every delivery; nil: none.
	Faults FaultPicker
	Logger *slog.Logger
}

// Engine queues and sends an instance's deliveries.
type Engine struct {
	timeout time.Duration
	now     func() time.Time
	faults  FaultPicker
	logger  *slog.Logger
	journal *Journal
	client  *http.Client
	sending chan struct{} // semaphore of attempts in flight

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// finishing is held for reading while an attempt's result is checked
	// against the generation, handed to its Reply and journaled, and for
	// writing by Reset: once Reset returns, no Reply of an older delivery
	// runs or is about to (it would write into the state reset next), and
	// no older record reaches the cleared journal.
	finishing sync.RWMutex

	mu           sync.Mutex
	lanes        map[string]*lane
	pending      int
	pendingBytes int
	generation   uint64 // raised by Reset: older items are forgotten
	timers       map[*time.Timer]*item
	closed       bool
}

// lane is the queue of one handler URL: its deliveries are sent one at a
// time, in order, so that a handler sees a request's events in the order
// they happened, and a slow handler holds up only its own lane.
type lane struct {
	url     string
	queue   []*item
	running bool
	arrive  chan struct{} // signalled when an item is queued
}

type item struct {
	d          Delivery
	fault      string
	size       int
	generation uint64
	reorder    time.Duration // > 0: send after the next item of the lane
	queuedAt   time.Time
}

// New starts an engine.
func New(cfg Config) *Engine {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	transport := &http.Transport{
		Proxy:               nil, // handlers are the tester's own servers
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: maxSending,
		IdleConnTimeout:     30 * time.Second,
	}
	return &Engine{
		timeout: cfg.Timeout, now: cfg.Now, faults: cfg.Faults, logger: cfg.Logger,
		journal: NewJournal(cfg.JournalSize),
		client: &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // the portal's queue follows no redirects
		}},
		sending: make(chan struct{}, maxSending),
		ctx:     ctx, cancel: cancel,
		lanes:  map[string]*lane{},
		timers: map[*time.Timer]*item{},
	}
}

// Journal is the delivery journal.
func (e *Engine) Journal() *Journal { return e.journal }

// Timeout is the handler timeout.
func (e *Engine) Timeout() time.Duration { return e.timeout }

// Pending is how many deliveries are queued, delayed or in flight.
func (e *Engine) Pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pending
}

// Deliver adds ds to o, the outbox of the request or control action that
// caused them (sent once it has been answered); with no outbox (a vendor
// method called directly, as testkit's helpers do) they are submitted at
// once. A nil engine sends nothing.
func (e *Engine) Deliver(o *Outbox, ds ...Delivery) {
	switch {
	case len(ds) == 0:
	case o != nil:
		o.Add(ds...)
	case e != nil:
		e.Submit(ds...)
	}
}

// SubmitOutbox submits what an outbox collected and empties it.
func (e *Engine) SubmitOutbox(o *Outbox) { e.Submit(o.take()...) }

// Submit queues deliveries, after the scenario engine's faults have had
// their say. It never blocks on a handler.
func (e *Engine) Submit(ds ...Delivery) {
	for i := range ds {
		e.submit(ds[i])
	}
}

func (e *Engine) submit(d Delivery) {
	if d.Method == "" {
		d.Method = http.MethodPost
	}
	var f Fault
	var faulted bool
	if e.faults != nil {
		f, faulted = e.faults.PickDelivery(&d)
	}
	it := &item{d: d, size: len(d.Body) + len(d.URL)}
	// The generation is taken first: a delivery dropped at once (by a
	// rule, or a full queue) belongs to the current one too.
	e.mu.Lock()
	it.generation = e.generation
	e.mu.Unlock()
	if faulted {
		it.fault = f.Rule
	}
	switch {
	case !faulted:
		e.enqueue(it, 0)
	case f.Kind == FaultDrop:
		e.finish(it, Result{Outcome: OutcomeDropped, Err: errors.New("dropped by scenario rule " + f.Rule)}, 0)
	case f.Kind == FaultDelay:
		e.enqueue(it, f.Delay)
	case f.Kind == FaultDuplicate:
		copies := max(f.Copies, 1)
		e.enqueue(it, 0)
		for range copies {
			dup := *it
			dup.d.Reply = nil
			e.enqueue(&dup, 0)
		}
	case f.Kind == FaultReorder:
		it.reorder = f.Delay
		if it.reorder <= 0 {
			it.reorder = defaultReorderHold
		}
		e.enqueue(it, 0)
	default:
		e.enqueue(it, 0)
	}
}

// enqueue puts it in its lane, after delay if positive.
func (e *Engine) enqueue(it *item, delay time.Duration) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	if e.pending >= MaxPending || e.pendingBytes+it.size > MaxPendingBytes {
		n := e.pending
		e.mu.Unlock()
		e.finish(it, Result{Outcome: OutcomeDropped,
			Err: fmt.Errorf("delivery queue full (%d deliveries waiting; at most %d, or %d MiB)", n, MaxPending, MaxPendingBytes>>20)}, 0)
		return
	}
	e.pending++
	e.pendingBytes += it.size
	if delay > 0 {
		var t *time.Timer
		t = time.AfterFunc(delay, func() {
			e.mu.Lock()
			delete(e.timers, t)
			e.mu.Unlock()
			e.toLane(it)
		})
		e.timers[t] = it
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	e.toLane(it)
}

// toLane appends a counted item to its lane and starts the lane's sender.
func (e *Engine) toLane(it *item) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		e.release(it)
		return
	}
	l := e.lanes[it.d.URL]
	if l == nil {
		l = &lane{url: it.d.URL, arrive: make(chan struct{}, 1)}
		e.lanes[it.d.URL] = l
	}
	it.queuedAt = time.Now()
	l.queue = append(l.queue, it)
	select {
	case l.arrive <- struct{}{}:
	default:
	}
	if !l.running {
		l.running = true
		e.wg.Add(1)
		go e.run(l)
	}
}

// release uncounts an item that leaves the engine (called with e.mu held).
func (e *Engine) release(it *item) {
	e.pending--
	e.pendingBytes -= it.size
}

// run sends a lane's items in order until it is empty.
func (e *Engine) run(l *lane) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		if len(l.queue) == 0 {
			l.running = false
			delete(e.lanes, l.url)
			e.mu.Unlock()
			return
		}
		it := l.queue[0]
		if it.reorder > 0 && len(l.queue) == 1 && !e.closed {
			// Hold it until another delivery to this handler comes (or
			// the hold ends), then send that one first.
			hold := it.reorder
			select { // forget the signal of its own arrival
			case <-l.arrive:
			default:
			}
			e.mu.Unlock()
			t := time.NewTimer(hold)
			select {
			case <-l.arrive:
			case <-t.C:
			case <-e.ctx.Done():
			}
			t.Stop()
			e.mu.Lock()
			if len(l.queue) == 1 {
				it.reorder = 0 // nothing came: send it as it is
			}
			e.mu.Unlock()
			continue
		}
		if it.reorder > 0 {
			it.reorder = 0
			if len(l.queue) > 1 { // alone only when the engine closed during its hold
				l.queue[0], l.queue[1] = l.queue[1], l.queue[0]
				it = l.queue[0]
			}
		}
		l.queue = l.queue[1:]
		stale := it.generation != e.generation
		closed := e.closed
		e.mu.Unlock()
		switch {
		case stale:
		case closed:
			e.finish(it, Result{Outcome: OutcomeDropped, Err: errors.New("the emulator shut down before the delivery was sent")}, 0)
		default:
			e.send(it)
		}
		e.mu.Lock()
		e.release(it)
		e.mu.Unlock()
	}
}

// send makes one attempt.
func (e *Engine) send(it *item) {
	select {
	case e.sending <- struct{}{}:
	case <-e.ctx.Done():
		e.finish(it, Result{Outcome: OutcomeDropped, Err: errors.New("the emulator shut down before the delivery was sent")}, 0)
		return
	}
	defer func() { <-e.sending }()
	start := time.Now()
	res := e.attempt(&it.d)
	e.finish(it, res, time.Since(start))
}

func (e *Engine) attempt(d *Delivery) Result {
	ctx, cancel := context.WithTimeout(e.ctx, e.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, d.Method, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Result{Outcome: OutcomeRefused, Err: fmt.Errorf("bad handler URL: %w", err)}
	}
	for k, vs := range d.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if d.ContentType != "" {
		req.Header.Set("Content-Type", d.ContentType)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return e.failure(ctx, 0, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxReplyBody))
	if err != nil {
		r := e.failure(ctx, resp.StatusCode, err)
		r.Body = body
		return r
	}
	res := Result{Status: resp.StatusCode, Body: body, Outcome: OutcomeDelivered}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.Outcome = OutcomeHandlerError
		res.Err = fmt.Errorf("the handler answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return res
}

// failure classifies a failed attempt.
func (e *Engine) failure(ctx context.Context, status int, err error) Result {
	switch {
	case e.ctx.Err() != nil:
		return Result{Outcome: OutcomeDropped, Status: status, Err: errors.New("the emulator shut down during the delivery")}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Result{Outcome: OutcomeTimeout, Status: status,
			Err: fmt.Errorf("the handler did not answer within %s", e.timeout)}
	}
	var op *net.OpError
	var dns *net.DNSError
	if status == 0 && (errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")) {
		return Result{Outcome: OutcomeRefused, Err: err}
	}
	return Result{Outcome: OutcomeHandlerError, Status: status, Err: err}
}

// finish hands an attempt's result (or a delivery's that was never sent)
// to the delivery's Reply, then journals it.
func (e *Engine) finish(it *item, res Result, took time.Duration) {
	e.finishing.RLock()
	defer e.finishing.RUnlock()
	e.mu.Lock()
	stale := it.generation != e.generation
	e.mu.Unlock()
	if stale {
		return
	}
	d := &it.d
	r := Record{
		Vendor: d.Vendor, Event: d.Event, Tenant: d.Tenant, URL: d.URL, Method: d.Method,
		ContentType: d.ContentType, Body: clip(string(d.Body), MaxJournalBody), BodyBytes: len(d.Body),
		Status: res.Status, Outcome: res.Outcome, Fault: it.fault,
		Response:   clip(string(res.Body), MaxJournalResponse),
		DurationMS: float64(took.Microseconds()) / 1000, At: e.now(),
	}
	if len(d.Header) > 0 {
		r.Headers = map[string]string{}
		keys := make([]string, 0, len(d.Header))
		for k := range d.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r.Headers[k] = clip(d.Header.Get(k), 512)
		}
	}
	if res.Err != nil {
		r.Error = clip(res.Err.Error(), 512)
	}
	// Reply runs before the attempt is journaled, so that whoever waits
	// for the record (testkit's WaitDelivery) sees what Reply stored.
	if d.Reply != nil && e.ctx.Err() == nil {
		d.Reply(res)
	}
	e.journal.add(r)
	e.logger.Debug("delivery", "vendor", d.Vendor, "event", d.Event, "url", d.URL, "outcome", res.Outcome, "status", res.Status)
}

// Reset forgets every delivery waiting to be sent (none of them is sent or
// journaled) and clears the journal: a fresh start for a test.
func (e *Engine) Reset() {
	e.finishing.Lock()
	defer e.finishing.Unlock()
	e.mu.Lock()
	e.generation++
	for t, it := range e.timers {
		if t.Stop() {
			e.release(it)
		}
		delete(e.timers, t)
	}
	e.mu.Unlock()
	e.journal.Clear()
}

// Close stops the engine: attempts in flight are cut off, what is still
// queued is journaled as dropped, and Close returns once every sender has
// stopped (promptly: nothing waits on a handler after the cut). Closing
// twice is fine.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		e.wg.Wait()
		return
	}
	e.closed = true
	var delayed []*item
	for t, it := range e.timers {
		if t.Stop() { // else its callback finds the engine closed
			e.release(it)
			delayed = append(delayed, it)
		}
		delete(e.timers, t)
	}
	e.mu.Unlock()
	e.cancel()
	for _, it := range delayed {
		e.finish(it, Result{Outcome: OutcomeDropped, Err: errors.New("the emulator shut down before the delivery was sent")}, 0)
	}
	e.wg.Wait()
	e.client.CloseIdleConnections()
}
