package core

import (
	"github.com/chatemu/chatemu/internal/outbound"
	"net/http"
	"time"
)

// Request is one decoded vendor request as handlers see it.
type Request struct {
	HTTP   *http.Request
	Vendor string            // "imbachat"
	Route  string            // the route's name, "imbachat.get_rooms"
	Vars   map[string]string // path variables
	Params *Params           // query and body merged
	Now    time.Time         // the emulator clock when the request arrived
	// Tenant names the authenticated tenant (a widget, a portal, an
	// account); auth sets it, the journal and fault matching read it.
	Tenant string
	// Claim is what the vendor's ClaimedTenant read from the request, kept
	// for its auth to confirm, so that the tenant is resolved once.
	Claim any
	// Principal is what auth established (a vendor's own type), for the
	// handler to use.
	Principal any

	auth     AuthFunc // the route's; nil: none
	authDone bool
	authErr  error
	outbox   *outbound.Outbox
	start    time.Time // when the request arrived (wall clock)
	recorded bool      // journaled already
	watched  bool      // the live journal keeps this exchange's detail
}

// Outbox is where a handler puts the deliveries its request causes (a bot
// event, a webhook): the pipeline submits them once the request has been
// answered. A handler that fails has its outbox discarded with its answer
// only if it added nothing: add deliveries after the change that causes
// them has been made.
func (r *Request) Outbox() *outbound.Outbox {
	if r.outbox == nil {
		origin := "http://127.0.0.1"
		if r.HTTP != nil {
			origin = outbound.OriginOf(r.HTTP)
		}
		r.outbox = outbound.NewOutbox(origin)
	}
	return r.outbox
}

// Authenticate checks the request's credentials with its route's auth,
// once: later calls answer the first one's result. The pipeline calls it
// before the handler; a fault rule that must know whether a request is
// authentic (a rate limit spending a tenant's bucket) may call it first.
func (r *Request) Authenticate() error {
	if !r.authDone {
		r.authDone = true
		if r.auth != nil {
			r.authErr = r.auth(r)
		}
	}
	return r.authErr
}
