package bitrix24_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestCommandErrors checks imbot.command.register, update, unregister and
// answer's documented errors.
func TestCommandErrors(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	handler := "&EVENT_COMMAND_ADD=" + url.QueryEscape(h.URL+"/cmd")
	reg := "CLIENT_ID=chatemu&BOT_ID=39&COMMAND=echo&LANG[0][LANGUAGE_ID]=en&LANG[0][TITLE]=Echo" + handler
	expect(t, srv, req{path: hook("imbot.command.register"), form: reg}, 200, ok(`1`))
	cases := []struct {
		name, method, form string
		status             int
		code, text         string
	}{
		{"register: no client id", "imbot.command.register", "BOT_ID=39&COMMAND=x" + handler, 403, "ACCESS_DENIED", "Access denied! Client ID not specified"},
		{"register: no handler", "imbot.command.register", "CLIENT_ID=chatemu&BOT_ID=39&COMMAND=x", 400, "EVENT_COMMAND_ADD_ERROR",
			`Handler for "Command add" event isn't specified`},
		{"register: bad handler", "imbot.command.register", "CLIENT_ID=chatemu&BOT_ID=39&COMMAND=x&EVENT_COMMAND_ADD=http%3A%2F%2Flocalhost%2F", 400,
			"EVENT_COMMAND_ADD_ERROR", "Wrong handler URL"},
		{"register: no command", "imbot.command.register", "CLIENT_ID=chatemu&BOT_ID=39" + handler, 400, "COMMAND_ERROR", "Command isn't specified"},
		{"register: no bot", "imbot.command.register", "CLIENT_ID=chatemu&COMMAND=x&LANG[0][TITLE]=X" + handler, 400, "BOT_ID_ERROR", "Bot not found"},
		{"register: other app", "imbot.command.register", "CLIENT_ID=other&BOT_ID=39&COMMAND=x&LANG[0][TITLE]=X" + handler, 400, "APP_ID_ERROR",
			"Bot was installed by another rest application"},
		{"register: no lang", "imbot.command.register", "CLIENT_ID=chatemu&BOT_ID=39&COMMAND=x" + handler, 400, "LANG_ERROR", "Lang set can't be empty"},
		{"register: twice", "imbot.command.register", reg, 400, "WRONG_REQUEST", "Command can't be created"},
		{"update: unknown", "imbot.command.update", "CLIENT_ID=chatemu&COMMAND_ID=99&FIELDS[HIDDEN]=Y", 400, "COMMAND_ID_ERROR", "Command not found"},
		{"update: other app", "imbot.command.update", "CLIENT_ID=other&COMMAND_ID=1&FIELDS[HIDDEN]=Y", 400, "APP_ID_ERROR",
			"Command was installed by another rest application"},
		{"update: nothing", "imbot.command.update", "CLIENT_ID=chatemu&COMMAND_ID=1", 400, "WRONG_REQUEST", "Update fields can't be empty"},
		{"update: bad handler", "imbot.command.update", "CLIENT_ID=chatemu&COMMAND_ID=1&FIELDS[EVENT_COMMAND_ADD]=x", 400, "EVENT_COMMAND_ADD_ERROR",
			"Wrong handler URL"},
		{"unregister: unknown", "imbot.command.unregister", "CLIENT_ID=chatemu&COMMAND_ID=99", 400, "COMMAND_ID_ERROR", "Command not found"},
		{"unregister: other app", "imbot.command.unregister", "CLIENT_ID=other&COMMAND_ID=1", 400, "APP_ID_ERROR",
			"Command was installed by another rest application"},
		{"answer: unknown", "imbot.command.answer", "CLIENT_ID=chatemu&COMMAND_ID=99&MESSAGE_ID=1&MESSAGE=x", 400, "COMMAND_ID_ERROR", "Command not found"},
		{"answer: unknown name", "imbot.command.answer", "CLIENT_ID=chatemu&COMMAND=nope&MESSAGE_ID=1&MESSAGE=x", 400, "COMMAND_ID_ERROR", "Command not found"},
		{"answer: no message id", "imbot.command.answer", "CLIENT_ID=chatemu&COMMAND_ID=1&MESSAGE=x", 400, "MESSAGE_ID_EMPTY", "Message ID can't be empty"},
		{"answer: no message", "imbot.command.answer", "CLIENT_ID=chatemu&COMMAND_ID=1&MESSAGE_ID=5", 400, "MESSAGE_EMPTY", "Message can't be empty"},
		{"answer: bad attach", "imbot.command.answer", "CLIENT_ID=chatemu&COMMAND_ID=1&MESSAGE_ID=5&MESSAGE=x&ATTACH[0][X]=1", 400,
			"ATTACH_ERROR", "Incorrect attach params"},
		{"answer: unknown message", "imbot.command.answer", "CLIENT_ID=chatemu&COMMAND=echo&MESSAGE_ID=999&MESSAGE=x", 400,
			"WRONG_REQUEST", "Message isn't added"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, srv, req{path: hook(tc.method), form: tc.form}, tc.status, fail(tc.code, tc.text))
		})
	}
	expect(t, srv, req{path: hook("imbot.command.update"), form: "CLIENT_ID=chatemu&COMMAND_ID=1&FIELDS[HIDDEN]=Y"}, 200, ok(`true`))
	expect(t, srv, req{path: hook("imbot.command.unregister"), form: "CLIENT_ID=chatemu&COMMAND_ID=1"}, 200, ok(`true`))
	expect(t, srv, req{path: hook("imbot.command.unregister"), form: "CLIENT_ID=chatemu&COMMAND_ID=1"}, 400, fail("COMMAND_ID_ERROR", "Command not found"))
}

