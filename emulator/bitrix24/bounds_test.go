package bitrix24_test

// Bounds under hostile input: ids at the top of int64, batch reference
// expansion, stored string lengths, paths under /oauth/token and fixture
// references.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// exported is the instance's state export (the clock is frozen, so equal
// states export equal text).
func exported(t *testing.T, srv *testkit.Server) string {
	t.Helper()
	code, body := send(t, srv, req{path: "/_emulator/state"})
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, body)
	}
	return body
}

// importWith imports the instance's own state plus documents (key -> JSON).
func importWith(t *testing.T, srv *testkit.Server, docs map[string]string) {
	t.Helper()
	var snap map[string]json.RawMessage
	if err := json.Unmarshal([]byte(exported(t, srv)), &snap); err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(snap["documents"], &all); err != nil {
		t.Fatal(err)
	}
	for k, v := range docs {
		all[k] = json.RawMessage(v)
	}
	snap["documents"], _ = json.Marshal(all)
	raw, _ := json.Marshal(snap)
	if code, body := send(t, srv, req{verb: http.MethodPut, path: "/_emulator/state", json: string(raw)}); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
}

// TestIDsAtTheTopOfInt64: after a snapshot holding a chat (or a user) with
// the largest int64 id, a create has no id left: Bitrix24's 500 with the
// reason, in a batch the command's result_error, never a negative or
// reused id, and nothing changes.
func TestIDsAtTheTopOfInt64(t *testing.T) {
	t.Parallel()
	const top = "9223372036854775807"
	cases := []struct {
		name, key, doc string
		r              req
		seq            string
	}{
		{"chat", "bitrix24:default:chat:" + top,
			`{"id":` + top + `,"portal":"default","type":"chat","title":"Top","color":"MINT","owner_id":39,"created_at":"2026-01-01T00:00:00Z"}`,
			req{path: hook("imbot.chat.add"), form: "CLIENT_ID=chatemu&USERS[]=1&TITLE=One+more"}, "bitrix24:default:chat"},
		{"user", "bitrix24:default:user:" + top,
			`{"id":` + top + `,"portal":"default","name":"Top","active":true}`,
			req{path: hook("imopenlines.network.join"), form: "CODE=" + lineCode}, "bitrix24:default:user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			importWith(t, srv, map[string]string{tc.key: tc.doc})
			before := exported(t, srv)
			want := fail("INTERNAL_SERVER_ERROR", "Internal server error: no ids are left above the highest stored one: "+tc.seq+" is at "+top)
			expect(t, srv, tc.r, http.StatusInternalServerError, want)
			cmd := tc.r.path[len(hook("")):] + "?" + tc.r.form
			code, body := send(t, srv, req{path: hook("batch"), json: `{"cmd":{"a":` + jsonText(cmd) + `}}`})
			if code != http.StatusOK {
				t.Fatalf("batch: %d %s", code, body)
			}
			var got struct {
				Result struct {
					Errors map[string]json.RawMessage `json:"result_error"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || string(got.Result.Errors["a"]) != want {
				t.Fatalf("batch: %s\nwant the command's error %s", body, want)
			}
			if after := exported(t, srv); after != before {
				t.Error("the state changed")
			}
		})
	}
}

// jsonText is s as a JSON string.
func jsonText(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

// TestEveryOAuthPathAnswersAsTheOAuthServer: any path under /oauth/token
// that is not the token endpoint, and another HTTP method on the endpoint,
// are answered in the OAuth server's error format, never the REST API's
// or the control plane's; the endpoint still refreshes.
func TestEveryOAuthPathAnswersAsTheOAuthServer(t *testing.T) {
	t.Parallel()
	srv := start(t)
	unknown := fail("invalid_request", "Unknown OAuth endpoint: tokens are refreshed at /oauth/token/")
	for _, p := range []string{"/oauth/token/%00", "/oauth/token//", "/oauth/token/x", "/oauth/tokens",
		"/oauth/token/%2e%2e/rest/imbot.chat.get", "/oauth/token//?grant_type=refresh_token"} {
		expect(t, srv, req{path: p}, http.StatusNotFound, unknown)
		expect(t, srv, req{path: p, form: "grant_type=refresh_token"}, http.StatusNotFound, unknown)
	}
	for _, verb := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		expect(t, srv, req{verb: verb, path: "/oauth/token/"}, http.StatusMethodNotAllowed,
			fail("invalid_request", "The token endpoint takes GET or POST"))
	}
	for _, p := range []string{"/oauth/token", "/oauth/token/"} {
		expect(t, srv, req{path: p + "?grant_type=password"}, http.StatusBadRequest,
			fail("unsupported_grant_type", "The authorization grant type is not supported by the authorization server"))
	}
}

// batchAnswer is the part of a batch answer these tests read.
type batchAnswer struct {
	Result struct {
		Result map[string]json.RawMessage `json:"result"`
		Errors map[string]json.RawMessage `json:"result_error"`
	} `json:"result"`
}

// runBatch sends a batch of commands (key, command) in order as JSON and
// returns the raw answer and its maps; result maps are objects since the
// keys are names.
func runBatch(t *testing.T, srv *testkit.Server, cmds [][2]string) (string, batchAnswer) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"halt":0,"cmd":{`)
	for i, c := range cmds {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(jsonText(c[0]) + ":" + jsonText(c[1]))
	}
	b.WriteString("}}")
	code, body := send(t, srv, req{path: hook("batch"), json: b.String()})
	if code != http.StatusOK {
		t.Fatalf("batch: %d %.300s", code, body)
	}
	var a batchAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("batch: %v %.300s", err, body)
	}
	return body, a
}

// refs is n parameters name[k] each set to ref.
func refs(name, ref string, n int) string {
	var b strings.Builder
	for k := range n {
		fmt.Fprintf(&b, "&%s[%d]=%s", name, k, ref)
	}
	return b.String()
}

// TestBatchExpansionIsBounded: $result references that copy earlier
// results into a command many times over are refused before the command
// runs, in the command's result_error (413 REQUEST_TOO_LARGE), once the
// command's parameters pass 1 MiB or the batch's substitutions 8 MiB
// together; the answer stays small, the other commands run, and nothing
// the refused commands would have written is written.
func TestBatchExpansionIsBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 255)
	perCommand := fail("REQUEST_TOO_LARGE", "the command's parameters expand to more than 1048576 bytes after $result substitution")
	perBatch := fail("REQUEST_TOO_LARGE", "the batch's commands expand to more than 8388608 bytes of parameters after $result substitution")
	titleEmpty := fail("TITLE_EMPTY", "Title can't be empty")
	title := "imbot.chat.updateTitle?CLIENT_ID=chatemu&CHAT_ID="
	read := [2]string{"a", "imbot.dialog.get?DIALOG_ID=chat50"}
	after := [2]string{"after", "imopenlines.revision.get"}
	// ten commands of about 1 MB each: the ninth passes 8 MiB
	var tenMB [][2]string
	for i := range 10 {
		tenMB = append(tenMB, [2]string{fmt.Sprintf("d%d", i), title + "999" + refs("TITLE", "$result[a][name]", 3800)})
	}
	cases := []struct {
		name string
		cmds [][2]string
		want map[string]string
	}{
		{"copies of an object", [][2]string{read, {"b", title + "50" + refs("TITLE", "$result[a]", 2000)}, after},
			map[string]string{"b": perCommand}},
		{"copies of a string in one value", [][2]string{read, {"b", title + "50&TITLE=" + strings.Repeat("$result[a][name]", 4200)}, after},
			map[string]string{"b": perCommand}},
		{"copies of the whole accumulator", [][2]string{read, {"b", title + "50" + refs("TITLE", "$result[]", 2000)}, after},
			map[string]string{"b": perCommand}},
		{"the batch's total", append(append([][2]string{read}, tenMB...), after),
			map[string]string{"d0": titleEmpty, "d1": titleEmpty, "d2": titleEmpty, "d3": titleEmpty, "d4": titleEmpty,
				"d5": titleEmpty, "d6": titleEmpty, "d7": titleEmpty, "d8": perBatch, "d9": perBatch}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			seedPortal(t, srv, `{"name":"default","chats":[{"id":50,"title":"`+long+`","owner_id":39,"users":[39,1]}]}`)
			before := exported(t, srv)
			body, got := runBatch(t, srv, tc.cmds)
			if len(body) > 64<<10 {
				t.Errorf("the answer is %d bytes", len(body))
			}
			for key, w := range tc.want {
				if g := string(got.Result.Errors[key]); g != w {
					t.Errorf("%s: %s\nwant %s", key, g, w)
				}
			}
			if len(got.Result.Errors) != len(tc.want) {
				t.Errorf("errors: %.1000s", body)
			}
			if string(got.Result.Result["after"]) != revision || got.Result.Result["a"] == nil {
				t.Errorf("the other commands: %.500s", body)
			}
			if after := exported(t, srv); after != before {
				t.Error("the state changed")
			}
		})
	}
}

