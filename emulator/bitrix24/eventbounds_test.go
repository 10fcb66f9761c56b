package bitrix24_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// TestSelfHandlerLoop: a bot whose ONIMBOTJOINCHAT handler is chatemu's
// own imbot.chat.add (each join would create a chat, whose creating bot
// joins it, without end) gets one event per chat the test creates: the
// calls its handler makes run, and raise no events.
func TestSelfHandlerLoop(t *testing.T) {
	t.Parallel()
	srv := start(t)
	self := srv.URL() + hook("imbot.chat.add") + "?USERS[]=1&TITLE=loop"
	bot := registerBot(t, srv, registerForm("looper", self, "loopapp"))
	add := req{path: hook("imbot.chat.add"), form: "CLIENT_ID=loopapp&USERS[]=1&TITLE=mine"}
	// each chat is created once the join of the one before is delivered,
	// when the chat its handler created would have raised its own
	var mine []string
	var joins []emulator.Delivery
	for i := range 2 {
		st, body := send(t, srv, add)
		if st != http.StatusOK {
			t.Fatalf("imbot.chat.add: %d %s", st, body)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(body, `{"result":`), ",")
		mine = append(mine, "chat"+id)
		joins = srv.WaitDeliveries(t, emulator.DeliveryFilter{Vendor: "bitrix24", Event: "ONIMBOTJOINCHAT"}, i+1)
	}
	for i, d := range joins {
		f := parseStr(t, d.Body)
		if got := at(t, f, "data", "PARAMS", "DIALOG_ID"); got != mine[i] || at(t, f, "data", "PARAMS", "BOT_ID") != bot {
			t.Fatalf("join %d is for %v, want %s (a chat the handler created raised an event)", i, got, mine[i])
		}
		// the handler's call ran: chatemu answered it with a new chat
		if d.Outcome != "delivered" || !strings.HasPrefix(d.Response, `{"result":`) || !strings.HasPrefix(d.URL, self) {
			t.Fatalf("join %d: %s %d %s", i, d.Outcome, d.Status, d.Response)
		}
	}
}

// TestEventSenderMuted: a REST call or a control action that comes from
// the event sender (its User-Agent) changes the portal and raises no
// events; the same action from anyone else does.
func TestEventSenderMuted(t *testing.T) {
	t.Parallel()
	ua := map[string]string{"User-Agent": "Bitrix24 Webhook Engine"}
	for _, tc := range []struct {
		name   string
		muted  req
		normal req
		event  string
	}{
		{"rest", req{path: hook("imbot.chat.user.add"), form: "CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=101", header: ua},
			req{path: hook("imbot.chat.user.add"), form: "CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=102"}, "ONIMBOTJOINCHAT"},
		{"control", req{path: "/_emulator/bitrix24/portals/default/dialogs/101/messages", json: `{"from":1,"text":"hi"}`, header: ua},
			req{path: "/_emulator/bitrix24/portals/default/dialogs/102/messages", json: `{"from":1,"text":"hi"}`}, "ONIMBOTMESSAGEADD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			h := newHook(t)
			hookURL := h.URL + "/b24"
			withHandler(t, srv, hookURL)
			for _, code := range []string{"one", "two"} {
				expect(t, srv, req{path: "/rest/imbot.register", form: "auth=test-access-token&CODE=" + code + "&PROPERTIES[NAME]=" + code +
					"&EVENT_HANDLER=" + url.QueryEscape(hookURL)}, 200, ok(map[string]string{"one": "101", "two": "102"}[code]))
			}
			for _, r := range []req{tc.muted, tc.normal} {
				if st, body := send(t, srv, r); st >= 300 {
					t.Fatalf("%s: %d %s", r.path, st, body)
				}
			}
			d := srv.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "bitrix24", Event: tc.event})
			all := append(srv.Deliveries(emulator.DeliveryFilter{Vendor: "bitrix24", Event: "ONIMBOTJOINCHAT"}),
				srv.Deliveries(emulator.DeliveryFilter{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD"})...)
			for _, x := range all {
				if _, has := mapAt(t, parseStr(t, x.Body), "data", "BOT")["101"]; has {
					t.Fatalf("the event sender's action raised %s", x.Event)
				}
			}
			if _, has := mapAt(t, parseStr(t, d.Body), "data", "BOT")["102"]; !has {
				t.Fatalf("the other action raised no event: %s", d.Body)
			}
		})
	}
}

// TestHeldHandlerBlocksNoRequest: while a bot's handler holds its first
// event unanswered, the REST calls that raise more events for it are
// answered; the events follow, in order, once it lets go.
func TestHeldHandlerBlocksNoRequest(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithClock(fixedNow), testkit.WithEventTimeout(time.Minute))
	release := make(chan struct{})
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(held.Close)
	withHandler(t, srv, held.URL+"/b24")
	var chats []string
	for range 3 {
		st, body := send(t, srv, req{path: hook("imbot.chat.add"), form: "CLIENT_ID=chatemu&BOT_ID=39&USERS[]=1&TITLE=x"})
		if st != http.StatusOK {
			t.Fatalf("imbot.chat.add: %d %s", st, body)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(body, `{"result":`), ",")
		chats = append(chats, "chat"+id)
	}
	close(release)
	joins := srv.WaitDeliveries(t, emulator.DeliveryFilter{Vendor: "bitrix24", Event: "ONIMBOTJOINCHAT"}, 3)
	for i, d := range joins {
		if d.Outcome != "delivered" || at(t, parseStr(t, d.Body), "data", "PARAMS", "DIALOG_ID") != chats[i] {
			t.Fatalf("join %d: %s %s", i, d.Outcome, d.Body)
		}
	}
}

// TestHostileMessageEvent: a person's message at the control plane's body
// bound, thousands of mentions, reaches the bots with a bounded event: the
// text cut to its column, at most 100 mentions read.
func TestHostileMessageEvent(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	var b strings.Builder
	b.WriteString("[USER=39]NewBot[/USER], ")
	for i := 1000; b.Len() < 900_000; i++ {
		b.WriteString("[USER=" + strconv.Itoa(i) + "]x[/USER] ")
	}
	text, _ := json.Marshal(b.String())
	st, body := send(t, srv, req{path: "/_emulator/bitrix24/portals/default/dialogs/chat13/messages", json: `{"from":2,"text":` + string(text) + `}`})
	if st != http.StatusCreated {
		t.Fatalf("write: %d %.200s", st, body)
	}
	d := srv.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD"})
	calls := h.received() // the journal keeps the start of a body only
	if d.Outcome != "delivered" || len(calls) != 1 || len(calls[0].Body) != d.BodyBytes {
		t.Fatalf("%s, %d calls", d.Outcome, len(calls))
	}
	raw := calls[0].Body
	f := parseStr(t, raw)
	p := mapAt(t, f, "data", "PARAMS")
	if n := len(mapAt(t, f, "data", "PARAMS", "MENTIONED_LIST")); n != 100 || p["TO_USER_ID"] != "39" {
		t.Fatalf("%d mentions listed, TO_USER_ID %v", n, p["TO_USER_ID"])
	}
	if orig := p["MESSAGE_ORIGINAL"].(string); len(orig) > 65535 || len(raw) > 1<<20 {
		t.Fatalf("MESSAGE_ORIGINAL %d bytes, body %d bytes", len(orig), len(raw))
	}
}
