package bitrix24_test

// Independent tests of the Bitrix24 vendor's transport, auth and the
// imbot.chat.* / imbot.dialog.get methods, written from the vendor page
// (shared/spec/bitrix24-imbot-chat.txt), the reference facts
// (shared/reference/bitrix24.md) and the documented decisions
// (docs/fidelity.md "## Bitrix24", docs/bitrix24.md). Every helper is
// prefixed with "ic".

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/chatemu/chatemu/schemas"
	"github.com/chatemu/chatemu/testkit"
)

// icNow is the frozen emulator clock of these tests (a whole second, so
// that finish is written "N.0").
var icNow = time.Date(2026, 3, 10, 9, 30, 15, 0, time.UTC)

// icPNG is a real 1x1 PNG image in base64.
const icPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

// icCID is the CLIENT_ID webhook calls name the default bot's application with.
const icCID = "CLIENT_ID=chatemu"

// icToken is the default OAuth access token (user 1, application chatemu).
const icToken = "test-access-token"

// icStart starts an instance on the frozen clock with seed documents (each
// a fragment of the default portal object, see icPortal).
func icStart(t *testing.T, portalFragments ...string) *testkit.Server {
	t.Helper()
	opts := []testkit.Option{testkit.WithClock(icNow)}
	for _, f := range portalFragments {
		if f != "" {
			opts = append(opts, testkit.WithSeedData([]byte(icPortal(f))))
		}
	}
	return testkit.Start(t, opts...)
}

// icPortal wraps a fragment of the default portal's fixture object in a seed
// document.
func icPortal(fragment string) string {
	return `{"bitrix24":{"portals":[{"name":"default",` + fragment + `}]}}`
}

// icReq is one HTTP request; path is relative to the server and includes
// the query.
type icReq struct {
	verb   string
	path   string
	ctype  string
	body   string
	header map[string]string
}

type icResp struct {
	status int
	body   []byte
	header http.Header
}

func icGet(path string) icReq { return icReq{verb: http.MethodGet, path: path} }

func icForm(path, form string) icReq {
	return icReq{verb: http.MethodPost, path: path, ctype: "application/x-www-form-urlencoded", body: form}
}

func icJSON(path, doc string) icReq {
	return icReq{verb: http.MethodPost, path: path, ctype: "application/json", body: doc}
}

func icMultipart(path string, fields ...[2]string) icReq {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return icReq{verb: http.MethodPost, path: path, ctype: w.FormDataContentType(), body: buf.String()}
}

// icHook is a webhook path: /rest/1/abc/{method}?{query}.
func icHook(method, query string) string {
	p := "/rest/1/abc/" + method
	if query != "" {
		p += "?" + query
	}
	return p
}

// icOAuth is an OAuth path with the default token in the query.
func icOAuth(method, query string) string {
	p := "/rest/" + method + "?auth=" + icToken
	if query != "" {
		p += "&" + query
	}
	return p
}

func icDo(t *testing.T, srv *testkit.Server, r icReq) icResp {
	t.Helper()
	verb := r.verb
	if verb == "" {
		verb = http.MethodGet
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(verb, srv.URL()+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return icResp{status: resp.StatusCode, body: raw, header: resp.Header}
}

// icMethodOf is the lower-case method a REST path names (for the schema).
func icMethodOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	m := strings.ToLower(parts[len(parts)-1])
	return strings.TrimSuffix(m, ".json")
}

// --- response schemas, compiled once from the embedded schemas.FS -------

var (
	icSchemaOnce sync.Once
	icSchemas    map[string]*gojsonschema.Schema
	icSchemaErr  error
)

func icSchema(t *testing.T, name string) *gojsonschema.Schema {
	t.Helper()
	icSchemaOnce.Do(func() {
		icSchemas = map[string]*gojsonschema.Schema{}
		const dir = "bitrix24/responses"
		entries, err := fs.ReadDir(schemas.FS, dir)
		if err != nil {
			icSchemaErr = err
			return
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".schema.json") {
				continue
			}
			raw, err := fs.ReadFile(schemas.FS, dir+"/"+e.Name())
			if err != nil {
				icSchemaErr = err
				return
			}
			s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
			if err != nil {
				icSchemaErr = fmt.Errorf("%s: %w", e.Name(), err)
				return
			}
			icSchemas[strings.TrimSuffix(e.Name(), ".schema.json")] = s
		}
	})
	if icSchemaErr != nil {
		t.Fatalf("compiling schemas: %v", icSchemaErr)
	}
	s, ok := icSchemas[name]
	if !ok {
		t.Fatalf("no response schema %q", name)
	}
	return s
}

func icValidate(t *testing.T, name string, body []byte) {
	t.Helper()
	res, err := icSchema(t, name).Validate(gojsonschema.NewBytesLoader(body))
	if err != nil {
		t.Fatalf("validating against %s: %v\n%s", name, err, body)
	}
	if !res.Valid() {
		var msgs []string
		for _, e := range res.Errors() {
			msgs = append(msgs, e.String())
		}
		t.Fatalf("body does not match %s.schema.json: %s\n%s", name, strings.Join(msgs, "; "), body)
	}
}

// --- decoding and assertions --------------------------------------------

// icDecode decodes JSON keeping numbers as written (14 and 14.0 differ).
func icDecode(t *testing.T, raw []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	if d.More() {
		t.Fatalf("trailing data after JSON: %s", raw)
	}
	return v
}

func icKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var (
	icIntRe   = regexp.MustCompile(`^-?[0-9]+$`)
	icFloatRe = regexp.MustCompile(`^-?[0-9]+\.[0-9]+$`)
)

// icCheckTime checks the six base fields of the time block with their JSON
// types, on the frozen clock at: start and processing integers, finish and
// duration floats, the dates as date('c') in UTC; and the operating figures
// of a call that charged nothing.
func icCheckTime(t *testing.T, raw json.RawMessage, at time.Time) {
	t.Helper()
	var tm map[string]json.RawMessage
	if err := json.Unmarshal(raw, &tm); err != nil {
		t.Fatalf("time is not an object: %s", raw)
	}
	want := []string{"date_finish", "date_start", "duration", "finish", "operating", "operating_reset_at", "processing", "start"}
	var got []string
	for k := range tm {
		got = append(got, k)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("time fields %v, want %v", got, want)
	}
	num := func(k string, re *regexp.Regexp, exact string) {
		t.Helper()
		s := string(tm[k])
		if !re.MatchString(s) {
			t.Errorf("time.%s = %s: wrong JSON type", k, s)
		}
		if s != exact {
			t.Errorf("time.%s = %s, want %s", k, s, exact)
		}
	}
	num("start", icIntRe, fmt.Sprint(at.Unix()))
	num("processing", icIntRe, "0")
	num("finish", icFloatRe, fmt.Sprintf("%d.0", at.Unix()))
	num("duration", icFloatRe, "0.0")
	num("operating_reset_at", icIntRe, fmt.Sprint(at.Unix()+600))
	num("operating", icFloatRe, "0.0")
	date := at.UTC().Format("2006-01-02T15:04:05") + "+00:00"
	for _, k := range []string{"date_start", "date_finish"} {
		var s string
		if err := json.Unmarshal(tm[k], &s); err != nil {
			t.Errorf("time.%s = %s: not a string", k, tm[k])
			continue
		}
		if s != date {
			t.Errorf("time.%s = %q, want %q", k, s, date)
		}
	}
}

// icSuccess checks a success answer (status 200, JSON headers, exactly
// result and time, the time block, the method's schema) and returns the
// decoded result.
func icSuccess(t *testing.T, srv *testkit.Server, r icReq, resp icResp) any {
	t.Helper()
	if resp.status != http.StatusOK {
		t.Fatalf("%s %s: status %d, want 200\n%s", r.verb, r.path, resp.status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &top); err != nil {
		t.Fatalf("not a JSON object: %s", resp.body)
	}
	if len(top) != 2 || top["result"] == nil || top["time"] == nil {
		t.Fatalf("envelope keys: want exactly result and time: %s", resp.body)
	}
	icCheckTime(t, top["time"], srv.Now())
	icValidate(t, icMethodOf(r.path), resp.body)
	return icDecode(t, top["result"])
}

// icOK sends r and checks a success answer whose result is exactly want
// (JSON text).
func icOK(t *testing.T, srv *testkit.Server, r icReq, want string) {
	t.Helper()
	resp := icDo(t, srv, r)
	got := icSuccess(t, srv, r, resp)
	if w := icDecode(t, []byte(want)); !reflect.DeepEqual(got, w) {
		t.Fatalf("%s %s: result %s, want %s", r.verb, r.path, icShow(got), want)
	}
}

func icShow(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// icCheckErr checks an error answer: the status and exactly
// {"error": code, "error_description": text}, no time block.
func icCheckErr(t *testing.T, r icReq, resp icResp, status int, code, text string) {
	t.Helper()
	if resp.status != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.verb, r.path, resp.status, status, resp.body)
	}
	m, ok := icDecode(t, resp.body).(map[string]any)
	if !ok {
		t.Fatalf("error body is not an object: %s", resp.body)
	}
	if keys := icKeys(m); !reflect.DeepEqual(keys, []string{"error", "error_description"}) {
		t.Fatalf("error body keys %v: %s", keys, resp.body)
	}
	if m["error"] != code || m["error_description"] != text {
		t.Fatalf("%s %s: got %q %q, want %q %q", r.verb, r.path, m["error"], m["error_description"], code, text)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	icValidate(t, "error", resp.body)
}

// icErr sends r and checks an error answer.
func icErr(t *testing.T, srv *testkit.Server, r icReq, status int, code, text string) {
	t.Helper()
	icCheckErr(t, r, icDo(t, srv, r), status, code, text)
}

// icCase is one request against a fresh instance: a success (status 200,
// result) or an error (status, code, text).
type icCase struct {
	name   string
	seed   string // fragment of the default portal (icPortal)
	setup  []icReq
	req    icReq
	status int
	code   string
	text   string
	result string
	bug    string // a known defect: the case is skipped with this note
}

// icSkipBug skips a case that asserts the correct behaviour of a known
// defect; IC_RUN_BUGS=1 runs it anyway (to reproduce the failure).
func icSkipBug(t *testing.T, bug string) {
	t.Helper()
	if bug != "" && os.Getenv("IC_RUN_BUGS") == "" {
		t.Skip("BUG: " + bug)
	}
}

func icRun(t *testing.T, cases []icCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			icSkipBug(t, c.bug)
			srv := icStart(t, c.seed)
			for _, s := range c.setup {
				if resp := icDo(t, srv, s); resp.status != http.StatusOK {
					t.Fatalf("setup %s %s: %d %s", s.verb, s.path, resp.status, resp.body)
				}
			}
			if c.status == 0 || c.status == http.StatusOK {
				icOK(t, srv, c.req, c.result)
				return
			}
			icErr(t, srv, c.req, c.status, c.code, c.text)
		})
	}
}

// --- state readers through the API ----------------------------------------

// icUserList is imbot.chat.user.list of a chat as the default bot.
func icUserList(t *testing.T, srv *testkit.Server, chatID int64) string {
	t.Helper()
	r := icGet(icHook("imbot.chat.user.list", fmt.Sprintf("CHAT_ID=%d&%s", chatID, icCID)))
	return icShow(icSuccess(t, srv, r, icDo(t, srv, r)))
}