// TestStoredStringsAreBounded: strings a method stores are held to the
// portal's columns as a portal holds them: titles cut to 255 characters,
// descriptions and messages to the 65,535 bytes of a TEXT column (whole
// characters), a chat whose entity binding is longer than its column not
// created (WRONG_REQUEST, nothing changed).
func TestStoredStringsAreBounded(t *testing.T) {
	t.Parallel()
	srv := start(t)
	add := hook("imbot.chat.add")
	// Cyrillic: 2 bytes a character, so characters, not bytes, are counted
	title := strings.Repeat("Ж", 300)
	text := "a" + strings.Repeat("Ж", 40000) // 80,001 bytes: the cut falls inside a character
	expect(t, srv, req{path: add, form: url.Values{"CLIENT_ID": {"chatemu"}, "USERS[]": {"1"}, "TITLE": {title},
		"DESCRIPTION": {text}, "MESSAGE": {text}, "ENTITY_TYPE": {strings.Repeat("t", 50)}, "ENTITY_ID": {strings.Repeat("i", 255)}}.Encode()},
		http.StatusOK, ok("14"))
	ch := srv.Bitrix24().Chat(t, 14)
	if want := strings.Repeat("Ж", 255); ch.Title != want {
		t.Errorf("title of %d characters", len([]rune(ch.Title)))
	}
	cut := "a" + strings.Repeat("Ж", 32767) // 65,535 bytes
	if ch.Description != cut {
		t.Errorf("description of %d bytes", len(ch.Description))
	}
	if msgs := srv.Bitrix24().Messages(t, 14); len(msgs) != 1 || msgs[0].Text != cut {
		t.Errorf("first message: %d messages", len(msgs))
	}

	// updateTitle cuts before it compares: the same 255 characters again are the title already set
	expect(t, srv, req{path: hook("imbot.chat.updateTitle"), form: url.Values{"CLIENT_ID": {"chatemu"}, "CHAT_ID": {"13"}, "TITLE": {title}}.Encode()},
		http.StatusOK, ok("true"))
	if got := srv.Bitrix24().Chat(t, 13).Title; got != strings.Repeat("Ж", 255) {
		t.Errorf("title of %d characters", len([]rune(got)))
	}
	expect(t, srv, req{path: hook("imbot.chat.updateTitle"), form: url.Values{"CLIENT_ID": {"chatemu"}, "CHAT_ID": {"13"}, "TITLE": {title + "more"}}.Encode()},
		http.StatusBadRequest, fail("WRONG_REQUEST", "This title currently set or chat isn't exists"))

	// an entity binding longer than its column: no chat
	before := exported(t, srv)
	for _, p := range []url.Values{{"ENTITY_TYPE": {strings.Repeat("t", 51)}}, {"ENTITY_ID": {strings.Repeat("Ж", 256)}}} {
		p.Set("CLIENT_ID", "chatemu")
		p.Set("USERS[]", "1")
		expect(t, srv, req{path: add, form: p.Encode()}, http.StatusBadRequest, fail("WRONG_REQUEST", "Chat can't be created"))
	}
	if exported(t, srv) != before {
		t.Error("a refused chat changed the state")
	}

	// messages of the open channel and of a session, and a client's first message
	expect(t, srv, req{path: hook("imopenlines.network.join"), form: "CODE=" + lineCode}, http.StatusOK, ok("101"))
	expect(t, srv, req{path: hook("imopenlines.network.message.add"), form: url.Values{"CODE": {lineCode}, "USER_ID": {"2"}, "MESSAGE": {text}}.Encode()},
		http.StatusOK, ok("true"))
	if msgs := srv.Bitrix24().NetworkMessages(t, 2); len(msgs) != 1 || msgs[0].Text != cut {
		t.Errorf("network message: %d messages", len(msgs))
	}
	expect(t, srv, req{path: hook("imopenlines.bot.session.message.send"), form: url.Values{"CLIENT_ID": {"chatemu"}, "CHAT_ID": {"12"}, "NAME": {"DEFAULT"}, "MESSAGE": {text}}.Encode()},
		http.StatusOK, ok("true"))
	if msgs := srv.Bitrix24().Messages(t, 12); len(msgs) == 0 || msgs[len(msgs)-1].Text != cut {
		t.Errorf("session message: %d messages", len(msgs))
	}
	s := srv.Bitrix24().StartSession(t, 1, 3, text)
	if msgs := srv.Bitrix24().Messages(t, s.ChatID); len(msgs) != 1 || msgs[0].Text != cut {
		t.Errorf("a client's first message: %d messages", len(msgs))
	}
}

