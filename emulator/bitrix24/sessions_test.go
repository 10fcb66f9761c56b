package bitrix24_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// sess is a path of an imopenlines.bot.session method on the default
// webhook, naming the application with CLIENT_ID.
func sess(method, query string) string {
	return hook("imopenlines.bot.session." + method + "?CLIENT_ID=chatemu&" + query)
}

const (
	wrongChat      = "Operator is not a bot"
	cannotRedirect = "You can not redirect to this operator"
)

func checkSession(t *testing.T, srv *testkit.Server, chatID int64, status string, operator, queue int64, members []int64) {
	t.Helper()
	ss := srv.Bitrix24().Session(t, chatID)
	if ss.Status != status || ss.OperatorID != operator || ss.QueueID != queue {
		t.Fatalf("session of chat %d: %s holder %d queue %d, want %s holder %d queue %d (%+v)", chatID, ss.Status,
			ss.OperatorID, ss.QueueID, status, operator, queue, ss)
	}
	if got := srv.Bitrix24().Chat(t, chatID).Members; !reflect.DeepEqual(got, members) {
		t.Fatalf("members of chat %d: %v, want %v", chatID, got, members)
	}
}

func TestSessionOperator(t *testing.T) {
	t.Parallel()
	t.Run("doc example: the first operator of the queue takes the dialog", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		checkSession(t, srv, 12, "bot", 39, 0, []int64{39, 100})
		expect(t, srv, req{path: sess("operator", "CHAT_ID=12")}, http.StatusOK, ok(`true`))
		checkSession(t, srv, 12, "operator", 12, 0, []int64{100, 12})
		// the bot no longer holds it
		expect(t, srv, req{path: sess("operator", "CHAT_ID=12")}, http.StatusBadRequest, fail("WRONG_CHAT", wrongChat))
		expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&USER_ID=2")}, http.StatusBadRequest, fail("WRONG_CHAT", wrongChat))
	})
	t.Run("an empty queue: the dialog waits in it", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","open_lines":[{"id":1,"code":"`+lineCode+`","queue":[]}]}`)
		expect(t, srv, req{path: "/rest/imopenlines.bot.session.operator", json: `{"auth":"test-access-token","chat_id":12}`}, http.StatusOK, ok(`true`))
		checkSession(t, srv, 12, "queue", 0, 1, []int64{100})
	})
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: sess("operator", "")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imopenlines.bot.session.operator?CHAT_ID=12")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "application without a bot", seed: `{"name":"default","apps":[{"client_id":"nobots","client_secret":"s","scopes":["imopenlines"]}],` +
			`"tokens":[{"access_token":"nb","client_id":"nobots","user_id":1}]}`,
			r: req{path: "/rest/imopenlines.bot.session.operator?auth=nb&CHAT_ID=12"}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "chat without a session", r: req{path: sess("operator", "CHAT_ID=13")}, code: "WRONG_CHAT", text: wrongChat},
		{name: "unknown chat", r: req{path: sess("operator", "CHAT_ID=999")}, code: "WRONG_CHAT", text: wrongChat},
		{name: "held by another application's bot", seed: seedOtherBot + `,{"name":"default","sessions":[{"id":1,"chat_id":12,"line_id":1,"client_id":100,"operator_id":40}]}`,
			r: req{path: sess("operator", "CHAT_ID=12")}, code: "WRONG_CHAT", text: wrongChat},
	})
}

