package imbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// The webhook and identification control routes: each answer, and each
// refusal with its status and message.
func TestWebhookControlRoutes(t *testing.T) {
	t.Parallel()
	const hook = "/_emulator/imbox/1/webhook"
	const ident = "/_emulator/imbox/1/conversations/V1/identification"
	manyHeaders := make([]string, 21)
	for i := range manyHeaders {
		manyHeaders[i] = fmt.Sprintf(`"X-H%d":"v"`, i)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		// setWebhook, deleteWebhook
		{"set", "PUT", hook, `{"webhookUrl":"https://site.example/hook?x=1","webhookSecret":"s","webhookHeaders":{"authorization":"Bearer t"}}`, 200,
			`{"sid":1,"webhookUrl":"https://site.example/hook?x=1","webhookSecret":"s","webhookHeaders":{"authorization":"Bearer t"}}`},
		{"set nothing turns it off", "PUT", hook, ``, 200, `{"sid":1,"webhookUrl":"","webhookSecret":"","webhookHeaders":{}}`},
		{"delete", "DELETE", hook, ``, 200, `{"sid":1,"webhookUrl":"","webhookSecret":"","webhookHeaders":{}}`},
		{"an unknown account", "PUT", "/_emulator/imbox/5/webhook", `{}`, 404, controlError("Account sid 5 not found")},
		{"a bad sid", "PUT", "/_emulator/imbox/x/webhook", `{}`, 400, controlError(`Invalid sid "x": expected a number`)},
		{"not http", "PUT", hook, `{"webhookUrl":"ftp://site.example/"}`, 400,
			controlError(`webhookUrl: expected an absolute http or https URL, got "ftp://site.example/"`)},
		{"relative", "PUT", hook, `{"webhookUrl":"/hook"}`, 400, controlError(`webhookUrl: expected an absolute http or https URL, got "/hook"`)},
		{"too long", "PUT", hook, `{"webhookUrl":"http://x/` + strings.Repeat("a", 4089) + `"}`, 400,
			controlError("webhookUrl: webhookUrl is limited to 4096 bytes, got 4098")},
		{"a secret too long", "PUT", hook, `{"webhookUrl":"http://x/","webhookSecret":"` + strings.Repeat("s", 257) + `"}`, 400,
			controlError("webhookSecret: webhookSecret is limited to 256 bytes, got 257")},
		{"a header chatemu sets", "PUT", hook, `{"webhookUrl":"http://x/","webhookHeaders":{"content-type":"text/plain"}}`, 400,
			controlError("webhookHeaders/content-type: Content-Type is set by chatemu and cannot be configured")},
		{"the signature header", "PUT", hook, `{"webhookHeaders":{"X-Imbox-Signature":"x"}}`, 400,
			controlError("webhookHeaders/X-Imbox-Signature: X-Imbox-Signature is set by chatemu and cannot be configured")},
		{"not a header name", "PUT", hook, `{"webhookHeaders":{"X Site":"x","a/b":"y"}}`, 400,
			controlError(`webhookHeaders/X Site: "X Site" is not a header name; webhookHeaders/a~1b: "a/b" is not a header name`)},
		{"a header value with a line break", "PUT", hook, `{"webhookHeaders":{"X-Site":"a\r\nHost: evil"}}`, 400,
			controlError("webhookHeaders/X-Site: a header value may not hold CR, LF or NUL")},
		{"too many headers", "PUT", hook, `{"webhookHeaders":{` + strings.Join(manyHeaders, ",") + `}}`, 400,
			controlError("webhookHeaders: at most 20 headers, got 21")},
		{"an unknown field", "PUT", hook, `{"url":"http://x/"}`, 400, controlError(`malformed JSON body: json: unknown field "url"`)},
		{"headers of the wrong type", "PUT", hook, `{"webhookHeaders":{"X-A":1}}`, 400,
			controlError("malformed JSON body: webhookHeaders must be a string, got number")},
		{"GET is not a route", "GET", hook, ``, 405, controlError(hook + " does not accept GET")},

		// identifyVisitor
		{"identify", "POST", ident, `{"personalNumber":"198809293935","name":"PER MORBERG","givenName":"PER","surname":"MORBERG","at":"2020-01-01T00:00:01Z"}`, 200,
			`{"sid":1,"conversationID":"V1","visitor":{"id":"` + visitor1V1 + `"},"user":{"personalNumber":"198809293935","name":"PER MORBERG","givenName":"PER","surname":"MORBERG"},"date":"2020-01-01T00:00:01.000Z"}`},
		{"identify with the personal number only", "POST", ident, `{"personalNumber":"198809293935"}`, 200,
			`{"sid":1,"conversationID":"V1","visitor":{"id":"` + visitor1V1 + `"},"user":{"personalNumber":"198809293935","name":"","givenName":"","surname":""},"date":"2024-05-02T12:00:00.000Z"}`},
		{"without a personal number", "POST", ident, `{"name":"PER"}`, 400, controlError("personalNumber is required")},
		{"a blank personal number", "POST", ident, `{"personalNumber":" "}`, 400, controlError("personalNumber is required")},
		{"a name too long", "POST", ident, `{"personalNumber":"1","surname":"` + strings.Repeat("S", 257) + `"}`, 400,
			controlError("name is limited to 256 bytes, got 257")},
		{"before the conversation", "POST", ident, `{"personalNumber":"1","at":"2019-12-31T23:59:59Z"}`, 400,
			controlError("at 2019-12-31T23:59:59.000Z is before the conversation's start 2020-01-01T00:00:00.000Z")},
		{"a bad time", "POST", ident, `{"personalNumber":"1","at":"tomorrow"}`, 400,
			controlError(`Invalid at "tomorrow": expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z`)},
		{"an unknown conversation", "POST", "/_emulator/imbox/1/conversations/V77/identification", `{"personalNumber":"1"}`, 404,
			controlError("Conversation V77 not found")},
		{"another account's conversation", "POST", "/_emulator/imbox/2/conversations/V18751500044654323221/identification", `{"personalNumber":"1"}`, 404,
			controlError("Conversation V18751500044654323221 not found")},
		{"an unknown field", "POST", ident, `{"personalNumber":"1","email":"x"}`, 400, controlError(`malformed JSON body: json: unknown field "email"`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t, testkit.WithClock(hookClock))
			seed(t, emu, secondAccount)
			expect(t, control(t, emu, tc.method, tc.path, tc.body), tc.status, tc.want)
		})
	}
}

