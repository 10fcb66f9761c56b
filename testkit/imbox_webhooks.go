package testkit

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator/imbox"
)

// ImBoxWebhook is where an account's chat webhooks (agentMessage,
// visitorMessage, visitorIdentification) go: URL receives each as a JSON
// POST. With Secret, each carries X-Imbox-Signature: sha256=<hex
// HMAC-SHA256 of the body> (imbox.Signature); Headers are sent as they
// are (an Authorization, say).
type ImBoxWebhook struct {
	URL     string
	Secret  string
	Headers map[string]string
}

// SetWebhook configures an account's chat webhooks (as ImBox Customer
// Service does for a real account), replacing what it had; a zero
// ImBoxWebhook turns them off. sid 0 means ImBoxDocSID. The fixture's
// account fields webhookUrl, webhookSecret and webhookHeaders do the same
// from the start.
func (b *ImBox) SetWebhook(t testing.TB, sid int64, w ImBoxWebhook) {
	t.Helper()
	if sid == 0 {
		sid = ImBoxDocSID
	}
	body := map[string]any{"webhookUrl": w.URL, "webhookSecret": w.Secret}
	if len(w.Headers) > 0 {
		body["webhookHeaders"] = w.Headers
	}
	b.call(t, http.MethodPut, fmt.Sprintf("/%d/webhook", sid), body, nil)
}

// ImBoxIdentity is who a visitor identifies as (a BankID answer, in the
// ImBox documentation's example). Name defaults to GivenName and Surname.
type ImBoxIdentity struct {
	PersonalNumber string // "198809293935"; required
	Name           string // "PER MORBERG"
	GivenName      string // "PER"
	Surname        string // "MORBERG"
}

// IdentifyVisitor is the visitor identifying in the widget at the given
// time: the conversation keeps the identity and the account's webhook gets
// a visitorIdentification.
func (c *ImBoxConversation) IdentifyVisitor(t testing.TB, at time.Time, who ImBoxIdentity) {
	t.Helper()
	body := c.timed(at, "personalNumber", who.PersonalNumber)
	for name, value := range map[string]string{"name": who.Name, "givenName": who.GivenName, "surname": who.Surname} {
		if value != "" {
			body[name] = value
		}
	}
	c.b.call(t, http.MethodPost, c.path("/identification"), body, nil)
}

// VisitorID is the visitor uuid the conversation's webhooks name
// (event.visitor.id).
func (c *ImBoxConversation) VisitorID() string { return imbox.VisitorID(c.SID, c.ID) }
