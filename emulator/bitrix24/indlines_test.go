package bitrix24_test

// Independent tests of the Bitrix24 Open Channels methods (imopenlines.*),
// batch, the OAuth token refresh and the per-portal request limit, written
// from the vendor page (shared/spec/bitrix24-imopenlines.txt), the
// reference facts (shared/reference/bitrix24.md) and the documented
// decisions (docs/fidelity.md "Bitrix24", docs/bitrix24.md). Every helper
// is prefixed with "il".

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/chatemu/chatemu/schemas"
	"github.com/chatemu/chatemu/testkit"
)

// ilNow is the frozen emulator clock of these tests.
var ilNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

const (
	ilCode     = "ab515f5d85a8b844d484f6ea75a2e494" // the default open line's code
	ilCode2    = "22222222222222222222222222222222" // a second active line (seeded)
	ilCodeOff  = "33333333333333333333333333333333" // an inactive line (seeded)
	ilCodeNone = "ffffffffffffffffffffffffffffffff" // no such line
	ilHook     = "/rest/1/abc/"
	ilCID      = "CLIENT_ID=chatemu"
	ilToken    = "test-access-token"
	ilGreeting = "Welcome! How can we help you?"
)

// ilLines adds line 2 (active, queue 3) and line 3 (inactive) to the default
// portal.
const ilLines = `{"name":"default","open_lines":[
 {"id":2,"code":"` + ilCode2 + `","name":"Second line","active":true,"greeting":"Hi from line 2","queue":[3],"bot_id":39},
 {"id":3,"code":"` + ilCodeOff + `","name":"Closed line","active":false,"queue":[4],"bot_id":39}]}`

// ilStrict makes the default portal strict.
const ilStrict = `{"name":"default","strict":true}`

// ilStart starts an instance on the frozen clock, with portal entries
// (JSON objects of the bitrix24 fixture section) seeded on top.
func ilStart(t *testing.T, portals ...string) *testkit.Server {
	t.Helper()
	emu := testkit.Start(t, testkit.WithClock(ilNow))
	for _, p := range portals {
		emu.Seed(t, []byte(`{"bitrix24":{"portals":[`+p+`]}}`))
	}
	return emu
}

// ilReq is one HTTP request.
type ilReq struct {
	verb   string // default GET, POST when a body is set
	path   string // with the query
	form   string // urlencoded body
	json   string // JSON body
	header map[string]string
}

// ilResp is an answer: status, raw body, the decoded body (numbers as
// json.Number), and the headers.
type ilResp struct {
	status int
	raw    []byte
	body   any
	header http.Header
	what   string
}

func ilDo(t *testing.T, emu *testkit.Server, r ilReq) ilResp {
	t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case r.form != "":
		body, ctype = strings.NewReader(r.form), "application/x-www-form-urlencoded"
	case r.json != "":
		body, ctype = strings.NewReader(r.json), "application/json"
	}
	verb := r.verb
	if verb == "" {
		verb = http.MethodGet
		if body != nil {
			verb = http.MethodPost
		}
	}
	hr, err := http.NewRequest(verb, emu.URL()+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := emu.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := ilResp{status: res.StatusCode, raw: raw, header: res.Header, what: verb + " " + r.path}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out.body); err != nil {
			t.Fatalf("%s: answer is not JSON: %v\n%s", out.what, err, raw)
		}
	}
	return out
}

// ilGet, ilPost and ilJSON are the three usual request shapes.
func ilGet(t *testing.T, emu *testkit.Server, path string) ilResp {
	t.Helper()
	return ilDo(t, emu, ilReq{path: path})
}

func ilPost(t *testing.T, emu *testkit.Server, path, form string) ilResp {
	t.Helper()
	return ilDo(t, emu, ilReq{path: path, form: form, verb: http.MethodPost})
}

func ilJSON(t *testing.T, emu *testkit.Server, path, body string) ilResp {
	t.Helper()
	return ilDo(t, emu, ilReq{path: path, json: body})
}

