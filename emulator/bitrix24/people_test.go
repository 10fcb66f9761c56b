package bitrix24_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// TestPeopleRoutes drives people in the chat through the control plane:
// write, read, edit, delete, press; and their errors.
func TestPeopleRoutes(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	d := ctl + "/dialogs"
	cases := []struct {
		name   string
		r      req
		status int
		body   string
	}{
		{"write to the bot", req{path: d + "/39/messages", json: `{"from": 1, "text": "Hi bot"}`}, 201,
			`{"id":1,"kind":"chat","chat_id":14,"to_user_id":0,"author_id":1,"text":"Hi bot","url_preview":true,"date":"2026-02-24T12:19:39Z"}`},
		{"write in a chat", req{path: d + "/chat13/messages", json: `{"from": 2, "text": "[USER=39]NewBot[/USER] hello"}`}, 201,
			`{"id":2,"kind":"chat","chat_id":13,"to_user_id":0,"author_id":2,"text":"[USER=39]NewBot[/USER] hello","url_preview":true,"date":"2026-02-24T12:19:39Z"}`},
		{"the dialog as user 1 sees it", req{path: d + "/39/messages?from=1"}, 200,
			`{"messages":[{"id":1,"kind":"chat","chat_id":14,"to_user_id":0,"author_id":1,"text":"Hi bot","url_preview":true,"date":"2026-02-24T12:19:39Z"}]}`},
		{"the dialog as the bot sees it", req{path: d + "/1/messages?from=39"}, 200,
			`{"messages":[{"id":1,"kind":"chat","chat_id":14,"to_user_id":0,"author_id":1,"text":"Hi bot","url_preview":true,"date":"2026-02-24T12:19:39Z"}]}`},
		{"a dialog never opened", req{path: d + "/39/messages?from=2"}, 200, `{"messages":[]}`},
		{"edit", req{verb: http.MethodPut, path: ctl + "/messages/1", json: `{"text": "Hi again"}`}, 200,
			`{"id":1,"kind":"chat","chat_id":14,"to_user_id":0,"author_id":1,"text":"Hi again","url_preview":true,"date":"2026-02-24T12:19:39Z","edited":true}`},
		{"delete", req{verb: http.MethodDelete, path: ctl + "/messages/2"}, 200, `{"deleted":true,"id":2}`},
		{"chat messages after delete", req{path: d + "/chat13/messages"}, 200, `{"messages":[]}`},
		{"write: not a member", req{path: d + "/chat13/messages", json: `{"from": 3, "text": "x"}`}, 403, `{"error":"user 3 is not a member of chat 13"}`},
		{"write: no chat", req{path: d + "/chat99/messages", json: `{"from": 1, "text": "x"}`}, 404, `{"error":"portal default has no chat 99"}`},
		{"write: no user", req{path: d + "/77/messages", json: `{"from": 1, "text": "x"}`}, 404, `{"error":"portal default has no user 77"}`},
		{"write: unknown author", req{path: d + "/39/messages", json: `{"from": 77, "text": "x"}`}, 404, `{"error":"portal default has no user 77"}`},
		{"write: no text", req{path: d + "/39/messages", json: `{"from": 1, "text": " "}`}, 400, `{"error":"text must not be empty"}`},
		{"write: no from", req{path: d + "/39/messages", json: `{"text": "x"}`}, 400, `{"error":"send {\"from\": <user id>, \"text\": \"<message>\"}"}`},
		{"write: bad dialog", req{path: d + "/chatX/messages", json: `{"from": 1, "text": "x"}`}, 400, `{"error":"a dialog is chat<id> or a user id, got \"chatX\""}`},
		{"write: to oneself", req{path: d + "/1/messages", json: `{"from": 1, "text": "x"}`}, 400, `{"error":"a private dialog needs two users"}`},
		{"read: private without from", req{path: d + "/39/messages"}, 400, `{"error":"a private dialog is read as one of its users: add ?from=<user id>"}`},
		{"edit: unknown", req{verb: http.MethodPut, path: ctl + "/messages/99", json: `{"text": "x"}`}, 404, `{"error":"portal default has no chat message 99"}`},
		{"delete: unknown", req{verb: http.MethodDelete, path: ctl + "/messages/99"}, 404, `{"error":"portal default has no chat message 99"}`},
		{"press: no button", req{path: ctl + "/messages/1/command", json: `{"from": 1, "command": "yes"}`}, 404, `{"error":"message 1 has no button with command \"yes\""}`},
		{"press: no command", req{path: ctl + "/messages/1/command", json: `{"from": 1}`}, 400,
			`{"error":"send {\"from\": <user id>, \"command\": \"<button COMMAND>\", \"params\": \"<optional>\"}"}`},
	}
	for _, tc := range cases {
		st, body := send(t, srv, tc.r)
		if st != tc.status || body != tc.body {
			t.Fatalf("%s: got %d %s\nwant %d %s", tc.name, st, body, tc.status, tc.body)
		}
	}
	for _, ev := range []string{"ONIMBOTJOINCHAT", "ONIMBOTMESSAGEADD", "ONIMBOTMESSAGEUPDATE"} {
		srv.WaitDelivery(t, emulator.DeliveryFilter{Event: ev})
	}
	// chat 13's deletion reaches the bot it mentioned, without author
	f, _ := event(t, srv, "ONIMBOTMESSAGEDELETE", 1)
	if p := mapAt(t, f, "data", "PARAMS"); p["MESSAGE"] != "Message from 02/24/2026 12:19:39 has been deleted" || p["ID"] != "2" || p["FROM_USER_ID"] != nil {
		t.Fatalf("delete %v", p)
	}
	if _, has := mapAt(t, f, "data")["USER"]; has {
		t.Fatal("a group deletion has no USER")
	}
}

