package imbachat_test

// Tests of how ImbaChat meets input it must bound or refuse: injected
// errors rendered as real ones, length bounds on stored strings, ids at the
// top of int64, references inside fixture sections, and white space around
// parameter values.

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// comparableHeader is a response's headers without the ones that differ
// between any two answers (the date).
func comparableHeader(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Date")
	return out
}

// TestInjectedErrorsMatchRealOnes: an error a scenario injects by its
// status code answers exactly what the real error of that status answers:
// status, headers (a 401 asks for Basic credentials) and body.
func TestInjectedErrorsMatchRealOnes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, code string
		real       request // answered with the real error
	}{
		{"401 without credentials", "401", request{path: v2(627, "get_users"), enc: noBody}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := start(t)
			real := do(t, emu, tc.real)
			scenario := `{"name":"injected","rules":[{"match":{"vendor":"imbachat","operation":"imbachat.get_users"},"action":{"type":"error","code":"` + tc.code + `"}}]}`
			if status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/scenarios", scenario); status != http.StatusCreated {
				t.Fatalf("activating the scenario: %d %s", status, body)
			}
			injected := do(t, emu, request{path: v2(627, "get_users"), enc: noBody, basic: widgetBasic(627)})
			if injected.status != real.status {
				t.Errorf("status: injected %d, real %d", injected.status, real.status)
			}
			if got, want := comparableHeader(injected.header), comparableHeader(real.header); !reflect.DeepEqual(got, want) {
				t.Errorf("headers:\ninjected %v\nreal     %v", got, want)
			}
			if string(injected.body) != string(real.body) {
				t.Errorf("body:\ninjected %s\nreal     %s", injected.body, real.body)
			}
			assertError(t, injected, http.StatusUnauthorized, "Authenticate required!")
		})
	}
}

// importWith imports the instance's own state plus documents (key ->
// JSON), through PUT /_emulator/state.
func importWith(t *testing.T, emu *testkit.Server, docs map[string]string) {
	t.Helper()
	status, body := ctlCall(t, "GET", emu.URL()+"/_emulator/state", "")
	if status != http.StatusOK {
		t.Fatalf("export: %d %s", status, body)
	}
	var snap struct {
		Format    string                     `json:"format"`
		Taken     string                     `json:"taken"`
		Documents map[string]json.RawMessage `json:"documents"`
		Sequences map[string]int64           `json:"sequences"`
	}
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		t.Fatal(err)
	}
	for k, v := range docs {
		snap.Documents[k] = json.RawMessage(v)
	}
	raw, _ := json.Marshal(snap)
	if status, body := ctlCall(t, "PUT", emu.URL()+"/_emulator/state", string(raw)); status != http.StatusOK {
		t.Fatalf("import: %d %s", status, body)
	}
}

// exported is the instance's state export (the clock is frozen, so equal
// state exports equal text).
func exported(t *testing.T, emu *testkit.Server) string {
	t.Helper()
	status, body := ctlCall(t, "GET", emu.URL()+"/_emulator/state", "")
	if status != http.StatusOK {
		t.Fatalf("export: %d %s", status, body)
	}
	return body
}

// TestIDsAtTheTopOfInt64: a snapshot holding a room, a user or a message
// with the largest int64 id leaves no id to create another: the create is
// ImbaChat's 500 naming the reason, never a 200 with a negative or reused
// id, and changes nothing. Writes that create nothing still work.
func TestIDsAtTheTopOfInt64(t *testing.T) {
	t.Parallel()
	const top = "9223372036854775807"
	cases := []struct {
		name, key, doc string
		req            request
		msg            string
	}{
		{"room", "imbachat:room:" + top,
			`{"id":` + top + `,"imba_id":209,"pipe":"top","name":"Top","admin_id":2201,"type":1,"tab":0,"is_public":0,"status":0,"banned":false,"members":[2201],"created_at":"2021-01-15T10:00:00Z","updated_at":"2021-01-15T10:00:00Z","deleted_at":null,"last_message_at":null}`,
			request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(209), kvs("room_title", "One more"))},
			"Server error: no room ids are left above the highest stored one, " + top},
		{"user", "imbachat:user:" + top,
			`{"id":` + top + `,"imba_id":209,"remote_user_id":"500","name":"Top","login":"NULL","password":"NULL","status":"user","user_data":null,"avatar_url":"","banned":false,"created_at":"2021-01-15T10:00:00Z","updated_at":"2021-01-15T10:00:00Z","deleted_at":null,"last_message_at":null}`,
			request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(209), kvs("room_id", "613", "users_ids[0]", "501"))},
			"Server error: no user ids are left above the highest stored one, " + top},
		{"message", "imbachat:message:" + top,
			`{"id":` + top + `,"imba_id":627,"room_id":1536,"user_id":2046,"uuid":"1536-1608275827-toptop","message":"top","time":"2020-12-18T07:17:07Z","answer_to":0,"liked":"0"}`,
			request{path: v2(627, "send_msg"), enc: urlencodedEnc, basic: widgetBasic(627), fields: kvs("user_id", "1", "room_id", "1536", "message", "one more")},
			"Server error: no message ids are left above the highest stored one, " + top},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := start(t)
			importWith(t, emu, map[string]string{tc.key: tc.doc})
			before := exported(t, emu)
			r := do(t, emu, tc.req)
			assertError(t, r, http.StatusInternalServerError, tc.msg)
			if after := exported(t, emu); after != before {
				t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
			}
			// Adding a known user to a room needs no new id.
			r = do(t, emu, request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(209), kvs("room_id", "613", "users_ids[0]", "3"))})
			assertOK(t, r, "imba_rooms", v1Added(613))
		})
	}
}