// ilPlain turns a Go value into decoded JSON data (json.Number numbers), so
// that it compares with a decoded answer.
func ilPlain(t *testing.T, v any) any {
	t.Helper()
	if s, ok := v.(ilRaw); ok {
		v = json.RawMessage(s)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// ilRaw is an expected value written as JSON text.
type ilRaw string

var (
	ilSchemaMu    sync.Mutex
	ilSchemaCache = map[string]*gojsonschema.Schema{}
)

// ilSchema compiles schemas/bitrix24/responses/<name>.schema.json once.
func ilSchema(t *testing.T, name string) *gojsonschema.Schema {
	t.Helper()
	ilSchemaMu.Lock()
	defer ilSchemaMu.Unlock()
	if s, ok := ilSchemaCache[name]; ok {
		return s
	}
	data, err := schemas.FS.ReadFile("bitrix24/responses/" + name + ".schema.json")
	if err != nil {
		t.Fatalf("no response schema for %s: %v", name, err)
	}
	s, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader(data))
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	ilSchemaCache[name] = s
	return s
}

func ilValidate(t *testing.T, name string, r ilResp) {
	t.Helper()
	res, err := ilSchema(t, name).Validate(gojsonschema.NewBytesLoader(r.raw))
	if err != nil {
		t.Fatalf("%s: validating against %s: %v", r.what, name, err)
	}
	if !res.Valid() {
		t.Errorf("%s: answer does not match %s.schema.json: %v\n%s", r.what, name, res.Errors(), r.raw)
	}
}

var ilDateC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`)

func ilIsInt(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil && !strings.ContainsAny(n.String(), ".eE")
}

func ilIsNumber(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Float64()
	return err == nil
}

// ilCheckTime checks a time block: the six base fields with their types
// (start and processing integers, finish and duration numbers, the dates
// date('c') texts), start on the emulator clock, and the cloud's operating
// figures (operating_reset_at an integer, operating a float).
func ilCheckTime(t *testing.T, what string, v any, clock time.Time) {
	t.Helper()
	tb, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: time is %T %v, want an object", what, v, v)
	}
	for _, f := range []string{"start", "processing"} {
		if !ilIsInt(tb[f]) {
			t.Errorf("%s: time.%s = %#v, want an integer", what, f, tb[f])
		}
	}
	for _, f := range []string{"finish", "duration"} {
		// Floats, written with a fraction even when whole (1771935579.0).
		if n, _ := tb[f].(json.Number); !ilIsNumber(tb[f]) || !strings.Contains(n.String(), ".") {
			t.Errorf("%s: time.%s = %#v, want a float", what, f, tb[f])
		}
	}
	if len(tb) != 8 {
		t.Errorf("%s: time has %d fields, want the six base ones and the two operating ones: %v", what, len(tb), tb)
	}
	if !ilIsInt(tb["operating_reset_at"]) {
		t.Errorf("%s: time.operating_reset_at = %#v, want an integer", what, tb["operating_reset_at"])
	}
	if n, _ := tb["operating"].(json.Number); !strings.Contains(n.String(), ".") {
		t.Errorf("%s: time.operating = %#v, want a float", what, tb["operating"])
	}
	for _, f := range []string{"date_start", "date_finish"} {
		s, ok := tb[f].(string)
		if !ok || !ilDateC.MatchString(s) {
			t.Errorf("%s: time.%s = %#v, want a date('c') text", what, f, tb[f])
		}
	}
	if n, ok := tb["start"].(json.Number); ok && n.String() != fmt.Sprint(clock.Unix()) {
		t.Errorf("%s: time.start = %s, want the emulator clock %d", what, n, clock.Unix())
	}
	if s, _ := tb["date_start"].(string); s != "" && s != clock.UTC().Format("2006-01-02T15:04:05-07:00") {
		t.Errorf("%s: time.date_start = %s, want %s", what, s, clock.UTC().Format("2006-01-02T15:04:05-07:00"))
	}
}

// ilOK asserts a success: HTTP 200, exactly {"result", "time"}, the result
// equal to want, the time block, and the method's response schema.
func ilOK(t *testing.T, emu *testkit.Server, r ilResp, schema string, want any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: status %d, want 200\n%s", r.what, r.status, r.raw)
	}
	m, ok := r.body.(map[string]any)
	if !ok || len(m) != 2 || m["time"] == nil {
		t.Fatalf("%s: body is not exactly {result, time}: %s", r.what, r.raw)
	}
	if _, has := m["result"]; !has {
		t.Fatalf("%s: no result: %s", r.what, r.raw)
	}
	if want != nil {
		if w := ilPlain(t, want); !reflect.DeepEqual(m["result"], w) {
			got, _ := json.Marshal(m["result"])
			exp, _ := json.Marshal(w)
			t.Errorf("%s: result\n got %s\nwant %s", r.what, got, exp)
		}
	}
	ilCheckTime(t, r.what, m["time"], emu.Now())
	ilValidate(t, schema, r)
}

// ilErr asserts an error: the status and exactly {"error", "error_description"}
// (no time block), valid against error.schema.json.
func ilErr(t *testing.T, r ilResp, status int, code, text string) {
	t.Helper()
	want := map[string]any{"error": code, "error_description": text}
	if r.status != status || !reflect.DeepEqual(r.body, want) {
		t.Fatalf("%s:\n got %d %s\nwant %d {\"error\":%q,\"error_description\":%q}", r.what, r.status, r.raw, status, code, text)
	}
	ilValidate(t, "error", r)
}

// ilResult is the result member of a success answer.
func ilResult(t *testing.T, r ilResp) any {
	t.Helper()
	m, ok := r.body.(map[string]any)
	if !ok || r.status != http.StatusOK {
		t.Fatalf("%s: %d %s", r.what, r.status, r.raw)
	}
	return m["result"]
}

// ilJoin joins an open line and returns the network bot id.
func ilJoin(t *testing.T, emu *testkit.Server, code string) int64 {
	t.Helper()
	r := ilGet(t, emu, ilHook+"imopenlines.network.join?CODE="+code)
	ilOK(t, emu, r, "imopenlines.network.join", nil)
	id, err := ilResult(t, r).(json.Number).Int64()
	if err != nil {
		t.Fatalf("join result %v", ilResult(t, r))
	}
	return id
}

// ilBase is where a form goes: the OAuth endpoint when it carries a
// token, else the default webhook.
func ilBase(form string) string {
	if strings.Contains(form, "auth=") {
		return "/rest/"
	}
	return ilHook
}

// ilCalls counts journaled calls to a method (bitrix24.<method>).
func ilCalls(emu *testkit.Server, method string, params testkit.Params) int {
	return len(emu.Calls("bitrix24."+method, params))
}

// ---------------------------------------------------------------------------
// imopenlines.revision.get

func TestIlRevisionGet(t *testing.T) {
	t.Parallel()
	want := ilRaw(`{"rest":2,"web":1,"mobile":1}`)
	for _, tc := range []struct {
		name string
		req  ilReq
	}{
		{"webhook GET", ilReq{path: ilHook + "imopenlines.revision.get"}},
		{"webhook POST form", ilReq{path: ilHook + "imopenlines.revision.get.json", form: "X=1"}},
		{"oauth JSON", ilReq{path: "/rest/imopenlines.revision.get", json: `{"auth":"` + ilToken + `"}`}},
		{"oauth bearer upper case", ilReq{path: "/rest/IMOPENLINES.REVISION.GET/", header: map[string]string{"Authorization": "Bearer " + ilToken}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t)
			r := ilDo(t, emu, tc.req)
			ilOK(t, emu, r, "imopenlines.revision.get", want)
			if n := ilCalls(emu, "imopenlines.revision.get", nil); n != 1 {
				t.Errorf("journal: %d revision.get calls, want 1", n)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// imopenlines.network.join

func TestIlNetworkJoin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		portal []string
		query  string
		status int
		code   string
		text   string
	}{
		{name: "valid code", query: "CODE=" + ilCode},
		{name: "lower-case parameter name", query: "code=" + ilCode},
		{name: "second active line", portal: []string{ilLines}, query: "CODE=" + ilCode2},
		{name: "missing code", query: "", status: 400, code: "CODE", text: "You entered an invalid code"},
		{name: "empty code", query: "CODE=", status: 400, code: "CODE", text: "You entered an invalid code"},
		{name: "31 characters", query: "CODE=" + ilCode[:31], status: 400, code: "CODE", text: "You entered an invalid code"},
		{name: "33 characters", query: "CODE=" + ilCode + "0", status: 400, code: "CODE", text: "You entered an invalid code"},
		{name: "unknown 32-character code", query: "CODE=" + ilCodeNone, status: 400, code: "NOT_FOUND", text: "Line not found"},
		{name: "32 multibyte characters count as 32", query: "CODE=" + url.QueryEscape(strings.Repeat("ж", 32)), status: 400, code: "NOT_FOUND", text: "Line not found"},
		{name: "inactive line", portal: []string{ilLines}, query: "CODE=" + ilCodeOff, status: 400, code: "INACTIVE", text: "Openline is inactive"},
		{name: "portal without imbot", portal: []string{`{"name":"default","imbot_installed":false}`}, query: "CODE=" + ilCode,
			status: 400, code: "IMBOT_ERROR", text: "Module IMBOT is not installed"},
		{name: "invalid code before imbot check", portal: []string{`{"name":"default","imbot_installed":false}`}, query: "CODE=x",
			status: 400, code: "CODE", text: "You entered an invalid code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t, tc.portal...)
			r := ilGet(t, emu, ilHook+"imopenlines.network.join?"+tc.query)
			if tc.status != 0 {
				ilErr(t, r, tc.status, tc.code, tc.text)
				return
			}
			ilOK(t, emu, r, "imopenlines.network.join", nil)
			if !ilIsInt(ilResult(t, r)) {
				t.Fatalf("result %v is not an integer (the network bot id)", ilResult(t, r))
			}
			// Joining again answers the same id.
			again := ilPost(t, emu, ilHook+"imopenlines.network.join", tc.query)
			ilOK(t, emu, again, "imopenlines.network.join", ilResult(t, r))
		})
	}
}

func TestIlNetworkJoinDistinctLines(t *testing.T) {
	t.Parallel()
	emu := ilStart(t, ilLines)
	a, b := ilJoin(t, emu, ilCode), ilJoin(t, emu, ilCode2)
	if a == b {
		t.Errorf("two lines joined with the same network bot id %d", a)
	}
	if a == 39 || b == 39 {
		t.Errorf("network bot ids %d, %d reuse the fixture bot 39", a, b)
	}
}

// ---------------------------------------------------------------------------
// imopenlines.network.message.add and its page name .send

// ilMsg is the form of a network message to a user.
func ilMsg(code string, user int, text string, extra ...string) string {
	v := "CODE=" + code + "&USER_ID=" + fmt.Sprint(user) + "&MESSAGE=" + url.QueryEscape(text)
	for _, e := range extra {
		v += "&" + e
	}
	return v
}

func TestIlNetworkMessageBothNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		method string
		strict bool
	}{
		{"add default", "imopenlines.network.message.add", false},
		{"send default", "imopenlines.network.message.send", false},
		{"add strict", "imopenlines.network.message.add", true},
		{"send strict", "imopenlines.network.message.send", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var emu *testkit.Server
			if tc.strict {
				emu = ilStart(t, ilStrict)
			} else {
				emu = ilStart(t)
			}
			bot := ilJoin(t, emu, ilCode)
			r := ilPost(t, emu, ilHook+tc.method, ilMsg(ilCode, 2, "message text"))
			if tc.strict && strings.HasSuffix(tc.method, ".send") {
				ilErr(t, r, 404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
				if got := emu.Bitrix24().NetworkMessages(t, 2); len(got) != 0 {
					t.Errorf("strict .send delivered %d messages", len(got))
				}
				return
			}
			ilOK(t, emu, r, tc.method, true)
			if n := ilCalls(emu, tc.method, testkit.Params{"USER_ID": "2", "MESSAGE": "message text"}); n != 1 {
				t.Errorf("journal: %d calls under %s, want 1", n, tc.method)
			}
			other := "imopenlines.network.message.add"
			if strings.HasSuffix(tc.method, ".add") {
				other = "imopenlines.network.message.send"
			}
			if n := ilCalls(emu, other, nil); n != 0 {
				t.Errorf("journal: %d calls under %s, want 0", n, other)
			}
			got := emu.Bitrix24().NetworkMessages(t, 2)
			if len(got) != 1 {
				t.Fatalf("user 2 got %d network messages, want 1", len(got))
			}
			m := got[0]
			if m.Kind != "network" || m.ToUserID != 2 || m.AuthorID != bot || m.Text != "message text" || !m.URLPreview || m.ChatID != 0 ||
				!m.Date.Equal(ilNow) || len(m.Attach) != 0 || len(m.Keyboard) != 0 {
				t.Errorf("message %+v, want a network message from bot %d to user 2, URL preview on, dated %v", m, bot, ilNow)
			}
		})
	}
}

// A strict portal refuses the page's name before it looks at credentials,
// in batch too.
func TestIlNetworkMessageSendStrictBeforeAuth(t *testing.T) {
	t.Parallel()
	emu := ilStart(t, ilStrict)
	for _, path := range []string{
		"/rest/1/wrong/imopenlines.network.message.send?" + ilMsg(ilCode, 2, "x"),
		"/rest/imopenlines.network.message.send?" + ilMsg(ilCode, 2, "x"),
		"/rest/imopenlines.network.message.send?auth=nonsense&" + ilMsg(ilCode, 2, "x"),
	} {
		ilErr(t, ilGet(t, emu, path), 404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
	}
	ilJoin(t, emu, ilCode)
	r := ilJSON(t, emu, "/rest/batch", `{"auth":"`+ilToken+`","cmd":{"s":"imopenlines.network.message.send?`+ilMsg(ilCode, 2, "x")+`"}}`)
	ilOK(t, emu, r, "batch", ilRaw(`{"result":[],"result_error":{"s":{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}},
		"result_total":[],"result_next":[],"result_time":[]}`))
}

func TestIlNetworkMessageErrors(t *testing.T) {
	t.Parallel()
	const m = "imopenlines.network.message.add"
	for _, tc := range []struct {
		name   string
		portal []string
		join   bool
		form   string
		status int
		code   string
		text   string
	}{
		{name: "line never joined", form: ilMsg(ilCode, 2, "hi"), status: 400, code: "NOT_FOUND", text: "Line not found"},
		{name: "unknown line", join: true, form: ilMsg(ilCodeNone, 2, "hi"), status: 400, code: "NOT_FOUND", text: "Line not found"},
		{name: "missing code", join: true, form: "USER_ID=2&MESSAGE=hi", status: 400, code: "CODE_ERROR", text: "Open Channel code is incorrect"},
		{name: "short code", join: true, form: ilMsg("abc", 2, "hi"), status: 400, code: "CODE_ERROR", text: "Open Channel code is incorrect"},
		{name: "short code strict", portal: []string{ilStrict}, join: true, form: ilMsg("abc", 2, "hi"), status: 400, code: "CODE", text: "You entered an invalid code"},
		{name: "no imbot", portal: []string{`{"name":"default","imbot_installed":false}`}, form: ilMsg(ilCode, 2, "hi"),
			status: 400, code: "IMBOT_ERROR", text: "Module IMBOT is not installed"},
		{name: "missing user", join: true, form: "CODE=" + ilCode + "&MESSAGE=hi", status: 400, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "user zero", join: true, form: ilMsg(ilCode, 0, "hi"), status: 400, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "missing message", join: true, form: "CODE=" + ilCode + "&USER_ID=2", status: 400, code: "MESSAGE_EMPTY", text: "Message can't be empty"},
		{name: "blank message", join: true, form: ilMsg(ilCode, 2, "   "), status: 400, code: "MESSAGE_EMPTY", text: "Message can't be empty"},
		{name: "user checked before message", join: true, form: "CODE=" + ilCode, status: 400, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "unknown recipient", join: true, form: ilMsg(ilCode, 999, "hi"), status: 400, code: "WRONG_REQUEST", text: "Message isn't added"},
		{name: "bot recipient", join: true, form: ilMsg(ilCode, 39, "hi"), status: 400, code: "WRONG_REQUEST", text: "Message isn't added"},
		{name: "lower-case names", join: true, form: "code=" + ilCode + "&user_id=2&message=hi"},
		{name: "URL_PREVIEW=N", join: true, form: ilMsg(ilCode, 2, "see https://example.com", "URL_PREVIEW=N")},
		{name: "empty ATTACH and KEYBOARD are none", join: true, form: ilMsg(ilCode, 2, "hi", "ATTACH=", "KEYBOARD=")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t, tc.portal...)
			if tc.join {
				ilJoin(t, emu, ilCode)
			}
			r := ilPost(t, emu, ilHook+m, tc.form)
			if tc.status != 0 {
				ilErr(t, r, tc.status, tc.code, tc.text)
				for _, u := range []int64{2, 999} {
					if got := emu.Bitrix24().NetworkMessages(t, u); len(got) != 0 {
						t.Errorf("a refused message reached user %d: %+v", u, got)
					}
				}
				return
			}
			ilOK(t, emu, r, m, true)
			got := emu.Bitrix24().NetworkMessages(t, 2)
			if len(got) != 1 {
				t.Fatalf("user 2 got %d messages, want 1", len(got))
			}
			wantPreview := !strings.Contains(tc.form, "URL_PREVIEW=N")
			if got[0].URLPreview != wantPreview || len(got[0].Attach) != 0 || len(got[0].Keyboard) != 0 {
				t.Errorf("message %+v: want url_preview %v, no attach, no keyboard", got[0], wantPreview)
			}
		})
	}
}

// The weekly limit: one message per (network bot, user) per rolling 7 days
// on the emulator clock; refused messages do not count; other users and
// other lines are unaffected.
func TestIlNetworkMessageWeeklyLimit(t *testing.T) {
	t.Parallel()
	const add, send = "imopenlines.network.message.add", "imopenlines.network.message.send"
	const limitText = "You cant send more than one message per week to each user."
	emu := ilStart(t, ilLines)
	ilJoin(t, emu, ilCode)
	ilJoin(t, emu, ilCode2)

	ilOK(t, emu, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 2, "first")), add, true)
	// The same user within the week, under either name: refused.
	ilErr(t, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 2, "second")), 400, "USER_MESSAGE_LIMIT", limitText)
	ilErr(t, ilPost(t, emu, ilHook+send, ilMsg(ilCode, 2, "second")), 400, "USER_MESSAGE_LIMIT", limitText)
	// The limit is checked before MESSAGE.
	ilErr(t, ilPost(t, emu, ilHook+add, "CODE="+ilCode+"&USER_ID=2"), 400, "USER_MESSAGE_LIMIT", limitText)
	// Other users, and the same user from another line, are unaffected.
	ilOK(t, emu, ilPost(t, emu, ilHook+send, ilMsg(ilCode, 3, "to three")), send, true)
	ilOK(t, emu, ilPost(t, emu, ilHook+add, ilMsg(ilCode2, 2, "line two")), add, true)

	emu.Advance(7*24*time.Hour - time.Second)
	ilErr(t, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 2, "one second early")), 400, "USER_MESSAGE_LIMIT", limitText)
	emu.Advance(time.Second) // exactly a week after the first: DATE_CREATE > now - 1 WEEK no longer holds
	ilOK(t, emu, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 2, "a week later")), add, true)
	// ... and that message starts a new week.
	ilErr(t, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 2, "again")), 400, "USER_MESSAGE_LIMIT", limitText)

	var texts []string
	for _, m := range emu.Bitrix24().NetworkMessages(t, 2) {
		texts = append(texts, m.Text)
	}
	if want := []string{"first", "line two", "a week later"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("user 2 got %q, want %q", texts, want)
	}
	if got := emu.Bitrix24().NetworkMessages(t, 3); len(got) != 1 || got[0].Text != "to three" {
		t.Errorf("user 3 got %+v", got)
	}
	// The control plane's view of user 2's open-channel messages agrees.
	r := ilGet(t, emu, "/_emulator/bitrix24/portals/default/users/2/messages")
	list, _ := r.body.(map[string]any)["messages"].([]any)
	var viewTexts []string
	for _, e := range list {
		viewTexts = append(viewTexts, fmt.Sprint(e.(map[string]any)["text"]))
	}
	if r.status != 200 || !reflect.DeepEqual(viewTexts, texts) {
		t.Errorf("control view: %d %s, want texts %q", r.status, r.raw, texts)
	}
}

// A refused message (here a bad attachment) does not start the week.
func TestIlNetworkMessageRefusedDoesNotCount(t *testing.T) {
	t.Parallel()
	const add = "imopenlines.network.message.add"
	emu := ilStart(t)
	ilJoin(t, emu, ilCode)
	ilErr(t, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 4, "x", "ATTACH=nonsense")), 400, "ATTACH_ERROR", "Incorrect attach params")
	ilErr(t, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 4, "  ")), 400, "MESSAGE_EMPTY", "Message can't be empty")
	ilOK(t, emu, ilPost(t, emu, ilHook+add, ilMsg(ilCode, 4, "now")), add, true)
}

// ATTACH and KEYBOARD validation and size limits.
func TestIlNetworkMessageAttachKeyboard(t *testing.T) {
	t.Parallel()
	const m = "imopenlines.network.message.add"
	q := url.QueryEscape
	big := func(n int) string { return strings.Repeat("a", n) }
	bigAttach := func(n int) string { return `[{"MESSAGE":"` + big(n) + `"}]` }
	bigKeyboard := func(n int) string { return `[{"TEXT":"` + big(n) + `","LINK":"https://example.com"}]` }
	for _, tc := range []struct {
		name     string
		strict   bool
		extra    string
		code     string // "" for success
		text     string
		attach   any // expected stored attach (decoded JSON), when success
		keyboard any
	}{
		{name: "attach JSON text, bare blocks", extra: "ATTACH=" + q(`[{"MESSAGE":"hello"}]`), attach: ilRaw(`[{"MESSAGE":"hello"}]`)},
		{name: "attach full form", extra: "ATTACH=" + q(`{"ID":1,"COLOR":"#29619b","BLOCKS":[{"LINK":{"NAME":"Site","LINK":"https://example.com"}}]}`),
			attach: ilRaw(`{"ID":1,"COLOR":"#29619b","BLOCKS":[{"LINK":{"NAME":"Site","LINK":"https://example.com"}}]}`)},
		{name: "attach bracket tree", extra: "ATTACH[0][MESSAGE]=hello&ATTACH[1][DELIMITER][SIZE]=200",
			attach: ilRaw(`[{"MESSAGE":"hello"},{"DELIMITER":{"SIZE":"200"}}]`)},
		{name: "attach portal-relative image", extra: "ATTACH=" + q(`[{"IMAGE":[{"LINK":"/upload/a.png"}]}]`), attach: ilRaw(`[{"IMAGE":[{"LINK":"/upload/a.png"}]}]`)},
		{name: "attach not JSON", extra: "ATTACH=nonsense", code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "attach broken JSON", extra: "ATTACH=" + q(`[{"MESSAGE":`), code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "attach unknown block", extra: "ATTACH=" + q(`[{"FOO":"bar"}]`), code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "attach javascript link", extra: "ATTACH=" + q(`[{"LINK":{"NAME":"x","LINK":"javascript:alert(1)"}}]`), code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "attach object without BLOCKS", extra: "ATTACH=" + q(`{"ID":1}`), code: "ATTACH_ERROR", text: "Incorrect attach params"},
		{name: "keyboard link button", extra: "KEYBOARD=" + q(`[{"TEXT":"Open","LINK":"https://example.com"}]`),
			keyboard: ilRaw(`[{"TEXT":"Open","LINK":"https://example.com"}]`)},
		{name: "keyboard BUTTONS with command and newline", extra: "KEYBOARD=" + q(`{"BUTTONS":[{"TEXT":"Go","COMMAND":"go"},{"TYPE":"NEWLINE"},{"TEXT":"Site","LINK":"https://example.com"}]}`),
			keyboard: ilRaw(`{"BUTTONS":[{"TEXT":"Go","COMMAND":"go"},{"TYPE":"NEWLINE"},{"TEXT":"Site","LINK":"https://example.com"}]}`)},
		{name: "keyboard bracket tree", extra: "KEYBOARD[0][TEXT]=Open&KEYBOARD[0][LINK]=" + q("https://example.com"),
			keyboard: ilRaw(`[{"TEXT":"Open","LINK":"https://example.com"}]`)},
		{name: "keyboard not JSON", extra: "KEYBOARD=nonsense", code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "keyboard button without action", extra: "KEYBOARD=" + q(`[{"TEXT":"x"}]`), code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "keyboard button without text", extra: "KEYBOARD=" + q(`[{"LINK":"https://example.com"}]`), code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "keyboard bad link", extra: "KEYBOARD=" + q(`[{"TEXT":"x","LINK":"ftp:nothing"}]`), code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "attach checked before keyboard", extra: "ATTACH=nonsense&KEYBOARD=nonsense", code: "ATTACH_ERROR", text: "Incorrect attach params"},
		// 40,000 characters: above the pages' 30 KB, below the code's 60,000.
		{name: "attach 40k default", extra: "ATTACH=" + q(bigAttach(40000)), code: "ATTACH_OVERSIZE", text: "You have exceeded the maximum allowable size of attach"},
		{name: "attach 40k strict", strict: true, extra: "ATTACH=" + q(bigAttach(40000)), attach: ilRaw(bigAttach(40000))},
		{name: "attach 70k strict", strict: true, extra: "ATTACH=" + q(bigAttach(70000)), code: "ATTACH_OVERSIZE", text: "You have exceeded the maximum allowable size of attach"},
		{name: "keyboard 40k default", extra: "KEYBOARD=" + q(bigKeyboard(40000)), code: "KEYBOARD_OVERSIZE", text: "You have exceeded the maximum allowable size of keyboard"},
		{name: "keyboard 40k strict", strict: true, extra: "KEYBOARD=" + q(bigKeyboard(40000)), keyboard: ilRaw(bigKeyboard(40000))},
		{name: "keyboard 70k strict", strict: true, extra: "KEYBOARD=" + q(bigKeyboard(70000)), code: "KEYBOARD_ERROR", text: "Incorrect keyboard params"},
		{name: "attach 20k default", extra: "ATTACH=" + q(bigAttach(20000)), attach: ilRaw(bigAttach(20000))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var emu *testkit.Server
			if tc.strict {
				emu = ilStart(t, ilStrict)
			} else {
				emu = ilStart(t)
			}
			ilJoin(t, emu, ilCode)
			r := ilPost(t, emu, ilHook+m, ilMsg(ilCode, 2, "with extras", tc.extra))
			if tc.code != "" {
				ilErr(t, r, 400, tc.code, tc.text)
				if got := emu.Bitrix24().NetworkMessages(t, 2); len(got) != 0 {
					t.Errorf("refused message delivered: %d", len(got))
				}
				return
			}
			ilOK(t, emu, r, m, true)
			got := emu.Bitrix24().NetworkMessages(t, 2)
			if len(got) != 1 {
				t.Fatalf("user 2 got %d messages", len(got))
			}
			ilSameJSON(t, "attach", got[0].Attach, tc.attach)
			ilSameJSON(t, "keyboard", got[0].Keyboard, tc.keyboard)
		})
	}
}

// ilSameJSON compares stored JSON with an expected value (nil: none stored).
func ilSameJSON(t *testing.T, what string, got json.RawMessage, want any) {
	t.Helper()
	if want == nil {
		if len(got) != 0 && string(got) != "null" {
			t.Errorf("%s stored %s, want none", what, got)
		}
		return
	}
	if len(got) == 0 {
		t.Errorf("%s not stored, want %v", what, want)
		return
	}
	var g any
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		t.Fatal(err)
	}
	if w := ilPlain(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s stored %.300s, want %.300v", what, got, want)
	}
}

// ---------------------------------------------------------------------------
// imopenlines.bot.session.*: the state machine of chat 12's session

const (
	ilOperator = "imopenlines.bot.session.operator"
	ilTransfer = "imopenlines.bot.session.transfer"
	ilFinish   = "imopenlines.bot.session.finish"
	ilAutoMsg  = "imopenlines.bot.session.message.send"
)

// ilSessionWant is what a session should look like.
type ilSessionWant struct {
	status   string
	operator int64
	queue    int64
	line     int64
	members  []int64 // chat 12's members; nil: not checked
	last     string  // the last history action
	lastTo   string
}

func ilCheckSession(t *testing.T, emu *testkit.Server, chatID int64, w ilSessionWant) {
	t.Helper()
	s := emu.Bitrix24().Session(t, chatID)
	if s.Status != w.status || s.OperatorID != w.operator || s.QueueID != w.queue || (w.line != 0 && s.LineID != w.line) {
		t.Errorf("chat %d session: status %q operator %d queue %d line %d; want %q %d %d %d",
			chatID, s.Status, s.OperatorID, s.QueueID, s.LineID, w.status, w.operator, w.queue, w.line)
	}
	if w.last != "" {
		if n := len(s.History); n == 0 || s.History[n-1].Action != w.last || s.History[n-1].To != w.lastTo || !s.History[n-1].At.Equal(emu.Now()) {
			t.Errorf("chat %d session history %+v, want it to end with %q to %q at %v", chatID, s.History, w.last, w.lastTo, emu.Now())
		}
	}
	if w.members != nil {
		if got := emu.Bitrix24().Chat(t, chatID).Members; !reflect.DeepEqual(got, w.members) {
			t.Errorf("chat %d members %v, want %v", chatID, got, w.members)
		}
	}
	// The control plane's view says the same.
	r := ilGet(t, emu, fmt.Sprintf("/_emulator/bitrix24/portals/default/chats/%d/session", chatID))
	m, ok := r.body.(map[string]any)
	if r.status != 200 || !ok || m["status"] != w.status || fmt.Sprint(m["operator_id"]) != fmt.Sprint(w.operator) {
		t.Errorf("control view of chat %d session: %d %s, want status %q operator %d", chatID, r.status, r.raw, w.status, w.operator)
	}
}

// ilBotHolds is chat 12 as the fixtures have it.
var ilBotHolds = ilSessionWant{status: "bot", operator: 39, line: 1, members: []int64{39, 100}}

func TestIlSessionStateMachine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		portal []string
		method string
		form   string
		want   ilSessionWant
	}{
		{name: "operator takes the first queue member", method: ilOperator, form: "CHAT_ID=12&" + ilCID,
			want: ilSessionWant{status: "operator", operator: 12, line: 1, members: []int64{100, 12}, last: "operator", lastTo: "12"}},
		{name: "operator skips an inactive queue member", portal: []string{`{"name":"default","users":[{"id":12,"name":"Olga","active":false}]}`},
			method: ilOperator, form: "CHAT_ID=12&" + ilCID,
			want: ilSessionWant{status: "operator", operator: 2, line: 1, members: []int64{100, 2}, last: "operator", lastTo: "2"}},
		{name: "operator with nobody in the queue waits in it",
			portal: []string{`{"name":"default","open_lines":[{"id":1,"code":"` + ilCode + `","name":"Open Channel","active":true,"greeting":"` + ilGreeting + `","queue":[100],"bot_id":39}]}`},
			method: ilOperator, form: "CHAT_ID=12&" + ilCID,
			want: ilSessionWant{status: "queue", operator: 0, queue: 1, line: 1, members: []int64{100}, last: "operator", lastTo: "queue1"}},
		{name: "operator by OAuth token", method: ilOperator, form: "CHAT_ID=12&auth=" + ilToken,
			want: ilSessionWant{status: "operator", operator: 12, members: []int64{100, 12}}},
		{name: "operator lower-case names", method: ilOperator, form: "chat_id=12&client_id=chatemu",
			want: ilSessionWant{status: "operator", operator: 12, members: []int64{100, 12}}},
		{name: "transfer to user, LEAVE=N keeps the bot", method: ilTransfer, form: "CHAT_ID=12&USER_ID=12&LEAVE=N&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 12, line: 1, members: []int64{39, 100}, last: "transfer", lastTo: "12"}},
		{name: "transfer to user, LEAVE default N", method: ilTransfer, form: "CHAT_ID=12&USER_ID=12&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 12, members: []int64{39, 100}}},
		{name: "transfer to user, LEAVE=Y removes the bot", method: ilTransfer, form: "CHAT_ID=12&USER_ID=12&LEAVE=Y&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 12, members: []int64{100}, last: "transfer", lastTo: "12"}},
		{name: "transfer to queue", portal: []string{ilLines}, method: ilTransfer, form: "CHAT_ID=12&QUEUE_ID=2&" + ilCID,
			want: ilSessionWant{status: "queue", operator: 0, queue: 2, line: 2, members: []int64{39, 100}, last: "transfer", lastTo: "queue2"}},
		{name: "TRANSFER_ID queue", portal: []string{ilLines}, method: ilTransfer, form: "CHAT_ID=12&TRANSFER_ID=queue2&LEAVE=Y&" + ilCID,
			want: ilSessionWant{status: "queue", operator: 0, queue: 2, line: 2, members: []int64{100}}},
		{name: "TRANSFER_ID user", method: ilTransfer, form: "CHAT_ID=12&TRANSFER_ID=3&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 3, members: []int64{39, 100}, last: "transfer", lastTo: "3"}},
		{name: "TRANSFER_ID replaces USER_ID", method: ilTransfer, form: "CHAT_ID=12&USER_ID=12&TRANSFER_ID=3&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 3}},
		{name: "TRANSFER_ID user replaces QUEUE_ID", portal: []string{ilLines}, method: ilTransfer, form: "CHAT_ID=12&QUEUE_ID=2&TRANSFER_ID=4&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 4, line: 1}},
		{name: "USER_ID wins over QUEUE_ID", portal: []string{ilLines}, method: ilTransfer, form: "CHAT_ID=12&USER_ID=3&QUEUE_ID=2&" + ilCID,
			want: ilSessionWant{status: "transfer", operator: 3, line: 1}},
		{name: "transfer by OAuth token in JSON", method: ilTransfer, form: "",
			want: ilSessionWant{status: "transfer", operator: 2, members: []int64{39, 100}}},
	} {
		for _, strict := range []bool{false, true} {
			name := tc.name
			if strict {
				name += " strict"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				portals := append([]string{}, tc.portal...)
				if strict {
					portals = append(portals, ilStrict)
				}
				emu := ilStart(t, portals...)
				ilCheckSession(t, emu, 12, ilBotHolds)
				var r ilResp
				if tc.form == "" {
					r = ilJSON(t, emu, "/rest/"+tc.method, `{"auth":"`+ilToken+`","CHAT_ID":12,"USER_ID":2}`)
				} else {
					r = ilPost(t, emu, ilBase(tc.form)+tc.method, tc.form)
				}
				ilOK(t, emu, r, tc.method, true)
				ilCheckSession(t, emu, 12, tc.want)
				if n := ilCalls(emu, tc.method, nil); n != 1 {
					t.Errorf("journal: %d calls to %s", n, tc.method)
				}

				// The bot no longer holds the dialog.
				ilErr(t, ilPost(t, emu, ilHook+ilOperator, "CHAT_ID=12&"+ilCID), 400, "WRONG_CHAT", "Operator is not a bot")
				tr := ilPost(t, emu, ilHook+ilTransfer, "CHAT_ID=12&USER_ID=2&"+ilCID)
				if strict {
					ilErr(t, tr, 400, "OPERATOR_WRONG", "You can not redirect to this operator")
				} else {
					ilErr(t, tr, 400, "WRONG_CHAT", "Operator is not a bot")
				}
				ilCheckSession(t, emu, 12, tc.want) // refused calls change nothing
			})
		}
	}
}

// finish ends the session whoever holds it; afterwards the bot methods
// find no bot session and message.send posts nothing.
func TestIlSessionFinish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		before []string // forms to transfer first
		strict bool
	}{
		{name: "held by the bot"},
		{name: "held by the bot strict", strict: true},
		{name: "after a transfer", before: []string{"CHAT_ID=12&USER_ID=12&" + ilCID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var emu *testkit.Server
			if tc.strict {
				emu = ilStart(t, ilStrict)
			} else {
				emu = ilStart(t)
			}
			for _, f := range tc.before {
				ilOK(t, emu, ilPost(t, emu, ilHook+ilTransfer, f), ilTransfer, true)
			}
			emu.Advance(90 * time.Second)
			ilOK(t, emu, ilPost(t, emu, ilHook+ilFinish, "CHAT_ID=12&"+ilCID), ilFinish, true)
			s := emu.Bitrix24().Session(t, 12)
			if s.Status != "finished" || s.FinishedAt == nil || !s.FinishedAt.Equal(ilNow.Add(90*time.Second)) {
				t.Errorf("after finish: %+v", s)
			}
			if n := len(s.History); n == 0 || s.History[n-1].Action != "finish" {
				t.Errorf("history %+v does not end with finish", s.History)
			}
			before := len(emu.Bitrix24().Messages(t, 12))
			ilErr(t, ilPost(t, emu, ilHook+ilOperator, "CHAT_ID=12&"+ilCID), 400, "WRONG_CHAT", "Operator is not a bot")
			tr := ilPost(t, emu, ilHook+ilTransfer, "CHAT_ID=12&USER_ID=2&"+ilCID)
			if tc.strict {
				ilErr(t, tr, 400, "OPERATOR_WRONG", "You can not redirect to this operator")
			} else {
				ilErr(t, tr, 400, "WRONG_CHAT", "Operator is not a bot")
			}
			// Finishing again, and an automatic message, answer true and do nothing.
			ilOK(t, emu, ilPost(t, emu, ilHook+ilFinish, "CHAT_ID=12&"+ilCID), ilFinish, true)
			ilOK(t, emu, ilPost(t, emu, ilHook+ilAutoMsg, "CHAT_ID=12&NAME=WELCOME"), ilAutoMsg, true)
			if got := emu.Bitrix24().Messages(t, 12); len(got) != before {
				t.Errorf("messages after finish: %d, want %d", len(got), before)
			}
			if s2 := emu.Bitrix24().Session(t, 12); s2.Status != "finished" || len(s2.History) != len(s.History) {
				t.Errorf("finish of a finished session changed it: %+v", s2)
			}
		})
	}
}

// After a transfer the operator accepts (testkit AnswerSession): the bot
// leaves, the operator holds the dialog, the bot methods are refused.
func TestIlSessionTransferAnswered(t *testing.T) {
	t.Parallel()
	emu := ilStart(t)
	ilOK(t, emu, ilPost(t, emu, ilHook+ilTransfer, "CHAT_ID=12&USER_ID=12&LEAVE=N&"+ilCID), ilTransfer, true)
	emu.Bitrix24().AnswerSession(t, 12, 12)
	ilCheckSession(t, emu, 12, ilSessionWant{status: "operator", operator: 12, line: 1, members: []int64{100, 12}, last: "answer"})
	ilErr(t, ilPost(t, emu, ilHook+ilOperator, "CHAT_ID=12&"+ilCID), 400, "WRONG_CHAT", "Operator is not a bot")
	ilErr(t, ilPost(t, emu, ilHook+ilTransfer, "CHAT_ID=12&USER_ID=2&"+ilCID), 400, "WRONG_CHAT", "Operator is not a bot")
	emu.AssertCalled(t, "bitrix24."+ilTransfer, testkit.Params{"USER_ID": "12", "LEAVE": "N"}, 1)
}

// A dialog a client starts (StartSession) is held by the line's bot and is
// independent of chat 12.
func TestIlSessionStarted(t *testing.T) {
	t.Parallel()
	emu := ilStart(t)
	s := emu.Bitrix24().StartSession(t, 1, 3, "Hello")
	if s.Status != "bot" || s.OperatorID != 39 || s.ChatID == 12 || s.ClientID != 3 {
		t.Fatalf("started session %+v", s)
	}
	ilOK(t, emu, ilPost(t, emu, ilHook+ilOperator, fmt.Sprintf("CHAT_ID=%d&%s", s.ChatID, ilCID)), ilOperator, true)
	ilCheckSession(t, emu, s.ChatID, ilSessionWant{status: "operator", operator: 12, line: 1, members: []int64{3, 12}})
	ilCheckSession(t, emu, 12, ilBotHolds)
	// Also through the control plane.
	r := ilJSON(t, emu, "/_emulator/bitrix24/portals/default/sessions", `{"line_id":1,"client_id":4,"text":"Hi"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("control start session: %d %s", r.status, r.raw)
	}
	chat, _ := r.body.(map[string]any)["chat_id"].(json.Number).Int64()
	ilOK(t, emu, ilPost(t, emu, ilHook+ilTransfer, fmt.Sprintf("CHAT_ID=%d&USER_ID=2&LEAVE=Y&%s", chat, ilCID)), ilTransfer, true)
	ilCheckSession(t, emu, chat, ilSessionWant{status: "transfer", operator: 2, members: []int64{4}})
}

func TestIlSessionErrors(t *testing.T) {
	t.Parallel()
	const notBot = "Operator is not a bot"
	const noRedirect = "You can not redirect to this operator"
	extraUsers := `{"name":"default","users":[{"id":5,"name":"Ext","extranet":true},{"id":6,"name":"Gone","active":false}]}`
	for _, tc := range []struct {
		name       string
		method     string
		form       string
		code, text string
		strictCode string // the strict portal's code (text "You can not redirect to this operator"), "" when the same
	}{
		{name: "operator without CHAT_ID", method: ilOperator, form: ilCID, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "operator CHAT_ID=0", method: ilOperator, form: "CHAT_ID=0&" + ilCID, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "operator CHAT_ID not a number", method: ilOperator, form: "CHAT_ID=abc&" + ilCID, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "operator CHAT_ID before bot", method: ilOperator, form: "X=1", code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "operator webhook without CLIENT_ID", method: ilOperator, form: "CHAT_ID=12", code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "operator another application", method: ilOperator, form: "CHAT_ID=12&CLIENT_ID=other", code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "operator chat without session", method: ilOperator, form: "CHAT_ID=13&" + ilCID, code: "WRONG_CHAT", text: notBot},
		{name: "operator unknown chat", method: ilOperator, form: "CHAT_ID=999&" + ilCID, code: "WRONG_CHAT", text: notBot},

		{name: "transfer without CHAT_ID", method: ilTransfer, form: "USER_ID=12&" + ilCID, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "transfer lower-case names are not read", method: ilTransfer, form: "chat_id=12&user_id=12&" + ilCID, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "transfer without a target", method: ilTransfer, form: "CHAT_ID=12&" + ilCID, code: "TRANSFER_ID_EMPTY", text: "Queue ID or User ID can't be empty"},
		{name: "transfer lower-case target is not read", method: ilTransfer, form: "CHAT_ID=12&user_id=12&" + ilCID, code: "TRANSFER_ID_EMPTY", text: "Queue ID or User ID can't be empty"},
		{name: "transfer USER_ID=0", method: ilTransfer, form: "CHAT_ID=12&USER_ID=0&" + ilCID, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "transfer USER_ID negative", method: ilTransfer, form: "CHAT_ID=12&USER_ID=-3&" + ilCID, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "transfer QUEUE_ID=0", method: ilTransfer, form: "CHAT_ID=12&QUEUE_ID=0&" + ilCID, code: "QUEUE_ID_EMPTY", text: "QUEUE ID can't be empty"},
		{name: "transfer TRANSFER_ID=queue0", method: ilTransfer, form: "CHAT_ID=12&TRANSFER_ID=queue0&" + ilCID, code: "QUEUE_ID_EMPTY", text: "QUEUE ID can't be empty"},
		{name: "transfer TRANSFER_ID=0", method: ilTransfer, form: "CHAT_ID=12&TRANSFER_ID=0&" + ilCID, code: "USER_ID_EMPTY", text: "User ID can't be empty"},
		{name: "transfer webhook without CLIENT_ID", method: ilTransfer, form: "CHAT_ID=12&USER_ID=12", code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "transfer lower-case client_id is not read", method: ilTransfer, form: "CHAT_ID=12&USER_ID=12&client_id=chatemu", code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "transfer to a bot", method: ilTransfer, form: "CHAT_ID=12&USER_ID=39&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer to the connector client", method: ilTransfer, form: "CHAT_ID=12&USER_ID=100&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer to an unknown user", method: ilTransfer, form: "CHAT_ID=12&USER_ID=999&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer to an extranet user", method: ilTransfer, form: "CHAT_ID=12&USER_ID=5&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer to an inactive user", method: ilTransfer, form: "CHAT_ID=12&USER_ID=6&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer to an unknown queue", method: ilTransfer, form: "CHAT_ID=12&QUEUE_ID=99&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer to an inactive line", method: ilTransfer, form: "CHAT_ID=12&QUEUE_ID=3&" + ilCID, code: "WRONG_CHAT", text: noRedirect, strictCode: "OPERATOR_WRONG"},
		{name: "transfer of a chat without session", method: ilTransfer, form: "CHAT_ID=13&USER_ID=12&" + ilCID, code: "WRONG_CHAT", text: notBot, strictCode: "OPERATOR_WRONG"},

		{name: "finish without CHAT_ID", method: ilFinish, form: ilCID, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "finish webhook without CLIENT_ID", method: ilFinish, form: "CHAT_ID=12", code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "message.send without CHAT_ID", method: ilAutoMsg, form: "NAME=WELCOME", code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
	} {
		for _, strict := range []bool{false, true} {
			name := tc.name
			if strict {
				name += " strict"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				portals := []string{ilLines, extraUsers}
				if strict {
					portals = append(portals, ilStrict)
				}
				emu := ilStart(t, portals...)
				code, text := tc.code, tc.text
				if strict && tc.strictCode != "" {
					code, text = tc.strictCode, noRedirect
				}
				ilErr(t, ilPost(t, emu, ilHook+tc.method, tc.form), 400, code, text)
				ilCheckSession(t, emu, 12, ilBotHolds)
				if got := emu.Bitrix24().Messages(t, 12); len(got) != 0 {
					t.Errorf("chat 12 got messages: %+v", got)
				}
			})
		}
	}
}

// finish of a chat without a session answers true; message.send needs no
// bot and answers true whatever it posts.
func TestIlSessionTrueWithoutEffect(t *testing.T) {
	t.Parallel()
	emu := ilStart(t)
	ilOK(t, emu, ilPost(t, emu, ilHook+ilFinish, "CHAT_ID=13&"+ilCID), ilFinish, true)
	ilOK(t, emu, ilPost(t, emu, ilHook+ilAutoMsg, "CHAT_ID=13&NAME=WELCOME"), ilAutoMsg, true)
	ilOK(t, emu, ilPost(t, emu, ilHook+ilAutoMsg, "CHAT_ID=999&NAME=DEFAULT&MESSAGE=x"), ilAutoMsg, true)
	if got := emu.Bitrix24().Messages(t, 13); len(got) != 0 {
		t.Errorf("chat 13 got %+v", got)
	}
	ilCheckSession(t, emu, 12, ilBotHolds)
}

func TestIlSessionMessageSend(t *testing.T) {
	t.Parallel()
	noGreeting := `{"name":"default","open_lines":[{"id":1,"code":"` + ilCode + `","name":"Open Channel","active":true,"greeting":"","queue":[12,2],"bot_id":39}]}`
	for _, tc := range []struct {
		name     string
		portal   []string
		form     string
		kind     string // "" when nothing is posted
		text     string
		author   int64
		transfer bool // transfer to user 12 (LEAVE=N) first
		operator bool // hand to a free operator first
	}{
		{name: "WELCOME posts the greeting, MESSAGE ignored", form: "CHAT_ID=12&NAME=WELCOME&MESSAGE=ignored", kind: "welcome", text: ilGreeting, author: 39},
		{name: "DEFAULT posts MESSAGE", form: "CHAT_ID=12&NAME=DEFAULT&MESSAGE=" + url.QueryEscape("message text"), kind: "chat", text: "message text", author: 39},
		{name: "lower-case parameter names", form: "chat_id=12&name=DEFAULT&message=hi", kind: "chat", text: "hi", author: 39},
		{name: "by OAuth token", form: "CHAT_ID=12&NAME=WELCOME&auth=" + ilToken, kind: "welcome", text: ilGreeting, author: 39},
		{name: "DEFAULT with empty MESSAGE posts nothing", form: "CHAT_ID=12&NAME=DEFAULT&MESSAGE="},
		{name: "DEFAULT with blank MESSAGE posts nothing", form: "CHAT_ID=12&NAME=DEFAULT&MESSAGE=%20%20"},
		{name: "no NAME posts nothing", form: "CHAT_ID=12&MESSAGE=hi"},
		{name: "names are exact", form: "CHAT_ID=12&NAME=welcome&MESSAGE=hi"},
		{name: "unknown NAME posts nothing", form: "CHAT_ID=12&NAME=OTHER&MESSAGE=hi"},
		{name: "WELCOME on a line without greeting posts nothing", portal: []string{noGreeting}, form: "CHAT_ID=12&NAME=WELCOME"},
		{name: "WELCOME after a transfer still posts", transfer: true, form: "CHAT_ID=12&NAME=WELCOME", kind: "welcome", text: ilGreeting},
		{name: "after operator the operator is the author", operator: true, form: "CHAT_ID=12&NAME=DEFAULT&MESSAGE=op", kind: "chat", text: "op", author: 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t, tc.portal...)
			if tc.transfer {
				ilOK(t, emu, ilPost(t, emu, ilHook+ilTransfer, "CHAT_ID=12&USER_ID=12&"+ilCID), ilTransfer, true)
			}
			if tc.operator {
				ilOK(t, emu, ilPost(t, emu, ilHook+ilOperator, "CHAT_ID=12&"+ilCID), ilOperator, true)
			}
			before := emu.Bitrix24().Messages(t, 12)
			emu.Advance(5 * time.Second)
			ilOK(t, emu, ilPost(t, emu, ilBase(tc.form)+ilAutoMsg, tc.form), ilAutoMsg, true)
			after := emu.Bitrix24().Messages(t, 12)
			if tc.kind == "" {
				if len(after) != len(before) {
					t.Errorf("posted %+v, want nothing", after[len(before):])
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("chat 12 has %d messages, want %d", len(after), len(before)+1)
			}
			m := after[len(after)-1]
			if m.Kind != tc.kind || m.Text != tc.text || m.ChatID != 12 || !m.Date.Equal(ilNow.Add(5*time.Second)) || (tc.author != 0 && m.AuthorID != tc.author) {
				t.Errorf("posted %+v, want kind %q text %q author %d", m, tc.kind, tc.text, tc.author)
			}
			// The control plane lists it too.
			r := ilGet(t, emu, "/_emulator/bitrix24/portals/default/chats/12/messages")
			if r.status != 200 || !strings.Contains(string(r.raw), tc.text) {
				t.Errorf("control messages view: %d %s", r.status, r.raw)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// batch

const ilRev = `{"rest":2,"web":1,"mobile":1}`

// ilBatchWant is a batch answer: result, result_error, result_total and
// result_next as JSON text (exact, "[]" when empty), and the keys of
// result_time (nil: "[]"; list: it must be a JSON array of that length).
type ilBatchWant struct {
	result, errors string
	timeKeys       []string
	timeList       bool
}

func ilBatch(t *testing.T, emu *testkit.Server, r ilResp, w ilBatchWant) {
	t.Helper()
	ilOK(t, emu, r, "batch", nil)
	res, ok := ilResult(t, r).(map[string]any)
	if !ok || len(res) != 5 {
		t.Fatalf("%s: batch result is not the five maps: %s", r.what, r.raw)
	}
	for name, want := range map[string]string{"result": w.result, "result_error": w.errors, "result_total": "[]", "result_next": "[]"} {
		if got, exp := res[name], ilPlain(t, ilRaw(want)); !reflect.DeepEqual(got, exp) {
			g, _ := json.Marshal(got)
			t.Errorf("%s: %s\n got %.600s\nwant %.600s", r.what, name, g, want)
		}
	}
	rt := res["result_time"]
	switch {
	case len(w.timeKeys) == 0:
		if l, ok := rt.([]any); !ok || len(l) != 0 {
			t.Errorf("%s: result_time %v, want []", r.what, rt)
		}
	case w.timeList:
		l, ok := rt.([]any)
		if !ok || len(l) != len(w.timeKeys) {
			t.Fatalf("%s: result_time %v, want a list of %d", r.what, rt, len(w.timeKeys))
		}
		for i, tb := range l {
			ilCheckTime(t, fmt.Sprintf("%s result_time[%d]", r.what, i), tb, emu.Now())
		}
	default:
		m, ok := rt.(map[string]any)
		if !ok || len(m) != len(w.timeKeys) {
			t.Fatalf("%s: result_time %v, want an object with %v", r.what, rt, w.timeKeys)
		}
		for _, k := range w.timeKeys {
			ilCheckTime(t, r.what+" result_time["+k+"]", m[k], emu.Now())
		}
	}
}

// il2bad builds @2bad/bitrix's batch query: cmd[key]=method?qs, each
// command's query encoded, then the whole value encoded again, in order.
func il2bad(cmds ...[2]string) string {
	var parts []string
	for _, c := range cmds {
		parts = append(parts, url.QueryEscape("cmd["+c[0]+"]")+"="+url.QueryEscape(c[1]))
	}
	return strings.Join(parts, "&")
}

// ilQS encodes name=value pairs in order, as qs.stringify does.
func ilQS(pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, url.QueryEscape(pairs[i])+"="+url.QueryEscape(pairs[i+1]))
	}
	return strings.Join(parts, "&")
}

func TestIlBatchHalt(t *testing.T) {
	t.Parallel()
	cmd := `{"rev":"imopenlines.revision.get","bad":"imopenlines.bot.session.operator?CHAT_ID=0","tr":"imopenlines.bot.session.transfer?CHAT_ID=12&USER_ID=$result[rev][rest]&LEAVE=Y"}`
	badErr := `{"bad":{"error":"CHAT_ID_EMPTY","error_description":"Chat ID can\u0027t be empty"}}`
	for _, tc := range []struct {
		name string
		halt string // JSON value, "" to leave out
		all  bool   // the third command runs
	}{
		{name: "no halt", halt: "", all: true},
		{name: "halt 0", halt: `0`, all: true},
		{name: "halt \"0\"", halt: `"0"`, all: true},
		{name: "halt false", halt: `false`, all: true},
		{name: "halt 1", halt: `1`},
		{name: "halt true", halt: `true`},
		{name: "halt \"false\" is true in PHP", halt: `"false"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t)
			body := `{"auth":"` + ilToken + `","cmd":` + cmd
			if tc.halt != "" {
				body += `,"halt":` + tc.halt
			}
			r := ilJSON(t, emu, "/rest/batch", body+"}")
			if tc.all {
				ilBatch(t, emu, r, ilBatchWant{result: `{"rev":` + ilRev + `,"tr":true}`, errors: badErr, timeKeys: []string{"rev", "tr"}})
				// $result[rev][rest] is 2: the dialog went to user 2.
				ilCheckSession(t, emu, 12, ilSessionWant{status: "transfer", operator: 2, members: []int64{100}})
				if n := ilCalls(emu, ilTransfer, testkit.Params{"USER_ID": "2", "CHAT_ID": "12"}); n != 1 {
					t.Errorf("journal: %d transfer calls with USER_ID 2", n)
				}
			} else {
				ilBatch(t, emu, r, ilBatchWant{result: `{"rev":` + ilRev + `}`, errors: badErr, timeKeys: []string{"rev"}})
				ilCheckSession(t, emu, 12, ilBotHolds)
				if n := ilCalls(emu, ilTransfer, nil); n != 0 {
					t.Errorf("journal: the halted command ran (%d calls)", n)
				}
			}
			// Each command is journaled under its own name, the batch once.
			if n := ilCalls(emu, "imopenlines.revision.get", nil); n != 1 {
				t.Errorf("journal: %d revision.get", n)
			}
			if n := ilCalls(emu, ilOperator, testkit.Params{"CHAT_ID": "0"}); n != 1 {
				t.Errorf("journal: %d operator", n)
			}
			if n := ilCalls(emu, "batch", nil); n != 1 {
				t.Errorf("journal: %d batch", n)
			}
		})
	}
}

// @2bad/bitrix's GET batch: PHP-bracket cmd[...] in the query, each
// command's query encoded inside the value, no halt.
func TestIlBatch2badGET(t *testing.T) {
	t.Parallel()
	emu := ilStart(t)
	q := il2bad(
		[2]string{"join", "imopenlines.network.join?" + ilQS("CODE", ilCode)},
		[2]string{"rev", "imopenlines.revision.get"},
		[2]string{"bad", "imopenlines.network.message.add?" + ilQS("CODE", ilCode, "USER_ID", "999", "MESSAGE", "x")},
		[2]string{"msg", "imopenlines.network.message.add?" + ilQS("CODE", ilCode, "USER_ID", "2",
			"MESSAGE", "bot $result[join] rev $result[rev][rest] err $error[bad][error] keep $result[nokey]")},
		[2]string{"auto", "imopenlines.bot.session.message.send?" + ilQS("CHAT_ID", "12", "NAME", "DEFAULT", "MESSAGE", "web=$result[rev][web]")},
	)
	r := ilGet(t, emu, ilHook+"batch?"+q)
	ilOK(t, emu, r, "batch", nil)
	join := ilResult(t, r).(map[string]any)["result"].(map[string]any)["join"]
	ilBatch(t, emu, r, ilBatchWant{
		result:   fmt.Sprintf(`{"join":%v,"rev":%s,"msg":true,"auto":true}`, join, ilRev),
		errors:   `{"bad":{"error":"WRONG_REQUEST","error_description":"Message isn\u0027t added"}}`,
		timeKeys: []string{"join", "rev", "msg", "auto"},
	})
	got := emu.Bitrix24().NetworkMessages(t, 2)
	want := fmt.Sprintf("bot %v rev 2 err WRONG_REQUEST keep $result[nokey]", join)
	if len(got) != 1 || got[0].Text != want {
		t.Errorf("network messages to 2: %+v, want text %q", got, want)
	}
	msgs := emu.Bitrix24().Messages(t, 12)
	if len(msgs) == 0 || msgs[len(msgs)-1].Text != "web=1" {
		t.Errorf("chat 12 messages %+v, want the last to be web=1", msgs)
	}
	for method, n := range map[string]int{"imopenlines.network.join": 1, "imopenlines.revision.get": 1,
		"imopenlines.network.message.add": 2, ilAutoMsg: 1, "batch": 1} {
		if got := ilCalls(emu, method, nil); got != n {
			t.Errorf("journal: %d calls to %s, want %d", got, method, n)
		}
	}
	// The journaled command carries its substituted parameters and a note.
	calls := emu.Calls("bitrix24.imopenlines.network.message.add", testkit.Params{"USER_ID": "2", "MESSAGE": want})
	if len(calls) != 1 || calls[0].Note != "batch command msg" {
		t.Errorf("journaled msg command: %+v", calls)
	}
}

// A POST form batch (PHP brackets, CRest style) with the token in the body.
func TestIlBatchForm(t *testing.T) {
	t.Parallel()
	emu := ilStart(t)
	form := ilQS("auth", ilToken, "cmd[a]", "imopenlines.revision.get", "cmd[b]", "imopenlines.bot.session.finish?CHAT_ID=12", "halt", "1")
	r := ilPost(t, emu, "/rest/batch", form)
	ilBatch(t, emu, r, ilBatchWant{result: `{"a":` + ilRev + `,"b":true}`, errors: `[]`, timeKeys: []string{"a", "b"}})
	if s := emu.Bitrix24().Session(t, 12); s.Status != "finished" {
		t.Errorf("session after batch finish: %+v", s)
	}
}

func TestIlBatchShapes(t *testing.T) {
	t.Parallel()
	many := func(n int, list bool) string {
		var parts []string
		for i := 0; i < n; i++ {
			if list {
				parts = append(parts, `"imopenlines.revision.get"`)
			} else {
				parts = append(parts, fmt.Sprintf(`"c%02d":"imopenlines.revision.get"`, i))
			}
		}
		if list {
			return "[" + strings.Join(parts, ",") + "]"
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	revs := func(n int, list bool) (string, []string) {
		var parts, keys []string
		for i := 0; i < n; i++ {
			if list {
				parts = append(parts, ilRev)
				keys = append(keys, fmt.Sprint(i))
			} else {
				parts = append(parts, fmt.Sprintf(`"c%02d":%s`, i, ilRev))
				keys = append(keys, fmt.Sprintf("c%02d", i))
			}
		}
		if list {
			return "[" + strings.Join(parts, ",") + "]", keys
		}
		return "{" + strings.Join(parts, ",") + "}", keys
	}
	r50, k50 := revs(50, false)
	l50, lk50 := revs(50, true)
	l2, lk2 := revs(2, true)
	const tooMany = `{"error":"ERROR_BATCH_LENGTH_EXCEEDED","error_description":"Max batch length exceeded"}`
	for _, tc := range []struct {
		name    string
		cmd     string
		want    ilBatchWant
		journal int // revision.get calls
	}{
		{name: "50 commands", cmd: many(50, false), want: ilBatchWant{result: r50, errors: "[]", timeKeys: k50}, journal: 50},
		{name: "51 commands", cmd: many(51, false), want: ilBatchWant{result: r50, errors: `{"c50":` + tooMany + `}`, timeKeys: k50}, journal: 50},
		{name: "52 commands", cmd: many(52, false), want: ilBatchWant{result: r50, errors: `{"c50":` + tooMany + `,"c51":` + tooMany + `}`, timeKeys: k50}, journal: 50},
		{name: "50 commands as a list", cmd: many(50, true), want: ilBatchWant{result: l50, errors: "[]", timeKeys: lk50, timeList: true}, journal: 50},
		{name: "51 commands as a list", cmd: many(51, true), want: ilBatchWant{result: l50, errors: `{"50":` + tooMany + `}`, timeKeys: lk50, timeList: true}, journal: 50},
		{name: "list of two", cmd: many(2, true), want: ilBatchWant{result: l2, errors: "[]", timeKeys: lk2, timeList: true}, journal: 2},
		{name: "list with a failing first command", cmd: `["no.such.method","imopenlines.revision.get"]`,
			want: ilBatchWant{result: `{"1":` + ilRev + `}`, errors: `[{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}]`, timeKeys: []string{"1"}}, journal: 1},
		{name: "non-string commands are skipped and not counted", cmd: `{"n":5,"o":{"x":"imopenlines.revision.get"},"r":"imopenlines.revision.get"}`,
			want: ilBatchWant{result: `{"r":` + ilRev + `}`, errors: "[]", timeKeys: []string{"r"}}, journal: 1},
		{name: "every command fails, still 200", cmd: `{"a":"no.such.method","b":"batch?cmd[x]=imopenlines.revision.get","c":"imopenlines.network.join?CODE=short"}`,
			want: ilBatchWant{result: "[]", errors: `{"a":{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"},` +
				`"b":{"error":"ERROR_BATCH_METHOD_NOT_ALLOWED","error_description":"Method is not allowed for batch usage"},` +
				`"c":{"error":"CODE","error_description":"You entered an invalid code"}}`}},
		{name: "method names in any case", cmd: `{"a":"IMOPENLINES.Revision.Get"}`,
			want: ilBatchWant{result: `{"a":` + ilRev + `}`, errors: "[]", timeKeys: []string{"a"}}, journal: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t)
			r := ilJSON(t, emu, "/rest/batch", `{"auth":"`+ilToken+`","halt":0,"cmd":`+tc.cmd+`}`)
			ilBatch(t, emu, r, tc.want)
			if n := ilCalls(emu, "imopenlines.revision.get", nil); n != tc.journal {
				t.Errorf("journal: %d revision.get calls, want %d", n, tc.journal)
			}
			// The outer batch is journaled once; a nested batch command is
			// journaled under its own name (batch) with its note.
			outer := 0
			for _, e := range emu.Calls("bitrix24.batch", nil) {
				if e.Note == "" {
					outer++
				} else if e.Note != "batch command b" || e.Status != http.StatusMethodNotAllowed {
					t.Errorf("journaled nested batch: %+v", e)
				}
			}
			if outer != 1 {
				t.Errorf("journal: %d outer batch calls", outer)
			}
		})
	}
}

// A command outside the credential's scopes: insufficient_scope with an
// empty description, inside an HTTP 200 batch.
func TestIlBatchScope(t *testing.T) {
	t.Parallel()
	emu := ilStart(t, `{"name":"default","webhooks":[{"user_id":1,"code":"abc","scopes":["imbot","imopenlines"]},{"user_id":2,"code":"botonly","scopes":["imbot"]}]}`)
	r := ilGet(t, emu, "/rest/2/botonly/batch?"+il2bad([2]string{"rev", "imopenlines.revision.get"}))
	ilBatch(t, emu, r, ilBatchWant{result: "[]", errors: `{"rev":{"error":"insufficient_scope","error_description":""}}`})
}

// ---------------------------------------------------------------------------
// OAuth: expiry by the emulator clock and the refresh at /oauth/token/

const (
	ilShortToken   = "short-token"
	ilShortRefresh = "short-refresh"
)

// ilShort adds a token that expires an hour after ilNow.
var ilShort = `{"name":"default","tokens":[{"access_token":"` + ilShortToken + `","refresh_token":"` + ilShortRefresh +
	`","client_id":"chatemu","user_id":1,"expires_at":"` + ilNow.Add(time.Hour).Format(time.RFC3339) + `"}]}`

func ilRevision(t *testing.T, emu *testkit.Server, token string) ilResp {
	t.Helper()
	return ilGet(t, emu, "/rest/imopenlines.revision.get?auth="+url.QueryEscape(token))
}

func ilExpired(t *testing.T, r ilResp) {
	t.Helper()
	ilErr(t, r, 401, "expired_token", "The access token provided has expired")
}

// ilGone checks the 401 of an access token a refresh replaced or purged.
func ilGone(t *testing.T, r ilResp) {
	t.Helper()
	ilErr(t, r, 401, "invalid_token", "The access token provided is invalid")
}

func TestIlOAuthExpiry(t *testing.T) {
	t.Parallel()
	t.Run("seeded short-lived token", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilShort)
		ilOK(t, emu, ilRevision(t, emu, ilShortToken), "imopenlines.revision.get", ilRaw(ilRev))
		emu.Advance(time.Hour - time.Second)
		ilOK(t, emu, ilRevision(t, emu, ilShortToken), "imopenlines.revision.get", ilRaw(ilRev))
		emu.Advance(time.Second) // the expiry second itself counts as expired
		ilExpired(t, ilRevision(t, emu, ilShortToken))
		// Wherever the token is sent.
		ilExpired(t, ilGet(t, emu, "/rest/imopenlines.revision.get?access_token="+ilShortToken))
		ilExpired(t, ilDo(t, emu, ilReq{path: "/rest/imopenlines.revision.get", header: map[string]string{"Authorization": "Bearer " + ilShortToken}}))
		ilExpired(t, ilJSON(t, emu, "/rest/batch", `{"auth":"`+ilShortToken+`","cmd":{"a":"imopenlines.revision.get"}}`))
		// The default token is unaffected.
		ilOK(t, emu, ilRevision(t, emu, ilToken), "imopenlines.revision.get", ilRaw(ilRev))
	})
	t.Run("default token at its 2100 expiry", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t)
		end := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
		emu.Advance(end.Sub(ilNow) - time.Second)
		ilOK(t, emu, ilRevision(t, emu, ilToken), "imopenlines.revision.get", ilRaw(ilRev))
		emu.Advance(time.Second)
		ilExpired(t, ilRevision(t, emu, ilToken))
		ilExpired(t, ilPost(t, emu, "/rest/"+ilOperator, "CHAT_ID=12&auth="+ilToken))
		ilCheckSession(t, emu, 12, ilBotHolds)
	})
}