// icDialog is imbot.dialog.get of chatNNN through path (a webhook or OAuth
// path without the query), as a map.
func icDialog(t *testing.T, srv *testkit.Server, base string, chatID int64) map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	r := icGet(fmt.Sprintf("%s%sDIALOG_ID=chat%d", base, sep, chatID))
	m, ok := icSuccess(t, srv, r, icDo(t, srv, r)).(map[string]any)
	if !ok {
		t.Fatalf("dialog.get result is not an object")
	}
	return m
}

// icFields checks some fields of a decoded object against JSON values.
func icFields(t *testing.T, got map[string]any, want map[string]string) {
	t.Helper()
	for k, w := range want {
		v, ok := got[k]
		if !ok {
			t.Errorf("field %s missing", k)
			continue
		}
		if wv := icDecode(t, []byte(w)); !reflect.DeepEqual(v, wv) {
			t.Errorf("field %s = %s, want %s", k, icShow(v), w)
		}
	}
}

// ========================================================================
// Transport
// ========================================================================

// TestIcURLForms: the webhook and OAuth URL forms, the .json suffix, the
// trailing slash, repeated slashes, method case, GET and POST (docs/
// bitrix24.md "Addresses"; fidelity Transport; reference §1.1).
func TestIcURLForms(t *testing.T) {
	t.Parallel()
	const list = `[39,1,2,4]`
	q := "CHAT_ID=13&" + icCID
	cases := []icCase{
		{name: "webhook", req: icGet(icHook("imbot.chat.user.list", q)), result: list},
		{name: "webhook .json", req: icGet(icHook("imbot.chat.user.list.json", q)), result: list},
		{name: "webhook .JSON upper case", req: icGet(icHook("imbot.chat.user.list.JSON", q)), result: list},
		{name: "webhook trailing slash", req: icGet("/rest/1/abc/imbot.chat.user.list/?" + q), result: list},
		{name: "webhook .json and trailing slash", req: icGet("/rest/1/abc/imbot.chat.user.list.json/?" + q), result: list},
		{name: "webhook repeated slashes", req: icGet("/rest//1//abc//imbot.chat.user.list?" + q), result: list},
		{name: "webhook mixed-case method", req: icGet(icHook("IMBOT.Chat.User.LIST", q)), result: list},
		{name: "webhook POST form", req: icForm(icHook("imbot.chat.user.list", ""), q), result: list},
		{name: "webhook POST JSON", req: icJSON(icHook("imbot.chat.user.list", ""), `{"CHAT_ID":13,"CLIENT_ID":"chatemu"}`), result: list},
		{name: "webhook POST multipart", req: icMultipart(icHook("imbot.chat.user.list", ""), [2]string{"CHAT_ID", "13"}, [2]string{"CLIENT_ID", "chatemu"}), result: list},
		{name: "oauth auth in query", req: icGet("/rest/imbot.chat.user.list?CHAT_ID=13&auth=" + icToken), result: list},
		{name: "oauth access_token in query", req: icGet("/rest/imbot.chat.user.list?CHAT_ID=13&access_token=" + icToken), result: list},
		{name: "oauth auth in form body", req: icForm("/rest/imbot.chat.user.list", "CHAT_ID=13&auth="+icToken), result: list},
		{name: "oauth access_token in form body", req: icForm("/rest/imbot.chat.user.list", "CHAT_ID=13&access_token="+icToken), result: list},
		{name: "oauth auth in JSON body (JS SDK)", req: icJSON("/rest//imbot.chat.user.list", `{"CHAT_ID":13,"auth":"`+icToken+`"}`), result: list},
		{name: "oauth auth in multipart body", req: icMultipart("/rest/imbot.chat.user.list", [2]string{"CHAT_ID", "13"}, [2]string{"auth", icToken}), result: list},
		{name: "oauth bearer header", req: icReq{verb: http.MethodGet, path: "/rest/imbot.chat.user.list?CHAT_ID=13",
			header: map[string]string{"Authorization": "Bearer " + icToken}}, result: list},
		{name: "oauth double slash (JS SDK)", req: icGet("/rest//imbot.chat.user.list?CHAT_ID=13&auth=" + icToken), result: list},
		{name: "oauth .json", req: icGet("/rest/imbot.chat.user.list.json?CHAT_ID=13&auth=" + icToken), result: list},
		{name: "oauth trailing slash", req: icGet("/rest/imbot.chat.user.list/?CHAT_ID=13&auth=" + icToken), result: list},
		{name: "oauth upper-case method", req: icGet("/rest/IMBOT.CHAT.USER.LIST?CHAT_ID=13&auth=" + icToken), result: list},
		{name: "xml transport is not served", req: icGet(icHook("imbot.chat.user.list.xml", q)),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: "Method not found!"},
		{name: "REST 3.0 form is not served", req: icGet("/rest/api/1/abc/imbot.chat.user.list?" + q),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: "Method not found!"},
		{name: "webhook without a method", req: icGet("/rest/1/abc/?" + q),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: "Method not found!"},
		{name: "rest root", req: icGet("/rest/"),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: "Method not found!"},
		{name: "two path segments name no method", req: icGet("/rest/1/imbot.chat.user.list?" + q),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: "Method not found!"},
	}
	icRun(t, cases)
}

// TestIcHeadersAndEncoding: the answer headers and Bitrix\Main\Web\Json's
// escaping (fidelity Transport: "'" as \u0027, "/" as \/).
func TestIcHeadersAndEncoding(t *testing.T) {
	t.Parallel()
	srv := icStart(t)
	r := icGet(icHook("imbot.chat.user.list", icCID))
	resp := icDo(t, srv, r)
	icCheckErr(t, r, resp, 400, "CHAT_ID_EMPTY", "Chat ID can't be empty")
	if !bytes.Contains(resp.body, []byte(`can\u0027t`)) {
		t.Errorf("apostrophe not escaped as \\u0027: %s", resp.body)
	}
	if bytes.Contains(resp.body, []byte(`"time"`)) {
		t.Errorf("error body has a time block: %s", resp.body)
	}
	for k, v := range map[string]string{
		"Content-Type":                 "application/json; charset=utf-8",
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Headers": "origin, content-type, accept",
		"X-Content-Type-Options":       "nosniff",
	} {
		if got := resp.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	// a success: same headers
	r = icGet(icHook("imbot.chat.user.list", "CHAT_ID=13&"+icCID))
	resp = icDo(t, srv, r)
	icSuccess(t, srv, r, resp)
	if got := resp.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("success Access-Control-Allow-Origin %q", got)
	}
	// a slash inside a string is written \/ (the avatar link of dialog.get)
	r = icForm(icHook("imbot.chat.updateAvatar", ""), "CHAT_ID=13&"+icCID+"&AVATAR="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(icPNG))
	icOK(t, srv, r, `true`)
	r = icGet(icHook("imbot.dialog.get", "DIALOG_ID=chat13"))
	resp = icDo(t, srv, r)
	icSuccess(t, srv, r, resp)
	if !bytes.Contains(resp.body, []byte(`http:\/\/`)) {
		t.Errorf("slash not escaped as \\/: %s", resp.body)
	}
}

// TestIcEncodings: the parameter encodings a client may use (GET query
// with PHP brackets, form, multipart, JSON, other content types parsed as
// a form), shown end to end by imbot.chat.user.add and the member list.
func TestIcEncodings(t *testing.T) {
	t.Parallel()
	add := icHook("imbot.chat.user.add", "")
	cases := []struct {
		name string
		req  icReq
	}{
		{"GET USERS[0]=3", icGet(add + "?CHAT_ID=13&USERS[0]=3&" + icCID)},
		{"GET USERS[]=3 encoded brackets", icGet(add + "?CHAT_ID=13&USERS%5B%5D=3&" + icCID)},
		{"POST form USERS[]", icForm(add, "CHAT_ID=13&USERS[]=3&USERS[]=4&"+icCID)},
		{"POST form USERS[0]", icForm(add, "CHAT_ID=13&USERS%5B0%5D=3&"+icCID)},
		{"POST multipart USERS[0]", icMultipart(add, [2]string{"CHAT_ID", "13"}, [2]string{"USERS[0]", "3"}, [2]string{"CLIENT_ID", "chatemu"})},
		{"POST JSON array (JS SDK)", icJSON(add, `{"CHAT_ID":13,"USERS":[3,4],"CLIENT_ID":"chatemu"}`)},
		{"POST JSON string ids", icJSON(add, `{"CHAT_ID":"13","USERS":["3"],"CLIENT_ID":"chatemu"}`)},
		{"POST JSON with charset", icReq{verb: http.MethodPost, path: add, ctype: "application/json; charset=utf-8",
			body: `{"CHAT_ID":13,"USERS":[3],"CLIENT_ID":"chatemu"}`}},
		{"POST text/plain parsed as a form", icReq{verb: http.MethodPost, path: add, ctype: "text/plain",
			body: "CHAT_ID=13&USERS[]=3&" + icCID}},
		{"lower-case parameter names", icGet(add + "?chat_id=13&users[0]=3&client_id=chatemu")},
		{"mixed-case parameter names", icForm(add, "Chat_Id=13&Users[]=3&Client_Id=chatemu")},
		{"JSON lower-case names", icJSON(add, `{"chat_id":13,"users":[3],"client_id":"chatemu"}`)},
		{"body wins over query", icForm(add+"?CHAT_ID=999&USERS[]=1", "CHAT_ID=13&USERS[]=3&"+icCID)},
		{"JSON body wins over query", icJSON(add+"?CHAT_ID=999", `{"CHAT_ID":13,"USERS":[3],"CLIENT_ID":"chatemu"}`)},
		{"query and body merged", icForm(add+"?CHAT_ID=13&"+icCID, "USERS[]=3")},
		{"bad JSON body ignored, query counts", icJSON(add+"?CHAT_ID=13&USERS[]=3&"+icCID, `{"CHAT_ID":`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := icStart(t)
			icOK(t, srv, c.req, `true`)
			if got := icUserList(t, srv, 13); got != `[39,1,2,4,3]` {
				t.Fatalf("members %s, want [39,1,2,4,3]", got)
			}
			if got := srv.Bitrix24().Chat(t, 13).Members; !reflect.DeepEqual(got, []int64{39, 1, 2, 4, 3}) {
				t.Fatalf("control plane members %v", got)
			}
		})
	}
}

// TestIcBodyWinsShallow: the body replaces a query parameter of the same
// name, so a CHAT_ID=0 body hides the query's good id.
func TestIcBodyWinsShallow(t *testing.T) {
	t.Parallel()
	icRun(t, []icCase{
		{name: "body CHAT_ID=0 over query 13", req: icForm(icHook("imbot.chat.user.list", "CHAT_ID=13&"+icCID), "CHAT_ID=0"),
			status: 400, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "JSON body CHAT_ID over query", req: icJSON(icHook("imbot.chat.user.list", "CHAT_ID=999&"+icCID), `{"CHAT_ID":13}`),
			result: `[39,1,2,4]`},
		{name: "multipart body over query", req: icMultipart(icHook("imbot.chat.user.list", "CHAT_ID=0&"+icCID), [2]string{"CHAT_ID", "13"}),
			result: `[39,1,2,4]`},
	})
}

