package browser

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// documents is the instance's stored documents by key, decoded.
func documents(t *testing.T, srv *testkit.Server) map[string]any {
	t.Helper()
	var snap struct {
		Documents map[string]any `json:"documents"`
	}
	if err := json.Unmarshal(srv.SaveState(t), &snap); err != nil {
		t.Fatal(err)
	}
	return snap.Documents
}

// control sends a JSON body to a control-plane route with the admin
// token and answers its status and body.
func control(t *testing.T, srv *testkit.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	return send(t, srv, req)
}

// testHandler is a handler of the system under test: it answers 200 and
// hands each body it receives to got.
func testHandler(t *testing.T, got chan<- string) string {
	t.Helper()
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- string(body):
		default:
		}
		_, _ = io.WriteString(w, `{"result":true}`)
	}))
	t.Cleanup(h.Close)
	return h.URL + "/bot"
}

// testBot is a Bitrix24 bot of the system under test, registered through
// the portal's incoming webhook: its handler keeps the events it gets and
// answers a person's message with imbot.message.add and a keyboard of a
// COMMAND button ("yes", params "42", a registered command) and a LINK
// button.
type testBot struct {
	srv       *testkit.Server
	id        atomic.Int64
	commandID string // of "yes"
	handler   string // the handler URL the bot was registered with
	events    chan url.Values
}

const testBotClient = "page-bot-app"

// newTestBot registers the bot (imbot.register with CLIENT_ID, CODE,
// EVENT_HANDLER, PROPERTIES[NAME]; OPENLINE=Y, so that edits and
// deletions reach it too) and its command "yes".
func newTestBot(t *testing.T, srv *testkit.Server) *testBot {
	t.Helper()
	b := &testBot{srv: srv, events: make(chan url.Values, 32)}
	h := httptest.NewServer(http.HandlerFunc(b.serve(t)))
	t.Cleanup(h.Close)
	status, body := call(t, srv, http.MethodPost, "/rest/1/abc/imbot.register", url.Values{
		"CLIENT_ID": {testBotClient}, "CODE": {"page_bot"}, "TYPE": {"B"}, "OPENLINE": {"Y"},
		"EVENT_HANDLER": {h.URL + "/bitrix24"}, "PROPERTIES[NAME]": {"Page bot"}}, "", "")
	var reg struct {
		Result int64 `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &reg); status != http.StatusOK || err != nil || reg.Result == 0 {
		t.Fatalf("imbot.register: %d %s", status, body)
	}
	b.id.Store(reg.Result)
	b.handler = h.URL + "/bitrix24"
	status, body = call(t, srv, http.MethodPost, "/rest/1/abc/imbot.command.register", url.Values{
		"CLIENT_ID": {testBotClient}, "BOT_ID": {b.ID()}, "COMMAND": {"yes"}, "EVENT_COMMAND_ADD": {h.URL + "/bitrix24"},
		"LANG[0][LANGUAGE_ID]": {"en"}, "LANG[0][TITLE]": {"Agree"}}, "", "")
	var cmd struct {
		Result int64 `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &cmd); status != http.StatusOK || err != nil || cmd.Result == 0 {
		t.Fatalf("imbot.command.register: %d %s", status, body)
	}
	b.commandID = strconv.FormatInt(cmd.Result, 10)
	return b
}

// ID is the bot's id, which is also its DIALOG_ID for a user.
func (b *testBot) ID() string { return strconv.FormatInt(b.id.Load(), 10) }

func (b *testBot) serve(t *testing.T) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("the bot's handler got no form: %v", err)
			return
		}
		select {
		case b.events <- r.PostForm:
		default:
		}
		if r.PostForm.Get("event") == "ONIMBOTMESSAGEADD" {
			// The answer goes out while the event is being delivered, as a
			// bot answering at once does (t.Errorf: this is not the test's
			// goroutine).
			resp, err := b.srv.Client().PostForm(b.srv.URL()+"/rest/1/abc/imbot.message.add", url.Values{
				"CLIENT_ID": {testBotClient}, "BOT_ID": {b.ID()}, "DIALOG_ID": {r.PostForm.Get("data[PARAMS][DIALOG_ID]")},
				"MESSAGE":           {"Shall we go on?"},
				"KEYBOARD[0][TEXT]": {"Yes"}, "KEYBOARD[0][COMMAND]": {"yes"}, "KEYBOARD[0][COMMAND_PARAMS]": {"42"},
				"KEYBOARD[1][TEXT]": {"Read the docs"}, "KEYBOARD[1][LINK]": {"https://example.org/docs"}})
			if err != nil {
				t.Errorf("the bot's imbot.message.add: %v", err)
			} else {
				answer, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("the bot's imbot.message.add: %d %s", resp.StatusCode, answer)
				}
			}
		}
		_, _ = io.WriteString(w, `{"result":true}`)
	}
}

// wait is the next event named event the bot got (others are passed over).
func (b *testBot) wait(t *testing.T, event string) url.Values {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-b.events:
			if ev.Get("event") == event {
				return ev
			}
		case <-deadline:
			t.Fatalf("the bot got no %s", event)
		}
	}
}