func TestSessionTransfer(t *testing.T) {
	t.Parallel()
	t.Run("doc example: to user 12, the bot stays until accepted", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&USER_ID=12&LEAVE=N")}, http.StatusOK, ok(`true`))
		checkSession(t, srv, 12, "transfer", 12, 0, []int64{39, 100})
		expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&USER_ID=2")}, http.StatusBadRequest, fail("WRONG_CHAT", wrongChat))
		srv.Bitrix24().AnswerSession(t, 12, 12)
		checkSession(t, srv, 12, "operator", 12, 0, []int64{100, 12})
		hist := srv.Bitrix24().Session(t, 12).History
		if len(hist) != 3 || hist[1].Action != "transfer" || hist[1].By != 39 || hist[1].To != "12" || hist[2].Action != "answer" {
			t.Fatalf("history: %+v", hist)
		}
	})
	t.Run("LEAVE=Y: the bot leaves at once", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&USER_ID=2&LEAVE=Y")}, http.StatusOK, ok(`true`))
		checkSession(t, srv, 12, "transfer", 2, 0, []int64{100})
	})
	t.Run("to another open line's queue", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","open_lines":[{"id":2,"code":"`+lineCode[:31]+`x","queue":[2]}]}`)
		expect(t, srv, req{path: "/rest/imopenlines.bot.session.transfer", json: `{"auth":"test-access-token","CHAT_ID":12,"QUEUE_ID":2}`}, http.StatusOK, ok(`true`))
		checkSession(t, srv, 12, "queue", 0, 2, []int64{39, 100})
		if ss := srv.Bitrix24().Session(t, 12); ss.LineID != 2 {
			t.Fatalf("line: %+v", ss)
		}
	})
	t.Run("TRANSFER_ID queue<ID> and user id; it replaces USER_ID", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&TRANSFER_ID=queue1")}, http.StatusOK, ok(`true`))
		checkSession(t, srv, 12, "queue", 0, 1, []int64{39, 100})
		srv2 := start(t)
		expect(t, srv2, req{path: sess("transfer", "CHAT_ID=12&USER_ID=999&TRANSFER_ID=2")}, http.StatusOK, ok(`true`))
		checkSession(t, srv2, 12, "transfer", 2, 0, []int64{39, 100})
	})
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: sess("transfer", "USER_ID=12")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "parameter names are not folded: chat_id", r: req{path: sess("transfer", "chat_id=12&USER_ID=12")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "USER_ID zero", r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=0")}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "USER_ID not a number", r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=abc&QUEUE_ID=1")}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "QUEUE_ID zero", r: req{path: sess("transfer", "CHAT_ID=12&QUEUE_ID=0")}, code: "QUEUE_ID_EMPTY", text: "QUEUE ID can't be empty"},
		{name: "TRANSFER_ID queue without a number", r: req{path: sess("transfer", "CHAT_ID=12&TRANSFER_ID=queue")}, code: "QUEUE_ID_EMPTY", text: "QUEUE ID can't be empty"},
		{name: "no target", r: req{path: sess("transfer", "CHAT_ID=12&LEAVE=Y")}, code: "TRANSFER_ID_EMPTY", text: "Queue ID or User ID can't be empty"},
		{name: "target checked before the bot", r: req{path: hook("imopenlines.bot.session.transfer?CHAT_ID=12")}, code: "TRANSFER_ID_EMPTY", text: "Queue ID or User ID can't be empty"},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imopenlines.bot.session.transfer?CHAT_ID=12&USER_ID=12")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "CLIENT_ID in lower case is not read", r: req{path: hook("imopenlines.bot.session.transfer?CHAT_ID=12&USER_ID=12&client_id=chatemu")}, code: "BOT_ID_ERROR", text: botNotFound},
		{name: "to a bot", r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=39")}, code: "WRONG_CHAT", text: cannotRedirect},
		{name: "to the connector client", r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=100")}, code: "WRONG_CHAT", text: cannotRedirect},
		{name: "to an extranet user", seed: `{"name":"default","users":[{"id":20,"name":"Guest","extranet":true}]}`,
			r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=20")}, code: "WRONG_CHAT", text: cannotRedirect},
		{name: "to an unknown user", r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=999")}, code: "WRONG_CHAT", text: cannotRedirect},
		{name: "to an unknown queue", r: req{path: sess("transfer", "CHAT_ID=12&QUEUE_ID=9")}, code: "WRONG_CHAT", text: cannotRedirect},
		{name: "to an inactive line", seed: `{"name":"default","open_lines":[{"id":2,"code":"` + lineCode[:31] + `y","active":false}]}`,
			r: req{path: sess("transfer", "CHAT_ID=12&QUEUE_ID=2")}, code: "WRONG_CHAT", text: cannotRedirect},
		{name: "chat without a session", r: req{path: sess("transfer", "CHAT_ID=13&USER_ID=12")}, code: "WRONG_CHAT", text: wrongChat},
		{name: "strict portal: OPERATOR_WRONG", seed: `{"name":"default","strict":true}`,
			r: req{path: sess("transfer", "CHAT_ID=12&USER_ID=39")}, code: "OPERATOR_WRONG", text: cannotRedirect},
		{name: "strict portal: OPERATOR_WRONG when the bot does not hold it", seed: `{"name":"default","strict":true}`,
			r: req{path: sess("transfer", "CHAT_ID=13&USER_ID=12")}, code: "OPERATOR_WRONG", text: cannotRedirect},
	})
}

func TestSessionFinish(t *testing.T) {
	t.Parallel()
	t.Run("doc example, then the errors follow the state", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("finish", "CHAT_ID=12")}, http.StatusOK, ok(`true`))
		ss := srv.Bitrix24().Session(t, 12)
		if ss.Status != "finished" || ss.FinishedAt == nil || !ss.FinishedAt.Equal(fixedNow) || ss.OperatorID != 39 {
			t.Fatalf("finished session: %+v", ss)
		}
		expect(t, srv, req{path: sess("operator", "CHAT_ID=12")}, http.StatusBadRequest, fail("WRONG_CHAT", wrongChat))
		expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&USER_ID=12")}, http.StatusBadRequest, fail("WRONG_CHAT", wrongChat))
		expect(t, srv, req{path: sess("finish", "CHAT_ID=12")}, http.StatusOK, ok(`true`))
		if h := srv.Bitrix24().Session(t, 12).History; len(h) != 2 {
			t.Fatalf("finishing twice recorded twice: %+v", h)
		}
	})
	t.Run("finishes a dialog an operator holds, as the server does", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("operator", "CHAT_ID=12")}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: "/rest/imopenlines.bot.session.finish?auth=test-access-token&CHAT_ID=12"}, http.StatusOK, ok(`true`))
		if ss := srv.Bitrix24().Session(t, 12); ss.Status != "finished" {
			t.Fatalf("session: %+v", ss)
		}
	})
	t.Run("a chat without a session", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("finish", "CHAT_ID=13")}, http.StatusOK, ok(`true`))
	})
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: sess("finish", "")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
		{name: "webhook without CLIENT_ID", r: req{path: hook("imopenlines.bot.session.finish?CHAT_ID=12")}, code: "BOT_ID_ERROR", text: botNotFound},
	})
}