// ilRefresh sends a refresh in one of the three shapes.
func ilRefresh(t *testing.T, emu *testkit.Server, shape, form string) ilResp {
	t.Helper()
	switch shape {
	case "GET":
		return ilGet(t, emu, "/oauth/token/?"+form)
	case "POST":
		return ilPost(t, emu, "/oauth/token/", form)
	default: // POST without the trailing slash
		return ilPost(t, emu, "/oauth/token", form)
	}
}

func ilRefreshForm(refresh string) string {
	return ilQS("grant_type", "refresh_token", "client_id", "chatemu", "client_secret", "chatemu-secret", "refresh_token", refresh)
}

// ilTokenAnswer checks a refresh answer and returns the new pair.
func ilTokenAnswer(t *testing.T, emu *testkit.Server, r ilResp, lifetime int64) (string, string) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("%s: %d %s", r.what, r.status, r.raw)
	}
	ilValidate(t, "oauth.token", r)
	m := r.body.(map[string]any)
	want := map[string]any{
		"expires":         json.Number(fmt.Sprint(emu.Now().Unix() + lifetime)),
		"expires_in":      json.Number(fmt.Sprint(lifetime)),
		"scope":           "imbot,imopenlines",
		"domain":          "oauth.bitrix.info",
		"server_endpoint": emu.URL() + "/rest/",
		"client_endpoint": emu.URL() + "/rest/",
		"status":          "L",
		"member_id":       "a223c6b3710f85df22e9377d6c4f7553",
		"user_id":         json.Number("1"),
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s: %s = %#v, want %#v", r.what, k, m[k], v)
		}
	}
	access, _ := m["access_token"].(string)
	refresh, _ := m["refresh_token"].(string)
	if access == "" || refresh == "" || access == refresh {
		t.Fatalf("%s: token pair %q / %q", r.what, access, refresh)
	}
	return access, refresh
}

