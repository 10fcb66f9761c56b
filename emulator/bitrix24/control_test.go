package bitrix24_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

const ctl = "/_emulator/bitrix24/portals/default"

// TestControlViews reads portal state through /_emulator/bitrix24/.
func TestControlViews(t *testing.T) {
	t.Parallel()
	srv := start(t)
	png := pngOf(t, 8, 4)
	expect(t, srv, req{path: "/rest/imbot.chat.updateAvatar", form: "auth=test-access-token&CHAT_ID=13&AVATAR=" + url.QueryEscape(png)}, http.StatusOK, ok(`true`))
	expect(t, srv, req{path: tok("imbot.chat.add", "USERS[]=1&MESSAGE=Welcome&TITLE=T")}, http.StatusOK, ok(`14`))
	cases := []struct {
		name, path string
		status     int
		body       string
	}{
		{"portals", "/_emulator/bitrix24/portals", 200, `{"portals":["default"]}`},
		{"chat", ctl + "/chats/13", 200, `{"portal":"default","id":13,"type":"chat","title":"Bot chat","description":"The chat of the imbot.chat examples",` +
			`"color":"PINK","color_hex":"#e98fa6","owner_id":39,"members":[39,1,2,4],"entity_type":"OPEN","entity_id":"13","general":false,` +
			`"avatar":{"mime":"image/png","width":8,"height":4,"size":` + itoa(len(mustB64(t, png))) + `,"updated_at":"2026-02-24T12:19:39Z"},` +
			`"message_count":0,"created_at":"2022-08-22T10:00:00Z"}`},
		{"messages", ctl + "/chats/14/messages", 200, `{"messages":[{"id":1,"kind":"chat","chat_id":14,"to_user_id":0,"author_id":39,"text":"Welcome","url_preview":true,"date":"2026-02-24T12:19:39Z"}]}`},
		{"session", ctl + "/chats/12/session", 200, `{"id":1,"chat_id":12,"line_id":1,"client_id":100,"status":"bot","operator_id":39,"queue_id":0,"bot_id":39,` +
			`"started_at":"2022-08-22T10:00:00Z","finished_at":null,"history":[{"at":"2022-08-22T10:00:00Z","action":"start","by":100}]}`},
		{"network messages of a user", ctl + "/users/2/messages", 200, `{"messages":[]}`},
		{"unknown chat", ctl + "/chats/999", 404, `{"error":"portal default has no chat 999"}`},
		{"messages of an unknown chat", ctl + "/chats/999/messages", 404, `{"error":"portal default has no chat 999"}`},
		{"no session", ctl + "/chats/13/session", 404, `{"error":"portal default has no open-line session in chat 13"}`},
		{"no avatar", ctl + "/chats/12/avatar", 404, `{"error":"portal default has no avatar for chat 12"}`},
		{"bad id", ctl + "/chats/x", 400, `{"error":"the id in the path must be a positive integer, got \"x\""}`},
		{"unknown portal", "/_emulator/bitrix24/portals/nope/chats/13", 404, `{"error":"portal nope has no chat 13"}`},
	}
	for _, tc := range cases {
		st, body := send(t, srv, req{path: tc.path})
		if st != tc.status || body != tc.body {
			t.Errorf("%s: got %d %s\nwant %d %s", tc.name, st, body, tc.status, tc.body)
		}
	}
	resp, err := srv.Client().Get(srv.URL() + ctl + "/chats/13/avatar")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(b.Bytes(), mustB64(t, png)) {
		t.Fatalf("avatar: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), b.Len())
	}
	// imbot.dialog.get links the same image
	if d := dialog(t, srv, "chat13"); !strings.HasPrefix(d.Avatar, srv.URL()+ctl+"/chats/13/avatar?v=") {
		t.Fatalf("avatar link %q", d.Avatar)
	}
}

// TestControlSessionActions starts a dialog and has an operator accept it.
func TestControlSessionActions(t *testing.T) {
	t.Parallel()
	srv := start(t)
	cases := []struct {
		name   string
		r      req
		status int
		body   string
	}{
		{"start", req{path: ctl + "/sessions", json: `{"line_id":1,"client_id":3,"text":"Hi"}`}, 201,
			`{"id":2,"chat_id":14,"line_id":1,"client_id":3,"status":"bot","operator_id":39,"queue_id":0,"bot_id":39,"started_at":"2026-02-24T12:19:39Z",` +
				`"finished_at":null,"history":[{"at":"2026-02-24T12:19:39Z","action":"start","by":3}]}`},
		{"start on an unknown line", req{path: ctl + "/sessions", json: `{"line_id":9,"client_id":3}`}, 404, `{"error":"portal default has no open line 9"}`},
		{"start without a client", req{path: ctl + "/sessions", json: `{"line_id":1}`}, 400,
			`{"error":"send {\"line_id\": <open line id>, \"client_id\": <user id>, \"text\": \"<first message, optional>\"}"}`},
		{"start with an unknown field", req{path: ctl + "/sessions", json: `{"line":1}`}, 400, `{"error":"malformed JSON body: json: unknown field \"line\""}`},
		{"answer", req{path: ctl + "/chats/14/session/answer", json: `{"operator_id":12}`}, 200,
			`{"id":2,"chat_id":14,"line_id":1,"client_id":3,"status":"operator","operator_id":12,"queue_id":0,"bot_id":39,"started_at":"2026-02-24T12:19:39Z",` +
				`"finished_at":null,"history":[{"at":"2026-02-24T12:19:39Z","action":"start","by":3},{"at":"2026-02-24T12:19:39Z","action":"answer","by":12}]}`},
		{"answer by a bot", req{path: ctl + "/chats/12/session/answer", json: `{"operator_id":39}`}, 404, `{"error":"portal default has no employee 39"}`},
		{"answer without a session", req{path: ctl + "/chats/13/session/answer", json: `{"operator_id":12}`}, 404, `{"error":"portal default has no open session in chat 13"}`},
	}
	for _, tc := range cases {
		st, body := send(t, srv, tc.r)
		if st != tc.status || strings.TrimSpace(body) != tc.body {
			t.Fatalf("%s: got %d %s\nwant %d %s", tc.name, st, body, tc.status, tc.body)
		}
	}
	expect(t, srv, req{path: sess("transfer", "CHAT_ID=12&USER_ID=12")}, http.StatusOK, ok(`true`))
	st, body := send(t, srv, req{path: ctl + "/chats/12/session/answer", json: `{"operator_id":2}`})
	if st != 409 || body != `{"error":"the dialog was transferred to user 12, not 2"}` {
		t.Fatalf("answer by another operator: %d %s", st, body)
	}
}

// TestControlNeedsAdminToken checks that the vendor routes follow the
// control plane's admin token.
func TestControlNeedsAdminToken(t *testing.T) {
	t.Parallel()
	srv := start(t, testkit.WithConfig(func(c *emulator.Config) { c.AdminToken = "secret" }))
	if st, _ := send(t, srv, req{path: ctl + "/chats/13"}); st != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", st)
	}
	if st, _ := send(t, srv, req{path: ctl + "/chats/13", header: map[string]string{"Authorization": "Bearer secret"}}); st != http.StatusOK {
		t.Fatalf("with the token: %d", st)
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(n int) string { return strconv.Itoa(n) }