// TestOpenLineEvents: a client starting a dialog with an open line raises
// ONIMBOTJOINCHAT and ONIMBOTMESSAGEADD for the line's bot, with the
// LINES entity; the client's later messages too; "0" ends the bot's
// session.
func TestOpenLineEvents(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	ss := srv.Bitrix24().StartSession(t, 1, 3, "Hello, I need help")
	join, _ := event(t, srv, "ONIMBOTJOINCHAT", 1)
	sameMap(t, "join PARAMS", mapAt(t, join, "data", "PARAMS"), map[string]any{"CHAT_TYPE": "L", "MESSAGE_TYPE": "L", "BOT_ID": "39",
		"USER_ID": "3", "CHAT_ID": itoa(int(ss.ChatID)), "CHAT_AUTHOR_ID": "39", "CHAT_ENTITY_TYPE": "LINES",
		"CHAT_ENTITY_ID": "livechat|1|14|3", "ACCESS_HISTORY": "1", "DIALOG_ID": "chat14", "LANGUAGE": "en"})
	add, _ := event(t, srv, "ONIMBOTMESSAGEADD", 1)
	if p := mapAt(t, add, "data", "PARAMS"); p["MESSAGE"] != "Hello, I need help" || p["CHAT_ENTITY_TYPE"] != "LINES" || p["MESSAGE_TYPE"] != "L" ||
		p["DIALOG_ID"] != "chat14" {
		t.Fatalf("PARAMS %v", p)
	}
	srv.Bitrix24().Write(t, "chat14", 3, "0")
	event(t, srv, "ONIMBOTMESSAGEADD", 2)
	if s := srv.Bitrix24().Session(t, ss.ChatID); s.Status != "finished" {
		t.Fatalf("session %s", s.Status)
	}
	// through the control plane as well
	st, body := send(t, srv, req{path: ctl + "/sessions", json: `{"line_id":1,"client_id":4,"text":"Hi"}`})
	if st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	event(t, srv, "ONIMBOTMESSAGEADD", 3)
}

// TestDeliveryFailures: a handler answering 500, or not in time, is
// journaled once and not retried.
func TestDeliveryFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		delay   time.Duration
		outcome string
	}{
		{"500", http.StatusInternalServerError, 0, "handler_error"},
		{"too slow", http.StatusOK, 5 * time.Second, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testkit.Start(t, testkit.WithClock(fixedNow), testkit.WithEventTimeout(100*time.Millisecond))
			h := newHook(t)
			h.status, h.delay = tc.status, tc.delay
			withHandler(t, srv, h.URL+"/b24")
			m := srv.Bitrix24().Write(t, "chat13", 1, "[USER=39]NewBot[/USER] hi")
			d := srv.WaitDelivery(t, emulator.DeliveryFilter{Event: "ONIMBOTMESSAGEADD"})
			if d.Outcome != tc.outcome {
				t.Fatalf("outcome %s, want %s", d.Outcome, tc.outcome)
			}
			h.mu.Lock()
			h.status, h.delay = http.StatusOK, 0
			h.mu.Unlock()
			marker := srv.Bitrix24().Write(t, "chat13", 1, "[USER=39]NewBot[/USER] marker")
			list := waitMarker(t, srv, "ONIMBOTMESSAGEADD", marker.ID)
			if len(list) != 2 || !strings.Contains(list[0].Body, "MESSAGE_ID%5D="+itoa(int(m.ID))) {
				t.Fatalf("%d deliveries", len(list))
			}
			if n := len(h.received()); n != 2 {
				t.Fatalf("the handler was called %d times", n)
			}
		})
	}
}
