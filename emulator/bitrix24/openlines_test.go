package bitrix24_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

const lineCode = "ab515f5d85a8b844d484f6ea75a2e494"

// joined is a server whose default line has been joined (network bot 101).
func joined(t *testing.T) *testkit.Server {
	t.Helper()
	srv := start(t)
	expect(t, srv, req{path: hook("imopenlines.network.join?CODE=" + lineCode)}, http.StatusOK, ok(`101`))
	return srv
}

func TestNetworkJoin(t *testing.T) {
	t.Parallel()
	t.Run("doc example, then again: the same network bot", func(t *testing.T) {
		t.Parallel()
		srv := joined(t)
		expect(t, srv, req{path: "/rest/imopenlines.network.join", json: `{"auth":"test-access-token","code":"` + lineCode + `"}`}, http.StatusOK, ok(`101`))
	})
	runErrCases(t, []errCase{
		{name: "CODE missing", r: req{path: hook("imopenlines.network.join")}, code: "CODE", text: "You entered an invalid code"},
		{name: "CODE of 31 characters", r: req{path: hook("imopenlines.network.join?CODE=" + lineCode[1:])}, code: "CODE", text: "You entered an invalid code"},
		{name: "CODE of 33 characters", r: req{path: hook("imopenlines.network.join?CODE=" + lineCode + "0")}, code: "CODE", text: "You entered an invalid code"},
		{name: "CODE of 32 letters in two bytes each is 32 characters", r: req{path: hook("imopenlines.network.join?CODE=" + url.QueryEscape(strings.Repeat("ж", 32)))},
			code: "NOT_FOUND", text: "Line not found"},
		{name: "portal without the imbot module", seed: `{"name":"default","imbot_installed":false}`,
			r: req{path: hook("imopenlines.network.join?CODE=" + lineCode)}, code: "IMBOT_ERROR", text: "Module IMBOT is not installed"},
		{name: "unknown line", r: req{path: hook("imopenlines.network.join?CODE=" + strings.Repeat("0", 32))}, code: "NOT_FOUND", text: "Line not found"},
		{name: "inactive line", seed: `{"name":"default","open_lines":[{"id":2,"code":"` + strings.Repeat("b", 32) + `","active":false}]}`,
			r: req{path: hook("imopenlines.network.join?CODE=" + strings.Repeat("b", 32))}, code: "INACTIVE", text: "Openline is inactive"},
		{name: "without the imopenlines scope", seed: `{"name":"default","webhooks":[{"user_id":2,"code":"bots","scopes":["imbot"]}]}`,
			r: req{path: "/rest/2/bots/imopenlines.network.join?CODE=" + lineCode}, status: http.StatusUnauthorized,
			code: "insufficient_scope", text: "The request requires higher privileges than provided by the webhook token"},
	})
}

// send is the doc example of imopenlines.network.message.add to user 2.
func sendTo(user, text string) req {
	return req{path: hook("imopenlines.network.message.add"), json: `{"CODE":"` + lineCode + `","USER_ID":` + user + `,"MESSAGE":"` + text + `","ATTACH":"","KEYBOARD":"","URL_PREVIEW":"Y"}`}
}

func TestNetworkMessageWeeklyLimit(t *testing.T) {
	t.Parallel()
	srv := joined(t)
	limit := fail("USER_MESSAGE_LIMIT", "You cant send more than one message per week to each user.")
	expect(t, srv, sendTo("2", "message text"), http.StatusOK, ok(`true`))
	expect(t, srv, sendTo("2", "again"), http.StatusBadRequest, limit)
	// the page's name is the same method, and shares the limit
	expect(t, srv, req{path: hook("imopenlines.network.message.send?CODE=" + lineCode + "&USER_ID=2&MESSAGE=x")}, http.StatusBadRequest, limit)
	expect(t, srv, sendTo("3", "to another user"), http.StatusOK, ok(`true`))
	srv.Advance(7*24*time.Hour - time.Second)
	expect(t, srv, sendTo("2", "a second short of a week"), http.StatusBadRequest, limit)
	srv.Advance(time.Second)
	expect(t, srv, sendTo("2", "a week later"), http.StatusOK, okAt(7*24*time.Hour, `true`))
	msgs := srv.Bitrix24().NetworkMessages(t, 2)
	if len(msgs) != 2 || msgs[0].Text != "message text" || msgs[1].Text != "a week later" || msgs[0].AuthorID != 101 ||
		msgs[0].Kind != "network" || !msgs[0].URLPreview || !msgs[0].Date.Equal(fixedNow) {
		t.Fatalf("messages to user 2: %+v", msgs)
	}
}