// TestValuesAsSent: white space around text a request stores or compares
// (room_title, room_pipe, the site login and password) is kept, as
// ImbaChat's OctoberCMS backend, which has no TrimStrings middleware,
// receives it; around numbers and flags it is ignored, as PHP reads them;
// a value of only white space counts as not sent.
func TestValuesAsSent(t *testing.T) {
	t.Parallel()
	for _, enc := range bodyEncodings {
		t.Run(enc.String(), func(t *testing.T) {
			t.Parallel()
			emu := start(t)
			r := do(t, emu, request{path: roomsPath, enc: enc, fields: concat(siteCreds(209),
				kvs("room_title", "  Padded title  ", "room_pipe", " pipe-1 ", "room_type", " 0 ", "room_is_public", "1 ", "users_ids[0]", " 3"))})
			assertOK(t, r, "imba_rooms", v1Created(1854))
			// The same pipe without its spaces is another pipe: a new room.
			r = do(t, emu, request{path: roomsPath, enc: enc, fields: concat(siteCreds(209), kvs("room_pipe", "pipe-1", "room_title", "   "))})
			assertOK(t, r, "imba_rooms", v1Created(1855))
			// Sent again with its spaces, the pipe finds the first room.
			r = do(t, emu, request{path: roomsPath, enc: enc, fields: concat(siteCreds(209), kvs("room_pipe", " pipe-1 ", "users_ids[0]", "4"))})
			assertOK(t, r, "imba_rooms", v1Added(1854))
			list(t, emu, 209, "get_rooms", v2List(
				newRoom(1855, 209, "pipe-1", "new room", 0, 1, 0),
				newRoom(1854, 209, " pipe-1 ", "  Padded title  ", 2201, 0, 1),
				room613()))
			list(t, emu, 209, "get_rooms", v2List(newRoom(1854, 209, " pipe-1 ", "  Padded title  ", 2201, 0, 1), room613()), kvs("count_users", " 2")...)

			before := snapshot(t, emu)
			for _, creds := range [][]kv{
				kvs("imba_id", "209", "login", "admin ", "password", "admin"),
				kvs("imba_id", "209", "login", "admin", "password", " admin"),
			} {
				r = do(t, emu, request{path: roomsPath, enc: enc, fields: concat(creds, kvs("room_title", "Refused"))})
				assertError(t, r, http.StatusForbidden, "Wrong login or password of the site user")
			}
			r = do(t, emu, request{path: v2(627, "send_msg"), enc: enc, fields: kvs("user_id", "1", "room_id", "1536", "message", "x", "password", "secret_key ")})
			assertError(t, r, http.StatusUnauthorized, "Wrong password for widget 627")
			assertUnchanged(t, emu, before)
		})
	}
}