// TestIcJournalName: a call in any letter case is journaled under the
// lower-case route name (docs/bitrix24.md).
func TestIcJournalName(t *testing.T) {
	t.Parallel()
	srv := icStart(t)
	icOK(t, srv, icForm(icHook("Imbot.Chat.UpdateColor", ""), "CHAT_ID=13&COLOR=MINT&"+icCID), `true`)
	srv.AssertCalled(t, "bitrix24.imbot.chat.updatecolor", testkit.Params{"COLOR": "MINT"}, 1)
}

// ========================================================================
// Auth
// ========================================================================

const (
	icNoAuth     = "Wrong authorization data"
	icBadCreds   = "Invalid request credentials"
	icBadToken   = "The access token provided is invalid"
	icExpired    = "The access token provided has expired"
	icScopeHook  = "The request requires higher privileges than provided by the webhook token"
	icScopeToken = "The request requires higher privileges than provided by the access token"
	icNotFound   = "Method not found!"
)

// icScopeSeed adds a webhook and an OAuth application (with a token) that
// only have the imopenlines scope.
const icScopeSeed = `"webhooks":[{"user_id":2,"code":"olonly","scopes":["imopenlines"]}],
 "apps":[{"client_id":"olapp","client_secret":"s","scopes":["imopenlines"]}],
 "tokens":[{"access_token":"ol-token","client_id":"olapp","user_id":2,"expires_at":"2100-01-01T00:00:00Z"}]`

// TestIcAuthFailures: every auth failure is 401 with its code and text
// (fidelity "Auth, portals and limits"; reference §3.1), an unknown method
// is 404 before any credential is looked at.
func TestIcAuthFailures(t *testing.T) {
	t.Parallel()
	list := "imbot.chat.user.list"
	cases := []icCase{
		{name: "no credentials", req: icGet("/rest/" + list + "?CHAT_ID=13"),
			status: 401, code: "NO_AUTH_FOUND", text: icNoAuth},
		{name: "no credentials POST JSON", req: icJSON("/rest/"+list, `{"CHAT_ID":13}`),
			status: 401, code: "NO_AUTH_FOUND", text: icNoAuth},
		{name: "empty auth parameter", req: icGet("/rest/" + list + "?CHAT_ID=13&auth="),
			status: 401, code: "NO_AUTH_FOUND", text: icNoAuth},
		{name: "wrong webhook code", req: icGet("/rest/1/wrong/" + list + "?CHAT_ID=13&" + icCID),
			status: 401, code: "INVALID_CREDENTIALS", text: icBadCreds},
		{name: "webhook code of another user", req: icGet("/rest/2/abc/" + list + "?CHAT_ID=13&" + icCID),
			status: 401, code: "INVALID_CREDENTIALS", text: icBadCreds},
		{name: "webhook user not a number", req: icGet("/rest/x/abc/" + list + "?CHAT_ID=13&" + icCID),
			status: 401, code: "INVALID_CREDENTIALS", text: icBadCreds},
		{name: "webhook code case matters", req: icGet("/rest/1/ABC/" + list + "?CHAT_ID=13&" + icCID),
			status: 401, code: "INVALID_CREDENTIALS", text: icBadCreds},
		{name: "unknown token in auth", req: icGet("/rest/" + list + "?CHAT_ID=13&auth=nope"),
			status: 401, code: "invalid_token", text: icBadToken},
		{name: "unknown token in access_token body", req: icForm("/rest/"+list, "CHAT_ID=13&access_token=nope"),
			status: 401, code: "invalid_token", text: icBadToken},
		{name: "unknown bearer token", req: icReq{path: "/rest/" + list + "?CHAT_ID=13", header: map[string]string{"Authorization": "Bearer nope"}},
			status: 401, code: "invalid_token", text: icBadToken},
		{name: "bearer looked at before auth", req: icReq{path: "/rest/" + list + "?CHAT_ID=13&auth=" + icToken,
			header: map[string]string{"Authorization": "Bearer nope"}},
			status: 401, code: "invalid_token", text: icBadToken},
		{name: "auth looked at before access_token", req: icGet("/rest/" + list + "?CHAT_ID=13&auth=nope&access_token=" + icToken),
			status: 401, code: "invalid_token", text: icBadToken},
		{name: "good bearer, bad auth param ignored", req: icReq{path: "/rest/" + list + "?CHAT_ID=13&auth=nope",
			header: map[string]string{"Authorization": "Bearer " + icToken}}, result: `[39,1,2,4]`},
		{name: "auth before access_token (good first)", req: icGet("/rest/" + list + "?CHAT_ID=13&auth=" + icToken + "&access_token=nope"),
			result: `[39,1,2,4]`},
		{name: "webhook without imbot scope", seed: icScopeSeed, req: icGet("/rest/2/olonly/" + list + "?CHAT_ID=13&" + icCID),
			status: 401, code: "insufficient_scope", text: icScopeHook},
		{name: "token without imbot scope", seed: icScopeSeed, req: icGet("/rest/" + list + "?CHAT_ID=13&auth=ol-token"),
			status: 401, code: "insufficient_scope", text: icScopeToken},
		{name: "scope checked before the method's own errors", seed: icScopeSeed, req: icGet("/rest/2/olonly/imbot.chat.add"),
			status: 401, code: "insufficient_scope", text: icScopeHook},
		{name: "credentials checked before the method's own errors", req: icGet("/rest/1/wrong/imbot.chat.updateColor?COLOR=nope"),
			status: 401, code: "INVALID_CREDENTIALS", text: icBadCreds},
		{name: "unknown method without credentials", req: icGet("/rest/imbot.chat.nothing"),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: icNotFound},
		{name: "unknown method with a wrong webhook", req: icGet("/rest/1/wrong/imbot.chat.nothing"),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: icNotFound},
		{name: "unknown method with an unknown token", req: icGet("/rest/imbot.chat.nothing?auth=nope"),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: icNotFound},
		{name: "unknown method with good credentials", req: icGet(icHook("imbot.chat.nothing", icCID)),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: icNotFound},
		{name: "unknown method POST", req: icForm("/rest/im.chat.add", "USERS[]=1"),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: icNotFound},
		{name: "method name with a suffix is another method", req: icGet(icHook("imbot.chat.user.listx", icCID)),
			status: 404, code: "ERROR_METHOD_NOT_FOUND", text: icNotFound},
	}
	icRun(t, cases)
}

// TestIcTokenExpiry: a token expires by the emulator clock, at the very
// second of its expiry (fidelity "Tokens expire by the emulator clock").
func TestIcTokenExpiry(t *testing.T) {
	t.Parallel()
	srv := icStart(t, `"tokens":[{"access_token":"short-token","client_id":"chatemu","user_id":1,"expires_at":"2026-03-10T10:30:15Z"}]`)
	r := icGet("/rest/imbot.chat.user.list?CHAT_ID=13&auth=short-token")
	icOK(t, srv, r, `[39,1,2,4]`)
	srv.Advance(time.Hour - time.Second)
	icOK(t, srv, r, `[39,1,2,4]`) // one second left (the time block follows the clock)
	srv.Advance(time.Second)
	icErr(t, srv, r, 401, "expired_token", icExpired)
	rb := icReq{path: "/rest/imbot.chat.user.list?CHAT_ID=13", header: map[string]string{"Authorization": "Bearer short-token"}}
	icErr(t, srv, rb, 401, "expired_token", icExpired)
	// an unknown method still answers 404 with the expired token
	icErr(t, srv, icGet("/rest/imbot.nothing?auth=short-token"), 404, "ERROR_METHOD_NOT_FOUND", icNotFound)
	// the default token is unaffected
	icOK(t, srv, icGet(icOAuth("imbot.chat.user.list", "CHAT_ID=13")), `[39,1,2,4]`)
}

