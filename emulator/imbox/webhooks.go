package imbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
)

// This file is ImBox's chat webhooks (docs.imbox.io/integration/webhook;
// vendor-events reference §3.1): the JSON an account's webhook URL is
// POSTed when a visitor writes, an agent answers or a visitor is
// identified. The page shows the bodies only; transport, signing and
// timestamps are chatemu's decisions (docs/fidelity.md, "Chat webhooks").

// Webhook event types, the body's event.type (and the delivery's event).
const (
	EventAgentMessage          = "agentMessage"
	EventVisitorMessage        = "visitorMessage"
	EventVisitorIdentification = "visitorIdentification"
)

// SignatureHeader carries the HMAC-SHA256 of the body, "sha256=<hex>", when
// the account has a webhookSecret. ImBox documents no signing: this is
// chatemu's, off unless configured.
const SignatureHeader = "X-Imbox-Signature"

// Bounds of an account's webhook configuration.
const (
	maxWebhookHeaders = 20
	maxHeaderValue    = maxPage
)

// reservedHeaders are headers a webhookHeaders map may not set: the engine
// or the body decides them.
var reservedHeaders = map[string]bool{"Content-Type": true, "Content-Length": true, "Host": true,
	"Transfer-Encoding": true, "Connection": true, SignatureHeader: true}

// webhookConfig is where an account's webhooks go and how they are signed.
type webhookConfig struct {
	URL     string            `json:"webhookUrl,omitempty"`
	Secret  string            `json:"webhookSecret,omitempty"`
	Headers map[string]string `json:"webhookHeaders,omitempty"`
}

// problems lists what is wrong with a configuration, each at its JSON
// pointer under path ("/imbox/accounts/0").
func (w *webhookConfig) problems(path string) []core.Problem {
	var out []core.Problem
	add := func(at, format string, args ...any) {
		out = append(out, core.Problem{Path: path + at, Reason: fmt.Sprintf(format, args...)})
	}
	if w.URL != "" {
		if reason := tooLong("webhookUrl", w.URL, maxPage); reason != "" {
			add("/webhookUrl", "%s", reason)
		} else if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("/webhookUrl", "expected an absolute http or https URL, got %q", clip(w.URL))
		}
	}
	if reason := tooLong("webhookSecret", w.Secret, maxShortText); reason != "" {
		add("/webhookSecret", "%s", reason)
	}
	if len(w.Headers) > maxWebhookHeaders {
		add("/webhookHeaders", "at most %d headers, got %d", maxWebhookHeaders, len(w.Headers))
		return out
	}
	names := make([]string, 0, len(w.Headers))
	for name := range w.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		at := "/webhookHeaders/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
		switch {
		case !headerName(name) || len(name) > maxShortText:
			add(at, "%q is not a header name", clip(name))
		case reservedHeaders[http.CanonicalHeaderKey(name)]:
			add(at, "%s is set by chatemu and cannot be configured", http.CanonicalHeaderKey(name))
		case len(w.Headers[name]) > maxHeaderValue:
			add(at, "a header value is limited to %d bytes, got %d", maxHeaderValue, len(w.Headers[name]))
		case strings.ContainsAny(w.Headers[name], "\r\n\x00"):
			add(at, "a header value may not hold CR, LF or NUL")
		}
	}
	return out
}

// headerName reports whether s is an HTTP header name (RFC 9110 token).
func headerName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// webhookBody is the documented body: the event and when the webhook was
// executed.
type webhookBody struct {
	Event     webhookEvent `json:"event"`
	EventTime string       `json:"eventTime"`
}

// webhookEvent is the body's event, keys in the documentation's order.
// Messages carry text, visitorIdentification the identified user.
type webhookEvent struct {
	Agent     *webhookAgent   `json:"agent,omitempty"`
	Visitor   *webhookVisitor `json:"visitor,omitempty"`
	Channel   string          `json:"channel"`
	Type      string          `json:"type"`
	Text      *string         `json:"text,omitempty"`
	User      *identityUser   `json:"user,omitempty"`
	Timestamp string          `json:"timestamp"`
}

type webhookAgent struct {
	Email string `json:"email"`
}

type webhookVisitor struct {
	ID string `json:"id"`
}

// identityUser is who a visitorIdentification identified (a BankID
// answer: the Swedish personal number and the names).
type identityUser struct {
	PersonalNumber string `json:"personalNumber"`
	Name           string `json:"name"`
	GivenName      string `json:"givenName"`
	Surname        string `json:"surname"`
}

// messageEvent is the webhook event of a visitor's or an agent's message;
// false for a system message.
func (m *model) messageEvent(c *conversation, msg *message) (webhookEvent, bool) {
	ev := webhookEvent{Channel: c.Channel, Text: &msg.Text, Timestamp: formatDate(msg.Date)}
	switch {
	case msg.fromVisitor():
		ev.Type, ev.Visitor = EventVisitorMessage, &webhookVisitor{ID: c.visitorID()}
	case msg.fromAgent():
		a, _ := m.accountAgent(c.SID, *msg.AgentID)
		ev.Type, ev.Agent = EventAgentMessage, &webhookAgent{Email: a.Email}
	default:
		return ev, false
	}
	return ev, true
}

// identificationEvent is the webhook event of a visitor identified at.
func identificationEvent(c *conversation, user identityUser, at time.Time) webhookEvent {
	return webhookEvent{Visitor: &webhookVisitor{ID: c.visitorID()}, Channel: c.Channel,
		Type: EventVisitorIdentification, User: &user, Timestamp: formatDate(at)}
}

// webhooks is the delivery of ev to the account's webhook URL, built now
// (eventTime); none when the account has no URL.
func (m *model) webhooks(sid int64, ev webhookEvent, now time.Time) []outbound.Delivery {
	acc, ok := m.accounts.Get(sid)
	if !ok || acc.webhookConfig.URL == "" {
		return nil
	}
	body := compactJSON(webhookBody{Event: ev, EventTime: formatDate(now)})
	header := http.Header{}
	for name, value := range acc.webhookConfig.Headers {
		header.Set(name, value)
	}
	if acc.webhookConfig.Secret != "" {
		header.Set(SignatureHeader, Signature(acc.webhookConfig.Secret, body))
	}
	return []outbound.Delivery{{Vendor: vendorName, Event: ev.Type, Tenant: tenant(sid), URL: acc.webhookConfig.URL,
		Method: http.MethodPost, ContentType: "application/json", Header: header, Body: body}}
}

// Signature is the SignatureHeader value of body under secret:
// "sha256=" and the hex HMAC-SHA256. A receiver recomputes it over the raw
// body and compares with hmac.Equal.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// compactJSON encodes v on one line with URLs and <, >, & as they are (the
// way a JavaScript server's JSON.stringify writes them).
func compactJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// visitorNamespace is the UUID namespace of visitor ids (RFC 9562's URL
// namespace).
var visitorNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// VisitorID is the visitor uuid webhooks name for a conversation: a
// version 5 UUID of "imbox:<sid>:<conversationID>" in the URL namespace,
// so the same conversation always has the same visitor, across resets,
// snapshots and instances.
func VisitorID(sid int64, conversationID string) string {
	h := sha1.New()
	h.Write(visitorNamespace[:])
	h.Write([]byte("imbox:" + strconv.FormatInt(sid, 10) + ":" + conversationID))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func (c *conversation) visitorID() string { return VisitorID(c.SID, c.Channel) }
