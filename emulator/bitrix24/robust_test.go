package bitrix24_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

var allMethods = []string{
	"imbot.chat.add", "imbot.chat.get", "imbot.chat.user.list", "imbot.chat.user.add", "imbot.chat.user.delete",
	"imbot.chat.leave", "imbot.chat.updateTitle", "imbot.chat.updateColor", "imbot.chat.updateAvatar", "imbot.chat.setOwner",
	"imbot.dialog.get", "imopenlines.network.join", "imopenlines.network.message.add", "imopenlines.network.message.send",
	"imopenlines.bot.session.operator", "imopenlines.bot.session.transfer", "imopenlines.bot.session.finish",
	"imopenlines.bot.session.message.send", "imopenlines.revision.get", "batch",
	"imbot.register", "imbot.unregister", "imbot.update", "imbot.bot.list", "imbot.message.add", "imbot.message.update",
	"imbot.message.delete", "imbot.message.like", "imbot.chat.sendTyping", "imbot.command.register", "imbot.command.update",
	"imbot.command.unregister", "imbot.command.answer",
}

// hostile are parameter sets of the wrong shape for every method: arrays
// where scalars go, scalars where arrays go, nulls, huge and negative
// numbers, broken JSON texts, deep nesting.
var hostile = []string{
	"CHAT_ID[]=13&USERS[a][b]=1&USER_ID[]=2&DIALOG_ID[]=chat13&BOT_ID[]=39&CLIENT_ID[]=chatemu&TITLE[]=x&COLOR[]=MINT",
	"CHAT_ID=99999999999999999999999&USER_ID=-5&USERS=99999999999999999999&BOT_ID=-39&CLIENT_ID=chatemu",
	"CHAT_ID=-13&DIALOG_ID=chat99999999999999999999&TITLE=%00&COLOR=%FF&AVATAR[0]=a&AVATAR[1][x]=y&CLIENT_ID=chatemu",
	"CODE[]=" + lineCode + "&USER_ID=2&MESSAGE[]=x&ATTACH[0][LINK][LINK][x]=1&KEYBOARD[BUTTONS]=x&URL_PREVIEW[]=N",
	"CODE=" + lineCode + "&USER_ID=2&MESSAGE=x&ATTACH=%5B%7B&KEYBOARD=%7B%22BUTTONS%22%3A%5B1%2C%5B%5D%5D%7D",
	"CHAT_ID=12&TRANSFER_ID[]=queue1&USER_ID[]=1&QUEUE_ID[x]=1&LEAVE[]=Y&NAME[]=WELCOME&CLIENT_ID=chatemu",
	"CHAT_ID=12&TRANSFER_ID=queue99999999999999999999&CLIENT_ID=chatemu&NAME=DEFAULT&MESSAGE[]=x",
	"cmd[a][b]=imopenlines.revision.get&cmd[c]=%3F&cmd[d]=batch&cmd[e]=imbot.chat.add%3FUSERS%5B%5D%3D%24result%5Bnope%5D%5Bx%5D&halt[]=1",
	"cmd=x&CMD[0]=imbot.chat.user.list%3FCHAT_ID%3D%24result%5B0%5D%5B0%5D%5B0%5D&halt=false",
	"ENTITY_TYPE[]=OPEN&ENTITY_ID[x]=13&DIALOG_ID=",
	"a" + strings.Repeat("[a]", 30) + "=1&CHAT_ID=13&CLIENT_ID=chatemu",
	// the bot methods': handlers, properties, fields and commands of the wrong shape
	"CODE=h&CLIENT_ID=chatemu&EVENT_HANDLER[]=http://a.b/&EVENT_MESSAGE_ADD[x]=1&PROPERTIES=x&FIELDS=y&LANG=z&COMMAND[]=echo",
	"CODE=h&CLIENT_ID=chatemu&EVENT_HANDLER=http%3A%2F%2Fa.b%2F%25zz&PROPERTIES[NAME][]=x&BOT_ID=39&FIELDS[PROPERTIES]=1&FIELDS[EVENT_HANDLER][]=x",
	"CLIENT_ID=chatemu&BOT_ID=39&MESSAGE_ID[]=1&COMMAND_ID[x]=1&ACTION[]=plus&DIALOG_ID=1&MESSAGE=%5BUSER%3D39%5D&COMPLETE[]=Y",
	"CLIENT_ID=chatemu&BOT_ID=39&MESSAGE_ID=99999999999999999999&COMMAND=%2F&MESSAGE_ID=-1&FIELDS[LANG][0][x][y]=1&COMMAND_ID=1",
}