func TestNetworkMessageErrors(t *testing.T) {
	t.Parallel()
	path := hook("imopenlines.network.message.add")
	body := func(extra string) string {
		return `{"CODE":"` + lineCode + `","USER_ID":2,"MESSAGE":"text"` + extra + `}`
	}
	big := strings.Repeat("x", 31*1024)
	huge := strings.Repeat("x", 61000)
	linkButton := `{"TEXT":"Open","LINK":"https://example.com"}`
	cases := []errCase{
		{name: "CODE missing", r: req{path: path, json: `{"USER_ID":2,"MESSAGE":"x"}`}, code: "CODE_ERROR", text: "Open Channel code is incorrect"},
		{name: "CODE too short", r: req{path: path, json: `{"CODE":"abc","USER_ID":2,"MESSAGE":"x"}`}, code: "CODE_ERROR", text: "Open Channel code is incorrect"},
		{name: "strict portal: CODE as the server code names it", seed: `{"name":"default","strict":true}`,
			r: req{path: path, json: `{"CODE":"abc","USER_ID":2,"MESSAGE":"x"}`}, code: "CODE", text: "You entered an invalid code"},
		{name: "portal without the imbot module", seed: `{"name":"default","imbot_installed":false}`, r: req{path: path, json: body("")},
			code: "IMBOT_ERROR", text: "Module IMBOT is not installed"},
		{name: "line never joined", r: req{path: path, json: body("")}, code: "NOT_FOUND", text: "Line not found"},
	}
	runErrCases(t, cases)
	afterJoin := []errCase{
		{name: "USER_ID missing", r: req{path: path, json: `{"CODE":"` + lineCode + `","MESSAGE":"x"}`}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "USER_ID not a number", r: req{path: path, json: `{"CODE":"` + lineCode + `","USER_ID":"abc","MESSAGE":"x"}`}, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "MESSAGE missing", r: req{path: path, json: `{"CODE":"` + lineCode + `","USER_ID":2}`}, code: "MESSAGE_EMPTY", text: "Message can't be empty"},
		{name: "MESSAGE blank", r: req{path: path, json: body(`,"MESSAGE":"  "`)}, code: "MESSAGE_EMPTY", text: "Message can't be empty"},
		{name: "ATTACH not JSON", r: req{path: path, json: body(`,"ATTACH":"hello"`)}, code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "ATTACH with unknown blocks only", r: req{path: path, json: body(`,"ATTACH":[{"SOMETHING":1}]`)}, code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "ATTACH BLOCKS not a list", r: req{path: path, json: body(`,"ATTACH":{"ID":1,"BLOCKS":"x"}`)}, code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "ATTACH link without a URL", r: req{path: path, json: body(`,"ATTACH":[{"LINK":{"NAME":"Site"}}]`)}, code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "ATTACH over 30 KB", r: req{path: path, json: body(`,"ATTACH":[{"MESSAGE":"` + big + `"}]`)},
			code: "ATTACH_OVERSIZE", text: "You have exceeded the maximum allowable size of attach"},
		{name: "strict portal: ATTACH over 60,000 characters", seed: `{"name":"default","strict":true}`, r: req{path: path, json: body(`,"ATTACH":[{"MESSAGE":"` + huge + `"}]`)},
			code: "ATTACH_OVERSIZE", text: "You have exceeded the maximum allowable size of attach"},
		{name: "KEYBOARD text only", r: req{path: path, json: body(`,"KEYBOARD":[{"TEXT":"x"}]`)}, code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "KEYBOARD button without text", r: req{path: path, json: body(`,"KEYBOARD":[{"TEXT":"","LINK":"https://example.com"}]`)}, code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "KEYBOARD N", r: req{path: path, json: body(`,"KEYBOARD":"N"`)}, code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "KEYBOARD over 30 KB", r: req{path: path, json: body(`,"KEYBOARD":[{"TEXT":"` + big + `","LINK":"https://example.com"}]`)},
			code: "KEYBOARD_OVERSIZE", text: "You have exceeded the maximum allowable size of keyboard"},
		{name: "strict portal: an oversized KEYBOARD is KEYBOARD_ERROR", seed: `{"name":"default","strict":true}`,
			r: req{path: path, json: body(`,"KEYBOARD":[{"TEXT":"` + huge + `","LINK":"https://example.com"}]`)}, code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "unknown recipient", r: req{path: path, json: `{"CODE":"` + lineCode + `","USER_ID":999,"MESSAGE":"x","KEYBOARD":[` + linkButton + `]}`},
			code: "WRONG_REQUEST", text: "Message isn't added"},
		{name: "a bot as recipient", r: req{path: path, json: `{"CODE":"` + lineCode + `","USER_ID":39,"MESSAGE":"x"}`}, code: "WRONG_REQUEST", text: "Message isn't added"},
	}
	for _, tc := range afterJoin {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := joined(t)
			if tc.seed != "" {
				seedPortal(t, srv, tc.seed)
			}
			expect(t, srv, tc.r, http.StatusBadRequest, fail(tc.code, tc.text))
			// a refused message does not count against the weekly limit
			expect(t, srv, sendTo("2", "fine"), http.StatusOK, ok(`true`))
		})
	}
	t.Run("the limit is checked before the message", func(t *testing.T) {
		t.Parallel()
		srv := joined(t)
		expect(t, srv, sendTo("2", "first"), http.StatusOK, ok(`true`))
		expect(t, srv, req{path: path, json: `{"CODE":"` + lineCode + `","USER_ID":2}`}, http.StatusBadRequest,
			fail("USER_MESSAGE_LIMIT", "You cant send more than one message per week to each user."))
	})
}

