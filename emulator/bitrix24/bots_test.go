package bitrix24_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// registerForm is imbot.register's form for a bot code with one handler
// URL for every event, through the default webhook.
func registerForm(code, handler, clientID string) string {
	return "CODE=" + code + "&EVENT_HANDLER=" + url.QueryEscape(handler) + "&CLIENT_ID=" + clientID +
		"&PROPERTIES[NAME]=Echo&PROPERTIES[LAST_NAME]=Bot"
}

// registerBot registers a bot through the default webhook and returns its
// id as the answer shows it.
func registerBot(t *testing.T, srv *testkit.Server, form string) string {
	t.Helper()
	st, body := send(t, srv, req{path: hook("imbot.register"), form: form})
	if st != http.StatusOK {
		t.Fatalf("imbot.register: %d %s", st, body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(body, `{"result":`), ",")
	return id
}

// TestRegisterErrors checks imbot.register's documented errors, in the
// server's order (vendor-events §1.5, reference §6.1).
func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	good := url.QueryEscape(h.URL + "/bot")
	base := "CODE=x&PROPERTIES[NAME]=X&CLIENT_ID=app"
	cases := []struct {
		name, form string
		status     int
		code, text string
	}{
		{"no client id", "CODE=x&EVENT_HANDLER=" + good, 403, "ACCESS_DENIED", "Access denied! Client ID not specified"},
		{"no handler", base, 400, "EVENT_MESSAGE_ADD_ERROR", `Handler for "Message add" event isn't specified`},
		{"localhost", base + "&EVENT_HANDLER=" + url.QueryEscape("http://localhost:8080/bot"), 400, "EVENT_MESSAGE_ADD_ERROR", "Wrong handler URL"},
		{"dot first", base + "&EVENT_HANDLER=" + url.QueryEscape("http://.example/bot"), 400, "EVENT_MESSAGE_ADD_ERROR", "Wrong handler URL"},
		{"not http", base + "&EVENT_HANDLER=" + url.QueryEscape("ftp://files.example.com/bot"), 400, "EVENT_MESSAGE_ADD_ERROR", "Unsupported handler protocol"},
		{"too long", base + "&EVENT_HANDLER=" + url.QueryEscape("http://a.b/"+strings.Repeat("x", 2100)), 400, "EVENT_MESSAGE_ADD_ERROR", "Wrong handler URL"},
		{"bad update handler", base + "&EVENT_MESSAGE_ADD=" + good + "&EVENT_MESSAGE_UPDATE=" + url.QueryEscape("http://localhost/u"), 400,
			"EVENT_MESSAGE_UPDATE_ERROR", "Wrong handler URL"},
		{"bad delete handler", base + "&EVENT_MESSAGE_ADD=" + good + "&EVENT_MESSAGE_DELETE=" + url.QueryEscape("gopher://a.b/"), 400,
			"EVENT_MESSAGE_DELETE_ERROR", "Unsupported handler protocol"},
		{"no welcome handler", base + "&EVENT_MESSAGE_ADD=" + good, 400, "EVENT_WELCOME_MESSAGE_ERROR", `Handler for "Welcome message" event isn't specified`},
		{"no delete handler", base + "&EVENT_MESSAGE_ADD=" + good + "&EVENT_WELCOME_MESSAGE=" + good, 400, "EVENT_BOT_DELETE_ERROR",
			`Handler for "Bot delete" event isn't specified`},
		{"no code", "PROPERTIES[NAME]=X&CLIENT_ID=app&EVENT_HANDLER=" + good, 400, "CODE_ERROR", "Bot code isn't specified"},
		{"no name", "CODE=x&CLIENT_ID=app&EVENT_HANDLER=" + good + "&PROPERTIES[COLOR]=RED", 400, "NAME_ERROR", "Bot name isn't specified"},
		{"no properties", "CODE=x&CLIENT_ID=app&EVENT_HANDLER=" + good, 400, "NAME_ERROR", "Bot name isn't specified"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expect(t, srv, req{path: hook("imbot.register"), form: tc.form}, tc.status, fail(tc.code, tc.text))
		})
	}
	expect(t, srv, req{path: hook("imbot.bot.list")}, 200, ok(`{"39":{"ID":39,"NAME":"NewBot","CODE":"newbot","OPENLINE":"Y"}}`))
}