var hostileJSON = []string{
	`{"CHAT_ID":null,"USERS":null,"USER_ID":null,"BOT_ID":null,"CLIENT_ID":null,"DIALOG_ID":null,"TITLE":null,"COLOR":null,"AVATAR":null,"CODE":null,"MESSAGE":null,"ATTACH":null,"KEYBOARD":null,"cmd":null,"halt":null}`,
	`{"CHAT_ID":true,"USERS":true,"USER_ID":false,"BOT_ID":true,"CLIENT_ID":true,"DIALOG_ID":true,"TITLE":true,"COLOR":true,"AVATAR":true,"CODE":true,"ATTACH":true,"KEYBOARD":true,"cmd":true}`,
	`{"CHAT_ID":1e300,"USERS":[1e300,-1,1.5,"x",null,true],"USER_ID":-1e300,"BOT_ID":39.9,"CLIENT_ID":"chatemu","AVATAR":["x"],"TITLE":{"a":1}}`,
	`{"CODE":"` + lineCode + `","USER_ID":2,"MESSAGE":"x","ATTACH":{"BLOCKS":[{"IMAGE":[]},{"FILE":{"LINK":5}},{"GRID":[1]},{"USER":"x"}]},"KEYBOARD":[{"TYPE":"NEWLINE"}]}`,
	`{"cmd":{"a":"imbot.chat.add?CLIENT_ID=chatemu&USERS[]=1","b":"imbot.chat.user.add?CLIENT_ID=chatemu&CHAT_ID=$result[a]&USERS=$result","c":"imbot.chat.user.list?CHAT_ID=$RESULT[a]&CLIENT_ID=$error[zz][x]"},"halt":"0"}`,
}

// TestHostileInput sends every method every hostile input in every form:
// no answer may be a 5xx, each is a Bitrix24 envelope, and the instance
// serves on.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	srv := start(t)
	for _, m := range allMethods {
		for i, q := range hostile {
			for _, r := range []req{{path: hook(m) + "?" + q}, {path: hook(m), form: q}, {path: "/rest/" + m, form: "auth=test-access-token&" + q}} {
				checkEnvelope(t, srv, m, i, r)
			}
		}
		for i, j := range hostileJSON {
			checkEnvelope(t, srv, m, i, req{path: hook(m), json: j})
		}
	}
	expect(t, srv, req{path: hook("imopenlines.revision.get")}, http.StatusOK, ok(revision))
}

func checkEnvelope(t *testing.T, srv *testkit.Server, method string, i int, r req) {
	t.Helper()
	st, body := send(t, srv, r)
	var env map[string]any
	if st >= 500 || json.Unmarshal([]byte(body), &env) != nil {
		t.Fatalf("%s input %d (%s): %d %s", method, i, r.path, st, body)
	}
	_, isResult := env["result"]
	_, isError := env["error"]
	if isResult == isError {
		t.Fatalf("%s input %d: not an envelope: %s", method, i, body)
	}
}

// wireQuery makes any text sendable as a query string: bytes a request line
// cannot carry are percent-encoded, the rest is left for the server to
// decode (or fail to).
func wireQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			b.WriteString(url.QueryEscape(string([]byte{c})))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// FuzzMethod: no method, query or body makes the emulator answer 5xx or
// anything but a Bitrix24 envelope. One instance serves every input,
// in-process, so state built by earlier inputs is exercised too.
func FuzzMethod(f *testing.F) {
	for i, q := range hostile {
		f.Add(uint8(i), q, "")
	}
	for i, j := range hostileJSON {
		f.Add(uint8(i), "", j)
	}
	emu, err := emulator.New(emulator.Config{Clock: fixedNow, FreezeClock: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { emu.Close() })
	f.Fuzz(func(t *testing.T, mi uint8, query, jsonBody string) {
		m := allMethods[int(mi)%len(allMethods)]
		var body io.Reader
		if jsonBody != "" {
			body = strings.NewReader(jsonBody)
		}
		r, err := http.NewRequest(http.MethodPost, "http://chatemu.test"+hook(m)+"?"+wireQuery(query), body)
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		var env map[string]any
		if rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &env) != nil {
			t.Fatalf("%s %q %q: %d %s", m, query, jsonBody, rec.Code, rec.Body.String())
		}
		_, isResult := env["result"]
		_, isError := env["error"]
		if isResult == isError {
			t.Fatalf("%s: not an envelope: %s", m, rec.Body.String())
		}
	})
}
