package bitrix24_test

import (
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// withHandler gives fixture bot 39 one handler URL for every event.
func withHandler(t *testing.T, srv *testkit.Server, u string) {
	t.Helper()
	seedPortal(t, srv, `{"name":"default","bots":[{"id":39,"code":"newbot","name":"NewBot","client_id":"chatemu","type":"B","openline":true,"event_handler":"`+u+`"}]}`)
}

var ts = strconv.FormatInt(fixedNow.Unix(), 10)

// botTokenKeys are a bot block's token fields in the documented order.
var botTokenKeys = "access_token,expires,expires_in,scope,domain,server_endpoint,status,client_endpoint,member_id,refresh_token,user_id,client_id,application_token"

// checkAppAuth checks an OAuth application's auth blocks of an event for
// user (top level) and the bots: working tokens, the endpoints at chatemu.
func checkAppAuth(t *testing.T, srv *testkit.Server, f map[string]any, raw string, user string, refresh bool, bots ...string) {
	t.Helper()
	auth := mapAt(t, f, "auth")
	tok, _ := auth["access_token"].(string)
	if tok == "" || auth["user_id"] != user || auth["expires"] != strconv.FormatInt(fixedNow.Unix()+3600, 10) || auth["expires_in"] != "3600" ||
		auth["scope"] != "imbot,imopenlines" || auth["domain"] != "chatemu.bitrix24.com" || auth["status"] != "L" ||
		auth["client_endpoint"] != srv.URL()+"/rest/" || auth["server_endpoint"] != srv.URL()+"/rest/" ||
		auth["member_id"] != "a223c6b3710f85df22e9377d6c4f7553" || auth["application_token"] == "" {
		t.Fatalf("auth %v", auth)
	}
	if _, has := auth["refresh_token"]; has != refresh {
		t.Fatalf("auth refresh_token present %v, want %v: %v", has, refresh, auth)
	}
	for _, id := range bots {
		b := mapAt(t, f, "data", "BOT", id)
		want := strings.Split(botTokenKeys, ",")
		if got := keysOf(raw, "data[BOT]["+id+"]"); strings.Join(got, ",") != botTokenKeys+",AUTH,BOT_ID,BOT_CODE" {
			t.Fatalf("bot block keys %v", got)
		}
		inner := mapAt(t, f, "data", "BOT", id, "AUTH")
		for _, k := range want {
			if inner[k] != b[k] || b[k] == "" {
				t.Fatalf("bot %s %s: %v vs AUTH %v", id, k, b[k], inner[k])
			}
		}
		if b["user_id"] != id || b["client_id"] != "chatemu" || b["application_token"] != auth["application_token"] || b["access_token"] == tok {
			t.Fatalf("bot block %v", b)
		}
	}
}

// TestPrivateDialogEvents: a user writes to bot 39 for the first time.
// ONIMBOTJOINCHAT, then ONIMBOTMESSAGEADD, reach the handler as the
// portal sends them, and the bot answers with the event's token through
// auth[client_endpoint].
func TestPrivateDialogEvents(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24?x=1")
	m := srv.Bitrix24().Write(t, "39", 1, "Hello & welcome")

	join, joinRaw := event(t, srv, "ONIMBOTJOINCHAT", 1)
	if got := keysOf(joinRaw, ""); strings.Join(got, ",") != "event,event_handler_id,data,ts,auth" {
		t.Fatalf("keys %v", got)
	}
	if got := keysOf(joinRaw, "data[PARAMS]"); strings.Join(got, ",") != "CHAT_TYPE,MESSAGE_TYPE,BOT_ID,USER_ID,TO_USER_ID,FROM_USER_ID,DIALOG_ID,LANGUAGE" {
		t.Fatalf("join PARAMS keys %v", got)
	}
	sameMap(t, "join PARAMS", mapAt(t, join, "data", "PARAMS"), map[string]any{"CHAT_TYPE": "P", "MESSAGE_TYPE": "P", "BOT_ID": "39",
		"USER_ID": "1", "TO_USER_ID": "1", "FROM_USER_ID": "39", "DIALOG_ID": "1", "LANGUAGE": "en"})
	sameMap(t, "join USER", mapAt(t, join, "data", "USER"), map[string]any{"ID": "1", "NAME": "John Smith", "FIRST_NAME": "John",
		"LAST_NAME": "Smith", "WORK_POSITION": "", "GENDER": ""})
	if join["event"] != "ONIMBOTJOINCHAT" || join["ts"] != ts || join["event_handler_id"] == "" {
		t.Fatalf("join %v", join)
	}
	checkAppAuth(t, srv, join, joinRaw, "1", false, "39")

	add, raw := event(t, srv, "ONIMBOTMESSAGEADD", 1)
	params := mapAt(t, add, "data", "PARAMS")
	if params["TEMPLATE_ID"] == "" {
		t.Fatal("no TEMPLATE_ID")
	}
	params["TEMPLATE_ID"] = "T"
	chatID := strconv.FormatInt(m.ChatID, 10)
	sameMap(t, "PARAMS", params, map[string]any{"MESSAGE": "Hello & welcome", "TEMPLATE_ID": "T", "MESSAGE_TYPE": "P", "FROM_USER_ID": "1",
		"DIALOG_ID": "1", "TO_CHAT_ID": chatID, "AUTHOR_ID": "1", "SYSTEM": "N", "TO_USER_ID": "39", "PUSH": "Y", "PUSH_IMPORTANT": "N",
		"RECENT_SKIP_AUTHOR": "N", "CONVERT": "N", "SKIP_COMMAND": "N", "SKIP_COUNTER_INCREMENTS": "N", "SILENT_CONNECTOR": "N",
		"SKIP_CONNECTOR": "N", "IMPORTANT_CONNECTOR": "N", "NO_SESSION_OL": "N", "FAKE_RELATION": "0", "SKIP_URL_INDEX": "N",
		"COMMAND_CONTEXT": "TEXTAREA", "PLATFORM_CONTEXT": "web", "MESSAGE_ID": strconv.FormatInt(m.ID, 10),
		"CHAT_TYPE": "P", "LANGUAGE": "en"})
	// the example's order; CHAT_USER_COUNT is "absent in personal dialogue" (the page's text)
	if got := strings.Join(keysOf(raw, "data[PARAMS]"), ","); got != "MESSAGE,TEMPLATE_ID,MESSAGE_TYPE,FROM_USER_ID,DIALOG_ID,TO_CHAT_ID,"+
		"AUTHOR_ID,SYSTEM,TO_USER_ID,PUSH,PUSH_IMPORTANT,RECENT_SKIP_AUTHOR,CONVERT,SKIP_COMMAND,SKIP_COUNTER_INCREMENTS,SILENT_CONNECTOR,"+
		"SKIP_CONNECTOR,IMPORTANT_CONNECTOR,NO_SESSION_OL,FAKE_RELATION,SKIP_URL_INDEX,COMMAND_CONTEXT,PLATFORM_CONTEXT,MESSAGE_ID,CHAT_TYPE,LANGUAGE" {
		t.Fatalf("PARAMS order %s", got)
	}
	sameMap(t, "USER", mapAt(t, add, "data", "USER"), map[string]any{"ID": "1", "NAME": "John Smith", "FIRST_NAME": "John",
		"LAST_NAME": "Smith", "WORK_POSITION": "", "GENDER": "", "IS_BOT": "N", "IS_CONNECTOR": "N", "IS_NETWORK": "N", "IS_EXTRANET": "N"})
	checkAppAuth(t, srv, add, raw, "1", true, "39")

	calls := h.received()
	if len(calls) != 2 {
		t.Fatalf("handler got %d calls", len(calls))
	}
	for _, c := range calls {
		if c.Method != http.MethodPost || c.Path != "/b24" || c.Query != "x=1" || c.ContentType != "application/x-www-form-urlencoded" ||
			c.UserAgent != "Bitrix24 Webhook Engine" {
			t.Fatalf("call %+v", c)
		}
	}
	if !strings.Contains(calls[1].Body, "data%5BPARAMS%5D%5BMESSAGE%5D=Hello+%26+welcome") {
		t.Fatalf("body not PHP-encoded: %s", calls[1].Body)
	}

	// the bot answers as a PHP bot does: client_endpoint + method, its token
	bot := mapAt(t, add, "data", "BOT", "39")
	answer := req{path: strings.TrimPrefix(at(t, add, "auth", "client_endpoint").(string), srv.URL()) + "imbot.message.add",
		form: "auth=" + bot["access_token"].(string) + "&DIALOG_ID=" + params["DIALOG_ID"].(string) + "&MESSAGE=Hi%2C+John"}
	st, body := send(t, srv, answer)
	if st != 200 {
		t.Fatalf("answer: %d %s", st, body)
	}
	got := srv.Bitrix24().DialogMessages(t, "39", 1)
	if len(got) != 2 || got[0].Text != "Hello & welcome" || got[1].Text != "Hi, John" || got[1].AuthorID != 39 {
		t.Fatalf("dialog %+v", got)
	}
	// the user's token of the top-level auth works too
	st, _ = send(t, srv, req{path: "/rest/imbot.bot.list", form: "auth=" + at(t, add, "auth", "access_token").(string)})
	if st != 200 {
		t.Fatalf("user token refused: %d", st)
	}
	// a second event hands out the same tokens (the token table stays small)
	srv.Bitrix24().Write(t, "39", 1, "again")
	again, _ := event(t, srv, "ONIMBOTMESSAGEADD", 2)
	if at(t, again, "auth", "access_token") != at(t, add, "auth", "access_token") || at(t, again, "data", "BOT", "39", "access_token") != bot["access_token"] {
		t.Fatal("event tokens were not reused")
	}
}

// TestGroupMessageEvent: a mention of bot 39 in chat 13 reaches it with
// the mention stripped from MESSAGE and kept in MESSAGE_ORIGINAL.
func TestGroupMessageEvent(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	m := srv.Bitrix24().Write(t, "chat13", 2, "[USER=39]NewBot[/USER], how are you [USER=4]Maria[/USER]?")
	add, raw := event(t, srv, "ONIMBOTMESSAGEADD", 1)
	params := mapAt(t, add, "data", "PARAMS")
	params["TEMPLATE_ID"] = "T"
	sameMap(t, "PARAMS", params, map[string]any{"MESSAGE": "how are you ?", "TEMPLATE_ID": "T", "MESSAGE_TYPE": "C", "FROM_USER_ID": "2",
		"DIALOG_ID": "chat13", "TO_CHAT_ID": "13", "AUTHOR_ID": "2", "SYSTEM": "N", "CHAT_ID": "13", "CHAT_TITLE": "Bot chat",
		"CHAT_AUTHOR_ID": "39", "CHAT_TYPE": "C", "CHAT_AVATAR": "0", "CHAT_COLOR": "PINK", "CHAT_ENTITY_TYPE": "OPEN", "CHAT_ENTITY_ID": "13",
		"CHAT_ENTITY_DATA_1": "", "CHAT_ENTITY_DATA_2": "", "CHAT_ENTITY_DATA_3": "", "CHAT_EXTRANET": "N", "CHAT_PREV_MESSAGE_ID": "0",
		"CHAT_CAN_POST": "MEMBER", "RID": "2", "IS_MANAGER": "N", "PUSH": "Y", "PUSH_IMPORTANT": "N", "RECENT_SKIP_AUTHOR": "N",
		"CONVERT": "N", "SKIP_COMMAND": "N", "SKIP_COUNTER_INCREMENTS": "N", "SILENT_CONNECTOR": "N", "SKIP_CONNECTOR": "N",
		"IMPORTANT_CONNECTOR": "N", "NO_SESSION_OL": "N", "FAKE_RELATION": "0", "SKIP_URL_INDEX": "N", "COMMAND_CONTEXT": "TEXTAREA",
		"CHAT_USER_COUNT": "4", "MENTIONED_LIST": map[string]any{"39": "39", "4": "4"}, "PLATFORM_CONTEXT": "web",
		"MESSAGE_ORIGINAL": "[USER=39]NewBot[/USER], how are you [USER=4]Maria[/USER]?", "TO_USER_ID": "39",
		"MESSAGE_ID": strconv.FormatInt(m.ID, 10), "LANGUAGE": "en"})
	order := strings.Join(keysOf(raw, "data[PARAMS]"), ",")
	if !strings.HasPrefix(order, "MESSAGE,TEMPLATE_ID,MESSAGE_TYPE,FROM_USER_ID,DIALOG_ID,TO_CHAT_ID,AUTHOR_ID,SYSTEM,CHAT_ID,CHAT_TITLE") ||
		!strings.HasSuffix(order, "MENTIONED_LIST,PLATFORM_CONTEXT,MESSAGE_ORIGINAL,TO_USER_ID,MESSAGE_ID,LANGUAGE") {
		t.Fatalf("PARAMS order %s", order)
	}
	checkAppAuth(t, srv, add, raw, "2", true, "39")
}

// botsOf are the bot ids each delivery of an event carried, sorted.
func botsOf(t *testing.T, srv *testkit.Server, name string) []string {
	t.Helper()
	var out []string
	for _, d := range srv.Deliveries(emulator.DeliveryFilter{Vendor: "bitrix24", Event: name}) {
		for id := range mapAt(t, parseStr(t, d.Body), "data", "BOT") {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// TestRecipients checks who gets ONIMBOTMESSAGEADD: mentioned member
// bots and every TYPE=S member in a group chat, every bot of an open-line
// chat but OPENLINE=N ones, never for a bot's own message.
func TestRecipients(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	hookURL := h.URL + "/b24"
	withHandler(t, srv, hookURL)
	tok := func(method, form string) req {
		return req{path: "/rest/" + method, form: "auth=test-access-token&" + form}
	}
	// bots of the same application share the handler: 101 supervises, 102 is not for open lines
	expect(t, srv, tok("imbot.register", "CODE=sup&TYPE=S&PROPERTIES[NAME]=Sup&EVENT_HANDLER="+url.QueryEscape(hookURL)), 200, ok(`101`))
	expect(t, srv, tok("imbot.register", "CODE=plain&PROPERTIES[NAME]=Plain&EVENT_HANDLER="+url.QueryEscape(hookURL)), 200, ok(`102`))
	expect(t, srv, tok("imbot.chat.user.add", "CHAT_ID=13&USERS[]=101&USERS[]=102"), 200, ok(`true`))
	expect(t, srv, tok("imbot.chat.user.add", "CHAT_ID=12&USERS[]=102"), 200, ok(`true`))
	w := srv.Bitrix24()
	w.Write(t, "chat13", 1, "no mention")                           // 101 (TYPE S)
	w.Write(t, "chat13", 1, "[USER=102]Plain[/USER] hi")            // 102 mentioned, 101
	w.Write(t, "chat13", 1, "[USER=39]NewBot[/USER] and [USER=3]x") // 39, 101
	// a mention of a bot that is not a member reaches nobody but the supervisor
	expect(t, srv, tok("imbot.chat.leave", "CHAT_ID=13&BOT_ID=102"), 200, ok(`true`))
	w.Write(t, "chat13", 1, "[USER=102]Plain[/USER] gone?") // 101
	// bots never hear bots: 39 writes with mentions
	expect(t, srv, tok("imbot.message.add", "BOT_ID=39&DIALOG_ID=chat13&MESSAGE="+url.QueryEscape("[USER=101]Sup[/USER] hi")), 200, ok(`5`))
	// open line chat 12: 39 (OPENLINE=Y) hears the client, 102 (OPENLINE=N) does not
	w.Write(t, "chat12", 100, "question")
	// the last delivery to the same handler: those before it are out
	marker := w.Write(t, "39", 1, "marker")
	list := waitMarker(t, srv, "ONIMBOTMESSAGEADD", marker.ID)
	var got []string
	for _, d := range list {
		f := parseStr(t, d.Body)
		var ids []string
		for id := range mapAt(t, f, "data", "BOT") {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		text, _ := at(t, f, "data", "PARAMS", "MESSAGE_ORIGINAL").(string)
		if text == "" {
			text = at(t, f, "data", "PARAMS", "MESSAGE").(string)
		}
		got = append(got, text+"="+strings.Join(ids, "+"))
	}
	want := []string{"no mention=101", "[USER=102]Plain[/USER] hi=101+102", "[USER=39]NewBot[/USER] and [USER=3]x=101+39",
		"[USER=102]Plain[/USER] gone?=101", "question=39", "marker=39"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("recipients\n got %q\nwant %q", got, want)
	}
	if joined := botsOf(t, srv, "ONIMBOTJOINCHAT"); strings.Join(joined, ",") != "101,102,102,39" {
		t.Fatalf("joined %v", joined)
	}
}

// waitMarker waits until the journal holds event name's delivery for
// message id (a marker written last) and returns that event's deliveries,
// oldest first.
func waitMarker(t *testing.T, srv *testkit.Server, name string, id int64) []emulator.Delivery {
	t.Helper()
	needle := "%5BMESSAGE_ID%5D=" + strconv.FormatInt(id, 10) + "&"
	for since := uint64(0); ; {
		d := srv.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "bitrix24", Event: name, Since: since})
		if strings.Contains(d.Body, needle) {
			return srv.Deliveries(emulator.DeliveryFilter{Vendor: "bitrix24", Event: name})
		}
		since = d.Seq
	}
}

// changeKeys are the PARAMS keys of ONIMBOTMESSAGEUPDATE and
// ONIMBOTMESSAGEDELETE in the pages' examples.
const (
	changeHead    = "ID,CHAT_ID,AUTHOR_ID,MESSAGE,MESSAGE_TYPE,CHAT_AUTHOR_ID,"
	changeEntity  = "CHAT_ENTITY_ID,CHAT_ENTITY_DATA_1,CHAT_ENTITY_DATA_2,CHAT_ENTITY_DATA_3,"
	changeTail    = "DIALOG_ID,MESSAGE_ID,CHAT_TYPE,LANGUAGE"
	updatePrivate = changeHead + changeEntity + "FROM_USER_ID,TO_USER_ID,CHAT_USER_COUNT,PLATFORM_CONTEXT," + changeTail
	updateGroup   = changeHead + "CHAT_ENTITY_TYPE," + changeEntity + "CHAT_USER_COUNT,MENTIONED_LIST,PLATFORM_CONTEXT,MESSAGE_ORIGINAL,TO_USER_ID," + changeTail
	deletePrivate = changeHead + changeEntity + "FROM_USER_ID,TO_USER_ID," + changeTail
	deleteGroup   = changeHead + "CHAT_ENTITY_TYPE," + changeEntity + changeTail
)

// TestChangeEventShapes: ONIMBOTMESSAGEUPDATE and ONIMBOTMESSAGEDELETE
// carry the pages' keys in their order. In a group chat FROM_USER_ID "is
// filled for personal chats" only, so there is no USER either; an edit's
// TO_USER_ID follows MESSAGE_ORIGINAL.
func TestChangeEventShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, dialog, event, keys string
		user                      bool
		check                     map[string]any
	}{
		{"private update", "39", "ONIMBOTMESSAGEUPDATE", updatePrivate, true, map[string]any{"MESSAGE": "[USER=4]Maria[/USER], edited",
			"FROM_USER_ID": "1", "TO_USER_ID": "39", "CHAT_USER_COUNT": "2", "DIALOG_ID": "1", "CHAT_TYPE": "P"}},
		{"group update", "chat13", "ONIMBOTMESSAGEUPDATE", updateGroup, false, map[string]any{"MESSAGE": "edited",
			"MESSAGE_ORIGINAL": "[USER=39]NewBot[/USER], edited", "TO_USER_ID": "39", "MENTIONED_LIST": map[string]any{"39": "39"},
			"DIALOG_ID": "chat13", "CHAT_TYPE": "C"}},
		{"private delete", "39", "ONIMBOTMESSAGEDELETE", deletePrivate, true, map[string]any{"FROM_USER_ID": "1", "TO_USER_ID": "39",
			"MESSAGE": "Message from 02/24/2026 12:19:39 has been deleted"}},
		{"group delete", "chat13", "ONIMBOTMESSAGEDELETE", deleteGroup, false, map[string]any{"DIALOG_ID": "chat13",
			"MESSAGE": "Message from 02/24/2026 12:19:39 has been deleted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			h := newHook(t)
			withHandler(t, srv, h.URL+"/b24")
			w := srv.Bitrix24()
			from := int64(1)
			if tc.dialog != "39" {
				from = 2
			}
			m := w.Write(t, tc.dialog, from, "[USER=39]NewBot[/USER], hello")
			if tc.event == "ONIMBOTMESSAGEUPDATE" {
				text := "[USER=39]NewBot[/USER], edited"
				if tc.dialog == "39" {
					text = "[USER=4]Maria[/USER], edited" // not stripped in a private dialog
				}
				w.Edit(t, m.ID, text)
			} else {
				w.Delete(t, m.ID)
			}
			f, raw := event(t, srv, tc.event, 1)
			if got := strings.Join(keysOf(raw, "data[PARAMS]"), ","); got != tc.keys {
				t.Fatalf("PARAMS keys\n got %s\nwant %s", got, tc.keys)
			}
			params := mapAt(t, f, "data", "PARAMS")
			for k, v := range tc.check {
				if !reflect.DeepEqual(params[k], v) {
					t.Fatalf("PARAMS[%s] = %#v, want %#v", k, params[k], v)
				}
			}
			data := "BOT,PARAMS"
			if tc.user {
				data += ",USER"
				if got := strings.Join(keysOf(raw, "data[USER]"), ","); got != "ID,NAME,FIRST_NAME,LAST_NAME,WORK_POSITION,GENDER,IS_BOT,IS_CONNECTOR,IS_NETWORK,IS_EXTRANET" {
					t.Fatalf("USER keys %s", got)
				}
			}
			if got := strings.Join(keysOf(raw, "data"), ","); got != data {
				t.Fatalf("data keys %s, want %s", got, data)
			}
			checkAppAuth(t, srv, f, raw, strconv.FormatInt(from, 10), true, "39")
		})
	}
}

// TestMentionReplace: a group message's TO_USER_ID is its first mention,
// a [USER=id REPLACE] one included, which the text for bots keeps.
func TestMentionReplace(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	srv.Bitrix24().Write(t, "chat13", 2, "[USER=4 REPLACE]Maria[/USER] and [USER=39]NewBot[/USER], look")
	f, _ := event(t, srv, "ONIMBOTMESSAGEADD", 1)
	if p := mapAt(t, f, "data", "PARAMS"); p["TO_USER_ID"] != "4" || p["MESSAGE"] != "[USER=4 REPLACE]Maria[/USER] and  look" {
		t.Fatalf("TO_USER_ID %v, MESSAGE %q", p["TO_USER_ID"], p["MESSAGE"])
	}
}

// TestBotAsUser: a bot calling with its own event token is the user of
// the events it causes; its USER block carries its WORK_POSITION and
// GENDER, from its PROPERTIES.
func TestBotAsUser(t *testing.T) {
	t.Parallel()
	srv := start(t)
	h := newHook(t)
	withHandler(t, srv, h.URL+"/b24")
	expect(t, srv, req{path: "/rest/imbot.register", form: "auth=test-access-token&CODE=helper&PROPERTIES[NAME]=Help&PROPERTIES[WORK_POSITION]=Helper" +
		"&PROPERTIES[PERSONAL_GENDER]=F&EVENT_HANDLER=" + url.QueryEscape(h.URL+"/b24")}, 200, ok(`101`))
	srv.Bitrix24().Write(t, "101", 1, "hi")
	f, _ := event(t, srv, "ONIMBOTMESSAGEADD", 1)
	tok := at(t, f, "data", "BOT", "101", "access_token").(string)
	if st, body := send(t, srv, req{path: "/rest/imbot.chat.add", form: "auth=" + tok + "&BOT_ID=101&USERS[]=1&TITLE=mine"}); st != 200 {
		t.Fatalf("imbot.chat.add: %d %s", st, body)
	}
	f, _ = event(t, srv, "ONIMBOTJOINCHAT", 2)
	sameMap(t, "USER", mapAt(t, f, "data", "USER"), map[string]any{"ID": "101", "NAME": "Help", "FIRST_NAME": "Help", "LAST_NAME": "",
		"WORK_POSITION": "Helper", "GENDER": "F"})
}