// TestBatchTitleChainStaysSmall: the batch that once answered 22 MB, a
// chat's name read back into its title 16 times over, step after step:
// titles stop at 255 characters, so the answer stays small.
func TestBatchTitleChainStaysSmall(t *testing.T) {
	t.Parallel()
	srv := start(t)
	var cmds [][2]string
	for i := range 8 {
		cmds = append(cmds, [2]string{fmt.Sprintf("d%d", i), "imbot.dialog.get?DIALOG_ID=chat13"},
			[2]string{fmt.Sprintf("t%d", i), "imbot.chat.updateTitle?CLIENT_ID=chatemu&CHAT_ID=13&TITLE=" +
				strings.Repeat(fmt.Sprintf("$result[d%d][name]", i), 16)})
	}
	body, got := runBatch(t, srv, cmds)
	if len(body) > 64<<10 {
		t.Errorf("the answer is %d bytes", len(body))
	}
	if len(got.Result.Errors) != 6 { // the title repeats from the third step on
		t.Errorf("errors: %.2000s", body)
	}
	if title := srv.Bitrix24().Chat(t, 13).Title; len([]rune(title)) != 255 {
		t.Errorf("title of %d characters", len([]rune(title)))
	}
}

// hostileSection is a seed with a problem of every kind a schema cannot
// see, and wantProblems what a seed or chatemu validate reports of it.
var hostileSection = `{"bitrix24":{"portals":[
 {"name":"default",
  "users":[{"id":60,"name":"` + strings.Repeat("n", 51) + `"},{"id":60}],
  "bots":[{"id":61,"code":"b","client_id":"chatemu"},{"id":60,"code":"c","client_id":"chatemu"}],
  "tokens":[{"access_token":"t2","client_id":"nope","user_id":1},{"access_token":"t2","client_id":"chatemu","user_id":1}],
  "chats":[{"id":70,"title":"` + strings.Repeat("t", 256) + `","owner_id":999,"users":[39,1,1,998]},{"id":70,"owner_id":61,"users":[60,61,13]}],
  "open_lines":[{"id":5,"code":"` + strings.Repeat("c", 32) + `","greeting":"` + strings.Repeat("g", 65536) + `","queue":[12,997],"bot_id":1}],
  "sessions":[{"id":9,"chat_id":71,"line_id":6,"client_id":996,"operator_id":995,"queue_id":7},{"id":9,"chat_id":13,"line_id":5,"client_id":100}]},
 {"name":"second","domain":"chatemu.bitrix24.com"}]}}`