// TestRegister registers bots through a webhook and an OAuth token: the
// id, imbot.bot.list, a CODE registered again, the five-bot limit.
func TestRegister(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	expect(t, srv, req{path: hook("imbot.register"), form: registerForm("echo", h.URL+"/bot", "app")}, 200, ok(`101`))
	// 127.0.0.1 has dots: it passes the host check, localhost does not
	expect(t, srv, req{path: hook("imbot.register"), form: registerForm("echo", h.URL+"/other", "app")}, 200, ok(`101`))
	expect(t, srv, req{path: "/rest/imbot.register", form: "auth=test-access-token&CODE=helper&TYPE=S&PROPERTIES[NAME]=Helper&EVENT_HANDLER=" +
		url.QueryEscape(h.URL+"/app")}, 200, ok(`102`))
	expect(t, srv, req{path: hook("imbot.bot.list")}, 200, ok(`{"39":{"ID":39,"NAME":"NewBot","CODE":"newbot","OPENLINE":"Y"},`+
		`"101":{"ID":101,"NAME":"Echo Bot","CODE":"echo","OPENLINE":"N"},"102":{"ID":102,"NAME":"Helper","CODE":"helper","OPENLINE":"N"}}`))
	for i := 0; i < 4; i++ { // 101 and four more: five
		registerBot(t, srv, registerForm("more"+itoa(i), h.URL+"/bot", "app"))
	}
	expect(t, srv, req{path: hook("imbot.register"), form: registerForm("sixth", h.URL+"/bot", "app")}, 400,
		fail("MAX_COUNT_ERROR", "Has reached the maximum number of bots for application (max: 5)"))
	// another application still may
	expect(t, srv, req{path: hook("imbot.register"), form: registerForm("sixth", h.URL+"/bot", "app2")}, 200, ok(`107`))
}

// TestUnregister checks imbot.unregister's errors and ONIMBOTDELETE.
func TestUnregister(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	id := registerBot(t, srv, registerForm("echo", h.URL+"/bot", "app"))
	cases := []struct {
		name, form string
		status     int
		body       string
	}{
		{"no client id", "BOT_ID=" + id, 403, fail("ACCESS_DENIED", "Access denied! Client ID not specified")},
		{"no bot id", "CLIENT_ID=app", 400, fail("BOT_ID_ERROR", "Bot not found")},
		{"unknown bot", "CLIENT_ID=app&BOT_ID=999", 400, fail("BOT_ID_ERROR", "Bot not found")},
		{"another app's bot", "CLIENT_ID=app&BOT_ID=39", 400, fail("APP_ID_ERROR", "Bot was installed by another rest application")},
		{"removed", "CLIENT_ID=app&BOT_ID=" + id, 200, ok(`true`)},
		{"removed already", "CLIENT_ID=app&BOT_ID=" + id, 400, fail("BOT_ID_ERROR", "Bot not found")},
	}
	for _, tc := range cases {
		expect(t, srv, req{path: hook("imbot.unregister"), form: tc.form}, tc.status, tc.body)
	}
	f, raw := event(t, srv, "ONIMBOTDELETE", 1)
	if got := keysOf(raw, ""); strings.Join(got, ",") != "event,event_handler_id,data,ts,auth" {
		t.Fatalf("top-level keys %v", got)
	}
	sameMap(t, "data", mapAt(t, f, "data"), map[string]any{"BOT_ID": id, "BOT_CODE": "echo"})
	sameMap(t, "auth", mapAt(t, f, "auth"), map[string]any{"domain": "chatemu.bitrix24.com", "client_endpoint": srv.URL() + "/rest/",
		"server_endpoint": srv.URL() + "/rest/", "member_id": "a223c6b3710f85df22e9377d6c4f7553", "application_token": "app"})
	calls := h.received()
	if len(calls) != 1 || calls[0].Path != "/bot" || calls[0].Query != "CLIENT_ID=app" || calls[0].Method != http.MethodPost {
		t.Fatalf("handler got %+v", calls)
	}
	expect(t, srv, req{path: hook("imbot.bot.list")}, 200, ok(`{"39":{"ID":39,"NAME":"NewBot","CODE":"newbot","OPENLINE":"Y"}}`))
}