// ilOAuthErr checks an OAuth error: status, exactly error and
// error_description, the code (the texts are the emulator's own: the OAuth
// server's are not published).
func ilOAuthErr(t *testing.T, r ilResp, status int, code string) {
	t.Helper()
	m, ok := r.body.(map[string]any)
	if r.status != status || !ok || len(m) != 2 || m["error"] != code {
		t.Fatalf("%s: got %d %s, want %d %s", r.what, r.status, r.raw, status, code)
	}
	if d, ok := m["error_description"].(string); !ok || d == "" {
		t.Errorf("%s: error_description %#v", r.what, m["error_description"])
	}
	ilValidate(t, "error", r)
}

func TestIlOAuthRefresh(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{"GET", "POST", "POST no slash"} {
		t.Run(shape, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t)
			emu.Advance(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Sub(ilNow))
			ilExpired(t, ilRevision(t, emu, ilToken))

			// Failed refreshes spend nothing.
			bad := ilQS("grant_type", "refresh_token", "client_id", "chatemu", "client_secret", "wrong", "refresh_token", "test-refresh-token")
			ilOAuthErr(t, ilRefresh(t, emu, shape, bad), 401, "invalid_client")

			access, refresh := ilTokenAnswer(t, emu, ilRefresh(t, emu, shape, ilRefreshForm("test-refresh-token")), 3600)
			if access == ilToken || refresh == "test-refresh-token" {
				t.Fatalf("refresh reissued the old pair: %s %s", access, refresh)
			}
			// The new token works, for the application's bot too; the one it replaced is gone.
			ilOK(t, emu, ilRevision(t, emu, access), "imopenlines.revision.get", ilRaw(ilRev))
			ilOK(t, emu, ilPost(t, emu, "/rest/"+ilOperator, "CHAT_ID=12&auth="+access), ilOperator, true)
			ilGone(t, ilRevision(t, emu, ilToken))

			// The old refresh token is spent.
			ilOAuthErr(t, ilRefresh(t, emu, shape, ilRefreshForm("test-refresh-token")), 400, "invalid_grant")

			// The new refresh token works once, and rotates again.
			emu.Advance(10 * time.Minute)
			access2, refresh2 := ilTokenAnswer(t, emu, ilRefresh(t, emu, shape, ilRefreshForm(refresh)), 3600)
			if access2 == access || refresh2 == refresh {
				t.Errorf("second refresh reissued %s %s", access2, refresh2)
			}
			ilOAuthErr(t, ilRefresh(t, emu, shape, ilRefreshForm(refresh)), 400, "invalid_grant")
			// The first refreshed token was replaced by the second refresh; the
			// second lives 3600 s from its issue.
			ilGone(t, ilRevision(t, emu, access))
			emu.Advance(3599 * time.Second)
			ilOK(t, emu, ilRevision(t, emu, access2), "imopenlines.revision.get", ilRaw(ilRev))
			emu.Advance(time.Second)
			ilExpired(t, ilRevision(t, emu, access2))
		})
	}
}

