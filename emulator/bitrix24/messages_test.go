package bitrix24_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestMessageMethodErrors checks the documented errors of
// imbot.message.add, update, delete, like and imbot.chat.sendTyping.
func TestMessageMethodErrors(t *testing.T) {
	t.Parallel()
	srv := start(t)
	bigAttach := url.QueryEscape(`[{"MESSAGE":"` + strings.Repeat("a", 31*1024) + `"}]`)
	bigKeyboard := url.QueryEscape(`[{"TEXT":"` + strings.Repeat("a", 31*1024) + `","COMMAND":"x"}]`)
	cases := []struct {
		name, method, form string
		status             int
		code, text         string
	}{
		{"add: no client id", "imbot.message.add", "DIALOG_ID=1&MESSAGE=x", 403, "ACCESS_DENIED", "Access denied! Client ID not specified"},
		{"add: unknown bot", "imbot.message.add", "CLIENT_ID=chatemu&BOT_ID=5&DIALOG_ID=1&MESSAGE=x", 400, "BOT_ID_ERROR", "Bot not found"},
		{"add: other app", "imbot.message.add", "CLIENT_ID=other&BOT_ID=39&DIALOG_ID=1&MESSAGE=x", 400, "APP_ID_ERROR",
			"Bot was installed by another rest application"},
		{"add: no dialog", "imbot.message.add", "CLIENT_ID=chatemu&MESSAGE=x", 400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty"},
		{"add: bad dialog", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=sg5&MESSAGE=x", 400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty"},
		{"add: no message", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=+", 400, "MESSAGE_EMPTY", "Message can't be empty"},
		{"add: bad attach", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=x&ATTACH=nonsense", 400, "ATTACH_ERROR", "Incorrect attach params"},
		{"add: big attach", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=x&ATTACH=" + bigAttach, 400, "ATTACH_OVERSIZE",
			"You have exceeded the maximum allowable size of attach"},
		{"add: bad keyboard", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=x&KEYBOARD[0][TEXT]=a", 400, "KEYBOARD_ERROR",
			"Incorrect keyboard params"},
		{"add: big keyboard", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=x&KEYBOARD=" + bigKeyboard, 400, "KEYBOARD_OVERSIZE",
			"You have exceeded the maximum allowable size of keyboard"},
		{"add: bad menu", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=x&MENU[0][TEXT]=a", 400, "MENU_ERROR", "Incorrect menu params"},
		{"add: chat without the bot", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=chat99&MESSAGE=x", 400, "WRONG_REQUEST", "Message isn't added"},
		{"add: unknown user", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=77&MESSAGE=x", 400, "WRONG_REQUEST", "Message isn't added"},
		{"add: to itself", "imbot.message.add", "CLIENT_ID=chatemu&DIALOG_ID=39&MESSAGE=x", 400, "WRONG_REQUEST", "Message isn't added"},
		{"add: from and to", "imbot.message.add", "CLIENT_ID=chatemu&FROM_USER_ID=1&TO_USER_ID=2&MESSAGE=x", 400, "WRONG_REQUEST", "Message isn't added"},
		{"update: no id", "imbot.message.update", "CLIENT_ID=chatemu&MESSAGE=x", 400, "MESSAGE_ID_ERROR", "Message ID can't be empty"},
		{"update: not its own", "imbot.message.update", "CLIENT_ID=chatemu&MESSAGE_ID=2&MESSAGE=x", 403, "CANT_EDIT_MESSAGE",
			"Time has expired for modification or you don't have access"},
		{"update: bad keyboard", "imbot.message.update", "CLIENT_ID=chatemu&MESSAGE_ID=1&KEYBOARD=x", 400, "KEYBOARD_ERROR", "Incorrect keyboard params"},
		{"delete: no id", "imbot.message.delete", "CLIENT_ID=chatemu", 400, "MESSAGE_ID_ERROR", "Message ID can't be empty"},
		{"delete: not its own", "imbot.message.delete", "CLIENT_ID=chatemu&MESSAGE_ID=2", 403, "CANT_EDIT_MESSAGE",
			"Time has expired for modification or you don't have access"},
		{"like: no id", "imbot.message.like", "CLIENT_ID=chatemu", 400, "MESSAGE_ID_ERROR", "Message ID can't be empty"},
		{"like: unknown", "imbot.message.like", "CLIENT_ID=chatemu&MESSAGE_ID=99", 400, "WITHOUT_CHANGES", "Action completed without changes"},
		{"like: minus unliked", "imbot.message.like", "CLIENT_ID=chatemu&MESSAGE_ID=2&ACTION=minus", 400, "WITHOUT_CHANGES", "Action completed without changes"},
		{"typing: no dialog", "imbot.chat.sendTyping", "CLIENT_ID=chatemu", 400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty"},
		{"typing: no client id", "imbot.chat.sendTyping", "DIALOG_ID=1", 403, "ACCESS_DENIED", "Access denied! Client ID not specified"},
	}
	// message 1: the bot's in chat 13; message 2: user 1's
	expect(t, srv, req{path: hook("imbot.message.add"), form: "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=mine"}, 200, ok(`1`))
	srv.Bitrix24().Write(t, "chat13", 1, "theirs")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, srv, req{path: hook(tc.method), form: tc.form}, tc.status, fail(tc.code, tc.text))
		})
	}
	// the strict portal's size limit and keyboard error
	seedPortal(t, srv, `{"name":"default","strict":true}`)
	expect(t, srv, req{path: hook("imbot.message.add"), form: "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=x&KEYBOARD=" + bigKeyboard}, 200, ok(`3`))
}

// TestMessageMethods: what imbot.message.add, update, like, delete and
// sendTyping do, as the dialog's messages show.
func TestMessageMethods(t *testing.T) {
	t.Parallel()
	srv := start(t)
	w := srv.Bitrix24()
	kb := url.QueryEscape(`{"BUTTONS":[{"TEXT":"Yes","COMMAND":"yes"}]}`)
	menu := url.QueryEscape(`[{"TEXT":"Help","COMMAND":"help"}]`)
	expect(t, srv, req{path: hook("imbot.message.add"), form: "CLIENT_ID=chatemu&DIALOG_ID=2&MESSAGE=Hello&KEYBOARD=" + kb + "&MENU=" + menu +
		"&URL_PREVIEW=N"}, 200, ok(`1`))
	expect(t, srv, req{path: hook("imbot.message.add"), form: "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=Notice&SYSTEM=Y"}, 200, ok(`2`))
	expect(t, srv, req{path: hook("imbot.chat.sendTyping"), form: "CLIENT_ID=chatemu&DIALOG_ID=2"}, 200, ok(`true`))
	got := w.DialogMessages(t, "39", 2)
	if len(got) != 1 || got[0].Text != "Hello" || string(got[0].Keyboard) != `{"BUTTONS":[{"COMMAND":"yes","TEXT":"Yes"}]}` ||
		string(got[0].Menu) != `[{"COMMAND":"help","TEXT":"Help"}]` || got[0].URLPreview {
		t.Fatalf("dialog %+v", got)
	}
	if chat := w.DialogMessages(t, "chat13", 0); len(chat) != 1 || chat[0].Text != "[USER=39]NewBot[/USER]\nNotice" || !chat[0].System {
		t.Fatalf("chat %+v", chat)
	}
	expect(t, srv, req{path: hook("imbot.message.update"), form: "CLIENT_ID=chatemu&MESSAGE_ID=1&MESSAGE=Hello!&KEYBOARD=N"}, 200, ok(`true`))
	expect(t, srv, req{path: hook("imbot.message.like"), form: "CLIENT_ID=chatemu&MESSAGE_ID=1"}, 200, ok(`true`))
	expect(t, srv, req{path: hook("imbot.message.like"), form: "CLIENT_ID=chatemu&MESSAGE_ID=1&ACTION=plus"}, 400,
		fail("WITHOUT_CHANGES", "Action completed without changes"))
	got = w.DialogMessages(t, "2", 39)
	if len(got) != 1 || got[0].Text != "Hello!" || !got[0].Edited || len(got[0].Keyboard) != 0 || len(got[0].Likes) != 1 {
		t.Fatalf("after update %+v", got)
	}
	expect(t, srv, req{path: hook("imbot.message.update"), form: "CLIENT_ID=chatemu&MESSAGE_ID=1&MESSAGE="}, 200, ok(`true`))
	if got := w.DialogMessages(t, "39", 2); len(got) != 0 {
		t.Fatalf("an empty MESSAGE deletes: %+v", got)
	}
	expect(t, srv, req{path: hook("imbot.message.delete"), form: "CLIENT_ID=chatemu&MESSAGE_ID=2&COMPLETE=Y"}, 200, ok(`true`))
	expect(t, srv, req{path: hook("imbot.message.delete"), form: "CLIENT_ID=chatemu&MESSAGE_ID=2"}, 403,
		fail("CANT_EDIT_MESSAGE", "Time has expired for modification or you don't have access"))
	// three days later the bot can no longer change its message
	expect(t, srv, req{path: hook("imbot.message.add"), form: "CLIENT_ID=chatemu&DIALOG_ID=chat13&MESSAGE=old"}, 200, ok(`3`))
	srv.Advance(73 * time.Hour)
	st, body := send(t, srv, req{path: hook("imbot.message.update"), form: "CLIENT_ID=chatemu&MESSAGE_ID=3&MESSAGE=new"})
	if st != 403 || !strings.Contains(body, "CANT_EDIT_MESSAGE") {
		t.Fatalf("late update: %d %s", st, body)
	}
	// bot messages raise no events, private dialogs the bot opened do
	noEvents(t, srv, "ONIMBOTMESSAGEADD", "ONIMBOTMESSAGEUPDATE", "ONIMBOTMESSAGEDELETE")
}