// TestNetworkMessageEncodings sends the same message as each client does
// and checks what was recorded.
func TestNetworkMessageEncodings(t *testing.T) {
	t.Parallel()
	attach := `[{"MESSAGE":"Hello [b]bold[/b]"},{"LINK":{"NAME":"Site","LINK":"https://example.com","PREVIEW":"https://example.com/p.png"}},` +
		`{"DELIMITER":{"SIZE":200,"COLOR":"#c2c2c2"}},{"GRID":[{"NAME":"k","VALUE":"v","DISPLAY":"LINE"}]}]`
	keyboard := `[{"TEXT":"Open","LINK":"https://example.com"}]`
	q := url.Values{"CODE": {lineCode}, "USER_ID": {"2"}, "MESSAGE": {"Hi"}, "URL_PREVIEW": {"N"},
		"ATTACH[0][MESSAGE]": {"Hello [b]bold[/b]"}, "ATTACH[1][LINK][NAME]": {"Site"}, "ATTACH[1][LINK][LINK]": {"https://example.com"},
		"ATTACH[1][LINK][PREVIEW]": {"https://example.com/p.png"}, "ATTACH[2][DELIMITER][SIZE]": {"200"}, "ATTACH[2][DELIMITER][COLOR]": {"#c2c2c2"},
		"ATTACH[3][GRID][0][NAME]": {"k"}, "ATTACH[3][GRID][0][VALUE]": {"v"}, "ATTACH[3][GRID][0][DISPLAY]": {"LINE"},
		"KEYBOARD[0][TEXT]": {"Open"}, "KEYBOARD[0][LINK]": {"https://example.com"}}
	cases := []struct {
		name string
		r    req
		size string // DELIMITER SIZE as recorded: a JSON number or a query string
	}{
		{"b24jssdk JSON", req{path: hook("imopenlines.network.message.add"), json: `{"CODE":"` + lineCode + `","USER_ID":2,"MESSAGE":"Hi","ATTACH":` + attach +
			`,"KEYBOARD":` + keyboard + `,"URL_PREVIEW":"N"}`}, `200`},
		{"2bad GET brackets", req{path: hook("imopenlines.network.message.add?" + q.Encode())}, `"200"`},
		{"form with JSON texts, the page's method name", req{path: "/rest/imopenlines.network.message.send", form: "auth=test-access-token&CODE=" + lineCode +
			"&USER_ID=2&MESSAGE=Hi&URL_PREVIEW=N&ATTACH=" + url.QueryEscape(attach) + "&KEYBOARD=" + url.QueryEscape(keyboard)}, `200`},
		{"KEYBOARD with BUTTONS", req{path: hook("imopenlines.network.message.add"), json: `{"CODE":"` + lineCode + `","USER_ID":2,"MESSAGE":"Hi","ATTACH":{"ID":1,"COLOR_TOKEN":"primary","BLOCKS":` + attach +
			`},"KEYBOARD":{"BUTTONS":` + keyboard + `},"URL_PREVIEW":"N"}`}, `200`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := joined(t)
			expect(t, srv, tc.r, http.StatusOK, ok(`true`))
			m := srv.Bitrix24().NetworkMessages(t, 2)
			if len(m) != 1 || m[0].Text != "Hi" || m[0].URLPreview {
				t.Fatalf("recorded: %+v", m)
			}
			if !strings.Contains(string(m[0].Attach), `"DELIMITER":{"COLOR":"#c2c2c2","SIZE":`+tc.size+`}`) ||
				!strings.Contains(string(m[0].Keyboard), `"LINK":"https://example.com","TEXT":"Open"`) {
				t.Fatalf("attach %s keyboard %s", m[0].Attach, m[0].Keyboard)
			}
			var a any
			if err := json.Unmarshal(m[0].Attach, &a); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestNetworkMessageSendStrict checks that a strict portal does not know
// the page's method name, before looking at credentials.
func TestNetworkMessageSendStrict(t *testing.T) {
	t.Parallel()
	srv := joined(t)
	seedPortal(t, srv, `{"name":"default","strict":true}`)
	notFound := fail("ERROR_METHOD_NOT_FOUND", "Method not found!")
	expect(t, srv, sendTo("2", "x").withPath(hook("imopenlines.network.message.send")), http.StatusNotFound, notFound)
	expect(t, srv, req{path: "/rest/1/wrong/imopenlines.network.message.send"}, http.StatusNotFound, notFound)
	expect(t, srv, req{path: "/rest/imopenlines.network.message.send"}, http.StatusNotFound, notFound)
	expect(t, srv, sendTo("2", "x"), http.StatusOK, ok(`true`))
}