// A refresh before expiry replaces the old access token at once; the
// application's token_lifetime sets the new one's.
func TestIlOAuthRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	emu := ilStart(t, ilShort, `{"name":"default","apps":[{"client_id":"chatemu","client_secret":"chatemu-secret","scopes":["imbot","imopenlines"],"token_lifetime":60}]}`)
	ilOK(t, emu, ilRevision(t, emu, ilShortToken), "imopenlines.revision.get", ilRaw(ilRev))
	access, _ := ilTokenAnswer(t, emu, ilRefresh(t, emu, "POST", ilRefreshForm(ilShortRefresh)), 60)
	ilGone(t, ilRevision(t, emu, ilShortToken))
	emu.Advance(59 * time.Second)
	ilOK(t, emu, ilRevision(t, emu, access), "imopenlines.revision.get", ilRaw(ilRev))
	emu.Advance(time.Second)
	ilExpired(t, ilRevision(t, emu, access))
}

func TestIlOAuthRefreshErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		form   string
		status int
		code   string
	}{
		{"no grant_type", ilQS("client_id", "chatemu", "client_secret", "chatemu-secret", "refresh_token", "test-refresh-token"), 400, "unsupported_grant_type"},
		{"authorization_code grant", ilQS("grant_type", "authorization_code", "client_id", "chatemu", "client_secret", "chatemu-secret", "code", "x"), 400, "unsupported_grant_type"},
		{"no refresh_token", ilQS("grant_type", "refresh_token", "client_id", "chatemu", "client_secret", "chatemu-secret"), 400, "invalid_request"},
		{"no client_id", ilQS("grant_type", "refresh_token", "client_secret", "chatemu-secret", "refresh_token", "test-refresh-token"), 400, "invalid_request"},
		{"unknown refresh token", ilRefreshForm("nope"), 400, "invalid_grant"},
		{"wrong secret", ilQS("grant_type", "refresh_token", "client_id", "chatemu", "client_secret", "x", "refresh_token", "test-refresh-token"), 401, "invalid_client"},
		{"unknown client", ilQS("grant_type", "refresh_token", "client_id", "other", "client_secret", "chatemu-secret", "refresh_token", "test-refresh-token"), 401, "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t)
			ilOAuthErr(t, ilRefresh(t, emu, "POST", tc.form), tc.status, tc.code)
			ilOAuthErr(t, ilRefresh(t, emu, "GET", tc.form), tc.status, tc.code)
			// Nothing was spent: the fixture's refresh token still works.
			ilTokenAnswer(t, emu, ilRefresh(t, emu, "POST", ilRefreshForm("test-refresh-token")), 3600)
		})
	}
}

