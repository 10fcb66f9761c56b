// Package outbound is chatemu's delivery engine: the calls a vendor makes
// to the system under test (Bitrix24 bot events, ImbaChat's user-info
// requests, ImBox chat webhooks). It is the mirror of the inbound request
// pipeline: a vendor package decides who receives what and builds the exact
// request; the engine queues it until the request that caused it has been
// answered, sends it with a handler timeout and no retries, applies the
// scenario engine's delivery faults (drop, delay, duplicate, reorder) and
// records each attempt in a bounded delivery journal.
package outbound

import (
	"context"
	"net/http"
	"sync"
)

// Delivery is one call a vendor makes to a handler URL.
type Delivery struct {
	// Vendor is the sending vendor ("bitrix24"); Event names the call
	// ("ONIMBOTMESSAGEADD", "users_info", "visitorMessage"): scenario rules
	// and journal filters match on both.
	Vendor string
	Event  string
	// Tenant is the tenant the call belongs to ("portal:default").
	Tenant string
	// URL is where the call goes; Method defaults to POST.
	URL    string
	Method string
	// ContentType is the body's type; Header holds any other headers
	// (User-Agent, Authorization).
	ContentType string
	Header      http.Header
	Body        []byte
	// Reply, when set, receives the handler's answer (or the failure) on the
	// engine's goroutine just before the attempt is journaled (a record in
	// the journal means its Reply has returned): a vendor that reads
	// what the handler answers (ImbaChat's user profiles) stores it from
	// there. A dropped delivery's Reply gets Outcome "dropped"; a duplicated
	// one's is called once, for the first copy.
	Reply func(Result)
}

// Result is the outcome of one attempt.
type Result struct {
	// Outcome is one of the Outcome* constants.
	Outcome string
	// Status is the handler's HTTP status, 0 when it gave none.
	Status int
	// Body is the start of the handler's answer (at most MaxReplyBody bytes).
	Body []byte
	// Err says what went wrong, nil when delivered.
	Err error
}

// Outcomes of a delivery attempt.
const (
	OutcomeDelivered    = "delivered"     // the handler answered 2xx
	OutcomeHandlerError = "handler_error" // the handler answered another status, or broke the connection
	OutcomeTimeout      = "timeout"       // no answer within the handler timeout
	OutcomeRefused      = "refused"       // no connection (refused, unknown host, bad URL)
	OutcomeDropped      = "dropped"       // never sent: a scenario dropped it, the queue was full, or the emulator shut down
)

// Outbox collects the deliveries one request (or control-plane action)
// causes; they are submitted once it has been answered, and only if it was.
type Outbox struct {
	// Origin is the scheme and host the causing request reached chatemu at
	// ("http://127.0.0.1:8080"): vendors point callback endpoints there
	// (Bitrix24's auth[client_endpoint]).
	Origin string

	mu sync.Mutex
	ds []Delivery
}

// NewOutbox returns an empty outbox for requests that reached origin.
func NewOutbox(origin string) *Outbox { return &Outbox{Origin: origin} }

// Add queues deliveries in the outbox (nothing is sent yet).
func (o *Outbox) Add(ds ...Delivery) {
	o.mu.Lock()
	o.ds = append(o.ds, ds...)
	o.mu.Unlock()
}

// Len is how many deliveries the outbox holds.
func (o *Outbox) Len() int {
	if o == nil {
		return 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ds)
}

// take empties the outbox.
func (o *Outbox) take() []Delivery {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ds := o.ds
	o.ds = nil
	return ds
}

// OriginOf is the scheme and host r reached chatemu at.
func OriginOf(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "127.0.0.1"
	}
	return scheme + "://" + host
}

type outboxKey struct{}

// WithOutbox returns ctx carrying o (the control plane hands one to each
// action, submitted once the action has been answered).
func WithOutbox(ctx context.Context, o *Outbox) context.Context {
	return context.WithValue(ctx, outboxKey{}, o)
}

// FromContext is the outbox ctx carries, nil when none.
func FromContext(ctx context.Context) *Outbox {
	o, _ := ctx.Value(outboxKey{}).(*Outbox)
	return o
}
