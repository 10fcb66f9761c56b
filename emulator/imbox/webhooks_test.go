package imbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/imbox"
	"github.com/chatemu/chatemu/testkit"
)

// hookClock is the frozen emulator clock of the webhook tests: every
// eventTime is built at it.
var hookClock = time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)

// hookStart is when their conversation V42 starts.
var hookStart = time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC)

// Visitor uuids of the tests' conversations (version 5 UUIDs of
// "imbox:<sid>:<conversationID>" in the URL namespace, worked out apart).
const (
	visitorV42 = "ca8dae56-ce24-5330-b0ef-40bc5875fa5a" // sid 1, V42
	visitor1V1 = "091c74e2-2d3d-51a1-bde3-db50688d6bbb" // sid 1, V1
	visitor2V1 = "85a2a229-f216-5c46-9113-9499e8897a6a" // sid 2, V1
)

// hit is one request the site under test received.
type hit struct {
	method, path string
	header       http.Header
	body         []byte
}

// site is the system under test's webhook endpoint: it records what it
// receives and answers with answer (200 when nil).
type site struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newSite(t *testing.T, answer http.HandlerFunc) *site {
	t.Helper()
	s := &site{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, hit{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
		s.mu.Unlock()
		if answer != nil {
			answer(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// received is what the site got so far.
func (s *site) received() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// hookEmu is an instance at hookClock whose account 1 posts its webhooks to
// a new site, with conversation V42 started at hookStart.
func hookEmu(t *testing.T, opts ...testkit.Option) (*testkit.Server, *site, *testkit.ImBoxConversation) {
	t.Helper()
	emu := testkit.Start(t, append([]testkit.Option{testkit.WithClock(hookClock)}, opts...)...)
	s := newSite(t, nil)
	emu.ImBox().SetWebhook(t, 1, testkit.ImBoxWebhook{URL: s.URL + "/imbox/hook"})
	chat := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V42", At: hookStart})
	return emu, s, chat
}

// checkFields compares a decoded JSON object with want field by field:
// each missing, unexpected or different field is an error naming its path.
func checkFields(t *testing.T, path string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s.%s is missing", path, k)
			continue
		}
		if wm, isObject := w.(map[string]any); isObject {
			gm, _ := g.(map[string]any)
			if gm == nil {
				t.Errorf("%s.%s = %#v, want an object", path, k, g)
				continue
			}
			checkFields(t, path+"."+k, gm, wm)
		} else if !reflect.DeepEqual(g, w) {
			t.Errorf("%s.%s = %#v, want %#v", path, k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s.%s = %#v is not expected", path, k, g)
		}
	}
}

// decodeObject decodes a JSON object, numbers kept as json.Number.
func decodeObject(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return out
}

// Every webhook kind the widget and the desk cause, as the site receives
// it: POST, Content-Type application/json, and the documented body (keys
// in the documentation's order, timestamps in the chat API's format,
// eventTime the emulator clock when the delivery was built), checked field
// by field and whole; the delivery journal has it too.
func TestWebhookBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event string
		act         func(t *testing.T, emu *testkit.Server, chat *testkit.ImBoxConversation)
		want        map[string]any
		body        string
	}{
		{"visitorMessage through the control plane", imbox.EventVisitorMessage,
			func(t *testing.T, emu *testkit.Server, _ *testkit.ImBoxConversation) {
				mustControl(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V42/messages",
					`{"sender":"visitor","message":"Hej <3 & https://example.org/?a=1","at":"2024-05-02T09:00:10Z"}`, http.StatusCreated)
			},
			map[string]any{"event": map[string]any{"visitor": map[string]any{"id": visitorV42}, "channel": "V42",
				"type": "visitorMessage", "text": "Hej <3 & https://example.org/?a=1", "timestamp": "2024-05-02T09:00:10.000Z"},
				"eventTime": "2024-05-02T12:00:00.000Z"},
			`{"event":{"visitor":{"id":"` + visitorV42 + `"},"channel":"V42","type":"visitorMessage","text":"Hej <3 & https://example.org/?a=1","timestamp":"2024-05-02T09:00:10.000Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`},
		{"agentMessage through testkit", imbox.EventAgentMessage,
			func(t *testing.T, _ *testkit.Server, chat *testkit.ImBoxConversation) {
				chat.AgentMessage(t, 1, hookStart.Add(40250*time.Millisecond), "Hej")
			},
			map[string]any{"event": map[string]any{"agent": map[string]any{"email": "john.doe@example.org"}, "channel": "V42",
				"type": "agentMessage", "text": "Hej", "timestamp": "2024-05-02T09:00:40.250Z"},
				"eventTime": "2024-05-02T12:00:00.000Z"},
			`{"event":{"agent":{"email":"john.doe@example.org"},"channel":"V42","type":"agentMessage","text":"Hej","timestamp":"2024-05-02T09:00:40.250Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`},
		{"visitorIdentification through testkit", imbox.EventVisitorIdentification,
			func(t *testing.T, _ *testkit.Server, chat *testkit.ImBoxConversation) {
				chat.IdentifyVisitor(t, hookStart.Add(time.Minute), testkit.ImBoxIdentity{
					PersonalNumber: "198809293935", Name: "PER MORBERG", GivenName: "PER", Surname: "MORBERG"})
			},
			map[string]any{"event": map[string]any{"visitor": map[string]any{"id": visitorV42}, "channel": "V42",
				"type": "visitorIdentification", "user": map[string]any{"personalNumber": "198809293935", "name": "PER MORBERG",
					"givenName": "PER", "surname": "MORBERG"}, "timestamp": "2024-05-02T09:01:00.000Z"},
				"eventTime": "2024-05-02T12:00:00.000Z"},
			`{"event":{"visitor":{"id":"` + visitorV42 + `"},"channel":"V42","type":"visitorIdentification","user":{"personalNumber":"198809293935","name":"PER MORBERG","givenName":"PER","surname":"MORBERG"},"timestamp":"2024-05-02T09:01:00.000Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`},
		{"visitorIdentification through the control plane, name from the given name and surname", imbox.EventVisitorIdentification,
			func(t *testing.T, emu *testkit.Server, _ *testkit.ImBoxConversation) {
				mustControl(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V42/identification",
					`{"personalNumber":"198809293935","givenName":"PER","surname":"MORBERG"}`, http.StatusOK)
			},
			map[string]any{"event": map[string]any{"visitor": map[string]any{"id": visitorV42}, "channel": "V42",
				"type": "visitorIdentification", "user": map[string]any{"personalNumber": "198809293935", "name": "PER MORBERG",
					"givenName": "PER", "surname": "MORBERG"}, "timestamp": "2024-05-02T12:00:00.000Z"},
				"eventTime": "2024-05-02T12:00:00.000Z"},
			`{"event":{"visitor":{"id":"` + visitorV42 + `"},"channel":"V42","type":"visitorIdentification","user":{"personalNumber":"198809293935","name":"PER MORBERG","givenName":"PER","surname":"MORBERG"},"timestamp":"2024-05-02T12:00:00.000Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, s, chat := hookEmu(t)
			tc.act(t, emu, chat)
			d := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbox", Event: tc.event})
			if d.Outcome != "delivered" || d.Status != http.StatusOK || d.Tenant != "account:1" || d.Method != "POST" ||
				d.URL != s.URL+"/imbox/hook" || d.ContentType != "application/json" || d.Body != tc.body {
				t.Errorf("journal record: %+v", d)
			}
			hits := s.received()
			if len(hits) != 1 {
				t.Fatalf("the site received %d requests, want 1", len(hits))
			}
			h := hits[0]
			if h.method != http.MethodPost || h.path != "/imbox/hook" {
				t.Errorf("request line: %s %s, want POST /imbox/hook", h.method, h.path)
			}
			if ct := h.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if sig := h.header.Get(imbox.SignatureHeader); sig != "" {
				t.Errorf("%s = %q without a webhookSecret", imbox.SignatureHeader, sig)
			}
			checkFields(t, "body", decodeObject(t, h.body), tc.want)
			if string(h.body) != tc.body {
				t.Errorf("body:\n got %s\nwant %s", h.body, tc.body)
			}
			// The delivery journal answers the same through the control plane.
			a := send(t, emu, http.MethodGet, "/_emulator/deliveries?vendor=imbox", "", "")
			var journal struct {
				Deliveries []emulator.Delivery `json:"deliveries"`
			}
			if err := json.Unmarshal([]byte(a.body), &journal); err != nil || len(journal.Deliveries) != 1 ||
				journal.Deliveries[0].Body != tc.body || journal.Deliveries[0].Event != tc.event {
				t.Errorf("GET /_emulator/deliveries?vendor=imbox: %d %s", a.status, a.body)
			}
		})
	}
}

// An account seeded with webhookUrl, webhookSecret and webhookHeaders:
// every webhook carries the static headers and X-Imbox-Signature, the
// HMAC-SHA256 of the exact body under the secret.
func TestWebhookFromFixtureSigned(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	doc := fmt.Sprintf(`{"imbox":{"accounts":[{"sid":1,"apiKey":"apiKey","name":"Documentation account",
		"webhookUrl":%q,"webhookSecret":"s3cret","webhookHeaders":{"authorization":"Bearer site-token","X-Site":"shop"}}]}}`, s.URL+"/hook")
	emu := testkit.Start(t, testkit.WithClock(hookClock), testkit.WithSeedData([]byte(doc)))
	chat := emu.ImBox().Conversation(1, "V1")
	chat.VisitorMessage(t, time.Time{}, "Hej")
	chat.AgentMessage(t, 2, time.Time{}, "Hej hej")
	emu.WaitDeliveries(t, emulator.DeliveryFilter{Vendor: "imbox", Outcome: "delivered"}, 2)
	hits := s.received()
	if len(hits) != 2 {
		t.Fatalf("the site received %d requests, want 2", len(hits))
	}
	wantBodies := []string{
		`{"event":{"visitor":{"id":"` + visitor1V1 + `"},"channel":"V1","type":"visitorMessage","text":"Hej","timestamp":"2024-05-02T12:00:00.000Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`,
		`{"event":{"agent":{"email":"jane.doe@example.org"},"channel":"V1","type":"agentMessage","text":"Hej hej","timestamp":"2024-05-02T12:00:00.000Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`,
	}
	// Worked out apart: printf '%s' "$body" | openssl dgst -sha256 -hmac s3cret
	wantSigs := []string{"sha256=e9e72d9063f20c45b0adf8925b3bce5ee4788d784881ca5a106978c52804d4f4", "sha256=b8c8ca21fa3897c0445fd765fc5adaacfd06fa9653676b727ff7b7b23086d275"}
	for i, h := range hits {
		if string(h.body) != wantBodies[i] {
			t.Errorf("webhook %d body:\n got %s\nwant %s", i, h.body, wantBodies[i])
		}
		if got := h.header.Get(imbox.SignatureHeader); got != wantSigs[i] {
			t.Errorf("webhook %d %s = %q, want %q", i, imbox.SignatureHeader, got, wantSigs[i])
		}
		if got := h.header.Get("Authorization"); got != "Bearer site-token" {
			t.Errorf("webhook %d Authorization = %q", i, got)
		}
		if got := h.header.Get("X-Site"); got != "shop" {
			t.Errorf("webhook %d X-Site = %q", i, got)
		}
	}
}

// No webhook leaves without a configured URL: the default account has
// none, and an account whose webhook was deleted has none again. System
// messages, visits and the other desk actions send no webhook even with
// one (the documentation lists messages and identification only).
func TestWebhookOnlyWhenConfigured(t *testing.T) {
	t.Parallel()
	noDeliveries := func(t *testing.T, emu *testkit.Server) {
		t.Helper()
		// The helpers call the control plane in-process: what they cause is
		// submitted before they return, so it is journaled or pending now.
		a := send(t, emu, http.MethodGet, "/_emulator/deliveries", "", "")
		if a.body != `{"deliveries":[],"last_seq":0,"pending":0}` {
			t.Errorf("deliveries: %s", a.body)
		}
	}
	exercise := func(t *testing.T, chat *testkit.ImBoxConversation) {
		chat.VisitorMessage(t, time.Time{}, "Hej")
		chat.AgentMessage(t, 1, time.Time{}, "Hej")
		chat.IdentifyVisitor(t, time.Time{}, testkit.ImBoxIdentity{PersonalNumber: "198809293935"})
	}
	t.Run("never configured", func(t *testing.T) {
		t.Parallel()
		emu := testkit.Start(t)
		exercise(t, emu.ImBox().Conversation(1, "V1"))
		noDeliveries(t, emu)
	})
	t.Run("deleted", func(t *testing.T) {
		t.Parallel()
		emu := testkit.Start(t)
		s := newSite(t, nil)
		emu.ImBox().SetWebhook(t, 1, testkit.ImBoxWebhook{URL: s.URL})
		mustControl(t, emu, http.MethodDelete, "/_emulator/imbox/1/webhook", "", http.StatusOK)
		exercise(t, emu.ImBox().Conversation(1, "V1"))
		noDeliveries(t, emu)
	})
	t.Run("other desk actions", func(t *testing.T) {
		t.Parallel()
		emu, s, chat := hookEmu(t)
		mustControl(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V42/messages",
			`{"sender":"system","event":{"type":"visitorLeft"}}`, http.StatusCreated)
		chat.Visit(t, time.Time{}, "https://example.org/")
		chat.AddTag(t, time.Time{}, "vip")
		chat.AddLabel(t, time.Time{}, "Sales")
		chat.ChangeName(t, time.Time{}, "Per")
		chat.InsertCard(t, time.Time{}, "1", "x")
		chat.SetVisitorInfo(t, testkit.ImBoxVisitor{City: "Oslo"})
		chat.Rate(t, 5)
		emu.ImBox().StartConversation(t, testkit.ImBoxStart{Page: "https://example.org/"})
		// One webhook more: one lane per URL keeps order, so anything the
		// actions above had sent would be journaled before it.
		chat.VisitorMessage(t, time.Time{}, "last")
		d := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbox"})
		if d.Event != imbox.EventVisitorMessage || len(s.received()) != 1 {
			t.Errorf("first delivery %s %s; the site received %d", d.Event, d.Body, len(s.received()))
		}
	})
}

// Tenants' webhooks never cross: two accounts, each with a conversation
// V1 and its own site; each site hears about its account only.
func TestWebhookTenantsApart(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithClock(hookClock))
	seed(t, emu, secondAccount)
	s1, s2 := newSite(t, nil), newSite(t, nil)
	emu.ImBox().SetWebhook(t, 1, testkit.ImBoxWebhook{URL: s1.URL})
	emu.ImBox().SetWebhook(t, 2, testkit.ImBoxWebhook{URL: s2.URL})
	one, two := emu.ImBox().Conversation(1, "V1"), emu.ImBox().Conversation(2, "V1")
	for i := range 3 {
		one.VisitorMessage(t, time.Time{}, fmt.Sprintf("one %d", i))
		two.VisitorMessage(t, time.Time{}, fmt.Sprintf("two %d", i))
	}
	one.AgentMessage(t, 1, time.Time{}, "one agent")
	two.AgentMessage(t, 20, time.Time{}, "two agent")
	two.IdentifyVisitor(t, time.Time{}, testkit.ImBoxIdentity{PersonalNumber: "2"})
	emu.WaitDeliveries(t, emulator.DeliveryFilter{Tenant: "account:1", Outcome: "delivered"}, 4)
	emu.WaitDeliveries(t, emulator.DeliveryFilter{Tenant: "account:2", Outcome: "delivered"}, 5)
	for _, tc := range []struct {
		site    *site
		prefix  string
		visitor string
		texts   []string
	}{
		{s1, "one", visitor1V1, []string{"one 0", "one 1", "one 2", "one agent"}},
		{s2, "two", visitor2V1, []string{"two 0", "two 1", "two 2", "two agent", ""}},
	} {
		var texts []string
		for _, h := range tc.site.received() {
			body := decodeObject(t, h.body)
			ev, _ := body["event"].(map[string]any)
			text, _ := ev["text"].(string)
			texts = append(texts, text)
			if v, ok := ev["visitor"].(map[string]any); ok && v["id"] != tc.visitor {
				t.Errorf("%s's site got visitor %v, want %s: %s", tc.prefix, v["id"], tc.visitor, h.body)
			}
			if a, ok := ev["agent"].(map[string]any); ok && tc.prefix == "two" && a["email"] != "" {
				t.Errorf("agent 20 has no e-mail, got %v", a["email"])
			}
		}
		if !reflect.DeepEqual(texts, tc.texts) {
			t.Errorf("%s's site got %q, want %q", tc.prefix, texts, tc.texts)
		}
	}
	if n := len(emu.Deliveries(emulator.DeliveryFilter{Vendor: "imbox"})); n != 9 {
		t.Errorf("%d deliveries, want 9", n)
	}
}