// ---------------------------------------------------------------------------
// The per-portal request limit (leaky bucket)

const ilLimited = `{"name":"default","rate_limit":{"enabled":true,"burst":50,"drain_per_second":2}}`

// ilSecond is a second portal with its own webhook (user 1, code "sec").
func ilSecond(limit bool) string {
	return fmt.Sprintf(`{"name":"second","member_id":"second-member","rate_limit":{"enabled":%v,"burst":50,"drain_per_second":2},
	 "webhooks":[{"user_id":1,"code":"sec","scopes":["imbot","imopenlines"]}],"users":[{"id":1,"name":"Sec"}]}`, limit)
}

func ilLimitErr(t *testing.T, r ilResp) {
	t.Helper()
	ilErr(t, r, 503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
	if ra := r.header.Get("Retry-After"); ra != "" {
		t.Errorf("%s: Retry-After %q, want none", r.what, ra)
	}
}

// ilBurst sends n requests that must all pass.
func ilBurst(t *testing.T, emu *testkit.Server, path string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		r := ilGet(t, emu, path)
		if r.status != 200 {
			t.Fatalf("request %d of %d to %s: %d %s", i+1, n, path, r.status, r.raw)
		}
	}
}

func TestIlRateLimit(t *testing.T) {
	t.Parallel()
	rev := ilHook + "imopenlines.revision.get"
	t.Run("51st refused, drain 2 per second", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilLimited)
		ilBurst(t, emu, rev, 50)
		ilLimitErr(t, ilGet(t, emu, rev))
		ilLimitErr(t, ilGet(t, emu, rev)) // a refused request adds nothing, but nothing drained either
		emu.Advance(time.Second)
		ilOK(t, emu, ilGet(t, emu, rev), "imopenlines.revision.get", ilRaw(ilRev))
		ilOK(t, emu, ilGet(t, emu, "/rest/imopenlines.revision.get?auth="+ilToken), "imopenlines.revision.get", ilRaw(ilRev))
		ilLimitErr(t, ilGet(t, emu, rev))
		emu.Advance(500 * time.Millisecond)
		ilOK(t, emu, ilGet(t, emu, rev), "imopenlines.revision.get", ilRaw(ilRev))
		ilLimitErr(t, ilGet(t, emu, rev))
		// A batch is refused as a whole too.
		ilLimitErr(t, ilJSON(t, emu, "/rest/batch", `{"auth":"`+ilToken+`","cmd":{"a":"imopenlines.revision.get"}}`))
		// 25 s drain the bucket completely: 50 pass again.
		emu.Advance(25 * time.Second)
		ilBurst(t, emu, rev, 50)
		ilLimitErr(t, ilGet(t, emu, rev))
	})
	t.Run("refused and failed methods still count once authenticated", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilLimited)
		for i := 0; i < 50; i++ {
			ilErr(t, ilPost(t, emu, ilHook+ilOperator, "CHAT_ID=0"), 400, "CHAT_ID_EMPTY", "Chat ID can't be empty")
		}
		ilLimitErr(t, ilPost(t, emu, ilHook+ilOperator, "CHAT_ID=0"))
	})
	t.Run("unauthenticated requests do not count", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilLimited)
		for i := 0; i < 60; i++ {
			ilErr(t, ilGet(t, emu, "/rest/1/wrong/imopenlines.revision.get"), 401, "INVALID_CREDENTIALS", "Invalid request credentials")
		}
		ilBurst(t, emu, rev, 50)
		ilLimitErr(t, ilGet(t, emu, rev))
	})
	t.Run("a batch of 50 is one request", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilLimited)
		var cmds [][2]string
		for i := 0; i < 50; i++ {
			cmds = append(cmds, [2]string{fmt.Sprintf("c%02d", i), "imopenlines.revision.get"})
		}
		r := ilGet(t, emu, ilHook+"batch?"+il2bad(cmds...))
		ilOK(t, emu, r, "batch", nil)
		if errs := ilResult(t, r).(map[string]any)["result_error"]; !reflect.DeepEqual(errs, []any{}) {
			t.Fatalf("batch errors %v", errs)
		}
		ilBurst(t, emu, rev, 49)
		ilLimitErr(t, ilGet(t, emu, rev))
	})
	t.Run("default portal is never limited", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t)
		ilBurst(t, emu, rev, 150)
		ilBurst(t, emu, "/rest/imopenlines.revision.get?auth="+ilToken, 50)
	})
	t.Run("portals are isolated", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilLimited, ilSecond(true))
		sec := "/rest/1/sec/imopenlines.revision.get"
		ilBurst(t, emu, rev, 50)
		ilLimitErr(t, ilGet(t, emu, rev))
		ilBurst(t, emu, sec, 50)
		ilLimitErr(t, ilGet(t, emu, sec))
		ilLimitErr(t, ilGet(t, emu, rev))
		emu.Advance(time.Second)
		ilBurst(t, emu, sec, 2)
		ilBurst(t, emu, rev, 2)
		ilLimitErr(t, ilGet(t, emu, sec))
		ilLimitErr(t, ilGet(t, emu, rev))
		if n := len(emu.Calls("bitrix24.imopenlines.revision.get", nil)); n < 104 {
			t.Errorf("journal: %d revision.get calls", n)
		}
	})
	t.Run("a limited portal does not limit an unlimited one", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, ilSecond(true))
		sec := "/rest/1/sec/imopenlines.revision.get"
		ilBurst(t, emu, sec, 50)
		ilLimitErr(t, ilGet(t, emu, sec))
		ilBurst(t, emu, rev, 120)
	})
	t.Run("configured burst and drain", func(t *testing.T) {
		t.Parallel()
		emu := ilStart(t, `{"name":"default","rate_limit":{"enabled":true,"burst":3,"drain_per_second":0.5}}`)
		ilBurst(t, emu, rev, 3)
		ilLimitErr(t, ilGet(t, emu, rev))
		emu.Advance(time.Second)
		ilLimitErr(t, ilGet(t, emu, rev))
		emu.Advance(time.Second)
		ilBurst(t, emu, rev, 1)
		ilLimitErr(t, ilGet(t, emu, rev))
	})
}