var wantProblems = []string{
	`/bitrix24/portals/0/bots/1/id: bot 60 has the id of user 60 at /bitrix24/portals/0/users/0 (bots are users: one id each)`,
	`/bitrix24/portals/0/chats/0/owner_id: user 999 does not exist on portal "default"`,
	`/bitrix24/portals/0/chats/0/title: at most 255 characters, got 256`,
	`/bitrix24/portals/0/chats/0/users/2: user 1 is listed twice`,
	`/bitrix24/portals/0/chats/0/users/3: user 998 does not exist on portal "default"`,
	`/bitrix24/portals/0/chats/1/id: chat 70 is already defined at /bitrix24/portals/0/chats/0`,
	`/bitrix24/portals/0/chats/1/users/2: user 13 does not exist on portal "default"`,
	`/bitrix24/portals/0/open_lines/0/bot_id: bot 1 does not exist on portal "default"`,
	`/bitrix24/portals/0/open_lines/0/greeting: at most 65535 bytes, got 65536`,
	`/bitrix24/portals/0/open_lines/0/queue/1: operator 997 does not exist on portal "default"`,
	`/bitrix24/portals/0/sessions/0/chat_id: chat 71 does not exist on portal "default"`,
	`/bitrix24/portals/0/sessions/0/client_id: user 996 does not exist on portal "default"`,
	`/bitrix24/portals/0/sessions/0/line_id: open line 6 does not exist on portal "default"`,
	`/bitrix24/portals/0/sessions/0/operator_id: operator 995 does not exist on portal "default"`,
	`/bitrix24/portals/0/sessions/0/queue_id: open line 7 does not exist on portal "default"`,
	`/bitrix24/portals/0/sessions/1/id: session 9 is already defined at /bitrix24/portals/0/sessions/0`,
	`/bitrix24/portals/0/tokens/0/client_id: application "nope" is not installed on portal "default"`,
	`/bitrix24/portals/0/tokens/1/access_token: token "t2" is already defined at /bitrix24/portals/0/tokens/0/access_token`,
	`/bitrix24/portals/0/users/0/name: at most 50 characters, got 51`,
	`/bitrix24/portals/0/users/1/id: user 60 is already defined at /bitrix24/portals/0/users/0`,
	`/bitrix24/portals/1/domain: domain "chatemu.bitrix24.com" is portal "default"'s`,
}