// badReferences is a seed section with every kind of problem a schema
// cannot see, and the problems the seed must answer, in document order.
const badReferences = `{"imbachat":{
 "widgets":[{"imba_id":700,"secret_key":"k","login":"a","password":"b"},{"imba_id":700,"secret_key":"k2","login":"a","password":"b"}],
 "users":[{"id":9001,"imba_id":700,"remote_user_id":"1"},{"id":9001,"imba_id":700,"remote_user_id":"2"},
  {"id":9002,"imba_id":999,"remote_user_id":"3","created_at":"0001-01-01 00:00:00"}],
 "rooms":[{"id":9100,"imba_id":700,"name":"ok","type":1,"admin_id":9001,"members":[9001]},
  {"id":9100,"imba_id":700,"name":"twice","type":1},
  {"id":9101,"imba_id":888,"name":"unknown widget","type":0,"admin_id":424242,"members":[2046]},
  {"id":9102,"imba_id":700,"name":"wrong users","type":0,"admin_id":2046,"members":[9001,31337],"updated_at":"1969-12-31 23:59:59"}],
 "messages":[{"id":9200,"room_id":5555,"user_id":7777,"message":"x","time":"2021-01-01 00:00:00"},
  {"id":9201,"room_id":9102,"user_id":2046,"message":"x","time":"2021-01-01 00:00:00","answer_to":123456},
  {"id":9201,"room_id":9100,"user_id":9001,"message":"twice","time":"2021-01-01 00:00:00"},
  {"id":9202,"room_id":9100,"user_id":9001,"message":"answers a later one","time":"2021-01-01 00:00:00","answer_to":9203},
  {"id":9203,"room_id":9100,"user_id":9001,"message":"later","time":"2021-01-01 00:00:00"}]
}}`

var badReferencesProblems = [][2]string{
	{"/imbachat/widgets/1/imba_id", "widget 700 is defined twice in the section, first at /imbachat/widgets/0"},
	{"/imbachat/users/1/id", "user 9001 is defined twice in the section, first at /imbachat/users/0"},
	{"/imbachat/users/2/created_at", "0001-01-01 00:00:00 is before 1970-01-01 00:00:00: ImbaChat's dates are unix timestamps"},
	{"/imbachat/users/2/imba_id", "no widget 999: neither the section nor the state holds one"},
	{"/imbachat/rooms/1/id", "room 9100 is defined twice in the section, first at /imbachat/rooms/0"},
	{"/imbachat/rooms/2/imba_id", "no widget 888: neither the section nor the state holds one"},
	{"/imbachat/rooms/2/admin_id", "no user 424242: neither the section nor the state holds one"},
	{"/imbachat/rooms/3/updated_at", "1969-12-31 23:59:59 is before 1970-01-01 00:00:00: ImbaChat's dates are unix timestamps"},
	{"/imbachat/rooms/3/admin_id", "user 2046 is a user of widget 627, not of widget 700"},
	{"/imbachat/rooms/3/members/1", "no user 31337: neither the section nor the state holds one"},
	{"/imbachat/messages/0/room_id", "no room 5555: neither the section nor the state holds one"},
	{"/imbachat/messages/0/user_id", "no user 7777: neither the section nor the state holds one"},
	{"/imbachat/messages/1/user_id", "user 2046 is a user of widget 627, not of widget 700"},
	{"/imbachat/messages/1/answer_to", "no message 123456: neither the section nor the state holds one"},
	{"/imbachat/messages/2/id", "message 9201 is defined twice in the section, first at /imbachat/messages/1"},
}