func TestSessionMessageSend(t *testing.T) {
	t.Parallel()
	t.Run("WELCOME posts the line's greeting; DEFAULT posts MESSAGE", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("message.send", "CHAT_ID=12&MESSAGE=ignored&NAME=WELCOME")}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: "/rest/imopenlines.bot.session.message.send", json: `{"auth":"test-access-token","chat_id":12,"message":"message text","name":"DEFAULT"}`},
			http.StatusOK, ok(`true`))
		msgs := srv.Bitrix24().Messages(t, 12)
		if len(msgs) != 2 || msgs[0].Kind != "welcome" || msgs[0].Text != "Welcome! How can we help you?" || msgs[0].AuthorID != 39 ||
			msgs[1].Kind != "chat" || msgs[1].Text != "message text" {
			t.Fatalf("messages: %+v", msgs)
		}
		if c := srv.Bitrix24().Chat(t, 12); c.MessageCount != 2 {
			t.Fatalf("chat: %+v", c)
		}
	})
	t.Run("true, and nothing posted", func(t *testing.T) {
		t.Parallel()
		for name, query := range map[string]string{
			"DEFAULT without MESSAGE":   "CHAT_ID=12&NAME=DEFAULT",
			"no NAME":                   "CHAT_ID=12&MESSAGE=x",
			"unknown NAME":              "CHAT_ID=12&NAME=OTHER&MESSAGE=x",
			"not an open-line chat":     "CHAT_ID=13&NAME=DEFAULT&MESSAGE=x",
			"unknown chat":              "CHAT_ID=999&NAME=WELCOME",
			"webhook without CLIENT_ID": "CHAT_ID=12&NAME=OTHER",
		} {
			srv := start(t)
			expect(t, srv, req{path: hook("imopenlines.bot.session.message.send?" + query)}, http.StatusOK, ok(`true`))
			if m := srv.Bitrix24().Messages(t, 12); len(m) != 0 {
				t.Fatalf("%s posted %+v", name, m)
			}
		}
	})
	t.Run("a finished session gets nothing", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		expect(t, srv, req{path: sess("finish", "CHAT_ID=12")}, http.StatusOK, ok(`true`))
		expect(t, srv, req{path: sess("message.send", "CHAT_ID=12&NAME=WELCOME")}, http.StatusOK, ok(`true`))
		if m := srv.Bitrix24().Messages(t, 12); len(m) != 0 {
			t.Fatalf("posted %+v", m)
		}
	})
	runErrCases(t, []errCase{
		{name: "CHAT_ID missing", r: req{path: sess("message.send", "NAME=WELCOME")}, code: "CHAT_ID_EMPTY", text: chatIDEmpty},
	})
}

// TestSessionStartedByControlPlane follows a dialog a client starts.
func TestSessionStartedByControlPlane(t *testing.T) {
	t.Parallel()
	srv := start(t)
	ss := srv.Bitrix24().StartSession(t, 1, 3, "Hello, I need help")
	if ss.ChatID != 14 || ss.Status != "bot" || ss.OperatorID != 39 || ss.ClientID != 3 {
		t.Fatalf("started: %+v", ss)
	}
	c := srv.Bitrix24().Chat(t, 14)
	if c.Type != "lines" || c.EntityType != "LINES" || c.EntityID != "livechat|1|14|3" || !reflect.DeepEqual(c.Members, []int64{39, 3}) {
		t.Fatalf("chat: %+v", c)
	}
	if m := srv.Bitrix24().Messages(t, 14); len(m) != 1 || m[0].AuthorID != 3 {
		t.Fatalf("messages: %+v", m)
	}
	expect(t, srv, req{path: sess("message.send", "CHAT_ID=14&NAME=WELCOME")}, http.StatusOK, ok(`true`))
	expect(t, srv, req{path: sess("transfer", "CHAT_ID=14&QUEUE_ID=1")}, http.StatusOK, ok(`true`))
	srv.Bitrix24().AnswerSession(t, 14, 2)
	checkSession(t, srv, 14, "operator", 2, 0, []int64{3, 2})
	expect(t, srv, req{path: sess("finish", "CHAT_ID=14")}, http.StatusOK, ok(`true`))
	checkSession(t, srv, 14, "finished", 39, 0, []int64{3, 2})
}