// TestUpdate checks imbot.update's errors and what it changes.
func TestUpdate(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	id := registerBot(t, srv, registerForm("echo", h.URL+"/bot", "app"))
	cases := []struct {
		name, form string
		status     int
		body       string
	}{
		{"no client id", "BOT_ID=" + id, 403, fail("ACCESS_DENIED", "Access denied! Client ID not specified")},
		{"unknown bot", "CLIENT_ID=app&BOT_ID=999&FIELDS[CODE]=x", 400, fail("BOT_ID_ERROR", "Bot not found")},
		{"another app's bot", "CLIENT_ID=app&BOT_ID=39&FIELDS[CODE]=x", 400, fail("APP_ID_ERROR", "Bot was installed by another rest application")},
		{"no fields", "CLIENT_ID=app&BOT_ID=" + id, 400, fail("WRONG_REQUEST", "Update fields can't be empty")},
		{"empty fields", "CLIENT_ID=app&BOT_ID=" + id + "&FIELDS[TYPE]=S", 400, fail("WRONG_REQUEST", "Update fields can't be empty")},
		{"bad handler", "CLIENT_ID=app&BOT_ID=" + id + "&FIELDS[EVENT_MESSAGE_UPDATE]=" + url.QueryEscape("http://localhost/x"), 400,
			fail("EVENT_MESSAGE_UPDATE_ERROR", "Wrong handler URL")},
		{"names emptied", "CLIENT_ID=app&BOT_ID=" + id + "&FIELDS[PROPERTIES][NAME]=&FIELDS[PROPERTIES][LAST_NAME]=", 400,
			fail("NAME_ERROR", "Bot name isn't specified")},
		{"renamed", "CLIENT_ID=app&BOT_ID=" + id + "&FIELDS[PROPERTIES][NAME]=Parrot&FIELDS[PROPERTIES][LAST_NAME]=&FIELDS[CODE]=parrot", 200, ok(`true`)},
		{"handler bound", "CLIENT_ID=app&BOT_ID=" + id + "&FIELDS[EVENT_MESSAGE_UPDATE]=" + url.QueryEscape(h.URL+"/upd"), 200, ok(`true`)},
	}
	for _, tc := range cases {
		expect(t, srv, req{path: hook("imbot.update"), form: tc.form}, tc.status, tc.body)
	}
	expect(t, srv, req{path: hook("imbot.bot.list")}, 200, ok(`{"39":{"ID":39,"NAME":"NewBot","CODE":"newbot","OPENLINE":"Y"},`+
		`"`+id+`":{"ID":`+id+`,"NAME":"Parrot","CODE":"parrot","OPENLINE":"N"}}`))
	// the update handler bound by imbot.update is called for an edit
	m := srv.Bitrix24().Write(t, id, 1, "hello")
	srv.Bitrix24().Edit(t, m.ID, "hello again")
	f, _ := event(t, srv, "ONIMBOTMESSAGEUPDATE", 1)
	if at(t, f, "data", "PARAMS", "MESSAGE") != "hello again" {
		t.Fatalf("update event %v", f)
	}
	found := false
	for _, c := range h.received() {
		found = found || c.Path == "/upd" && c.Query == "CLIENT_ID=app" && strings.Contains(c.Body, "ONIMBOTMESSAGEUPDATE")
	}
	if !found {
		t.Fatalf("no update at /upd?CLIENT_ID=app: %+v", h.received())
	}
}