// TestSeedReferenceProblems: a seed reports every problem a schema cannot
// see at once, each at its JSON path, with 400 and nothing applied; what
// it refers to may live in the default fixtures or an earlier seed.
func TestSeedReferenceProblems(t *testing.T) {
	t.Parallel()
	srv := start(t)
	before := exported(t, srv)
	code, body := send(t, srv, req{path: "/_emulator/seed", json: hostileSection})
	var got struct {
		Error    string `json:"error"`
		Problems []struct {
			Path   string `json:"path"`
			Reason string `json:"reason"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusBadRequest {
		t.Fatalf("seed: %d %.500s", code, body)
	}
	var lines []string
	for _, p := range got.Problems {
		lines = append(lines, p.Path+": "+p.Reason)
	}
	if strings.Join(lines, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(wantProblems, "\n"))
	}
	if exported(t, srv) != before {
		t.Error("a refused seed changed the state")
	}

	// references to the default fixtures and to an earlier seed are valid
	seedPortal(t, srv, `{"name":"default","users":[{"id":80,"name":"Eve"}]}`)
	seedPortal(t, srv, `{"name":"default","chats":[{"id":71,"owner_id":39,"users":[39,1,80]}],
		"open_lines":[{"id":6,"code":"`+strings.Repeat("d", 32)+`","queue":[12,80],"bot_id":39}],
		"sessions":[{"id":8,"chat_id":71,"line_id":6,"client_id":80,"operator_id":12,"queue_id":1}],
		"tokens":[{"access_token":"t3","client_id":"chatemu","user_id":80}]}`)
	// a portal named twice in one section adds up, as in two documents
	seedPortal(t, srv, `{"name":"third","users":[{"id":5}]},{"name":"third","chats":[{"id":1,"owner_id":5,"users":[5]}]}`)
	if got := srv.Bitrix24().Chat(t, 71).Members; !slices.Equal(got, []int64{39, 1, 80}) {
		t.Errorf("chat 71 members %v", got)
	}
}

// TestSnapshotStringBounds: a snapshot holding a string past its bound is
// refused whole, naming the document and the field, and changes nothing;
// at the bound it is taken.
func TestSnapshotStringBounds(t *testing.T) {
	t.Parallel()
	chat := func(title string) string {
		return `{"id":50,"portal":"default","type":"chat","title":"` + title + `","color":"MINT","owner_id":39,"created_at":"2026-01-01T00:00:00Z"}`
	}
	message := func(text string) string {
		return `{"id":50,"portal":"default","kind":"chat","chat_id":13,"author_id":39,"text":"` + text + `","date":"2026-01-01T00:00:00Z"}`
	}
	cases := []struct {
		name, key, doc, want string
	}{
		{"chat title", "bitrix24:default:chat:000000000050", chat(strings.Repeat("Ж", 256)), "title: at most 255 characters, got 256"},
		{"message text", "bitrix24:default:message:000000000050", message(strings.Repeat("m", 65536)), "text: at most 65535 bytes, got 65536"},
		{"user name", "bitrix24:default:user:000000000050", `{"id":50,"portal":"default","name":"` + strings.Repeat("n", 51) + `","active":true}`,
			"name: at most 50 characters, got 51"},
		{"line greeting", "bitrix24:default:line:000000000050", `{"id":50,"portal":"default","code":"x","name":"L","active":true,"greeting":"` + strings.Repeat("g", 65536) + `","queue":[],"bot_id":0}`,
			"greeting: at most 65535 bytes, got 65536"},
		{"message likes", "bitrix24:default:message:000000000050", strings.Replace(message("m"), `"date"`,
			`"likes":[`+strings.TrimSuffix(strings.Repeat("1,", 1001), ",")+`],"date"`, 1), "likes: at most 1000, got 1001"},
		{"token", "bitrix24:token:t", `{"token":"t","refresh_token":"` + strings.Repeat("r", 256) + `","portal":"default","client_id":"chatemu","user_id":1,"expires_at":"2100-01-01T00:00:00Z"}`,
			"refresh_token: at most 255 characters, got 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			before := exported(t, srv)
			var snap map[string]json.RawMessage
			json.Unmarshal([]byte(before), &snap)
			var docs map[string]json.RawMessage
			json.Unmarshal(snap["documents"], &docs)
			docs[tc.key] = json.RawMessage(tc.doc)
			snap["documents"], _ = json.Marshal(docs)
			raw, _ := json.Marshal(snap)
			code, body := send(t, srv, req{verb: http.MethodPut, path: "/_emulator/state", json: string(raw)})
			want := `{"error":` + jsonText(fmt.Sprintf("snapshot refused: document %q: %s", tc.key, tc.want)) + `}`
			if code != http.StatusBadRequest || strings.TrimSpace(body) != want {
				t.Errorf("got %d %.300s\nwant 400 %s", code, body, want)
			}
			if exported(t, srv) != before {
				t.Error("a refused snapshot changed the state")
			}
		})
	}
	t.Run("at the bounds", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		importWith(t, srv, map[string]string{
			"bitrix24:default:chat:000000000050":    chat(strings.Repeat("Ж", 255)),
			"bitrix24:default:message:000000000050": message(strings.Repeat("m", 65535)),
		})
		if got := srv.Bitrix24().Chat(t, 50).Title; got != strings.Repeat("Ж", 255) {
			t.Errorf("title %q", got)
		}
	})
}

// TestFixtureTokensHoldNoColon: a fixture token is stored under
// "bitrix24:token:<token>", so one holding ':' could be the key of a
// portal's document (a portal named "token", user 5, and the token
// "user:000000000005"); it is refused.
func TestFixtureTokensHoldNoColon(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	resp, err := http.Post(emu.URL()+"/_emulator/seed", "application/json", strings.NewReader(
		`{"bitrix24":{"portals":[{"name":"default","tokens":[{"access_token":"user:000000000005","refresh_token":"r5","client_id":"chatemu","user_id":1}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"reason":"a token may not hold ':'"`) {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
}