// TestCommandLimit: a bot registers at most 50 commands.
func TestCommandLimit(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	for i := 1; i <= 51; i++ {
		r := req{path: hook("imbot.command.register"), form: "CLIENT_ID=chatemu&BOT_ID=39&LANG[0][TITLE]=X&COMMAND=c" + itoa(i) +
			"&EVENT_COMMAND_ADD=" + url.QueryEscape(h.URL)}
		if i <= 50 {
			expect(t, srv, r, 200, ok(itoa(i)))
		} else {
			expect(t, srv, r, 400, fail("WRONG_REQUEST", "Command can't be created"))
		}
	}
}

// TestCommandEvents: a typed command raises ONIMCOMMANDADD instead of
// ONIMBOTMESSAGEADD; a keyboard button with COMMAND raises it with
// COMMAND_CONTEXT KEYBOARD and the keyboard's MESSAGE_ID; the bot
// answers with imbot.command.answer.
func TestCommandEvents(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	expect(t, srv, req{path: hook("imbot.command.register"), form: "CLIENT_ID=chatemu&BOT_ID=39&COMMAND=echo&LANG[0][LANGUAGE_ID]=en&LANG[0][TITLE]=Echo" +
		"&EVENT_COMMAND_ADD=" + url.QueryEscape(h.URL+"/cmd")}, 200, ok(`1`))
	w := srv.Bitrix24()
	typed := w.Write(t, "39", 1, "/echo test it")
	f, raw := event(t, srv, "ONIMCOMMANDADD", 1)
	cmd := mapAt(t, f, "data", "COMMAND", "1")
	for k, v := range map[string]string{"BOT_ID": "39", "BOT_CODE": "newbot", "COMMAND": "echo", "COMMAND_ID": "1", "COMMAND_PARAMS": "test it",
		"COMMAND_CONTEXT": "TEXTAREA", "MESSAGE_ID": strconv.FormatInt(typed.ID, 10), "user_id": "39", "client_id": "chatemu"} {
		if cmd[k] != v {
			t.Fatalf("COMMAND[1][%s] = %v, want %s", k, cmd[k], v)
		}
	}
	if got := strings.Join(keysOf(raw, "data[COMMAND][1]"), ","); got != botTokenKeys+",AUTH,BOT_ID,BOT_CODE,COMMAND,COMMAND_ID,COMMAND_PARAMS,COMMAND_CONTEXT,MESSAGE_ID" {
		t.Fatalf("command block keys %s", got)
	}
	params := mapAt(t, f, "data", "PARAMS")
	if params["MESSAGE"] != "/echo test it" || params["DIALOG_ID"] != "1" || params["TO_USER_ID"] != "39" || params["CHAT_TYPE"] != "P" {
		t.Fatalf("PARAMS %v", params)
	}
	// the page's USER has no WORK_POSITION (its text and example)
	if got := strings.Join(keysOf(raw, "data[USER]"), ","); got != "ID,NAME,FIRST_NAME,LAST_NAME,GENDER" {
		t.Fatalf("USER keys %s", got)
	}
	sameMap(t, "USER", mapAt(t, f, "data", "USER"), map[string]any{"ID": "1", "NAME": "John Smith", "FIRST_NAME": "John", "LAST_NAME": "Smith",
		"GENDER": ""})
	checkAppAuth(t, srv, f, raw, "1", true)

	// the bot answers the command, with a keyboard
	kb := url.QueryEscape(`[{"TEXT":"Yes","COMMAND":"echo","COMMAND_PARAMS":"yes"},{"TEXT":"Site","LINK":"https://example.com"}]`)
	st, body := send(t, srv, req{path: hook("imbot.command.answer"), form: "CLIENT_ID=chatemu&COMMAND=echo&MESSAGE_ID=" +
		strconv.FormatInt(typed.ID, 10) + "&MESSAGE=Pick&KEYBOARD=" + kb})
	if st != 200 {
		t.Fatalf("answer %d %s", st, body)
	}
	msgs := w.DialogMessages(t, "39", 1)
	answer := msgs[len(msgs)-1]
	if answer.AuthorID != 39 || answer.Text != "Pick" || len(answer.Keyboard) == 0 {
		t.Fatalf("answer %+v", answer)
	}
	// pressing the button
	pv := w.Press(t, answer.ID, 1, "echo")
	if len(pv.CommandIDs) != 1 || pv.Params != "yes" {
		t.Fatalf("press %+v", pv)
	}
	f, _ = event(t, srv, "ONIMCOMMANDADD", 2)
	cmd = mapAt(t, f, "data", "COMMAND", "1")
	if cmd["COMMAND_CONTEXT"] != "KEYBOARD" || cmd["MESSAGE_ID"] != strconv.FormatInt(answer.ID, 10) || cmd["COMMAND_PARAMS"] != "yes" ||
		at(t, f, "data", "PARAMS", "MESSAGE") != "/echo yes" {
		t.Fatalf("keyboard command %v", f)
	}
	// no message was posted by the press, and a typed command is no message event
	if n := len(w.DialogMessages(t, "39", 1)); n != 2 {
		t.Fatalf("%d messages", n)
	}
	marker := w.Write(t, "39", 1, "plain text")
	list := waitMarker(t, srv, "ONIMBOTMESSAGEADD", marker.ID)
	if len(list) != 1 {
		t.Fatalf("%d message events", len(list))
	}
	// an unregistered command is a message; a command in a group chat of the bot runs
	before := w.Write(t, "chat13", 2, "hi all")
	w.Write(t, "chat13", 2, "/echo hi all")
	f, raw = event(t, srv, "ONIMCOMMANDADD", 3)
	if p := mapAt(t, f, "data", "PARAMS"); p["DIALOG_ID"] != "chat13" || p["CHAT_ID"] != "13" || at(t, f, "data", "PARAMS", "BOT_IN_CHAT", "39") != "39" ||
		p["CHAT_PARENT_ID"] != "0" || p["CHAT_PARENT_MID"] != "0" || p["CHAT_PREV_MESSAGE_ID"] != strconv.FormatInt(before.ID, 10) {
		t.Fatalf("group command %v", p)
	}
	if got := strings.Join(keysOf(raw, "data[PARAMS]"), ","); !strings.HasPrefix(got,
		"MESSAGE,TEMPLATE_ID,MESSAGE_TYPE,FROM_USER_ID,DIALOG_ID,TO_CHAT_ID,AUTHOR_ID,SYSTEM,CHAT_ID,CHAT_PARENT_ID,CHAT_PARENT_MID,CHAT_TITLE,") {
		t.Fatalf("group command PARAMS keys %s", got)
	}
}