// Seeds and fixture files are held to the same webhook rules, each
// problem at its path; a refused seed changes nothing.
func TestWebhookSeedValidation(t *testing.T) {
	t.Parallel()
	account := func(fields string) string {
		return `{"imbox":{"accounts":[{"sid":1,"apiKey":"apiKey",` + fields + `}]}}`
	}
	tests := []struct {
		name, doc, want string
	}{
		{"not http", account(`"webhookUrl":"ftp://x/"`),
			`{"error":"request body is not valid","problems":[{"path":"/imbox/accounts/0/webhookUrl","reason":"Does not match pattern '^(|[hH][tT][tT][pP][sS]?://.+)$'"}]}`},
		{"no host", account(`"webhookUrl":"http:// x/"`),
			problemBody("/imbox/accounts/0/webhookUrl", `expected an absolute http or https URL, got "http:// x/"`)},
		{"a header chatemu sets", account(`"webhookHeaders":{"Host":"x"}`),
			problemBody("/imbox/accounts/0/webhookHeaders/Host", "Host is set by chatemu and cannot be configured")},
		{"a header value that is not a string", account(`"webhookHeaders":{"X-A":1}`),
			`{"error":"request body is not valid","problems":[{"path":"/imbox/accounts/0/webhookHeaders/X-A","reason":"Invalid type. Expected: string, given: integer"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			expect(t, control(t, emu, http.MethodPost, "/_emulator/seed", tc.doc), http.StatusBadRequest, tc.want)
			emu.ImBox().Conversation(1, "V1").VisitorMessage(t, time.Time{}, "Hej")
			if a := send(t, emu, http.MethodGet, "/_emulator/deliveries", "", ""); a.body != `{"deliveries":[],"last_seq":0,"pending":0}` {
				t.Errorf("a refused seed configured a webhook: %s", a.body)
			}
		})
	}
}

// The webhook configuration and a visitor's identity are state: a
// snapshot holds them, and an instance that imports it posts to the same
// site, signed the same way.
func TestWebhookSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	from := testkit.Start(t, testkit.WithClock(hookClock))
	from.ImBox().SetWebhook(t, 1, testkit.ImBoxWebhook{URL: s.URL, Secret: "k", Headers: map[string]string{"X-Site": "shop"}})
	from.ImBox().Conversation(1, "V1").IdentifyVisitor(t, time.Time{}, testkit.ImBoxIdentity{PersonalNumber: "198809293935", GivenName: "PER", Surname: "MORBERG"})
	snap := exportState(t, from)
	acc := string(snap.Documents["imbox:account:000000000001"])
	if !strings.Contains(acc, `"webhookUrl":"`+s.URL+`","webhookSecret":"k","webhookHeaders":{"X-Site":"shop"}`) {
		t.Errorf("the account's document: %s", acc)
	}
	if conv := string(snap.Documents["imbox:conversation:000000000001"]); !strings.Contains(conv,
		`"identity":{"personalNumber":"198809293935","name":"PER MORBERG","givenName":"PER","surname":"MORBERG","date":"2024-05-02T12:00:00Z"}`) {
		t.Errorf("the conversation's document: %s", conv)
	}
	from.WaitDelivery(t, emulator.DeliveryFilter{Event: "visitorIdentification", Outcome: "delivered"})

	to := testkit.Start(t, testkit.WithClock(hookClock))
	raw := send(t, from, http.MethodGet, "/_emulator/state", "", "").body
	if imported := send(t, to, http.MethodPut, "/_emulator/state", "application/json", raw); imported.status != http.StatusOK {
		t.Fatalf("import: %d %s", imported.status, imported.body)
	}
	if again := send(t, to, http.MethodGet, "/_emulator/state", "", "").body; again != raw {
		t.Errorf("the snapshot does not round-trip:\nexported %s\nimported %s", raw, again)
	}
	to.ImBox().Conversation(1, "V1").VisitorMessage(t, time.Time{}, "after import")
	d := to.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbox", Outcome: "delivered"})
	if d.Headers["X-Imbox-Signature"] == "" || d.Headers["X-Site"] != "shop" || d.URL != s.URL {
		t.Errorf("after import: %+v", d)
	}
	if n := len(s.received()); n != 2 {
		t.Errorf("the site received %d webhooks, want 2", n)
	}
}