// TestIcBotResolution: BOT_ID and CLIENT_ID as getBotId reads them
// (fidelity Chats: "The bot: BOT_ID when set ..."; reference §5 common rules).
func TestIcBotResolution(t *testing.T) {
	t.Parallel()
	const otherApp = `"apps":[{"client_id":"other","client_secret":"o","scopes":["imbot"]}],
 "tokens":[{"access_token":"other-token","client_id":"other","user_id":1,"expires_at":"2100-01-01T00:00:00Z"}],
 "bots":[{"id":40,"code":"otherbot","name":"Other","client_id":"other"}],
 "chats":[{"id":70,"title":"Other's","owner_id":40,"users":[40,1]}]`
	list := func(q string) icReq { return icGet(icHook("imbot.chat.user.list", q)) }
	cases := []icCase{
		{name: "webhook without CLIENT_ID", req: list("CHAT_ID=13"),
			status: 403, code: "ACCESS_DENIED", text: "Access denied! Client ID not specified"},
		{name: "webhook with empty CLIENT_ID", req: list("CHAT_ID=13&CLIENT_ID="),
			status: 403, code: "ACCESS_DENIED", text: "Access denied! Client ID not specified"},
		{name: "webhook with CLIENT_ID=0 (PHP empty)", req: list("CHAT_ID=13&CLIENT_ID=0"),
			status: 403, code: "ACCESS_DENIED", text: "Access denied! Client ID not specified"},
		{name: "webhook CLIENT_ID lower-case name", req: list("CHAT_ID=13&client_id=chatemu"), result: `[39,1,2,4]`},
		{name: "webhook CLIENT_ID of an application without bots", req: list("CHAT_ID=13&CLIENT_ID=nobody"),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "webhook BOT_ID of another application", req: list("CHAT_ID=13&BOT_ID=39&CLIENT_ID=nobody"),
			status: 400, code: "APP_ID_ERROR", text: "Bot was installed by another rest application"},
		{name: "webhook unknown BOT_ID", req: list("CHAT_ID=13&BOT_ID=999&" + icCID),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "webhook BOT_ID= from a GET client is an unknown bot", req: list("CHAT_ID=13&BOT_ID=&" + icCID),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "webhook explicit BOT_ID", req: list("CHAT_ID=13&BOT_ID=39&" + icCID), result: `[39,1,2,4]`},
		{name: "BOT_ID 39abc names no bot (PHP array key)", req: list("CHAT_ID=13&BOT_ID=39abc&" + icCID),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "BOT_ID 039 names no bot (PHP array key)", req: list("CHAT_ID=13&BOT_ID=039&" + icCID),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "lower-case bot_id", req: list("CHAT_ID=13&bot_id=999&" + icCID),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "webhook BOT_ID defaults to the application's bot", req: list("CHAT_ID=13&" + icCID), result: `[39,1,2,4]`},
		{name: "JSON BOT_ID null picks the default bot", req: icJSON(icHook("imbot.chat.user.list", ""), `{"CHAT_ID":13,"BOT_ID":null,"CLIENT_ID":"chatemu"}`),
			result: `[39,1,2,4]`},
		{name: "JSON BOT_ID number", req: icJSON(icHook("imbot.chat.user.list", ""), `{"CHAT_ID":13,"BOT_ID":39,"CLIENT_ID":"chatemu"}`),
			result: `[39,1,2,4]`},
		{name: "oauth needs no CLIENT_ID", req: icGet(icOAuth("imbot.chat.user.list", "CHAT_ID=13")), result: `[39,1,2,4]`},
		{name: "oauth BOT_ID of another application", seed: otherApp, req: icGet(icOAuth("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=40")),
			status: 400, code: "APP_ID_ERROR", text: "Bot was installed by another rest application"},
		{name: "oauth unknown BOT_ID", req: icGet(icOAuth("imbot.chat.user.list", "CHAT_ID=13&BOT_ID=41")),
			status: 400, code: "BOT_ID_ERROR", text: "Bot not found"},
		{name: "oauth of another application acts as its bot", seed: otherApp, req: icGet("/rest/imbot.chat.user.list?CHAT_ID=70&auth=other-token"),
			result: `[40,1]`},
		{name: "other application's bot is not in chat 13", seed: otherApp, req: icGet("/rest/imbot.chat.user.list?CHAT_ID=13&auth=other-token"),
			result: `[]`},
		{name: "webhook CLIENT_ID names the other application", seed: otherApp, req: list("CHAT_ID=70&CLIENT_ID=other"), result: `[40,1]`},
		{name: "CHAT_ID_EMPTY before the client id", req: list(""),
			status: 400, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
		{name: "CHAT_ID_EMPTY before an unknown bot", req: list("BOT_ID=999&" + icCID),
			status: 400, code: "CHAT_ID_EMPTY", text: "Chat ID can't be empty"},
	}
	icRun(t, cases)
}

// ========================================================================
// imbot.chat.* errors and the order of checks
// ========================================================================

// icChats are extra chats on the default portal: 60 the general chat, 61 a
// chat with every restriction, 62 a chat the bot is not in, 63 a chat the
// bot is in but does not own, 64 a bot-owned chat whose owner may not leave;
// user 5 is inactive.
const icChats = `"users":[{"id":5,"name":"Gone","last_name":"User","active":false}],
 "chats":[
  {"id":60,"title":"General","owner_id":1,"users":[39,1,2,3,4],"general":true,"color":"RED"},
  {"id":61,"title":"Locked","owner_id":39,"users":[39,1,2],"color":"MINT",
   "restrictions":{"rename":false,"avatar":false,"extend":false,"leave":false,"leave_owner":false}},
  {"id":62,"title":"People only","owner_id":1,"users":[1,2],"color":"LIME"},
  {"id":63,"title":"Anna's","owner_id":2,"users":[2,39,1],"color":"SAND"},
  {"id":64,"title":"Sticky owner","owner_id":39,"users":[39,1],"color":"AZURE","restrictions":{"leave_owner":false}}]`

// Error texts (the server's, fidelity "Error codes follow the pages; error
// texts are the server's own").
const (
	icTChatEmpty   = "Chat ID can't be empty"
	icTDialogEmpty = "Dialog ID can't be empty"
	icTUserEmpty   = "User ID can't be empty"
	icTAction      = "Action unavailable"
	icTNoClient    = "Access denied! Client ID not specified"
	icTBot         = "Bot not found"
	icTAddRefused  = "You don't have access or user already member in chat"
	icTDelRefused  = "You don't have access or user isn't member in chat"
	icTTitleEmpty  = "Title can't be empty"
	icTTitleSet    = "This title currently set or chat isn't exists"
	icTColor       = "This color currently unavailable"
	icTColorSet    = "This color currently set or chat isn't exists"
	icTAvatarType  = "Avatar incorrect type"
	icTAvatarSize  = "Avatar incorrect size (max 5000x5000)"
	icTNoChat      = "Chat isn't exists"
	icTOwner       = "Change owner can only owner and user must be member in chat"
	icTCantCreate  = "Chat can't be created"
)

// icPNGOf is a real PNG of w x h pixels in base64.
func icPNGOf(w, h int) string {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// icQ builds a form/query text from name, value pairs (values escaped).
func icQ(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

func icE(name string, req icReq, status int, code, text string) icCase {
	return icCase{name: name, seed: icChats, req: req, status: status, code: code, text: text}
}

func icS(name string, req icReq, result string) icCase {
	return icCase{name: name, seed: icChats, req: req, result: result}
}

func TestIcChatAddErrors(t *testing.T) {
	t.Parallel()
	h := icHook("imbot.chat.add", "")
	cases := []icCase{
		icE("no USERS", icForm(h, icCID+"&TITLE=x"), 400, "USERS_EMPTY", "No chat participants"),
		icE("empty USERS array (JSON)", icJSON(h, `{"USERS":[],"CLIENT_ID":"chatemu"}`), 400, "USERS_EMPTY", "No chat participants"),
		icE("USERS only zeros", icForm(h, "USERS[]=0&"+icCID), 400, "USERS_EMPTY", "No chat participants"),
		icE("USERS checked before the client id", icForm(h, "TITLE=x"), 400, "USERS_EMPTY", "No chat participants"),
		icE("USERS checked before an unknown bot", icForm(h, "BOT_ID=999&"+icCID), 400, "USERS_EMPTY", "No chat participants"),
		icE("USERS element an array", icJSON(h, `{"USERS":[[1]],"CLIENT_ID":"chatemu"}`), 400, "INVALID_FORMAT", "Parameter USERS has wrong type"),
		{name: "USERS element a boolean", seed: icChats, req: icJSON(h, `{"USERS":[true],"CLIENT_ID":"chatemu"}`),
			status: 400, code: "INVALID_FORMAT", text: "Parameter USERS has wrong type"},
		icE("webhook without CLIENT_ID", icForm(h, "USERS[]=1"), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", icForm(h, "USERS[]=1&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("unknown user", icForm(h, "USERS[]=1&USERS[]=999&"+icCID), 400, "WRONG_REQUEST", icTCantCreate),
		icE("inactive user", icForm(h, "USERS[]=5&"+icCID), 400, "WRONG_REQUEST", icTCantCreate),
		icE("unknown OWNER_ID", icForm(h, "USERS[]=1&OWNER_ID=999&"+icCID), 400, "WRONG_REQUEST", icTCantCreate),
		icE("bot checked before the users exist", icForm(h, "USERS[]=999"), 403, "ACCESS_DENIED", icTNoClient),
		{name: "strict portal: no USERS is WRONG_REQUEST", seed: `"strict":true`, req: icForm(h, icCID),
			status: 400, code: "WRONG_REQUEST", text: icTCantCreate},
		{name: "strict portal: the bot is checked first", seed: `"strict":true`, req: icForm(h, "TITLE=x"),
			status: 403, code: "ACCESS_DENIED", text: icTNoClient},
		// the fixtures' chats are 12 and 13: the next chat is 14 (65 with icChats)
		{name: "USERS as a JSON text", req: icForm(h, icQ("USERS", "[1,2]", "CLIENT_ID", "chatemu")), result: `14`},
		{name: "minimal", req: icForm(h, "USERS[]=1&"+icCID), result: `14`},
		{name: "oauth", req: icForm("/rest/imbot.chat.add", "USERS[]=1&auth="+icToken), result: `14`},
		icS("after the seeded chats", icJSON(h, `{"USERS":[1],"CLIENT_ID":"chatemu"}`), `65`),
	}
	icRun(t, cases)
}

func TestIcChatGet(t *testing.T) {
	t.Parallel()
	h := func(q string) icReq { return icGet(icHook("imbot.chat.get", q)) }
	cases := []icCase{
		icS("bound entity", h("ENTITY_TYPE=OPEN&ENTITY_ID=13&"+icCID), `{"ID":13}`),
		icS("no bot needed: webhook without CLIENT_ID", h("ENTITY_TYPE=OPEN&ENTITY_ID=13"), `{"ID":13}`),
		icS("unknown BOT_ID not checked", h("ENTITY_TYPE=OPEN&ENTITY_ID=13&BOT_ID=999"), `{"ID":13}`),
		icS("lower-case parameter names", h("entity_type=OPEN&entity_id=13"), `{"ID":13}`),
		icS("POST JSON numeric ENTITY_ID", icJSON(icHook("imbot.chat.get", ""), `{"ENTITY_TYPE":"OPEN","ENTITY_ID":13}`), `{"ID":13}`),
		icS("oauth", icGet(icOAuth("imbot.chat.get", "ENTITY_TYPE=OPEN&ENTITY_ID=13")), `{"ID":13}`),
		icS("open line chat binding", h("ENTITY_TYPE=LINES&ENTITY_ID="+url.QueryEscape("livechat|1|12|100")), `{"ID":12}`),
		icS("no match", h("ENTITY_TYPE=OPEN&ENTITY_ID=14"), `null`),
		{name: "entity type matched exactly", seed: icChats, req: h("ENTITY_TYPE=open&ENTITY_ID=13"), result: `null`},
		{name: "entity id matched exactly", seed: icChats, req: h("ENTITY_TYPE=LINES&ENTITY_ID=" + url.QueryEscape("LIVECHAT|1|12|100")), result: `null`},
		{name: "lowest chat id wins", seed: `"chats":[{"id":100,"title":"B","owner_id":39,"users":[39,1],"entity_type":"OPEN","entity_id":"13"},` +
			`{"id":5,"title":"A","owner_id":39,"users":[39,1],"entity_type":"OPEN","entity_id":"13"}]`,
			req: h("ENTITY_TYPE=OPEN&ENTITY_ID=13"), result: `{"ID":5}`},
		icS("ENTITY_ID missing", h("ENTITY_TYPE=OPEN"), `null`),
		icS("ENTITY_TYPE missing", h("ENTITY_ID=13"), `null`),
		icS("ENTITY_ID empty", h("ENTITY_TYPE=OPEN&ENTITY_ID="), `null`),
		icS("ENTITY_ID 0 is PHP-empty", h("ENTITY_TYPE=OPEN&ENTITY_ID=0"), `null`),
		icS("nothing given", h(""), `null`),
		icE("DIALOG_ID malformed", h("DIALOG_ID=foo"), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("DIALOG_ID of a missing chat", h("DIALOG_ID=chat999"), 403, "ACCESS_ERROR", "You do not have access to the specified dialog"),
		icE("DIALOG_ID chatNNN with junk", h("DIALOG_ID=chat63x"), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("DIALOG_ID of a chat the user is not in", h("DIALOG_ID=chat12"), 403, "ACCESS_ERROR", "You do not have access to the specified dialog"),
		icE("DIALOG_ID of a user: private dialogs are not kept", h("DIALOG_ID=2"), 400, "ACCESS_ERROR", "You don't have access to this chat"),
		icE("DIALOG_ID of an unknown user", h("DIALOG_ID=999"), 403, "ACCESS_ERROR", "You do not have access to the specified dialog"),
	}
	icRun(t, cases)
}

func TestIcChatUserListErrors(t *testing.T) {
	t.Parallel()
	h := func(q string) icReq { return icGet(icHook("imbot.chat.user.list", q)) }
	cases := []icCase{
		icE("no CHAT_ID", h(icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID 0", h("CHAT_ID=0&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID negative", h("CHAT_ID=-13&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID not a number", h("CHAT_ID=abc&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID not chatNNN", h("DIALOG_ID=13&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("DIALOG_ID wins over CHAT_ID", h("DIALOG_ID=x&CHAT_ID=13&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("general chat", h("CHAT_ID=60&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("general chat before the client id", h("CHAT_ID=60"), 403, "ACCESS_ERROR", icTAction),
		icE("no CLIENT_ID", h("CHAT_ID=13"), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", h("CHAT_ID=13&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icS("CHAT_ID 13abc is 13 (intval)", h("CHAT_ID=13abc&"+icCID), `[39,1,2,4]`),
		icS("CHAT_ID an array is 1 (intval), a missing chat", h("CHAT_ID[0]=13&"+icCID), `[]`),
		icE("DIALOG_ID chat0", h("DIALOG_ID=chat0&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icS("DIALOG_ID chat13", h("DIALOG_ID=chat13&"+icCID), `[39,1,2,4]`),
		icS("DIALOG_ID replaces CHAT_ID", h("DIALOG_ID=chat13&CHAT_ID=62&"+icCID), `[39,1,2,4]`),
		icS("missing chat", h("CHAT_ID=999&"+icCID), `[]`),
		icS("chat the bot is not in", h("CHAT_ID=62&"+icCID), `[]`),
		icS("chat the bot is in without owning it", h("CHAT_ID=63&"+icCID), `[2,39,1]`),
		icS("open-line chat", h("CHAT_ID=12&"+icCID), `[39,100]`),
	}
	icRun(t, cases)
}

func TestIcChatUserAddErrors(t *testing.T) {
	t.Parallel()
	h := icHook("imbot.chat.user.add", "")
	f := func(q string) icReq { return icForm(h, q) }
	cases := []icCase{
		icE("no CHAT_ID", f("USERS[]=3&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID_EMPTY before the client id", f("USERS[]=3"), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID malformed", f("DIALOG_ID=user3&USERS[]=3&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("general chat", f("CHAT_ID=60&USERS[]=12&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("general chat before the client id", f("CHAT_ID=60&USERS[]=12"), 403, "ACCESS_ERROR", icTAction),
		icE("chat closed to new members", f("CHAT_ID=61&USERS[]=3&"+icCID), 403, "ACCESS_ERROR", "It is forbidden to add users to this chat"),
		icE("restriction before the client id", f("CHAT_ID=61&USERS[]=3"), 403, "ACCESS_ERROR", "It is forbidden to add users to this chat"),
		icE("no CLIENT_ID", f("CHAT_ID=13&USERS[]=3"), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", f("CHAT_ID=13&USERS[]=3&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("user already in the chat", f("CHAT_ID=13&USERS[]=4&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icE("every user already in the chat", f("CHAT_ID=13&USERS[]=1&USERS[]=2&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icE("unknown user", f("CHAT_ID=13&USERS[]=999&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icE("inactive user", f("CHAT_ID=13&USERS[]=5&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icE("no USERS", f("CHAT_ID=13&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icE("missing chat", f("CHAT_ID=999&USERS[]=3&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icE("chat the bot is not in", f("CHAT_ID=62&USERS[]=3&"+icCID), 400, "WRONG_REQUEST", icTAddRefused),
		icS("the page's example: 3 and 4", f("CHAT_ID=13&USERS[]=3&USERS[]=4&"+icCID), `true`),
		icS("one id, not an array", f("CHAT_ID=13&USERS=3&"+icCID), `true`),
		icS("HIDE_HISTORY accepted", f("CHAT_ID=13&USERS[]=3&HIDE_HISTORY=N&"+icCID), `true`),
		icS("member without ownership may invite", f("CHAT_ID=63&USERS[]=3&"+icCID), `true`),
		icS("DIALOG_ID chat13", f("DIALOG_ID=chat13&USERS[]=3&"+icCID), `true`),
	}
	icRun(t, cases)
}

func TestIcChatUserDeleteErrors(t *testing.T) {
	t.Parallel()
	f := func(q string) icReq { return icForm(icHook("imbot.chat.user.delete", ""), q) }
	cases := []icCase{
		icE("no CHAT_ID", f("USER_ID=4&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("nothing at all", f(""), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("no USER_ID", f("CHAT_ID=13&"+icCID), 400, "USER_ID_EMPTY", icTUserEmpty),
		icE("USER_ID 0", f("CHAT_ID=13&USER_ID=0&"+icCID), 400, "USER_ID_EMPTY", icTUserEmpty),
		icE("the bot before USER_ID_EMPTY: no CLIENT_ID", f("CHAT_ID=13"), 403, "ACCESS_DENIED", icTNoClient),
		icE("the bot before USER_ID_EMPTY: unknown BOT_ID", f("CHAT_ID=13&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("general chat", f("CHAT_ID=60&USER_ID=4&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("general chat before anything else", f("CHAT_ID=60"), 403, "ACCESS_ERROR", icTAction),
		icE("chat that forbids removing", f("CHAT_ID=61&USER_ID=2&"+icCID), 403, "ACCESS_ERROR", "It is forbidden to delete users of this chat"),
		icE("restriction before the bot and USER_ID", f("CHAT_ID=61"), 403, "ACCESS_ERROR", "It is forbidden to delete users of this chat"),
		icE("user not in the chat", f("CHAT_ID=13&USER_ID=3&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icE("missing chat", f("CHAT_ID=999&USER_ID=4&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icE("chat the bot is not in", f("CHAT_ID=62&USER_ID=2&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icE("only the owner removes others", f("CHAT_ID=63&USER_ID=1&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icE("the owner may not leave", f("CHAT_ID=64&USER_ID=39&"+icCID), 403, "ACCESS_ERROR", "LEAVE_OWNER_FORBIDDEN"),
		icS("the page's example: user 4", f("CHAT_ID=13&USER_ID=4&"+icCID), `true`),
		icS("a non-owner bot may remove itself", f("CHAT_ID=63&USER_ID=39&"+icCID), `true`),
		icS("DIALOG_ID", f("DIALOG_ID=chat13&USER_ID=4&"+icCID), `true`),
	}
	icRun(t, cases)
}

func TestIcChatLeaveErrors(t *testing.T) {
	t.Parallel()
	f := func(q string) icReq { return icForm(icHook("imbot.chat.leave", ""), q) }
	cases := []icCase{
		icE("no CHAT_ID", f(icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID malformed", f("DIALOG_ID=chat&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("general chat", f("CHAT_ID=60&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("chat that forbids leaving", f("CHAT_ID=61&"+icCID), 403, "ACCESS_ERROR", "It is forbidden to delete users of this chat"),
		icE("owner that may not leave", f("CHAT_ID=64&"+icCID), 403, "ACCESS_ERROR", "LEAVE_OWNER_FORBIDDEN"),
		icE("unknown BOT_ID", f("CHAT_ID=13&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("no CLIENT_ID", f("CHAT_ID=13"), 403, "ACCESS_DENIED", icTNoClient),
		icE("missing chat", f("CHAT_ID=999&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icE("chat the bot is not in", f("CHAT_ID=62&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icE("USER_ID of a non-member", f("CHAT_ID=13&USER_ID=3&"+icCID), 400, "WRONG_REQUEST", icTDelRefused),
		icS("the page's example", f("CHAT_ID=13&"+icCID), `true`),
		icS("leaving a chat the bot does not own", f("CHAT_ID=63&"+icCID), `true`),
		icS("USER_ID above zero removes that user", f("CHAT_ID=13&USER_ID=4&"+icCID), `true`),
		{name: "twice", seed: icChats, setup: []icReq{f("CHAT_ID=13&" + icCID)}, req: f("CHAT_ID=13&" + icCID),
			status: 400, code: "WRONG_REQUEST", text: icTDelRefused},
	}
	icRun(t, cases)
}

func TestIcChatUpdateTitleErrors(t *testing.T) {
	t.Parallel()
	f := func(q string) icReq { return icForm(icHook("imbot.chat.updateTitle", ""), q) }
	cases := []icCase{
		icE("no CHAT_ID", f("TITLE=x&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID_EMPTY before TITLE_EMPTY", f(icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID malformed", f("DIALOG_ID=chatx&TITLE=x&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("no TITLE", f("CHAT_ID=13&"+icCID), 400, "TITLE_EMPTY", icTTitleEmpty),
		icE("blank TITLE (trimmed)", f("CHAT_ID=13&TITLE=+++&"+icCID), 400, "TITLE_EMPTY", icTTitleEmpty),
		icE("TITLE 0 is PHP-empty", f("CHAT_ID=13&TITLE=0&"+icCID), 400, "TITLE_EMPTY", icTTitleEmpty),
		icE("TITLE_EMPTY before the client id", f("CHAT_ID=13"), 400, "TITLE_EMPTY", icTTitleEmpty),
		icE("TITLE_EMPTY before the general chat", f("CHAT_ID=60&"+icCID), 400, "TITLE_EMPTY", icTTitleEmpty),
		icE("no CLIENT_ID", f("CHAT_ID=13&TITLE=x"), 403, "ACCESS_DENIED", icTNoClient),
		icE("the bot before the general chat", f("CHAT_ID=60&TITLE=x"), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", f("CHAT_ID=13&TITLE=x&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("general chat", f("CHAT_ID=60&TITLE=x&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("chat that cannot be renamed", f("CHAT_ID=61&TITLE=x&"+icCID), 403, "ACCESS_ERROR", "This chat cannot be renamed"),
		icE("the bot before the rename restriction", f("CHAT_ID=61&TITLE=x"), 403, "ACCESS_DENIED", icTNoClient),
		icE("title already set", f("CHAT_ID=13&TITLE=Bot+chat&"+icCID), 400, "WRONG_REQUEST", icTTitleSet),
		icE("title already set, after trimming", f("CHAT_ID=13&TITLE=++Bot+chat++&"+icCID), 400, "WRONG_REQUEST", icTTitleSet),
		icE("missing chat", f("CHAT_ID=999&TITLE=x&"+icCID), 400, "WRONG_REQUEST", icTTitleSet),
		icE("chat the bot is not in", f("CHAT_ID=62&TITLE=x&"+icCID), 400, "WRONG_REQUEST", icTTitleSet),
		icS("the page's example", f("CHAT_ID=13&TITLE=New+name+for+chat&"+icCID), `true`),
		icS("title differing in case only", f("CHAT_ID=13&TITLE=bot+chat&"+icCID), `true`),
		icS("DIALOG_ID", f("DIALOG_ID=chat13&TITLE=x&"+icCID), `true`),
		icS("a member that does not own the chat", f("CHAT_ID=63&TITLE=x&"+icCID), `true`),
	}
	icRun(t, cases)
}

// icPalette is the documented palette with the hex values chat objects
// report (spec "Chat color update"; reference §5.1).
var icPalette = []struct{ code, hex string }{
	{"RED", "#df532d"}, {"GREEN", "#aac337"}, {"MINT", "#4ba984"}, {"LIGHT_BLUE", "#6fc8e5"},
	{"DARK_BLUE", "#3e99ce"}, {"PURPLE", "#8474c8"}, {"AQUA", "#1eb4aa"}, {"PINK", "#e98fa6"},
	{"LIME", "#85cb7b"}, {"BROWN", "#ab7761"}, {"AZURE", "#29619b"}, {"KHAKI", "#728f7a"},
	{"SAND", "#ba9c7b"}, {"MARENGO", "#556574"}, {"GRAY", "#77828e"}, {"GRAPHITE", "#3a403e"},
}

func TestIcChatUpdateColorErrors(t *testing.T) {
	t.Parallel()
	f := func(q string) icReq { return icForm(icHook("imbot.chat.updateColor", ""), q) }
	cases := []icCase{
		icE("no CHAT_ID", f("COLOR=MINT&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID_EMPTY before WRONG_COLOR", f("COLOR=ORANGE&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID malformed", f("DIALOG_ID=13&COLOR=MINT&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("ORANGE exists but is refused", f("CHAT_ID=13&COLOR=ORANGE&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("lower-case code", f("CHAT_ID=13&COLOR=mint&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("unknown code", f("CHAT_ID=13&COLOR=BLUE&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("hex value", f("CHAT_ID=13&COLOR=%234ba984&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("no COLOR", f("CHAT_ID=13&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("WRONG_COLOR before the client id", f("CHAT_ID=13&COLOR=ORANGE"), 400, "WRONG_COLOR", icTColor),
		icE("WRONG_COLOR before an unknown bot", f("CHAT_ID=13&COLOR=ORANGE&BOT_ID=999&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("WRONG_COLOR on a missing chat", f("CHAT_ID=999&COLOR=ORANGE&"+icCID), 400, "WRONG_COLOR", icTColor),
		icE("general chat before WRONG_COLOR", f("CHAT_ID=60&COLOR=ORANGE&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("general chat", f("CHAT_ID=60&COLOR=MINT&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("no CLIENT_ID", f("CHAT_ID=13&COLOR=MINT"), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", f("CHAT_ID=13&COLOR=MINT&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("the current colour", f("CHAT_ID=13&COLOR=PINK&"+icCID), 400, "WRONG_REQUEST", icTColorSet),
		icE("missing chat", f("CHAT_ID=999&COLOR=MINT&"+icCID), 400, "WRONG_REQUEST", icTColorSet),
		icE("chat the bot is not in", f("CHAT_ID=62&COLOR=MINT&"+icCID), 400, "WRONG_REQUEST", icTColorSet),
		icS("the page's example", f("CHAT_ID=13&COLOR=MINT&"+icCID), `true`),
		icS("DIALOG_ID", f("DIALOG_ID=chat13&COLOR=MINT&"+icCID), `true`),
		icS("JSON body", icJSON(icHook("imbot.chat.updateColor", ""), `{"CHAT_ID":13,"COLOR":"AQUA","CLIENT_ID":"chatemu"}`), `true`),
	}
	icRun(t, cases)
}

func TestIcChatUpdateAvatarErrors(t *testing.T) {
	t.Parallel()
	j := func(doc string) icReq { return icJSON(icHook("imbot.chat.updateAvatar", ""), doc) }
	av := func(chat, avatar, extra string) icReq {
		return j(fmt.Sprintf(`{%s"AVATAR":%q%s}`, chat, avatar, extra))
	}
	const c13, cid = `"CHAT_ID":13,`, `,"CLIENT_ID":"chatemu"`
	big := icPNGOf(5001, 1)
	tall := icPNGOf(1, 5001)
	cases := []icCase{
		icE("no CHAT_ID", av(``, icPNG, cid), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID_EMPTY before the client id", av(``, "garbage", ``), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID malformed", av(`"DIALOG_ID":"chat",`, icPNG, cid), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("garbage", av(c13, "this is not base64 !!!", cid), 400, "AVATAR_ERROR", icTAvatarType),
		icE("base64 of text", av(c13, base64.StdEncoding.EncodeToString([]byte("hello, world")), cid), 400, "AVATAR_ERROR", icTAvatarType),
		icE("data URI", av(c13, "data:image/png;base64,"+icPNG, cid), 400, "AVATAR_ERROR", icTAvatarType),
		icE("truncated PNG", av(c13, icPNG[:20], cid), 400, "AVATAR_ERROR", icTAvatarType),
		icE("no AVATAR", j(`{"CHAT_ID":13,"CLIENT_ID":"chatemu"}`), 400, "AVATAR_ERROR", icTAvatarType),
		icE("empty AVATAR", av(c13, "", cid), 400, "AVATAR_ERROR", icTAvatarType),
		icE("too wide", av(c13, big, cid), 400, "AVATAR_ERROR", icTAvatarSize),
		icE("too tall", av(c13, tall, cid), 400, "AVATAR_ERROR", icTAvatarSize),
		icE("no CLIENT_ID", av(c13, icPNG, ``), 403, "ACCESS_DENIED", icTNoClient),
		icE("the bot before the general chat", av(`"CHAT_ID":60,`, icPNG, ``), 403, "ACCESS_DENIED", icTNoClient),
		icE("the bot before the image", av(c13, "garbage", ``), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", av(c13, icPNG, cid+`,"BOT_ID":999`), 400, "BOT_ID_ERROR", icTBot),
		icE("general chat", av(`"CHAT_ID":60,`, icPNG, cid), 403, "ACCESS_ERROR", icTAction),
		icE("general chat before the image", av(`"CHAT_ID":60,`, "garbage", cid), 403, "ACCESS_ERROR", icTAction),
		icE("avatar locked", av(`"CHAT_ID":61,`, icPNG, cid), 403, "ACCESS_ERROR", "The avatar of this chat cannot be changed"),
		icE("avatar lock before the image", av(`"CHAT_ID":61,`, "garbage", cid), 403, "ACCESS_ERROR", "The avatar of this chat cannot be changed"),
		icE("missing chat", av(`"CHAT_ID":999,`, icPNG, cid), 400, "WRONG_REQUEST", icTNoChat),
		icE("the image before the chat", av(`"CHAT_ID":999,`, "garbage", cid), 400, "AVATAR_ERROR", icTAvatarType),
		icE("chat the bot is not in", av(`"CHAT_ID":62,`, icPNG, cid), 400, "WRONG_REQUEST", icTNoChat),
		icS("tiny PNG", av(c13, icPNG, cid), `true`),
		icS("PNG without padding", av(c13, strings.TrimRight(icPNG, "="), cid), `true`),
		icS("PNG with line breaks", av(c13, icPNG[:30]+"\n"+icPNG[30:], cid), `true`),
		icS("[file name, base64]", j(`{"CHAT_ID":13,"AVATAR":["avatar.png","`+icPNG+`"],"CLIENT_ID":"chatemu"}`), `true`),
		icS("form-encoded", icForm(icHook("imbot.chat.updateAvatar", ""), icQ("CHAT_ID", "13", "AVATAR", icPNG, "CLIENT_ID", "chatemu")), `true`),
		icS("largest allowed side", av(c13, icPNGOf(5000, 1), cid), `true`),
	}
	icRun(t, cases)
}

func TestIcChatSetOwnerErrors(t *testing.T) {
	t.Parallel()
	f := func(q string) icReq { return icForm(icHook("imbot.chat.setOwner", ""), q) }
	cases := []icCase{
		icE("no CHAT_ID", f("USER_ID=2&"+icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("CHAT_ID_EMPTY before USER_ID_EMPTY", f(icCID), 400, "CHAT_ID_EMPTY", icTChatEmpty),
		icE("DIALOG_ID malformed", f("DIALOG_ID=2&USER_ID=2&"+icCID), 400, "DIALOG_ID_EMPTY", icTDialogEmpty),
		icE("no USER_ID", f("CHAT_ID=13&"+icCID), 400, "USER_ID_EMPTY", icTUserEmpty),
		icE("USER_ID not a number", f("CHAT_ID=13&USER_ID=anna&"+icCID), 400, "USER_ID_EMPTY", icTUserEmpty),
		icE("USER_ID_EMPTY before the client id", f("CHAT_ID=13"), 400, "USER_ID_EMPTY", icTUserEmpty),
		icE("USER_ID_EMPTY before the general chat", f("CHAT_ID=60&"+icCID), 400, "USER_ID_EMPTY", icTUserEmpty),
		icE("no CLIENT_ID", f("CHAT_ID=13&USER_ID=2"), 403, "ACCESS_DENIED", icTNoClient),
		icE("the bot before the general chat", f("CHAT_ID=60&USER_ID=2"), 403, "ACCESS_DENIED", icTNoClient),
		icE("unknown BOT_ID", f("CHAT_ID=13&USER_ID=2&BOT_ID=999&"+icCID), 400, "BOT_ID_ERROR", icTBot),
		icE("general chat", f("CHAT_ID=60&USER_ID=2&"+icCID), 403, "ACCESS_ERROR", icTAction),
		icE("new owner not a member", f("CHAT_ID=13&USER_ID=3&"+icCID), 400, "WRONG_REQUEST", icTOwner),
		icE("new owner unknown", f("CHAT_ID=13&USER_ID=999&"+icCID), 400, "WRONG_REQUEST", icTOwner),
		icE("the current owner again", f("CHAT_ID=13&USER_ID=39&"+icCID), 400, "WRONG_REQUEST", icTOwner),
		icE("bot is not the owner", f("CHAT_ID=63&USER_ID=1&"+icCID), 400, "WRONG_REQUEST", icTOwner),
		icE("missing chat", f("CHAT_ID=999&USER_ID=2&"+icCID), 400, "WRONG_REQUEST", icTOwner),
		icE("chat the bot is not in", f("CHAT_ID=62&USER_ID=2&"+icCID), 400, "WRONG_REQUEST", icTOwner),
		icS("the page's example", f("CHAT_ID=13&USER_ID=2&"+icCID), `true`),
		icS("USER_ID as the page's string", icJSON(icHook("imbot.chat.setOwner", ""), `{"CHAT_ID":13,"USER_ID":"2","CLIENT_ID":"chatemu"}`), `true`),
		icS("DIALOG_ID", f("DIALOG_ID=chat13&USER_ID=1&"+icCID), `true`),
	}
	icRun(t, cases)
}

// ========================================================================
// imbot.dialog.get
// ========================================================================

const icTNoDialog = "You do not have access to the specified dialog"

// icViewers: a webhook for user 3 (not in chat 13), a token for the bot
// itself (user 39) and an open chat 66 user 3 is not in.
const icViewers = `"webhooks":[{"user_id":3,"code":"peter","scopes":["imbot"]}],
 "tokens":[{"access_token":"bot-token","client_id":"chatemu","user_id":39,"expires_at":"2100-01-01T00:00:00Z"}],
 "chats":[{"id":66,"type":"OPEN","title":"Open house","owner_id":39,"users":[39,1],"color":"LIME",
   "date_create":"2025-01-02T03:04:05Z"},
  {"id":61,"title":"Locked","owner_id":39,"users":[39,1,2],"color":"MINT",
   "restrictions":{"rename":false,"avatar":false,"extend":false,"leave":false,"leave_owner":false}}]`

func TestIcDialogGetErrors(t *testing.T) {
	t.Parallel()
	h := func(q string) icReq { return icGet(icHook("imbot.dialog.get", q)) }
	cases := []icCase{
		{name: "no DIALOG_ID", req: h(""), status: 400, code: "DIALOG_ID_EMPTY", text: icTDialogEmpty},
		{name: "CHAT_ID is not read", req: h("CHAT_ID=13"), status: 400, code: "DIALOG_ID_EMPTY", text: icTDialogEmpty},
		{name: "chat without a number", req: h("DIALOG_ID=chat"), status: 400, code: "DIALOG_ID_EMPTY", text: icTDialogEmpty},
		{name: "not a dialog id", req: h("DIALOG_ID=chatx13"), status: 400, code: "DIALOG_ID_EMPTY", text: icTDialogEmpty},
		{name: "missing chat", req: h("DIALOG_ID=chat999"), status: 403, code: "ACCESS_ERROR", text: icTNoDialog},
		{name: "chat the caller is not in", req: h("DIALOG_ID=chat12"), status: 403, code: "ACCESS_ERROR", text: icTNoDialog},
		{name: "another webhook user not in chat 13", seed: icViewers, req: icGet("/rest/3/peter/imbot.dialog.get?DIALOG_ID=chat13"),
			status: 403, code: "ACCESS_ERROR", text: icTNoDialog},
		{name: "a user id names a private dialog", req: h("DIALOG_ID=2"), status: 400, code: "ACCESS_ERROR", text: "You don't have access to this chat"},
		{name: "an unknown user id", req: h("DIALOG_ID=999"), status: 403, code: "ACCESS_ERROR", text: icTNoDialog},
		{name: "oauth: the token's user", req: icGet(icOAuth("imbot.dialog.get", "DIALOG_ID=chat12")), status: 403, code: "ACCESS_ERROR", text: icTNoDialog},
		{name: "unknown webhook", req: icGet("/rest/1/nope/imbot.dialog.get?DIALOG_ID=chat13"), status: 401, code: "INVALID_CREDENTIALS", text: icBadCreds},
	}
	icRun(t, cases)
}

func TestIcDialogGet(t *testing.T) {
	t.Parallel()
	chat13 := map[string]string{
		"id": `13`, "name": `"Bot chat"`, "description": `"The chat of the imbot.chat examples"`, "owner": `39`,
		"color": `"#e98fa6"`, "type": `"chat"`, "message_type": `"C"`, "entity_type": `"OPEN"`, "entity_id": `"13"`,
		"dialog_id": `"chat13"`, "user_counter": `4`, "avatar": `""`, "extranet": `false`,
		"date_create": `"2022-08-22T10:00:00+00:00"`, "manager_list": `[39]`, "parent_chat_id": `0`,
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name string
		path string
		chat int64
		want map[string]string
	}{
		{"webhook user 1 (member)", "/rest/1/abc/imbot.dialog.get", 13, with(chat13, "role", `"member"`)},
		{"no CLIENT_ID needed", "/rest/1/abc/imbot.dialog.get.json", 13, with(chat13, "role", `"member"`)},
		{"oauth user 1", "/rest/imbot.dialog.get?auth=" + icToken, 13, with(chat13, "role", `"member"`)},
		{"the bot's own token (owner)", "/rest/imbot.dialog.get?auth=bot-token", 13, with(chat13, "role", `"owner"`)},
		{"the bot reads the open-line chat", "/rest/imbot.dialog.get?auth=bot-token", 12, map[string]string{
			"id": `12`, "type": `"lines"`, "message_type": `"L"`, "color": `"#1eb4aa"`, "owner": `39`, "user_counter": `2`,
			"entity_type": `"LINES"`, "entity_id": `"livechat|1|12|100"`, "dialog_id": `"chat12"`}},
		{"open chat readable by a non-member", "/rest/3/peter/imbot.dialog.get", 66, map[string]string{
			"id": `66`, "name": `"Open house"`, "type": `"open"`, "message_type": `"O"`, "color": `"#85cb7b"`, "owner": `39`,
			"user_counter": `2`, "role": `"guest"`, "date_create": `"2025-01-02T03:04:05+00:00"`, "entity_type": `""`, "entity_id": `""`}},
		{"restrictions of a locked chat", "/rest/1/abc/imbot.dialog.get", 61, map[string]string{
			"id": `61`, "name": `"Locked"`, "color": `"#4ba984"`,
			"restrictions": `{"avatar":false,"rename":false,"extend":false,"call":true,"mute":true,"leave":false,"leave_owner":false,"send":true,"user_list":true}`}},
		{"restrictions of an ordinary chat", "/rest/1/abc/imbot.dialog.get", 13, map[string]string{
			"restrictions": `{"avatar":true,"rename":true,"extend":true,"call":true,"mute":true,"leave":true,"leave_owner":true,"send":true,"user_list":true}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := icStart(t, icViewers)
			icFields(t, icDialog(t, srv, c.path, c.chat), c.want)
		})
	}
	t.Run("imbot.chat.get with DIALOG_ID answers the same object", func(t *testing.T) {
		t.Parallel()
		srv := icStart(t)
		a := icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 13)
		r := icGet(icHook("imbot.chat.get", "DIALOG_ID=chat13"))
		b := icSuccess(t, srv, r, icDo(t, srv, r))
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("dialog.get %s\nchat.get %s", icShow(a), icShow(b))
		}
	})
}

// ========================================================================
// State, end to end
// ========================================================================

// icCall sends a form to a webhook method with CLIENT_ID and checks the
// answer: want is a result (JSON) or "CODE: text" for a 400/403 error.
func icCall(t *testing.T, srv *testkit.Server, method, form string, want string) {
	t.Helper()
	r := icForm(icHook(method, ""), form+"&"+icCID)
	if code, text, isErr := strings.Cut(want, ": "); isErr && !strings.HasPrefix(want, "{") && !strings.HasPrefix(want, `"`) {
		status := 400
		if code == "ACCESS_ERROR" || code == "ACCESS_DENIED" {
			status = 403
		}
		icErr(t, srv, r, status, code, text)
		return
	}
	icOK(t, srv, r, want)
}

func TestIcChatLifecycle(t *testing.T) {
	t.Parallel()
	srv := icStart(t)
	dlg := func() map[string]any { return icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 14) }

	// the page's imbot.chat.add example
	icOK(t, srv, icJSON(icHook("imbot.chat.add", ""), `{"TYPE":"OPEN","TITLE":"My new private chat","DESCRIPTION":"Very important chat",
		"COLOR":"PINK","MESSAGE":"Welcome to the chat","USERS":[1,2],"AVATAR":"`+icPNG+`","ENTITY_TYPE":"CHAT","ENTITY_ID":13,
		"BOT_ID":39,"CLIENT_ID":"chatemu"}`), `14`)
	if got := icUserList(t, srv, 14); got != `[39,1,2]` {
		t.Fatalf("members %s", got)
	}
	icOK(t, srv, icGet(icHook("imbot.chat.get", "ENTITY_TYPE=CHAT&ENTITY_ID=13")), `{"ID":14}`)
	icOK(t, srv, icGet(icHook("imbot.chat.get", "ENTITY_TYPE=OPEN&ENTITY_ID=13")), `{"ID":13}`)
	d := dlg()
	icFields(t, d, map[string]string{"id": `14`, "name": `"My new private chat"`, "description": `"Very important chat"`,
		"color": `"#e98fa6"`, "type": `"open"`, "message_type": `"O"`, "owner": `39`, "user_counter": `3`, "message_count": `1`,
		"entity_type": `"CHAT"`, "entity_id": `"13"`, "role": `"member"`, "dialog_id": `"chat14"`,
		"date_create": `"` + icNow.Format("2006-01-02T15:04:05") + `+00:00"`})
	if av, _ := d["avatar"].(string); !strings.Contains(av, "/_emulator/bitrix24/portals/default/chats/14/avatar") {
		t.Errorf("avatar %q", av)
	}
	if m := srv.Bitrix24().Messages(t, 14); len(m) != 1 || m[0].Text != "Welcome to the chat" || m[0].AuthorID != 39 {
		t.Errorf("messages %+v", m)
	}

	// membership
	icCall(t, srv, "imbot.chat.user.add", "CHAT_ID=14&USERS[]=3&USERS[]=4", `true`)
	icCall(t, srv, "imbot.chat.user.add", "CHAT_ID=14&USERS[]=3", "WRONG_REQUEST: "+icTAddRefused)
	if got := icUserList(t, srv, 14); got != `[39,1,2,3,4]` {
		t.Fatalf("members after add %s", got)
	}
	icCall(t, srv, "imbot.chat.user.delete", "CHAT_ID=14&USER_ID=2", `true`)
	icCall(t, srv, "imbot.chat.user.delete", "CHAT_ID=14&USER_ID=2", "WRONG_REQUEST: "+icTDelRefused)
	if got := icUserList(t, srv, 14); got != `[39,1,3,4]` {
		t.Fatalf("members after delete %s", got)
	}
	icFields(t, dlg(), map[string]string{"user_counter": `4`})

	// title
	icCall(t, srv, "imbot.chat.updateTitle", "CHAT_ID=14&TITLE=+Renamed+", `true`)
	icCall(t, srv, "imbot.chat.updateTitle", "CHAT_ID=14&TITLE=Renamed", "WRONG_REQUEST: "+icTTitleSet)
	icFields(t, dlg(), map[string]string{"name": `"Renamed"`})

	// colour
	icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=14&COLOR=GRAPHITE", `true`)
	icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=14&COLOR=GRAPHITE", "WRONG_REQUEST: "+icTColorSet)
	icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=14&COLOR=ORANGE", "WRONG_COLOR: "+icTColor)
	icFields(t, dlg(), map[string]string{"color": `"#3a403e"`})

	// avatar: a 2x3 PNG replaces the 1x1
	icCall(t, srv, "imbot.chat.updateAvatar", icQ("CHAT_ID", "14", "AVATAR", icPNGOf(2, 3)), `true`)
	icCall(t, srv, "imbot.chat.updateAvatar", icQ("CHAT_ID", "14", "AVATAR", "R0lGODlh garbage"), "AVATAR_ERROR: "+icTAvatarType)
	if av := srv.Bitrix24().Chat(t, 14).Avatar; av == nil || av.MIME != "image/png" || av.Width != 2 || av.Height != 3 {
		t.Errorf("avatar %+v", av)
	}

	// owner
	icCall(t, srv, "imbot.chat.setOwner", "CHAT_ID=14&USER_ID=2", "WRONG_REQUEST: "+icTOwner) // 2 was removed
	icCall(t, srv, "imbot.chat.setOwner", "CHAT_ID=14&USER_ID=3", `true`)
	icFields(t, dlg(), map[string]string{"owner": `3`, "manager_list": `[3]`})
	icCall(t, srv, "imbot.chat.setOwner", "CHAT_ID=14&USER_ID=39", "WRONG_REQUEST: "+icTOwner)        // no longer the owner
	icCall(t, srv, "imbot.chat.user.delete", "CHAT_ID=14&USER_ID=4", "WRONG_REQUEST: "+icTDelRefused) // only the owner removes others
	icCall(t, srv, "imbot.chat.user.add", "CHAT_ID=14&USERS[]=2", `true`)                             // members still invite
	icCall(t, srv, "imbot.chat.updateTitle", "CHAT_ID=14&TITLE=Still+mine", `true`)

	// the bot leaves: it no longer sees or changes the chat
	icCall(t, srv, "imbot.chat.leave", "CHAT_ID=14", `true`)
	if got := icUserList(t, srv, 14); got != `[]` {
		t.Fatalf("members seen by the departed bot %s", got)
	}
	if got := srv.Bitrix24().Chat(t, 14).Members; !reflect.DeepEqual(got, []int64{1, 3, 4, 2}) {
		t.Errorf("members after leave %v", got)
	}
	icFields(t, dlg(), map[string]string{"owner": `3`, "user_counter": `4`, "name": `"Still mine"`})
	icCall(t, srv, "imbot.chat.leave", "CHAT_ID=14", "WRONG_REQUEST: "+icTDelRefused)
	icCall(t, srv, "imbot.chat.updateTitle", "CHAT_ID=14&TITLE=Other", "WRONG_REQUEST: "+icTTitleSet)
	icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=14&COLOR=RED", "WRONG_REQUEST: "+icTColorSet)
	icCall(t, srv, "imbot.chat.updateAvatar", icQ("CHAT_ID", "14", "AVATAR", icPNG), "WRONG_REQUEST: "+icTNoChat)
	icCall(t, srv, "imbot.chat.user.add", "CHAT_ID=14&USERS[]=12", "WRONG_REQUEST: "+icTAddRefused)
	icCall(t, srv, "imbot.chat.setOwner", "CHAT_ID=14&USER_ID=1", "WRONG_REQUEST: "+icTOwner)
	// the binding stays
	icOK(t, srv, icGet(icHook("imbot.chat.get", "ENTITY_TYPE=CHAT&ENTITY_ID=13")), `{"ID":14}`)
	// the bot is invited back by nobody: chat 13 is untouched throughout
	if got := icUserList(t, srv, 13); got != `[39,1,2,4]` {
		t.Errorf("chat 13 members %s", got)
	}
}

// TestIcOwnerLeaves: the owner leaving hands ownership to the
// longest-standing member (fidelity Chats).
func TestIcOwnerLeaves(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, method, form string }{
		{"imbot.chat.leave", "imbot.chat.leave", "CHAT_ID=13"},
		{"imbot.chat.user.delete of the bot itself", "imbot.chat.user.delete", "CHAT_ID=13&USER_ID=39"},
		{"imbot.chat.leave with DIALOG_ID", "imbot.chat.leave", "DIALOG_ID=chat13"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := icStart(t)
			icCall(t, srv, c.method, c.form, `true`)
			icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 13), map[string]string{
				"owner": `1`, "user_counter": `3`, "manager_list": `[1]`, "role": `"owner"`})
			v := srv.Bitrix24().Chat(t, 13)
			if v.OwnerID != 1 || !reflect.DeepEqual(v.Members, []int64{1, 2, 4}) {
				t.Errorf("owner %d members %v", v.OwnerID, v.Members)
			}
			icOK(t, srv, icGet(icHook("imbot.chat.user.list", "CHAT_ID=13&"+icCID)), `[]`)
		})
	}
}

func TestIcChatAddDefaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		doc     string
		want    map[string]string
		members []int64
		bug     string
	}{
		{name: "no title, no colour", doc: `{"USERS":[1]}`, members: []int64{39, 1}, want: map[string]string{
			"name": `"Dark blue chat #14"`, "color": `"#3e99ce"`, "type": `"chat"`, "message_type": `"C"`, "owner": `39`,
			"message_count": `0`, "entity_type": `""`, "entity_id": `""`, "avatar": `""`, "description": `""`}},
		{name: "ORANGE is replaced", doc: `{"USERS":[1],"COLOR":"ORANGE"}`, members: []int64{39, 1}, want: map[string]string{
			"name": `"Dark blue chat #14"`, "color": `"#3e99ce"`}},
		{name: "misspelt colour is replaced", doc: `{"USERS":[1],"COLOR":"mint","TITLE":"T"}`, members: []int64{39, 1}, want: map[string]string{
			"name": `"T"`, "color": `"#3e99ce"`}},
		{name: "a palette colour is kept", doc: `{"USERS":[1],"COLOR":"KHAKI"}`, members: []int64{39, 1}, want: map[string]string{
			"name": `"Khaki chat #14"`, "color": `"#728f7a"`}},
		{name: "avatar that is not an image is dropped", doc: `{"USERS":[1],"AVATAR":"bm90IGFuIGltYWdl","TITLE":"A"}`, members: []int64{39, 1},
			want: map[string]string{"name": `"A"`, "avatar": `""`}},
		{name: "OWNER_ID is honoured and joins", doc: `{"USERS":[1],"OWNER_ID":3}`, members: []int64{39, 1, 3},
			want: map[string]string{"owner": `3`, "user_counter": `3`}},
		{name: "duplicates and the bot itself", doc: `{"USERS":[1,39,1,"2"]}`, members: []int64{39, 1, 2},
			want: map[string]string{"user_counter": `3`}},
		{name: "TYPE OPEN", doc: `{"USERS":[1],"TYPE":"OPEN"}`, members: []int64{39, 1},
			want: map[string]string{"type": `"open"`, "message_type": `"O"`}},
		{name: "TYPE CHAT", doc: `{"USERS":[1],"TYPE":"CHAT"}`, members: []int64{39, 1},
			want: map[string]string{"type": `"chat"`, "message_type": `"C"`}},
		{name: "TYPE open in lower case is a closed chat", doc: `{"USERS":[1],"TYPE":"open"}`, members: []int64{39, 1},
			want: map[string]string{"type": `"chat"`, "message_type": `"C"`}},
		{name: "MESSAGE is posted by the bot", doc: `{"USERS":[1],"MESSAGE":"  hi  "}`, members: []int64{39, 1},
			want: map[string]string{"message_count": `1`}},
		{name: "ENTITY binding", doc: `{"USERS":[1],"ENTITY_TYPE":"CRM","ENTITY_ID":"DEAL|7"}`, members: []int64{39, 1},
			want: map[string]string{"entity_type": `"CRM"`, "entity_id": `"DEAL|7"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			icSkipBug(t, c.bug)
			srv := icStart(t)
			doc := strings.TrimSuffix(c.doc, "}") + `,"CLIENT_ID":"chatemu"}`
			icOK(t, srv, icJSON(icHook("imbot.chat.add", ""), doc), `14`)
			icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 14), c.want)
			if got := srv.Bitrix24().Chat(t, 14).Members; !reflect.DeepEqual(got, c.members) {
				t.Errorf("members %v, want %v", got, c.members)
			}
		})
	}
	t.Run("ids and default colours follow each other", func(t *testing.T) {
		t.Parallel()
		srv := icStart(t, `"tokens":[{"access_token":"bot-token","client_id":"chatemu","user_id":39}]`)
		icCall(t, srv, "imbot.chat.add", "USERS[]=1", `14`)
		icCall(t, srv, "imbot.chat.add", "USERS[]=2", `15`)
		icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 14), map[string]string{"name": `"Dark blue chat #14"`})
		icFields(t, icDialog(t, srv, "/rest/imbot.dialog.get?auth=bot-token", 15), map[string]string{"name": `"Purple chat #15"`, "color": `"#8474c8"`})
	})
	t.Run("the entity binding is found by imbot.chat.get", func(t *testing.T) {
		t.Parallel()
		srv := icStart(t)
		icCall(t, srv, "imbot.chat.add", "USERS[]=1&ENTITY_TYPE=CRM&ENTITY_ID=7", `14`)
		icOK(t, srv, icGet(icHook("imbot.chat.get", "ENTITY_TYPE=CRM&ENTITY_ID=7")), `{"ID":14}`)
		icOK(t, srv, icGet(icHook("imbot.chat.get", "ENTITY_TYPE=CRM&ENTITY_ID=8")), `null`)
		// a second chat with the same binding: the lowest id wins
		icCall(t, srv, "imbot.chat.add", "USERS[]=1&ENTITY_TYPE=CRM&ENTITY_ID=7", `15`)
		icOK(t, srv, icGet(icHook("imbot.chat.get", "ENTITY_TYPE=CRM&ENTITY_ID=7")), `{"ID":14}`)
	})
}

// TestIcPalette: every documented colour is accepted by updateColor and by
// chat.add and shows as its hex in imbot.dialog.get; ORANGE is refused.
func TestIcPalette(t *testing.T) {
	t.Parallel()
	for _, p := range icPalette {
		t.Run(p.code, func(t *testing.T) {
			t.Parallel()
			srv := icStart(t)
			if p.code == "PINK" { // chat 13's colour: change it away first
				icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=13&COLOR=MINT", `true`)
			}
			icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=13&COLOR="+p.code, `true`)
			icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 13), map[string]string{"color": `"` + p.hex + `"`})
			if v := srv.Bitrix24().Chat(t, 13); v.Color != p.code || v.ColorHex != p.hex {
				t.Errorf("control plane colour %s %s", v.Color, v.ColorHex)
			}
			icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=13&COLOR="+p.code, "WRONG_REQUEST: "+icTColorSet)
			icCall(t, srv, "imbot.chat.add", "USERS[]=1&TITLE=T&COLOR="+p.code, `14`)
			icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 14), map[string]string{"color": `"` + p.hex + `"`})
		})
	}
	t.Run("ORANGE", func(t *testing.T) {
		t.Parallel()
		srv := icStart(t)
		icCall(t, srv, "imbot.chat.updateColor", "CHAT_ID=13&COLOR=ORANGE", "WRONG_COLOR: "+icTColor)
		icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 13), map[string]string{"color": `"#e98fa6"`})
	})
}

// TestIcAvatarState: an accepted avatar is what the control plane holds;
// a refused one changes nothing.
func TestIcAvatarState(t *testing.T) {
	t.Parallel()
	srv := icStart(t)
	if av := srv.Bitrix24().Chat(t, 13).Avatar; av != nil {
		t.Fatalf("fixture chat has an avatar %+v", av)
	}
	icCall(t, srv, "imbot.chat.updateAvatar", icQ("CHAT_ID", "13", "AVATAR", "garbage"), "AVATAR_ERROR: "+icTAvatarType)
	if av := srv.Bitrix24().Chat(t, 13).Avatar; av != nil {
		t.Fatalf("refused avatar stored %+v", av)
	}
	icFields(t, icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 13), map[string]string{"avatar": `""`})
	raw, _ := base64.StdEncoding.DecodeString(icPNG)
	icCall(t, srv, "imbot.chat.updateAvatar", icQ("CHAT_ID", "13", "AVATAR", icPNG), `true`)
	av := srv.Bitrix24().Chat(t, 13).Avatar
	if av == nil || av.MIME != "image/png" || av.Width != 1 || av.Height != 1 || av.Size != len(raw) {
		t.Fatalf("avatar %+v (want image/png 1x1, %d bytes)", av, len(raw))
	}
	link, _ := icDialog(t, srv, "/rest/1/abc/imbot.dialog.get", 13)["avatar"].(string)
	if !strings.HasPrefix(link, srv.URL()+"/_emulator/bitrix24/portals/default/chats/13/avatar") {
		t.Fatalf("avatar link %q", link)
	}
	resp, err := srv.Client().Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(body, raw) {
		t.Fatalf("avatar link answered %d, %d bytes", resp.StatusCode, len(body))
	}
}

// TestIcDialogFollowsMembership: imbot.dialog.get reads as the calling
// user, so what the bot does to membership shows in what user 3 may read.
func TestIcDialogFollowsMembership(t *testing.T) {
	t.Parallel()
	srv := icStart(t, `"webhooks":[{"user_id":3,"code":"peter","scopes":["imbot"]}]`)
	peter := icGet("/rest/3/peter/imbot.dialog.get?DIALOG_ID=chat13")
	icErr(t, srv, peter, 403, "ACCESS_ERROR", icTNoDialog)
	icCall(t, srv, "imbot.chat.user.add", "CHAT_ID=13&USERS[]=3", `true`)
	icFields(t, icDialog(t, srv, "/rest/3/peter/imbot.dialog.get", 13), map[string]string{"role": `"member"`, "user_counter": `5`})
	icCall(t, srv, "imbot.chat.setOwner", "CHAT_ID=13&USER_ID=3", `true`)
	icFields(t, icDialog(t, srv, "/rest/3/peter/imbot.dialog.get", 13), map[string]string{"role": `"owner"`, "owner": `3`})
	// the bot is no longer the owner: it cannot remove user 3
	icCall(t, srv, "imbot.chat.user.delete", "CHAT_ID=13&USER_ID=3", "WRONG_REQUEST: "+icTDelRefused)
	// user 3 (through its own webhook and the application's CLIENT_ID) acts
	// as the bot too: the calling user does not change who the bot is
	icOK(t, srv, icGet("/rest/3/peter/imbot.chat.user.list?CHAT_ID=13&"+icCID), `[39,1,2,4,3]`)
}