// ---------------------------------------------------------------------------
// More edges

// Size limits with non-ASCII text: the pages' 30 KB counts bytes; a strict
// portal measures the code's 60,000 characters (fidelity.md: "the limit is
// the code's 60,000 characters").
func TestIlNetworkMessageAttachSizeUnicode(t *testing.T) {
	t.Parallel()
	const m = "imopenlines.network.message.add"
	att := func(n int) string { return `[{"MESSAGE":"` + strings.Repeat("ж", n) + `"}]` }
	kb := func(n int) string { return `[{"TEXT":"` + strings.Repeat("ж", n) + `","LINK":"https://example.com"}]` }
	for _, tc := range []struct {
		name   string
		strict bool
		extra  string
		code   string
		text   string
		bug    string
	}{
		{name: "default 20k two-byte characters are 40 KB", extra: "ATTACH=" + url.QueryEscape(att(20000)),
			code: "ATTACH_OVERSIZE", text: "You have exceeded the maximum allowable size of attach"},
		{name: "strict attach 40k characters (80 KB) is under 60,000 characters", strict: true, extra: "ATTACH=" + url.QueryEscape(att(40000))},
		{name: "strict keyboard 40k characters is under 60,000 characters", strict: true, extra: "KEYBOARD=" + url.QueryEscape(kb(40000))},
		{name: "strict attach 61k characters", strict: true, extra: "ATTACH=" + url.QueryEscape(att(61000)),
			code: "ATTACH_OVERSIZE", text: "You have exceeded the maximum allowable size of attach"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var emu *testkit.Server
			if tc.strict {
				emu = ilStart(t, ilStrict)
			} else {
				emu = ilStart(t)
			}
			ilJoin(t, emu, ilCode)
			r := ilPost(t, emu, ilHook+m, ilMsg(ilCode, 2, "hi", tc.extra))
			if tc.bug != "" && r.status != 200 {
				t.Skipf("BUG: %s: POST %s with %d-byte form answered %d %s, want 200 true", tc.bug, m, len(tc.extra), r.status, r.raw)
			}
			if tc.code != "" {
				ilErr(t, r, 400, tc.code, tc.text)
				return
			}
			ilOK(t, emu, r, m, true)
		})
	}
}