// TestSeedReferenceProblems: a seed whose section refers to what does not
// exist, defines an id twice or holds a date ImbaChat cannot have is
// refused with every problem at once, each at its JSON path, and changes
// nothing; references to the default fixtures and to earlier seeds are
// good, and a row without created_at was created now.
func TestSeedReferenceProblems(t *testing.T) {
	t.Parallel()
	emu := start(t)
	before := exported(t, emu)
	status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/seed", badReferences)
	var got struct {
		Error    string `json:"error"`
		Problems []struct {
			Path   string `json:"path"`
			Reason string `json:"reason"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || status != http.StatusBadRequest || got.Error != "request body is not valid" {
		t.Fatalf("seed: %d %s", status, body)
	}
	var gotProblems [][2]string
	for _, p := range got.Problems {
		gotProblems = append(gotProblems, [2]string{p.Path, p.Reason})
	}
	if !reflect.DeepEqual(gotProblems, badReferencesProblems) {
		t.Errorf("problems:\n%s\nwant\n%s", show(gotProblems), show(badReferencesProblems))
	}
	if after := exported(t, emu); after != before {
		t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
	}

	// References to the default fixtures, then to an earlier seed.
	for _, seed := range []string{
		`{"imbachat":{"rooms":[{"id":9300,"imba_id":627,"name":"Seeded","type":0,"admin_id":2046,"members":[2046,2157]}],
		  "messages":[{"id":9400,"room_id":1536,"user_id":2046,"message":"hi","time":"2021-01-01 00:00:00","answer_to":4543}]}}`,
		`{"imbachat":{"messages":[{"id":9401,"room_id":9300,"user_id":2157,"message":"in the seeded room","time":"2021-01-02 00:00:00","answer_to":9400}]}}`,
	} {
		if status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/seed", seed); status != http.StatusOK {
			t.Fatalf("seed: %d %s", status, body)
		}
	}
	list(t, emu, 627, "get_rooms", v2List(newRoom(9300, 627, genPipe, "Seeded", 2046, 0, 0)), kvs("count_users", "2", "room_type", "0", "last_message_date", "2021-01-02")...)
}

// TestStoredStringBounds: a string longer than the column ImbaChat keeps
// it in (VARCHAR(255) counts characters, TEXT 65,535 bytes) is refused
// where it enters, in the format of that entrance, and nothing changes;
// a string at the bound is stored whole.
func TestStoredStringBounds(t *testing.T) {
	t.Parallel()
	title255 := strings.Repeat("Ё", 255) // 510 bytes: characters count
	text65535 := strings.Repeat("я", 32767) + "x"
	t.Run("at the bounds", func(t *testing.T) {
		t.Parallel()
		emu := start(t)
		r := do(t, emu, request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(627),
			kvs("room_title", title255, "room_pipe", strings.Repeat("p", 255), "users_ids[0]", strings.Repeat("0", 254)+"1"))})
		assertOK(t, r, "imba_rooms", v1Created(1854))
		r = do(t, emu, request{path: v2(627, "send_msg"), enc: urlencodedEnc, basic: widgetBasic(627), fields: kvs("user_id", strings.Repeat("0", 254)+"1", "room_id", "1854", "message", text65535)})
		if r.status != http.StatusOK {
			t.Fatalf("send_msg at the bound: %d %s", r.status, r.body)
		}
		view := emu.ImbaChat().Room(t, 627, 1854)
		if view.Room.Name != title255 || len(view.Messages) != 1 || view.Messages[0].Message != text65535 {
			t.Errorf("stored strings were cut: %d characters of title, %d messages", len([]rune(view.Room.Name)), len(view.Messages))
		}
	})

	emu := start(t)
	before := exported(t, emu)
	for _, tc := range []struct {
		name string
		req  request
		msg  string
	}{
		{"room_title", request{path: roomsPath, enc: multipartEnc, fields: concat(siteCreds(627), kvs("room_title", title255+"Ё"))},
			"The room_title parameter is invalid: at most 255 characters, got 256"},
		{"room_pipe", request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(627), kvs("room_pipe", strings.Repeat("p", 256)))},
			"The room_pipe parameter is invalid: at most 255 characters, got 256"},
		{"room_title of an existing room", request{path: roomsPath, enc: jsonEnc, fields: concat(siteCreds(627), kvs("room_id", "1314", "room_title", strings.Repeat("t", 300)))},
			"The room_title parameter is invalid: at most 255 characters, got 300"},
		{"users_ids element", request{path: roomsPath, enc: urlencodedEnc, fields: concat(siteCreds(627), kvs("users_ids[0]", "1", "users_ids[1]", strings.Repeat("0", 255)+"1"))},
			"The users_ids[1] parameter is invalid: at most 255 characters, got 256"},
		{"message", request{path: v2(627, "send_msg"), enc: urlencodedEnc, basic: widgetBasic(627), fields: kvs("user_id", "1", "room_id", "1536", "message", text65535+"x")},
			"The message parameter is invalid: at most 65535 bytes, got 65536"},
	} {
		assertError(t, do(t, emu, tc.req), http.StatusUnprocessableEntity, tc.msg)
	}
	status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/imbachat/widgets/627/rooms/1536/messages", `{"user_id":"1","message":"`+text65535+`x"}`)
	if want := `{"error":"The message parameter is invalid: at most 65535 bytes, got 65536"}`; status != http.StatusUnprocessableEntity || body != want {
		t.Errorf("control plane write: %d %s\nwant 422 %s", status, body, want)
	}

	long := strings.Repeat("n", 256)
	status, body = ctlCall(t, "POST", emu.URL()+"/_emulator/seed", `{"imbachat":{
		"widgets":[{"imba_id":700,"name":"`+long+`","secret_key":"k","login":"a","password":"`+long+`"}],
		"users":[{"id":9001,"imba_id":627,"remote_user_id":"77","name":"`+long+`","user_data":{"bio":"`+text65535+`"}}],
		"rooms":[{"id":9100,"imba_id":627,"name":"`+long+`","pipe":"`+long+`","type":0}],
		"messages":[{"id":9200,"room_id":1536,"user_id":2046,"message":"`+text65535+`x","time":"2021-01-01 00:00:00"}]}}`)
	want := `{"error":"request body is not valid","problems":[` +
		`{"path":"/imbachat/widgets/0/name","reason":"at most 255 characters, got 256"},` +
		`{"path":"/imbachat/widgets/0/password","reason":"at most 255 characters, got 256"},` +
		`{"path":"/imbachat/users/0/name","reason":"at most 255 characters, got 256"},` +
		`{"path":"/imbachat/users/0/user_data","reason":"at most 65535 bytes, got 65545"},` +
		`{"path":"/imbachat/rooms/0/pipe","reason":"at most 255 characters, got 256"},` +
		`{"path":"/imbachat/rooms/0/name","reason":"at most 255 characters, got 256"},` +
		`{"path":"/imbachat/messages/0/message","reason":"at most 65535 bytes, got 65536"}]}`
	if status != http.StatusBadRequest || body != want {
		t.Errorf("seed: %d %s\nwant 400 %s", status, body, want)
	}
	if after := exported(t, emu); after != before {
		t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
	}

	// A snapshot is refused as a whole, naming the document and the field.
	status, body = ctlCall(t, "GET", emu.URL()+"/_emulator/state", "")
	if status != http.StatusOK {
		t.Fatalf("export: %d", status)
	}
	var snap map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		t.Fatal(err)
	}
	var docs map[string]json.RawMessage
	json.Unmarshal(snap["documents"], &docs)
	docs["imbachat:room:000000001314"] = json.RawMessage(strings.Replace(string(docs["imbachat:room:000000001314"]), `"name":"New conversation"`, `"name":"`+long+`"`, 1))
	snap["documents"], _ = json.Marshal(docs)
	raw, _ := json.Marshal(snap)
	status, body = ctlCall(t, "PUT", emu.URL()+"/_emulator/state", string(raw))
	if want := `{"error":"snapshot refused: document \"imbachat:room:000000001314\": name: at most 255 characters, got 256"}`; status != http.StatusBadRequest || body != want {
		t.Errorf("snapshot: %d %s\nwant 400 %s", status, body, want)
	}
	if after := exported(t, emu); after != before {
		t.Errorf("state changed by a refused snapshot")
	}
}

// TestSeedRefusesSharedPipesAndExternalIDs: two live rooms of a widget with
// one pipe, or two live users with one external id, in a section or
// against the stored ones, are problems of the seed; a room the section
// itself replaces may keep its pipe.
func TestSeedRefusesSharedPipesAndExternalIDs(t *testing.T) {
	t.Parallel()
	emu := start(t)
	before := exported(t, emu)
	seed := `{"imbachat":{
	  "users":[{"id":9001,"imba_id":627,"remote_user_id":"1"},{"id":9002,"imba_id":627,"remote_user_id":"88"},{"id":9003,"imba_id":627,"remote_user_id":"88"}],
	  "rooms":[{"id":9100,"imba_id":627,"pipe":"5fbcaf6a4ba35_1606201194","name":"a","type":0},{"id":9101,"imba_id":627,"pipe":"same","name":"b","type":0},{"id":9102,"imba_id":627,"pipe":"same","name":"c","type":0}]}}`
	status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/seed", seed)
	for _, want := range []string{
		`"path":"/imbachat/users/0/remote_user_id","reason":"external id \"1\" is stored user 2046's, in widget 627"`,
		`"path":"/imbachat/users/2/remote_user_id","reason":"external id \"88\" is user 9002's too, in widget 627"`,
		`"path":"/imbachat/rooms/0/pipe","reason":"pipe \"5fbcaf6a4ba35_1606201194\" is stored room 1314's, in widget 627"`,
		`"path":"/imbachat/rooms/2/pipe","reason":"pipe \"same\" is room 9101's too, in widget 627"`,
	} {
		if status != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("seed: %d %s\nwant %s", status, body, want)
		}
	}
	if after := exported(t, emu); after != before {
		t.Error("a refused seed changed the state")
	}
	replace := `{"imbachat":{"rooms":[{"id":1314,"imba_id":627,"pipe":"5fbcaf6a4ba35_1606201194","name":"Renamed","type":0,"admin_id":2046,"members":[2046,2157]}]}}`
	if status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/seed", replace); status != http.StatusOK {
		t.Errorf("a room replaced with its own pipe: %d %s", status, body)
	}
}