func TestIlSessionMoreTargets(t *testing.T) {
	t.Parallel()
	otherBot := `{"name":"default","bots":[{"id":39,"code":"newbot","name":"NewBot","client_id":"chatemu","type":"B","openline":true},
	 {"id":40,"code":"otherbot","name":"Other","client_id":"other","type":"B","openline":true}]}`
	for _, tc := range []struct {
		name   string
		portal []string
		method string
		form   string
		code   string // "" for success
		text   string
		want   ilSessionWant
	}{
		{name: "TRANSFER_ID queue does not override USER_ID", portal: []string{ilLines}, method: ilTransfer,
			form: "CHAT_ID=12&USER_ID=12&TRANSFER_ID=queue2&" + ilCID, want: ilSessionWant{status: "transfer", operator: 12, line: 1}},
		{name: "another application's bot does not hold the dialog: operator", portal: []string{otherBot}, method: ilOperator,
			form: "CHAT_ID=12&CLIENT_ID=other", code: "WRONG_CHAT", text: "Operator is not a bot", want: ilBotHolds},
		{name: "another application's bot does not hold the dialog: transfer", portal: []string{otherBot}, method: ilTransfer,
			form: "CHAT_ID=12&USER_ID=12&CLIENT_ID=other", code: "WRONG_CHAT", text: "Operator is not a bot", want: ilBotHolds},
		{name: "finish by another application's bot finishes anyway", portal: []string{otherBot}, method: ilFinish,
			form: "CHAT_ID=12&CLIENT_ID=other", want: ilSessionWant{status: "finished", operator: 40}},
		{name: "an OAuth application without a bot", portal: []string{`{"name":"default","apps":[{"client_id":"chatemu","client_secret":"chatemu-secret","scopes":["imbot","imopenlines"]},` +
			`{"client_id":"nobot","client_secret":"s","scopes":["imopenlines"]}],"tokens":[{"access_token":"nobot-token","client_id":"nobot","user_id":1}]}`},
			method: ilOperator, form: "CHAT_ID=12&auth=nobot-token", code: "BOT_ID_ERROR", text: "Bot not found", want: ilBotHolds},
		{name: "CHAT_ID=12abc reads as 12 (intval)", method: ilOperator, form: "CHAT_ID=12abc&" + ilCID,
			want: ilSessionWant{status: "operator", operator: 12, members: []int64{100, 12}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t, tc.portal...)
			r := ilPost(t, emu, ilBase(tc.form)+tc.method, tc.form)
			if tc.code != "" {
				ilErr(t, r, 400, tc.code, tc.text)
			} else {
				ilOK(t, emu, r, tc.method, true)
			}
			w := tc.want
			if w.status == "finished" {
				if s := emu.Bitrix24().Session(t, 12); s.Status != "finished" {
					t.Errorf("session %+v, want finished", s)
				}
				return
			}
			ilCheckSession(t, emu, 12, w)
		})
	}
}

func TestIlBatchMore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		portal []string
		body   string
		want   ilBatchWant
		check  func(t *testing.T, emu *testkit.Server, r ilResp)
	}{
		{name: "upper-case CMD and HALT", body: `{"auth":"` + ilToken + `","HALT":1,"CMD":{"x":"no.such","y":"imopenlines.revision.get"}}`,
			want: ilBatchWant{result: "[]", errors: `{"x":{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}}`}},
		{name: ".json suffix is not stripped in a command", body: `{"auth":"` + ilToken + `","cmd":{"x":"imopenlines.revision.get.json"}}`,
			want: ilBatchWant{result: "[]", errors: `{"x":{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}}`}},
		{name: "references in any letter case", body: `{"auth":"` + ilToken + `","cmd":{"r":"imopenlines.revision.get",` +
			`"t":"imopenlines.bot.session.transfer?CHAT_ID=12&USER_ID=$RESULT[r][rest]"}}`,
			want: ilBatchWant{result: `{"r":` + ilRev + `,"t":true}`, errors: "[]", timeKeys: []string{"r", "t"}},
			check: func(t *testing.T, emu *testkit.Server, r ilResp) {
				ilCheckSession(t, emu, 12, ilSessionWant{status: "transfer", operator: 2})
			}},
		{name: "page name .send in default mode, journaled as .send", body: `{"auth":"` + ilToken + `","cmd":{"j":"imopenlines.network.join?CODE=` + ilCode +
			`","s":"imopenlines.network.message.send?CODE=` + ilCode + `&USER_ID=3&MESSAGE=hi"}}`,
			check: func(t *testing.T, emu *testkit.Server, r ilResp) {
				if n := ilCalls(emu, "imopenlines.network.message.send", testkit.Params{"USER_ID": "3"}); n != 1 {
					t.Errorf("journal: %d .send calls", n)
				}
				if n := ilCalls(emu, "imopenlines.network.message.add", nil); n != 0 {
					t.Errorf("journal: %d .add calls", n)
				}
				if got := emu.Bitrix24().NetworkMessages(t, 3); len(got) != 1 || got[0].Text != "hi" {
					t.Errorf("user 3 got %+v", got)
				}
			}},
		{name: "the weekly limit inside one batch", body: `{"auth":"` + ilToken + `","cmd":{"j":"imopenlines.network.join?CODE=` + ilCode +
			`","a":"imopenlines.network.message.add?CODE=` + ilCode + `&USER_ID=3&MESSAGE=one","b":"imopenlines.network.message.add?CODE=` + ilCode + `&USER_ID=3&MESSAGE=two"}}`,
			check: func(t *testing.T, emu *testkit.Server, r ilResp) {
				ilBatchErrors(t, r, `{"b":{"error":"USER_MESSAGE_LIMIT","error_description":"You cant send more than one message per week to each user."}}`)
			}},
		{name: "commands inherit a webhook's credential: CLIENT_ID per command", body: "",
			check: func(t *testing.T, emu *testkit.Server, _ ilResp) {
				r := ilGet(t, emu, ilHook+"batch?"+il2bad([2]string{"a", ilOperator + "?CHAT_ID=12"}, [2]string{"b", ilOperator + "?CHAT_ID=12&CLIENT_ID=chatemu"}))
				ilBatch(t, emu, r, ilBatchWant{result: `{"b":true}`, errors: `{"a":{"error":"BOT_ID_ERROR","error_description":"Bot not found"}}`, timeKeys: []string{"b"}})
				ilCheckSession(t, emu, 12, ilSessionWant{status: "operator", operator: 12, members: []int64{100, 12}})
			}},
		{name: "no cmd: five empty maps", body: `{"auth":"` + ilToken + `"}`, want: ilBatchWant{result: "[]", errors: "[]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := ilStart(t, tc.portal...)
			var r ilResp
			if tc.body != "" {
				r = ilJSON(t, emu, "/rest/batch", tc.body)
			}
			switch {
			case tc.body == "":
			case tc.want.result != "":
				ilBatch(t, emu, r, tc.want)
			default:
				ilOK(t, emu, r, "batch", nil)
			}
			if tc.check != nil {
				tc.check(t, emu, r)
			}
		})
	}
}

// ilBatchErrors checks result_error of a batch answer.
func ilBatchErrors(t *testing.T, r ilResp, want string) {
	t.Helper()
	got := ilResult(t, r).(map[string]any)["result_error"]
	if !reflect.DeepEqual(got, ilPlain(t, ilRaw(want))) {
		t.Errorf("result_error in %s, want %s", r.raw, want)
	}
}

// The size boundaries: the pages' 30 KB (30,720 bytes of JSON, "exceeded"
// above it) and the code's check that the JSON is shorter than 60,000
// characters (reference §0.11) on a strict portal.
func TestIlNetworkMessageAttachSizeBoundary(t *testing.T) {
	t.Parallel()
	const m = "imopenlines.network.message.add"
	// [{"MESSAGE":"…"}] is 16 characters of JSON around the text.
	att := func(size int) string { return `[{"MESSAGE":"` + strings.Repeat("a", size-16) + `"}]` }
	for _, tc := range []struct {
		name   string
		strict bool
		size   int
		over   bool
		bug    string
	}{
		{name: "default exactly 30 KB", size: 30 * 1024},
		{name: "default 30 KB + 1", size: 30*1024 + 1, over: true},
		{name: "strict 59,999", strict: true, size: 59999},
		{name: "strict exactly 60,000 is not shorter than 60,000", strict: true, size: 60000, over: true},
		{name: "strict 60,001", strict: true, size: 60001, over: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var emu *testkit.Server
			if tc.strict {
				emu = ilStart(t, ilStrict)
			} else {
				emu = ilStart(t)
			}
			ilJoin(t, emu, ilCode)
			if got := len(att(tc.size)); got != tc.size {
				t.Fatalf("attach JSON is %d characters, want %d", got, tc.size)
			}
			r := ilPost(t, emu, ilHook+m, ilMsg(ilCode, 2, "hi", "ATTACH="+url.QueryEscape(att(tc.size))))
			if !tc.over {
				ilOK(t, emu, r, m, true)
				return
			}
			if tc.bug != "" && r.status == 200 {
				t.Skipf("BUG: %s: a %d-character ATTACH answered 200 %s, want 400 ATTACH_OVERSIZE", tc.bug, tc.size, r.raw)
			}
			ilErr(t, r, 400, "ATTACH_OVERSIZE", "You have exceeded the maximum allowable size of attach")
		})
	}
}

// halt in a GET query, and $time/$error references spliced into text.
func TestIlBatchGETHaltAndTimeReference(t *testing.T) {
	t.Parallel()
	emu := ilStart(t)
	emu.Advance(42 * time.Second)
	q := il2bad(
		[2]string{"r", "imopenlines.revision.get"},
		[2]string{"m", ilAutoMsg + "?" + ilQS("CHAT_ID", "12", "NAME", "DEFAULT", "MESSAGE", "at $time[r][date_start] start $time[r][start]")},
		[2]string{"bad", ilOperator + "?CHAT_ID=0"},
		[2]string{"never", ilAutoMsg + "?" + ilQS("CHAT_ID", "12", "NAME", "DEFAULT", "MESSAGE", "never")},
	) + "&halt=1"
	r := ilGet(t, emu, ilHook+"batch?"+q)
	ilBatch(t, emu, r, ilBatchWant{result: `{"r":` + ilRev + `,"m":true}`,
		errors: `{"bad":{"error":"CHAT_ID_EMPTY","error_description":"Chat ID can\u0027t be empty"}}`, timeKeys: []string{"r", "m"}})
	at := ilNow.Add(42 * time.Second)
	want := fmt.Sprintf("at %s start %d", at.Format("2006-01-02T15:04:05-07:00"), at.Unix())
	var texts []string
	for _, m := range emu.Bitrix24().Messages(t, 12) {
		texts = append(texts, m.Text)
	}
	if !reflect.DeepEqual(texts, []string{want}) {
		t.Errorf("chat 12 messages %q, want [%q]", texts, want)
	}
}
