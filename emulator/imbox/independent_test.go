package imbox_test

// Independent checks of the ImBox emulator, written from the vendor page
// (spec/imbox-chat-api.txt), the reference notes and the decisions of
// docs/fidelity.md ("## ImBox") and docs/imbox.md, not from the code.
// Every name here carries the "ind" prefix so it never clashes with the
// package's own test helpers.

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/chatemu/chatemu/schemas"
	"github.com/chatemu/chatemu/testkit"
)

// ---------------------------------------------------------------------------
// Plumbing: requests, JSON comparison, schemas.

// indClock is the frozen emulator clock of every test (chatStatistics'
// default endTime).
var indClock = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)

func indStart(t *testing.T) *testkit.Server {
	t.Helper()
	return testkit.Start(t, testkit.WithClock(indClock))
}

func indT(s string) time.Time {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return v
}

type indAnswer struct {
	status int
	header http.Header
	body   string
}

func indDo(t *testing.T, emu *testkit.Server, method, path, body string) indAnswer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, emu.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := emu.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return indAnswer{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

// indSchemas caches compiled response schemas by file name.
var indSchemas sync.Map

func indSchema(t *testing.T, name string) *gojsonschema.Schema {
	t.Helper()
	if s, ok := indSchemas.Load(name); ok {
		return s.(*gojsonschema.Schema)
	}
	data, err := fs.ReadFile(schemas.FS, "imbox/responses/"+name+".schema.json")
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(data))
	if err != nil {
		t.Fatalf("compiling schema %s: %v", name, err)
	}
	indSchemas.Store(name, s)
	return s
}

// indValidate checks a body against imbox/responses/<name>.schema.json.
func indValidate(t *testing.T, name, body string) {
	t.Helper()
	res, err := indSchema(t, name).Validate(gojsonschema.NewStringLoader(body))
	if err != nil {
		t.Fatalf("validating against %s: %v\nbody: %s", name, err, body)
	}
	for _, e := range res.Errors() {
		t.Errorf("schema %s: %s\nbody: %s", name, e, body)
	}
}

func indJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON (%v): %q", err, s)
	}
	if dec.More() {
		t.Fatalf("trailing data after JSON: %q", s)
	}
	return v
}

// indSameJSON reports whether two JSON texts hold the same structure.
func indSameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	return reflect.DeepEqual(indJSON(t, got), indJSON(t, want))
}

// indExpectJSON checks status, JSON content type and body structure.
func indExpectJSON(t *testing.T, a indAnswer, status int, want string) {
	t.Helper()
	if a.status != status {
		t.Errorf("status = %d, want %d (body %s)", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json; charset=utf-8", ct)
	}
	if !indSameJSON(t, a.body, want) {
		t.Errorf("body\n got: %s\nwant: %s", a.body, want)
	}
}

// indOK GETs an API path and checks 200, the exact body and the schema of
// the operation.
func indOK(t *testing.T, emu *testkit.Server, operation, path, want string) indAnswer {
	t.Helper()
	a := indDo(t, emu, http.MethodGet, path, "")
	indExpectJSON(t, a, http.StatusOK, want)
	if a.status == http.StatusOK {
		indValidate(t, operation, a.body)
	}
	return a
}

// indErrBody is the documented error envelope.
func indErrBody(message string) string {
	b, _ := json.Marshal(map[string]string{"result": "error", "message": message})
	return string(b)
}

// indFail sends a request and checks the error status and exact envelope.
func indFail(t *testing.T, emu *testkit.Server, method, path string, status int, message string) indAnswer {
	t.Helper()
	a := indDo(t, emu, method, path, "")
	indExpectJSON(t, a, status, indErrBody(message))
	indValidate(t, "error", a.body)
	return a
}

// indList is a success envelope with length.
func indList[T any](items []T) string {
	if items == nil {
		items = []T{}
	}
	b, err := json.Marshal(map[string]any{"result": "success", "json": items, "length": len(items)})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// indChannels extracts one string field of every item of a success body.
func indChannels(t *testing.T, a indAnswer, field string) []string {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var env struct {
		JSON []map[string]any `json:"json"`
	}
	if err := json.Unmarshal([]byte(a.body), &env); err != nil {
		t.Fatalf("decoding %s: %v", a.body, err)
	}
	out := []string{}
	for _, it := range env.JSON {
		s, _ := it[field].(string)
		out = append(out, s)
	}
	return out
}

// indRow is a chatStatistics row, keys in the documentation's order.
type indRow struct {
	Channel      string   `json:"channel"`
	AgentName    string   `json:"agentName"`
	AgentEmail   string   `json:"agentEmail"`
	Referral     string   `json:"referral"`
	SearchEngine string   `json:"searchEngine"`
	ExitPage     string   `json:"exitPage"`
	Browser      string   `json:"browser"`
	OS           string   `json:"os"`
	City         string   `json:"city"`
	Country      string   `json:"country"`
	Labels       []string `json:"labels"`
	Tags         []string `json:"tags"`
	Duration     *int64   `json:"duration"`
	Rating       *int64   `json:"rating"`
	ResponseTime *int64   `json:"responseTime"`
	StartedAt    string   `json:"startedAt"`
}

func indN(n int64) *int64 { return &n }

// indCSV joins hand-quoted cells into one CRLF-terminated CSV line.
func indCSV(t *testing.T, cells ...string) string {
	t.Helper()
	if len(cells) != 16 {
		t.Fatalf("a chatStatistics CSV line has 16 cells, got %d: %q", len(cells), cells)
	}
	return strings.Join(cells, ",") + "\r\n"
}

const indCSVHeader = "channel,agentName,agentEmail,referral,searchEngine,exitPage,browser,os,city,country,labels,tags,duration,rating,responseTime,startedAt\r\n"

// indKind names a decoded JSON value's type; numbers that are not whole
// are "fraction".
func indKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "fraction"
		}
		return "integer"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func indKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// indKeyOrder returns the envelope's keys and the first item's keys in the
// order they appear in the text.
func indKeyOrder(t *testing.T, body string) (envelope, item []string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	expectDelim := func(want json.Delim) {
		tok, err := dec.Token()
		if err != nil || tok != want {
			t.Fatalf("key order: want %v, got %v (%v) in %s", want, tok, err, body)
		}
	}
	expectDelim('{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		key := tok.(string)
		envelope = append(envelope, key)
		if key != "json" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
			continue
		}
		expectDelim('[')
		first := true
		for dec.More() {
			if !first {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
				continue
			}
			first = false
			expectDelim('{')
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				item = append(item, tok.(string))
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
			}
			expectDelim('}')
		}
		expectDelim(']')
	}
	return envelope, item
}

// ---------------------------------------------------------------------------
// The documentation's examples, as printed, cleaned only of what no server
// could send (// comments, the ",," after "country"). The impossible date
// 2020-00-00 and the name "John" of grabAgent are kept here: only shapes
// are compared against these; the exact bodies are in indDocBodies.

type indDocCase struct {
	operation string
	path      string // the doc's curl with its placeholders filled in
	doc       string // the doc's response example
	want      string // the exact body the fixtures give (fidelity.md)
}

var indDocCases = []indDocCase{
	{
		operation: "listConversations",
		path:      "/message/listConversations/apiKey/1/2020-01-01/2020-01-01",
		doc: `{"result":"success","json":[{"sid":1,"conversationID":"V1","date":"2020-01-01T00:00:00.000Z"},
			{"sid":1,"conversationID":"V18751500044654323221","date":"2020-01-01T00:00:00.000Z"}],"length":2}`,
	},
	{
		operation: "grabConversation",
		path:      "/message/grabConversation/apiKey/1/V1",
		doc: `{"result":"success","json":[
			{"id":1,"sid":1,"conversationID":"V1","from":"John","message":"Hello","date":"2020-01-01T00:00:00.000Z","agentID":1},
			{"id":2,"sid":1,"conversationID":"V1","from":"John","message":"how can i help you today? :)","date":"2020-01-01T00:00:00.000Z","agentID":1},
			{"id":702005,"sid":1,"conversationID":"V1","from":"V1","message":"Hi, where can i find the documentation page?","date":"2020-01-01T00:00:00.000Z","agentID":0},
			{"id":702004,"sid":1,"conversationID":"V1","from":"system","message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/support\"}","date":"2020-01-01T00:00:00.000Z","agentID":null}
			],"length":4}`,
	},
	{
		operation: "grabVisitorInfo",
		path:      "/message/grabVisitorInfo/apiKey/1/V1",
		doc: `{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"V1",
			"last_visit":"2020-01-01T00:00:00.000Z","browser":"Chrome 50.0.0","os":"Windows 7 0.0.0","user_city":"Stockholm",
			"user_country":"Sweden","exitPage":"https://imbox.se/"}]}`,
	},
	{
		operation: "grabVisitorTags",
		path:      "/message/grabVisitorTags/apiKey/1/V1",
		doc: `{"result":"success","json":[
			{"sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","tag":"John Doe","type":0},
			{"sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","tag":"Custom tag","type":1}],"length":2}`,
	},
	{
		operation: "grabVisitorLabels",
		path:      "/message/grabVisitorLabels/apiKey/1/V1",
		doc: `{"result":"success","json":[
			{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"Support"},
			{"conversationID":"V1","createdDate":"2020-00-00T00:00:00.000Z","label":"BankId Verified"}]}`,
		want: `{"result":"success","json":[
			{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"Support"},
			{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"BankId Verified"}]}`,
	},
	{
		operation: "grabVisitorCards",
		path:      "/message/grabVisitorCards/apiKey/1/V1",
		doc: `{"result":"success","json":[{"dataID":"1","data":"Name: John Doe","sid":1,"conversationID":"V1",
			"createdDate":"2020-01-01T00:00:00.000Z","updatedDate":"2020-01-01T00:00:00.000Z"}]}`,
	},
	{
		operation: "grabAgent",
		path:      "/message/grabAgent/apiKey/1/1",
		doc: `{"result":"success","json":[{"agentID":1,"sid":1,"agentName":"John","agentEmail":"john.doe@example.org",
			"agentPicture":"https://example.org/avatar.png","agentLastActive":"2020-01-01T00:00:00.000Z","department":"Support",
			"isBackOffice":"0","groups":"Sales,Support"}]}`,
		// fidelity.md: one agent, "John Doe" everywhere; "John" is how he signs.
		want: `{"result":"success","json":[{"agentID":1,"sid":1,"agentName":"John Doe","agentEmail":"john.doe@example.org",
			"agentPicture":"https://example.org/avatar.png","agentLastActive":"2020-01-01T00:00:00.000Z","department":"Support",
			"isBackOffice":"0","groups":"Sales,Support"}]}`,
	},
	{
		operation: "grabAgents",
		path:      "/message/grabAgents/apiKey/1",
		doc: `{"result":"success","json":[
			{"agentID":1,"sid":1,"agentName":"John Doe","agentEmail":"john.doe@example.org","agentPicture":"https://example.org/avatar.png",
			 "agentLastActive":"2020-01-01T00:00:00.000Z","department":"Support","isBackOffice":"0","groups":"Sales,Support"},
			{"agentID":2,"sid":1,"agentName":"Jane Doe","agentEmail":"jane.doe@example.org","agentPicture":"https://example.org/avatar.png",
			 "agentLastActive":"2020-01-01T00:00:00.000Z","department":"Marketing","isBackOffice":"1","groups":"Marketing"}],"length":2}`,
	},
	{
		operation: "chatStatistics",
		path:      "/message/chatStatistics/apiKey/1?startTime=2020-01-01T00%3A00%3A00.000Z&endTime=2020-01-01T00%3A00%3A00.000Z&agentIds=1&agentIds=2&channel=V1",
		doc: `{"result":"success","json":[{"channel":"V1","agentName":"John Doe","agentEmail":"john.doe@example.org","referral":"Direct",
			"searchEngine":"","exitPage":"https://example.org/","browser":"Chrome 50.0.0","os":"OS X","city":"Stockholm","country":"Sweden",
			"labels":["label1","label2"],"tags":["tag1","tag2"],"duration":100000,"rating":4,"responseTime":5000,"startedAt":"2020-01-01T00:00:00.000Z"},
			{"channel":"V1","agentName":"John Doe","agentEmail":"john.doe@example.org","referral":"Direct","searchEngine":"",
			"exitPage":"https://example.org/","browser":"Chrome 50.0.0","os":"OS X","city":"Stockholm","country":"Sweden",
			"labels":[],"tags":[],"startedAt":"2020-01-01T00:00:00.000Z","duration":null,"rating":null,"responseTime":null}],"length":2}`,
		// Computed from V1's stored data (fidelity.md): the agent messages
		// share the visitor's date, so the answer took 0 ms and the chat 0 ms.
		want: `{"result":"success","json":[{"channel":"V1","agentName":"John Doe","agentEmail":"john.doe@example.org","referral":"Direct",
			"searchEngine":"","exitPage":"https://imbox.se/","browser":"Chrome 50.0.0","os":"Windows 7 0.0.0","city":"Stockholm","country":"Sweden",
			"labels":["Support","BankId Verified"],"tags":["Custom tag"],"duration":0,"rating":4,"responseTime":0,"startedAt":"2020-01-01T00:00:00.000Z"}],"length":1}`,
	},
	{
		operation: "pageFilters",
		path:      "/message/pageFilters/apiKey/1",
		doc:       `{"result":"success","json":[{"id":1,"sid":1,"searchFilter":"searchFilter","searchName":"searchName","matchType":"like"}],"length":1}`,
	},
}

// TestIndDocExamples: a fresh instance answers every curl line of the page
// with the page's example (apart from the deviations fidelity.md records).
func TestIndDocExamples(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	for _, tc := range indDocCases {
		t.Run(tc.operation, func(t *testing.T) {
			t.Parallel()
			want := tc.want
			if want == "" {
				want = tc.doc
			}
			indOK(t, emu, tc.operation, tc.path, want)
		})
	}
}

// TestIndDocShapes compares key sets, JSON types and key order of every
// endpoint's answer with the page's example.
func TestIndDocShapes(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	// Visitor tags need a type 1 tag; the fixtures have one. Shape against
	// a desk-made conversation too, so the shapes do not hold by fixture only.
	box := emu.ImBox()
	c := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V98765432109876543210", At: indT("2024-03-10T09:00:00Z"),
		Page: "https://shop.example/pricing", Visitor: &testkit.ImBoxVisitor{TrafficType: "Organic", SearchEngine: "Google"}})
	c.VisitorMessage(t, indT("2024-03-10T09:00:10Z"), "hi")
	c.AgentMessage(t, 2, indT("2024-03-10T09:00:20Z"), "hello")
	c.AddTag(t, indT("2024-03-10T09:01:00Z"), "t")
	c.ChangeName(t, indT("2024-03-10T09:01:00Z"), "N")
	c.AddLabel(t, indT("2024-03-10T09:01:00Z"), "l")
	c.InsertCard(t, indT("2024-03-10T09:01:00Z"), "7", "x")
	c.Rate(t, 3)

	desk := map[string]string{
		"listConversations": "/message/listConversations/apiKey/1/2024-03-10/2024-03-10",
		"grabConversation":  "/message/grabConversation/apiKey/1/V98765432109876543210",
		"grabVisitorInfo":   "/message/grabVisitorInfo/apiKey/1/V98765432109876543210",
		"grabVisitorTags":   "/message/grabVisitorTags/apiKey/1/V98765432109876543210",
		"grabVisitorLabels": "/message/grabVisitorLabels/apiKey/1/V98765432109876543210",
		"grabVisitorCards":  "/message/grabVisitorCards/apiKey/1/V98765432109876543210",
		"grabAgent":         "/message/grabAgent/apiKey/1/2",
		"grabAgents":        "/message/grabAgents/apiKey/1",
		"chatStatistics":    "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:00:00.000Z",
		"pageFilters":       "/message/pageFilters/apiKey/1",
	}
	for _, tc := range indDocCases {
		for _, src := range []struct{ name, path string }{{"fixtures", tc.path}, {"desk", desk[tc.operation]}} {
			t.Run(tc.operation+"/"+src.name, func(t *testing.T) {
				t.Parallel()
				a := indDo(t, emu, http.MethodGet, src.path, "")
				if a.status != http.StatusOK {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				indValidate(t, tc.operation, a.body)
				indCompareShape(t, tc.doc, a.body)
				// Key order: the envelope's and the first item's, as printed.
				docEnv, docItem := indKeyOrder(t, tc.doc)
				gotEnv, gotItem := indKeyOrder(t, a.body)
				if !reflect.DeepEqual(docEnv, gotEnv) {
					t.Errorf("envelope keys %v, doc %v", gotEnv, docEnv)
				}
				if !reflect.DeepEqual(docItem, gotItem) {
					t.Errorf("item keys in order %v, doc %v", gotItem, docItem)
				}
			})
		}
	}
}

// indCompareShape: the same envelope keys, and every served item has the
// doc items' keys with a JSON type some doc item shows for that key.
func indCompareShape(t *testing.T, doc, got string) {
	t.Helper()
	d := indJSON(t, doc).(map[string]any)
	g, ok := indJSON(t, got).(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", got)
	}
	if dk, gk := indKeys(d), indKeys(g); !reflect.DeepEqual(dk, gk) {
		t.Errorf("envelope keys %v, doc %v", gk, dk)
	}
	for _, k := range []string{"result", "length"} {
		if _, in := d[k]; in && indKind(d[k]) != indKind(g[k]) {
			t.Errorf("%s is %s, doc %s", k, indKind(g[k]), indKind(d[k]))
		}
	}
	kinds := map[string]map[string]bool{}
	elemKinds := map[string]map[string]bool{}
	for _, it := range d["json"].([]any) {
		for k, v := range it.(map[string]any) {
			if kinds[k] == nil {
				kinds[k], elemKinds[k] = map[string]bool{}, map[string]bool{}
			}
			kinds[k][indKind(v)] = true
			if arr, ok := v.([]any); ok {
				for _, e := range arr {
					elemKinds[k][indKind(e)] = true
				}
			}
		}
	}
	items, ok := g["json"].([]any)
	if !ok || len(items) == 0 {
		t.Fatalf("json is not a non-empty array: %s", got)
	}
	docKeys := make([]string, 0, len(kinds))
	for k := range kinds {
		docKeys = append(docKeys, k)
	}
	sort.Strings(docKeys)
	for i, it := range items {
		m := it.(map[string]any)
		if gk := indKeys(m); !reflect.DeepEqual(gk, docKeys) {
			t.Errorf("item %d keys %v, doc %v", i, gk, docKeys)
		}
		for k, v := range m {
			if kinds[k] != nil && !kinds[k][indKind(v)] {
				t.Errorf("item %d: %s is %s (%v), doc shows %v", i, k, indKind(v), v, kinds[k])
			}
			if arr, ok := v.([]any); ok {
				for _, e := range arr {
					if len(elemKinds[k]) > 0 && !elemKinds[k][indKind(e)] {
						t.Errorf("item %d: %s holds a %s, doc shows %v", i, k, indKind(e), elemKinds[k])
					}
				}
			}
		}
	}
}

// TestIndDocFixtureDetails covers what the examples imply beyond the curl
// lines: the page filter of the doc's listConversations curl, the
// 20-digit conversation kept as a string, the unanswered row.
func TestIndDocFixtureDetails(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	big := "V18751500044654323221"
	tests := []struct {
		name, operation, path, want string
	}{
		{"listConversations with the doc's pageFilterId=1&pageFilterId=2", "listConversations",
			"/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=1&pageFilterId=2",
			`{"result":"success","json":[{"sid":1,"conversationID":"` + big + `","date":"2020-01-01T00:00:00.000Z"}],"length":1}`},
		{"grabConversation of the 20-digit id", "grabConversation", "/message/grabConversation/apiKey/1/" + big,
			`{"result":"success","json":[{"id":702003,"sid":1,"conversationID":"` + big + `","from":"system",
			"message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/searchFilter\"}","date":"2020-01-01T00:00:00.000Z","agentID":null}],"length":1}`},
		{"grabVisitorInfo defaults", "grabVisitorInfo", "/message/grabVisitorInfo/apiKey/1/" + big,
			`{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"` + big + `",
			"last_visit":"2020-01-01T00:00:00.000Z","browser":"","os":"","user_city":"","user_country":"","exitPage":"https://example.org/searchFilter"}]}`},
		{"no tags", "grabVisitorTags", "/message/grabVisitorTags/apiKey/1/" + big, `{"result":"success","json":[],"length":0}`},
		{"no labels", "grabVisitorLabels", "/message/grabVisitorLabels/apiKey/1/" + big, `{"result":"success","json":[]}`},
		{"no cards", "grabVisitorCards", "/message/grabVisitorCards/apiKey/1/" + big, `{"result":"success","json":[]}`},
		{"agent 2", "grabAgent", "/message/grabAgent/apiKey/1/2",
			`{"result":"success","json":[{"agentID":2,"sid":1,"agentName":"Jane Doe","agentEmail":"jane.doe@example.org",
			"agentPicture":"https://example.org/avatar.png","agentLastActive":"2020-01-01T00:00:00.000Z","department":"Marketing","isBackOffice":"1","groups":"Marketing"}]}`},
		{"chatStatistics of the whole day: V1 answered, the other not", "chatStatistics",
			"/message/chatStatistics/apiKey/1?startTime=2020-01-01T00:00:00.000Z&endTime=2020-01-01T23:59:59.999Z",
			`{"result":"success","json":[{"channel":"V1","agentName":"John Doe","agentEmail":"john.doe@example.org","referral":"Direct",
			"searchEngine":"","exitPage":"https://imbox.se/","browser":"Chrome 50.0.0","os":"Windows 7 0.0.0","city":"Stockholm","country":"Sweden",
			"labels":["Support","BankId Verified"],"tags":["Custom tag"],"duration":0,"rating":4,"responseTime":0,"startedAt":"2020-01-01T00:00:00.000Z"},
			{"channel":"` + big + `","agentName":"","agentEmail":"","referral":"Direct","searchEngine":"","exitPage":"https://example.org/searchFilter",
			"browser":"","os":"","city":"","country":"","labels":[],"tags":[],"duration":null,"rating":null,"responseTime":null,
			"startedAt":"2020-01-01T00:00:00.000Z"}],"length":2}`},
		{"chatStatistics pageFilterId=1 keeps the visitor of /searchFilter", "chatStatistics",
			"/message/chatStatistics/apiKey/1?startTime=2020-01-01T00:00:00.000Z&endTime=2020-01-01T23:59:59.999Z&pageFilterId=1",
			`{"result":"success","json":[{"channel":"` + big + `","agentName":"","agentEmail":"","referral":"Direct","searchEngine":"","exitPage":"https://example.org/searchFilter",
			"browser":"","os":"","city":"","country":"","labels":[],"tags":[],"duration":null,"rating":null,"responseTime":null,
			"startedAt":"2020-01-01T00:00:00.000Z"}],"length":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := indOK(t, emu, tc.operation, tc.path, tc.want)
			if tc.operation == "grabConversation" && !strings.Contains(a.body, `"conversationID":"`+big+`"`) {
				t.Errorf("the conversation id must be a JSON string: %s", a.body)
			}
		})
	}
	t.Run("doc CSV example", func(t *testing.T) {
		t.Parallel()
		a := indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?startTime=2020-01-01T00%3A00%3A00.000Z&endTime=2020-01-02T00%3A00%3A00.000Z&fileType=csv", "")
		want := indCSVHeader +
			indCSV(t, "V1", "John Doe", "john.doe@example.org", "Direct", "", "https://imbox.se/", "Chrome 50.0.0", "Windows 7 0.0.0",
				"Stockholm", "Sweden", `"Support,BankId Verified"`, "Custom tag", "0", "4", "0", "2020-01-01T00:00:00.000Z") +
			indCSV(t, big, "", "", "Direct", "", "https://example.org/searchFilter", "", "", "", "", "", "", "", "", "", "2020-01-01T00:00:00.000Z")
		indExpectCSV(t, a, want)
	})
}

func indExpectCSV(t *testing.T, a indAnswer, want string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/csv; charset=utf-8", ct)
	}
	if cd := a.header.Get("Content-Disposition"); cd != `attachment; filename="chatStatistics.csv"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if a.body != want {
		t.Errorf("CSV\n got: %q\nwant: %q", a.body, want)
	}
}

// ---------------------------------------------------------------------------
// The shop: 8 conversations of account sid 1 built with the testkit helpers,
// 2 agents, unanswered chats, a proactive greeting, a chat crossing
// midnight, ratings, tags, labels and page filters. Every figure of
// indShopRows is worked out by hand from the times below.

const indShopFilters = `{"imbox":{"pageFilters":[
 {"id":11,"sid":1,"searchFilter":"pricing","searchName":"Pricing","matchType":"like"},
 {"id":12,"sid":1,"searchFilter":"https://shop.example/checkout","searchName":"Checkout","matchType":"startsWith"},
 {"id":13,"sid":1,"searchFilter":"https://shop.example/support","searchName":"Support","matchType":"exact"}]}}`

func indShop(t *testing.T) *testkit.Server {
	t.Helper()
	emu := indStart(t)
	emu.Seed(t, []byte(indShopFilters))
	box := emu.ImBox()

	// V1001: answered by John (agent 1) after 30 s, last message at +3 min;
	// a later re-join (a system message) does not lengthen it.
	c1 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1001", At: indT("2024-03-10T09:00:00Z"),
		Page: "https://shop.example/pricing",
		Visitor: &testkit.ImBoxVisitor{TrafficType: "Organic", SearchEngine: "Google", Browser: `Firefox "Nightly"`,
			OS: "Ubuntu 22.04", City: "Washington, D.C.", Country: "USA", ExitPage: "https://shop.example/thanks"}})
	c1.VisitorMessage(t, indT("2024-03-10T09:00:10Z"), "Hi, do you ship?")
	c1.AgentMessage(t, 1, indT("2024-03-10T09:00:40Z"), "Yes.")
	c1.VisitorMessage(t, indT("2024-03-10T09:02:00Z"), "Great")
	c1.AgentMessage(t, 1, indT("2024-03-10T09:03:00Z"), "Anything else?")
	c1.Visit(t, indT("2024-03-10T09:10:00Z"), "https://shop.example/pricing/faq")
	c1.AddTag(t, indT("2024-03-10T09:04:00Z"), "vip")
	c1.AddTag(t, indT("2024-03-10T09:04:01Z"), `say "hi"`)
	c1.ChangeName(t, indT("2024-03-10T09:04:02Z"), "Doe, Jane")
	c1.AddLabel(t, indT("2024-03-10T09:04:03Z"), "Sales")
	c1.AddLabel(t, indT("2024-03-10T09:04:04Z"), `Pre "sale"`)
	c1.Rate(t, 5)

	// V1002: Jane (agent 2) answers first after 60 s, John writes later,
	// the visitor has the last word at +5 min.
	c2 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1002", At: indT("2024-03-10T10:00:00Z"),
		Page: "https://shop.example/support"})
	c2.VisitorMessage(t, indT("2024-03-10T10:00:05Z"), "My order is late")
	c2.AgentMessage(t, 2, indT("2024-03-10T10:01:05Z"), "Checking")
	c2.AgentMessage(t, 1, indT("2024-03-10T10:04:00Z"), "It ships today")
	c2.VisitorMessage(t, indT("2024-03-10T10:05:00Z"), "Thanks")
	c2.AddLabel(t, indT("2024-03-10T10:05:00Z"), "Support")
	c2.Rate(t, 4)

	// V1003: nobody answers; the visitor re-joins from a pricing page.
	c3 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1003", At: indT("2024-03-10T11:00:00Z")})
	c3.VisitorMessage(t, indT("2024-03-10T11:01:00Z"), "Hello?")
	c3.Visit(t, indT("2024-03-10T11:02:00Z"), "https://shop.example/pricing?ref=mail")
	c3.AddTag(t, indT("2024-03-10T11:03:00Z"), "lost")

	// V1004: a proactive greeting before the visitor wrote is no answer.
	c4 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1004", At: indT("2024-03-10T12:00:00Z")})
	c4.AgentMessage(t, 1, indT("2024-03-10T12:00:00Z"), "Need help?")
	c4.VisitorMessage(t, indT("2024-03-10T12:00:30Z"), "No thanks")
	c4.Rate(t, 2)

	// V1005: starts 23:30 UTC on the 10th (00:30 on the 11th in
	// Stockholm) and goes on past midnight.
	c5 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1005", At: indT("2024-03-10T23:30:00Z")})
	c5.VisitorMessage(t, indT("2024-03-10T23:30:10Z"), "Late question")
	c5.AgentMessage(t, 2, indT("2024-03-10T23:31:00Z"), "Go ahead")
	c5.AgentMessage(t, 2, indT("2024-03-11T00:20:00Z"), "Good night")
	c5.Rate(t, 3)

	// V1006: 00:30 UTC on the 11th.
	c6 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1006", At: indT("2024-03-11T00:30:00Z")})
	c6.VisitorMessage(t, indT("2024-03-11T00:30:05Z"), "Still open?")
	c6.AgentMessage(t, 1, indT("2024-03-11T00:30:20Z"), "Yes")
	c6.VisitorMessage(t, indT("2024-03-11T00:31:00Z"), "ok")
	c6.AddLabel(t, indT("2024-03-11T00:31:00Z"), "Support")

	// V1007: 22:30 UTC on the 11th (23:30 in Stockholm), millisecond times.
	c7 := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1007", At: indT("2024-03-11T22:30:00Z"),
		Page: "https://shop.example/checkout/step1"})
	c7.VisitorMessage(t, indT("2024-03-11T22:30:01.500Z"), "Card declined")
	c7.AgentMessage(t, 2, indT("2024-03-11T22:30:03.250Z"), "Try again")
	c7.Rate(t, 1)

	// V1008: 23:30 UTC on the 11th (00:30 on the 12th in Stockholm), no
	// message at all.
	box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1008", At: indT("2024-03-11T23:30:00Z")})
	return emu
}

var indShopOrder = []string{"V1001", "V1002", "V1003", "V1004", "V1005", "V1006", "V1007", "V1008"}

var indShopRows = map[string]indRow{
	"V1001": {Channel: "V1001", AgentName: "John Doe", AgentEmail: "john.doe@example.org", Referral: "Organic", SearchEngine: "Google",
		ExitPage: "https://shop.example/thanks", Browser: `Firefox "Nightly"`, OS: "Ubuntu 22.04", City: "Washington, D.C.", Country: "USA",
		Labels: []string{"Sales", `Pre "sale"`}, Tags: []string{"vip", `say "hi"`},
		Duration: indN(180000), Rating: indN(5), ResponseTime: indN(30000), StartedAt: "2024-03-10T09:00:00.000Z"},
	"V1002": {Channel: "V1002", AgentName: "Jane Doe", AgentEmail: "jane.doe@example.org", Referral: "Direct",
		ExitPage: "https://shop.example/support", Labels: []string{"Support"}, Tags: []string{},
		Duration: indN(300000), Rating: indN(4), ResponseTime: indN(60000), StartedAt: "2024-03-10T10:00:00.000Z"},
	"V1003": {Channel: "V1003", Referral: "Direct", ExitPage: "https://shop.example/pricing?ref=mail",
		Labels: []string{}, Tags: []string{"lost"}, StartedAt: "2024-03-10T11:00:00.000Z"},
	"V1004": {Channel: "V1004", Referral: "Direct", Labels: []string{}, Tags: []string{}, Rating: indN(2),
		StartedAt: "2024-03-10T12:00:00.000Z"},
	"V1005": {Channel: "V1005", AgentName: "Jane Doe", AgentEmail: "jane.doe@example.org", Referral: "Direct",
		Labels: []string{}, Tags: []string{}, Duration: indN(3000000), Rating: indN(3), ResponseTime: indN(50000),
		StartedAt: "2024-03-10T23:30:00.000Z"},
	"V1006": {Channel: "V1006", AgentName: "John Doe", AgentEmail: "john.doe@example.org", Referral: "Direct",
		Labels: []string{"Support"}, Tags: []string{}, Duration: indN(60000), ResponseTime: indN(15000),
		StartedAt: "2024-03-11T00:30:00.000Z"},
	"V1007": {Channel: "V1007", AgentName: "Jane Doe", AgentEmail: "jane.doe@example.org", Referral: "Direct",
		ExitPage: "https://shop.example/checkout/step1", Labels: []string{}, Tags: []string{},
		Duration: indN(3250), Rating: indN(1), ResponseTime: indN(1750), StartedAt: "2024-03-11T22:30:00.000Z"},
	"V1008": {Channel: "V1008", Referral: "Direct", Labels: []string{}, Tags: []string{}, StartedAt: "2024-03-11T23:30:00.000Z"},
}

func indShopBody(channels ...string) string {
	rows := []indRow{}
	for _, ch := range channels {
		rows = append(rows, indShopRows[ch])
	}
	return indList(rows)
}

const indBothDays = "startTime=2024-03-10T00%3A00%3A00.000Z&endTime=2024-03-11T23%3A59%3A59.999Z"

// TestIndStatisticsFigures: every row of the shop, figures from the
// message times.
func TestIndStatisticsFigures(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	indOK(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?"+indBothDays, indShopBody(indShopOrder...))
	t.Run("fileType=json explicitly", func(t *testing.T) {
		t.Parallel()
		indOK(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?"+indBothDays+"&fileType=json", indShopBody(indShopOrder...))
	})
	t.Run("fileType=JSON in capitals", func(t *testing.T) {
		t.Parallel()
		indOK(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?"+indBothDays+"&fileType=JSON", indShopBody(indShopOrder...))
	})
}

// TestIndStatisticsFilters: every filter of chatStatistics, repeated keys
// included, ORed within a filter and ANDed across.
func TestIndStatisticsFilters(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	tests := []struct {
		name, query string
		want        []string
	}{
		{"no filter", "", indShopOrder},
		{"agentId=1", "agentId=1", []string{"V1001", "V1006"}},
		{"agentId=2 (first answer counts, not later messages)", "agentId=2", []string{"V1002", "V1005", "V1007"}},
		{"agentIds=1&agentIds=2", "agentIds=1&agentIds=2", []string{"V1001", "V1002", "V1005", "V1006", "V1007"}},
		{"agentIds=2 once", "agentIds=2", []string{"V1002", "V1005", "V1007"}},
		{"agentId and agentIds together", "agentId=1&agentIds=2", []string{"V1001", "V1002", "V1005", "V1006", "V1007"}},
		{"unknown agent matches nothing", "agentId=3", nil},
		{"agent of nobody: 0 is the visitor, not an agent", "agentId=0", nil},
		{"empty agentId is not sent", "agentId=", indShopOrder},
		{"channel", "channel=V1003", []string{"V1003"}},
		{"channels repeated", "channels=V1001&channels=V1007", []string{"V1001", "V1007"}},
		{"channel and channels ORed", "channel=V1001&channels=V1008", []string{"V1001", "V1008"}},
		{"channel outside the window", "channel=V1", nil},
		{"unknown channel", "channel=V9999", nil},
		{"channel compared exactly", "channel=v1001", nil},
		{"agent AND channel", "agentId=2&channel=V1002", []string{"V1002"}},
		{"agent AND channel, no match", "agentId=1&channel=V1002", nil},
		{"pageFilterId like", "pageFilterId=11", []string{"V1001", "V1003"}},
		{"pageFilterId repeated", "pageFilterId=11&pageFilterId=12", []string{"V1001", "V1003", "V1007"}},
		{"pageFilterId exact", "pageFilterId=13", []string{"V1002"}},
		{"pageFilterId[] form", "pageFilterId[]=11&pageFilterId[]=12", []string{"V1001", "V1003", "V1007"}},
		{"unknown pageFilterId matches nothing", "pageFilterId=99", nil},
		{"unknown and known pageFilterId", "pageFilterId=99&pageFilterId=13", []string{"V1002"}},
		{"pageFilterId AND agent", "pageFilterId=11&agentId=1", []string{"V1001"}},
		{"pageFilterId AND channels", "pageFilterId=11&channels=V1003&channels=V1002", []string{"V1003"}},
		{"everything at once", "agentIds=1&agentIds=2&channels=V1001&channels=V1002&channels=V1003&pageFilterId=11&pageFilterId=13",
			[]string{"V1001", "V1002"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := "/message/chatStatistics/apiKey/1?" + indBothDays
			if tc.query != "" {
				path += "&" + tc.query
			}
			indOK(t, emu, "chatStatistics", path, indShopBody(tc.want...))
		})
	}
}

// TestIndListAndStatisticsAgree: for the same window and page filters,
// chatStatistics has a row for exactly the conversations listConversations
// lists, in the same order, and both are what the data says.
func TestIndListAndStatisticsAgree(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	windows := []struct {
		name, from, to string
		want           []string
	}{
		{"10th", "2024-03-10", "2024-03-10", []string{"V1001", "V1002", "V1003", "V1004", "V1005"}},
		{"11th (V1005 ran into it but started the day before)", "2024-03-11", "2024-03-11", []string{"V1006", "V1007", "V1008"}},
		{"both days", "2024-03-10", "2024-03-11", indShopOrder},
		{"the day before", "2024-03-09", "2024-03-09", nil},
		{"the fixtures' day", "2020-01-01", "2020-01-01", []string{"V1", "V18751500044654323221"}},
	}
	filters := []struct {
		name, query string
		keep        []string // nil: everything
	}{
		{"no page filter", "", nil},
		{"pricing", "pageFilterId=11", []string{"V1001", "V1003"}},
		{"pricing or checkout", "pageFilterId=11&pageFilterId=12", []string{"V1001", "V1003", "V1007"}},
		{"support", "pageFilterId=13", []string{"V1002"}},
		{"the fixtures' filter", "pageFilterId=1", []string{"V18751500044654323221"}},
		{"unknown filter", "pageFilterId=99", []string{}},
		{"empty value", "pageFilterId=", nil},
	}
	for _, w := range windows {
		for _, f := range filters {
			t.Run(w.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				want := []string{}
				for _, ch := range w.want {
					if f.keep == nil || indContains(f.keep, ch) {
						want = append(want, ch)
					}
				}
				q := ""
				if f.query != "" {
					q = "&" + f.query
				}
				la := indDo(t, emu, http.MethodGet, "/message/listConversations/apiKey/1/"+w.from+"/"+w.to+"?"+strings.TrimPrefix(q, "&"), "")
				sa := indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?startTime="+w.from+"T00:00:00.000Z&endTime="+w.to+"T23:59:59.999Z"+q, "")
				indValidate(t, "listConversations", la.body)
				indValidate(t, "chatStatistics", sa.body)
				listed, rows := indChannels(t, la, "conversationID"), indChannels(t, sa, "channel")
				if !reflect.DeepEqual(listed, want) {
					t.Errorf("listConversations %v, want %v", listed, want)
				}
				if !reflect.DeepEqual(rows, listed) {
					t.Errorf("chatStatistics %v, listConversations %v", rows, listed)
				}
			})
		}
	}
	t.Run("listConversations items", func(t *testing.T) {
		t.Parallel()
		indOK(t, emu, "listConversations", "/message/listConversations/apiKey/1/2024-03-11/2024-03-11",
			`{"result":"success","json":[{"sid":1,"conversationID":"V1006","date":"2024-03-11T00:30:00.000Z"},
			{"sid":1,"conversationID":"V1007","date":"2024-03-11T22:30:00.000Z"},
			{"sid":1,"conversationID":"V1008","date":"2024-03-11T23:30:00.000Z"}],"length":3}`)
	})
	t.Run("listConversations has no span limit", func(t *testing.T) {
		t.Parallel()
		a := indDo(t, emu, http.MethodGet, "/message/listConversations/apiKey/1/2019-01-01/2024-12-31", "")
		want := append([]string{"V1", "V18751500044654323221"}, indShopOrder...)
		if got := indChannels(t, a, "conversationID"); !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func indContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestIndStatisticsWindow: both ends included, endTime defaulting to the
// emulator clock, the 365-day cap.
func TestIndStatisticsWindow(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	base := "/message/chatStatistics/apiKey/1?"
	ok := []struct {
		name, query string
		want        []string
	}{
		{"startTime = endTime = a conversation's start", "startTime=2024-03-10T09:00:00.000Z&endTime=2024-03-10T09:00:00.000Z", []string{"V1001"}},
		{"endTime included", "startTime=2024-03-10T08:00:00.000Z&endTime=2024-03-10T10:00:00.000Z", []string{"V1001", "V1002"}},
		{"one ms after a start excludes it", "startTime=2024-03-10T09:00:00.001Z&endTime=2024-03-10T10:00:00.000Z", []string{"V1002"}},
		{"one ms before a start excludes it", "startTime=2024-03-10T09:00:00.000Z&endTime=2024-03-10T09:59:59.999Z", []string{"V1001"}},
		{"without ms", "startTime=2024-03-10T09:00:00Z&endTime=2024-03-10T10:00:00Z", []string{"V1001", "V1002"}},
		{"window by start date only: V1005's messages on the 11th do not count", "startTime=2024-03-11T00:00:00.000Z&endTime=2024-03-11T12:00:00.000Z", []string{"V1006"}},
		{"endTime defaults to the emulator clock", "startTime=2024-03-11T00:00:00.000Z", []string{"V1006", "V1007", "V1008"}},
		{"empty endTime is not sent", "startTime=2024-03-11T00:00:00.000Z&endTime=", []string{"V1006", "V1007", "V1008"}},
		{"startTime = now, endTime defaulted", "startTime=2024-03-20T12:00:00.000Z", nil},
		{"exactly 365 days is allowed", "startTime=2023-03-11T09:00:00.000Z&endTime=2024-03-10T09:00:00.000Z", []string{"V1001"}},
		{"exactly 365 days with endTime defaulted", "startTime=2023-03-21T12:00:00.000Z", indShopOrder},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			indOK(t, emu, "chatStatistics", base+tc.query, indShopBody(tc.want...))
		})
	}
	bad := []struct {
		name, query, message string
	}{
		{"365 days and 1 ms", "startTime=2023-03-11T09:00:00.000Z&endTime=2024-03-10T09:00:00.001Z", "chatStatistics covers at most 365 days per request"},
		{"366 days (a leap year)", "startTime=2023-03-10T00:00:00.000Z&endTime=2024-03-10T00:00:00.000Z", "chatStatistics covers at most 365 days per request"},
		{"over 365 days to the defaulted now", "startTime=2023-03-21T11:59:59.999Z", "chatStatistics covers at most 365 days per request"},
		{"reversed", "startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-09T00:00:00.000Z",
			"endTime 2024-03-09T00:00:00.000Z is before startTime 2024-03-10T00:00:00.000Z"},
		{"startTime after the defaulted now", "startTime=2024-03-20T12:00:00.001Z",
			"endTime 2024-03-20T12:00:00.000Z is before startTime 2024-03-20T12:00:00.001Z"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			indFail(t, emu, http.MethodGet, base+tc.query, http.StatusBadRequest, tc.message)
		})
	}
}

// TestIndStatisticsCSV: header, column order, quoting, null as empty,
// content type.
func TestIndStatisticsCSV(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	rows := func(t *testing.T, started map[string]string) string {
		st := func(ch string) string {
			if s, ok := started[ch]; ok {
				return s
			}
			return indShopRows[ch].StartedAt
		}
		return indCSVHeader +
			indCSV(t, "V1001", "John Doe", "john.doe@example.org", "Organic", "Google", "https://shop.example/thanks", `"Firefox ""Nightly"""`,
				"Ubuntu 22.04", `"Washington, D.C."`, "USA", `"Sales,Pre ""sale"""`, `"vip,say ""hi"""`, "180000", "5", "30000", st("V1001")) +
			indCSV(t, "V1002", "Jane Doe", "jane.doe@example.org", "Direct", "", "https://shop.example/support", "", "", "", "",
				"Support", "", "300000", "4", "60000", st("V1002")) +
			indCSV(t, "V1003", "", "", "Direct", "", "https://shop.example/pricing?ref=mail", "", "", "", "", "", "lost", "", "", "", st("V1003")) +
			indCSV(t, "V1004", "", "", "Direct", "", "", "", "", "", "", "", "", "", "2", "", st("V1004")) +
			indCSV(t, "V1005", "Jane Doe", "jane.doe@example.org", "Direct", "", "", "", "", "", "", "", "", "3000000", "3", "50000", st("V1005")) +
			indCSV(t, "V1006", "John Doe", "john.doe@example.org", "Direct", "", "", "", "", "", "", "Support", "", "60000", "", "15000", st("V1006")) +
			indCSV(t, "V1007", "Jane Doe", "jane.doe@example.org", "Direct", "", "https://shop.example/checkout/step1", "", "", "", "",
				"", "", "3250", "1", "1750", st("V1007")) +
			indCSV(t, "V1008", "", "", "Direct", "", "", "", "", "", "", "", "", "", "", "", st("V1008"))
	}
	t.Run("UTC", func(t *testing.T) {
		t.Parallel()
		indExpectCSV(t, indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?"+indBothDays+"&fileType=csv", ""), rows(t, nil))
	})
	t.Run("fileType=CSV in capitals", func(t *testing.T) {
		t.Parallel()
		indExpectCSV(t, indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?"+indBothDays+"&fileType=CSV", ""), rows(t, nil))
	})
	t.Run("timezone writes startedAt with the zone's offset", func(t *testing.T) {
		t.Parallel()
		want := rows(t, map[string]string{
			"V1001": "2024-03-10T10:00:00.000+01:00", "V1002": "2024-03-10T11:00:00.000+01:00",
			"V1003": "2024-03-10T12:00:00.000+01:00", "V1004": "2024-03-10T13:00:00.000+01:00",
			"V1005": "2024-03-11T00:30:00.000+01:00", "V1006": "2024-03-11T01:30:00.000+01:00",
			"V1007": "2024-03-11T23:30:00.000+01:00", "V1008": "2024-03-12T00:30:00.000+01:00",
		})
		indExpectCSV(t, indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?"+indBothDays+"&fileType=csv&timezone=Europe%2FStockholm", ""), want)
	})
	t.Run("filters apply to CSV", func(t *testing.T) {
		t.Parallel()
		want := indCSVHeader +
			indCSV(t, "V1006", "John Doe", "john.doe@example.org", "Direct", "", "", "", "", "", "", "Support", "", "60000", "", "15000", "2024-03-11T00:30:00.000Z")
		indExpectCSV(t, indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?"+indBothDays+"&fileType=csv&agentIds=1&channels=V1006&channels=V1002", ""), want)
	})
	t.Run("no rows: the header alone", func(t *testing.T) {
		t.Parallel()
		indExpectCSV(t, indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?startTime=2024-03-09T00:00:00.000Z&endTime=2024-03-09T12:00:00.000Z&fileType=csv", ""), indCSVHeader)
	})
	t.Run("errors stay JSON", func(t *testing.T) {
		t.Parallel()
		indFail(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?fileType=csv", http.StatusBadRequest, "startTime is required")
		indFail(t, emu, http.MethodGet, "/message/chatStatistics/nokey/1?"+indBothDays+"&fileType=csv", http.StatusUnauthorized, "Invalid apiKey")
	})
}

// TestIndStatisticsCSVLineBreaks: a cell holding a line break is quoted and
// kept as it is (fidelity.md: "Cells holding a comma, quote or line break
// are quoted, with quotes doubled" — nothing else is changed).
func TestIndStatisticsCSVLineBreaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, os, cell string
	}{
		{"LF", "Linux\nUbuntu", "\"Linux\nUbuntu\""},
		{"CRLF", "Linux\r\nUbuntu", "\"Linux\r\nUbuntu\""},
		{"lone CR", "Linux\rUbuntu", "\"Linux\rUbuntu\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := indStart(t)
			emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V77", At: indT("2024-03-10T09:00:00Z"),
				Visitor: &testkit.ImBoxVisitor{OS: tc.os}})
			a := indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:00:00.000Z&fileType=csv", "")
			want := indCSVHeader + indCSV(t, "V77", "", "", "Direct", "", "", "", tc.cell, "", "", "", "", "", "", "", "2024-03-10T09:00:00.000Z")
			indExpectCSV(t, a, want)
			// JSON keeps the value as reported.
			j := indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:00:00.000Z", "")
			if !strings.Contains(j.body, `"os":`+string(indMust(json.Marshal(tc.os)))) {
				t.Errorf("JSON os: %s", j.body)
			}
		})
	}
}

func indMust(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestIndTimezone: times without an offset are local to timezone; the
// window around midnight UTC/Stockholm (UTC+1 in March) selects the right
// conversations; JSON keeps UTC.
func TestIndTimezone(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	base := "/message/chatStatistics/apiKey/1?"
	tests := []struct {
		name, query string
		want        []string
	}{
		{"Stockholm's 11th: 23:00Z on the 10th to 22:59:59.999Z on the 11th",
			"startTime=2024-03-11T00:00:00&endTime=2024-03-11T23:59:59.999&timezone=Europe/Stockholm", []string{"V1005", "V1006", "V1007"}},
		{"Stockholm's 10th", "startTime=2024-03-10T00:00:00.000&endTime=2024-03-10T23:59:59.999&timezone=Europe%2FStockholm",
			[]string{"V1001", "V1002", "V1003", "V1004"}},
		{"minutes-only local form", "startTime=2024-03-11T00:00&endTime=2024-03-11T23:59&timezone=Europe/Stockholm", []string{"V1005", "V1006", "V1007"}},
		{"without timezone, offset-less times are UTC", "startTime=2024-03-11T00:00:00&endTime=2024-03-11T23:59:59.999", []string{"V1006", "V1007", "V1008"}},
		{"explicit Z wins over timezone", "startTime=2024-03-11T00:00:00.000Z&endTime=2024-03-11T23:59:59.999Z&timezone=Europe/Stockholm",
			[]string{"V1006", "V1007", "V1008"}},
		{"explicit offset, encoded", "startTime=2024-03-11T00:00:00.000%2B01:00&endTime=2024-03-11T23:59:59.999%2B01:00", []string{"V1005", "V1006", "V1007"}},
		{"explicit offset, + left unencoded", "startTime=2024-03-11T00:00:00.000+01:00&endTime=2024-03-11T23:59:59.999+01:00", []string{"V1005", "V1006", "V1007"}},
		{"UTC by name", "startTime=2024-03-11T00:00:00&endTime=2024-03-11T23:59:59.999&timezone=UTC", []string{"V1006", "V1007", "V1008"}},
		{"a zone west of UTC", "startTime=2024-03-10T18:00:00&endTime=2024-03-10T19:30:00&timezone=America/New_York", []string{"V1005"}},
		{"empty timezone is not sent", "startTime=2024-03-11T00:00:00&endTime=2024-03-11T23:59:59.999&timezone=", []string{"V1006", "V1007", "V1008"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// JSON startedAt stays UTC with Z whatever the zone.
			indOK(t, emu, "chatStatistics", base+tc.query, indShopBody(tc.want...))
		})
	}
	bad := []struct{ name, query, message string }{
		{"unknown zone", "startTime=2024-03-11T00:00:00&timezone=Mars/Olympus",
			`Invalid timezone "Mars/Olympus": expected an IANA time zone name such as Europe/Stockholm`},
		{"Local is refused", "startTime=2024-03-11T00:00:00.000Z&timezone=Local",
			`Invalid timezone "Local": expected an IANA time zone name such as Europe/Stockholm`},
		{"an offset is not a zone name", "startTime=2024-03-11T00:00:00.000Z&timezone=%2B01:00",
			`Invalid timezone "+01:00": expected an IANA time zone name such as Europe/Stockholm`},
		{"timezone twice", "startTime=2024-03-11T00:00:00.000Z&timezone=UTC&timezone=Europe/Stockholm", "timezone must be given once"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			indFail(t, emu, http.MethodGet, base+tc.query, http.StatusBadRequest, tc.message)
		})
	}
}

// TestIndParameterErrors: malformed, reversed and repeated parameters of
// listConversations and chatStatistics, each with its documented message.
func TestIndParameterErrors(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	tests := []struct {
		name, path, message string
	}{
		{"fromDate without zero padding", "/message/listConversations/apiKey/1/2024-3-10/2024-03-10", `Invalid fromDate "2024-3-10": expected a date YYYY-MM-DD`},
		{"impossible toDate", "/message/listConversations/apiKey/1/2020-01-01/2020-00-00", `Invalid toDate "2020-00-00": expected a date YYYY-MM-DD`},
		{"February 30th", "/message/listConversations/apiKey/1/2024-02-30/2024-03-01", `Invalid fromDate "2024-02-30": expected a date YYYY-MM-DD`},
		{"a full time as fromDate", "/message/listConversations/apiKey/1/2024-03-10T00:00:00.000Z/2024-03-11", `Invalid fromDate "2024-03-10T00:00:00.000Z": expected a date YYYY-MM-DD`},
		{"the placeholder fromDate", "/message/listConversations/apiKey/1/fromDate/toDate", `Invalid fromDate "fromDate": expected a date YYYY-MM-DD`},
		{"reversed days", "/message/listConversations/apiKey/1/2020-02-01/2020-01-01", "fromDate 2020-02-01 is after toDate 2020-01-01"},
		{"listConversations pageFilterId not a number", "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=abc", `Invalid pageFilterId "abc": expected a number`},
		{"comma-joined pageFilterId", "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=1,2", `Invalid pageFilterId "1,2": expected a number`},
		{"startTime missing", "/message/chatStatistics/apiKey/1", "startTime is required"},
		{"startTime empty", "/message/chatStatistics/apiKey/1?startTime=", "startTime is required"},
		{"startTime malformed", "/message/chatStatistics/apiKey/1?startTime=yesterday", `Invalid startTime "yesterday": expected a time such as 2020-01-01T00:00:00.000Z`},
		{"startTime a date alone", "/message/chatStatistics/apiKey/1?startTime=2024-03-10", `Invalid startTime "2024-03-10": expected a time such as 2020-01-01T00:00:00.000Z`},
		{"endTime malformed", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-13-01T00:00:00.000Z",
			`Invalid endTime "2024-13-01T00:00:00.000Z": expected a time such as 2020-01-01T00:00:00.000Z`},
		{"startTime twice", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&startTime=2024-03-11T00:00:00.000Z", "startTime must be given once"},
		{"endTime twice", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-11T00:00:00.000Z&endTime=2024-03-12T00:00:00.000Z", "endTime must be given once"},
		{"fileType twice", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&fileType=csv&fileType=json", "fileType must be given once"},
		{"bad fileType", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&fileType=xml", `Invalid fileType "xml": expected json or csv`},
		{"agentId not a number", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&agentId=john", `Invalid agentId "john": expected a number`},
		{"agentIds not a number", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&agentIds=1&agentIds=x", `Invalid agentIds "x": expected a number`},
		{"pageFilterId not a number", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&pageFilterId=1.5", `Invalid pageFilterId "1.5": expected a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			indFail(t, emu, http.MethodGet, tc.path, http.StatusBadRequest, tc.message)
		})
	}
	t.Run("one day, from = to", func(t *testing.T) {
		t.Parallel()
		a := indDo(t, emu, http.MethodGet, "/message/listConversations/apiKey/1/2020-01-01/2020-01-01", "")
		if a.status != http.StatusOK {
			t.Errorf("status %d: %s", a.status, a.body)
		}
	})
}

// indEndpoints are the ten operations with a valid path for sid 1.
var indEndpoints = []struct{ operation, rest string }{
	{"listConversations", "/2020-01-01/2020-01-01"},
	{"grabConversation", "/V1"},
	{"grabVisitorInfo", "/V1"},
	{"grabVisitorTags", "/V1"},
	{"grabVisitorLabels", "/V1"},
	{"grabVisitorCards", "/V1"},
	{"grabAgent", "/1"},
	{"grabAgents", ""},
	{"chatStatistics", "?startTime=2020-01-01T00:00:00.000Z&endTime=2020-01-02T00:00:00.000Z"},
	{"pageFilters", ""},
}

// TestIndAuthAndRoutingErrors: unknown key, mismatched userId, unknown ids,
// wrong method, unknown path; the check order apiKey, userId, parameters,
// ids.
func TestIndAuthAndRoutingErrors(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	for _, ep := range indEndpoints {
		for _, tc := range []struct {
			name, key, user string
			status          int
			message         string
		}{
			{"unknown apiKey", "nokey", "1", http.StatusUnauthorized, "Invalid apiKey"},
			{"apiKey in other case", "APIKEY", "1", http.StatusUnauthorized, "Invalid apiKey"},
			{"unknown apiKey and bad userId: key first", "nokey", "x", http.StatusUnauthorized, "Invalid apiKey"},
			{"another userId", "apiKey", "2", http.StatusForbidden, "apiKey does not belong to userId 2"},
			{"userId not a number", "apiKey", "x", http.StatusBadRequest, `Invalid userId "x": expected a number`},
			{"the placeholder userId", "apiKey", "userId", http.StatusBadRequest, `Invalid userId "userId": expected a number`},
		} {
			t.Run(ep.operation+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				indFail(t, emu, http.MethodGet, "/message/"+ep.operation+"/"+tc.key+"/"+tc.user+ep.rest, tc.status, tc.message)
			})
		}
		t.Run(ep.operation+"/userId 01 is 1", func(t *testing.T) {
			t.Parallel()
			a := indDo(t, emu, http.MethodGet, "/message/"+ep.operation+"/apiKey/01"+ep.rest, "")
			if a.status != http.StatusOK {
				t.Errorf("status %d: %s", a.status, a.body)
			}
			indValidate(t, ep.operation, a.body)
		})
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			t.Run(ep.operation+"/"+method, func(t *testing.T) {
				t.Parallel()
				path := "/message/" + ep.operation + "/apiKey/1" + ep.rest
				escaped := path
				if i := strings.IndexByte(escaped, '?'); i >= 0 {
					escaped = escaped[:i]
				}
				a := indFail(t, emu, method, path, http.StatusMethodNotAllowed, "Cannot "+method+" "+escaped+": this endpoint only answers GET")
				if allow := a.header.Get("Allow"); allow != "GET" {
					t.Errorf("Allow = %q, want GET", allow)
				}
			})
		}
	}
	tests := []struct {
		name, method, path string
		status             int
		message            string
	}{
		{"unknown conversation", "GET", "/message/grabConversation/apiKey/1/V2", 404, "Conversation V2 not found"},
		{"conversation ids are exact", "GET", "/message/grabConversation/apiKey/1/v1", 404, "Conversation v1 not found"},
		{"the placeholder conversationID", "GET", "/message/grabVisitorInfo/apiKey/1/conversationID", 404, "Conversation conversationID not found"},
		{"unknown conversation, visitor info", "GET", "/message/grabVisitorInfo/apiKey/1/V2", 404, "Conversation V2 not found"},
		{"unknown conversation, tags", "GET", "/message/grabVisitorTags/apiKey/1/V2", 404, "Conversation V2 not found"},
		{"unknown conversation, labels", "GET", "/message/grabVisitorLabels/apiKey/1/V2", 404, "Conversation V2 not found"},
		{"unknown conversation, cards", "GET", "/message/grabVisitorCards/apiKey/1/V2", 404, "Conversation V2 not found"},
		{"unknown conversation behind an unknown key", "GET", "/message/grabConversation/nokey/1/V2", 401, "Invalid apiKey"},
		{"unknown conversation behind another userId", "GET", "/message/grabConversation/apiKey/2/V2", 403, "apiKey does not belong to userId 2"},
		{"unknown agent", "GET", "/message/grabAgent/apiKey/1/3", 404, "Agent 3 not found"},
		{"agent id not a number", "GET", "/message/grabAgent/apiKey/1/abc", 400, `Invalid agentId "abc": expected a number`},
		{"the placeholder agentId", "GET", "/message/grabAgent/apiKey/1/agentId", 400, `Invalid agentId "agentId": expected a number`},
		{"unknown operation", "GET", "/message/nope/apiKey/1", 404, "Cannot GET /message/nope/apiKey/1"},
		{"missing userId", "GET", "/message/grabAgents/apiKey", 404, "Cannot GET /message/grabAgents/apiKey"},
		{"extra segment", "GET", "/message/grabAgents/apiKey/1/extra", 404, "Cannot GET /message/grabAgents/apiKey/1/extra"},
		{"listConversations without toDate", "GET", "/message/listConversations/apiKey/1/2020-01-01", 404, "Cannot GET /message/listConversations/apiKey/1/2020-01-01"},
		{"operation in the wrong case", "GET", "/message/grabagents/apiKey/1", 404, "Cannot GET /message/grabagents/apiKey/1"},
		{"unknown path, POST", "POST", "/message/nope", 404, "Cannot POST /message/nope"},
		{"wrong method before the key is checked", "POST", "/message/grabAgents/nokey/1", 405, "Cannot POST /message/grabAgents/nokey/1: this endpoint only answers GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			indFail(t, emu, tc.method, tc.path, tc.status, tc.message)
		})
	}
	t.Run("percent-encoded conversation id", func(t *testing.T) {
		t.Parallel()
		want := indDo(t, emu, http.MethodGet, "/message/grabVisitorCards/apiKey/1/V1", "").body
		indOK(t, emu, "grabVisitorCards", "/message/grabVisitorCards/apiKey/1/V%31", want)
	})
}

// ---------------------------------------------------------------------------
// Isolation between accounts.

const indSecondAccount = `{"imbox":{
 "accounts":[{"sid":2,"apiKey":"second-key","name":"Second shop"}],
 "agents":[{"agentID":21,"sid":2,"agentName":"Sven Second","displayName":"Sven","agentEmail":"sven@second.example",
   "agentPicture":"https://second.example/sven.png","agentLastActive":"2024-01-01T00:00:00.000Z","department":"Sales","isBackOffice":false,"groups":["Sales","Nordic"]}],
 "pageFilters":[{"id":21,"sid":2,"searchFilter":"example.org","searchName":"Everything","matchType":"like"}]}}`

func TestIndIsolation(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	if a := indDo(t, emu, http.MethodPost, "/_emulator/seed", indSecondAccount); a.status != http.StatusOK {
		t.Fatalf("seed: %d %s", a.status, a.body)
	}
	box := emu.ImBox()
	// sid 1 and sid 2 both have a V1001 on the 10th.
	one := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V1001", At: indT("2024-03-10T09:00:00Z"), Page: "https://shop.example/pricing"})
	one.VisitorMessage(t, indT("2024-03-10T09:00:10Z"), "one")
	one.AgentMessage(t, 1, indT("2024-03-10T09:00:20Z"), "John here")
	two := box.StartConversation(t, testkit.ImBoxStart{SID: 2, ConversationID: "V1001", At: indT("2024-03-10T09:30:00Z"),
		Page: "https://example.org/pricing", Visitor: &testkit.ImBoxVisitor{City: "Malmö"}})
	two.VisitorMessage(t, indT("2024-03-10T09:30:10Z"), "two")
	two.AgentMessage(t, 21, indT("2024-03-10T09:31:10Z"), "Sven here")
	two.AddLabel(t, indT("2024-03-10T09:32:00Z"), "Second")
	two.Rate(t, 5)
	other := box.StartConversation(t, testkit.ImBoxStart{SID: 2, ConversationID: "V2001", At: indT("2024-03-10T10:00:00Z")})
	other.AddTag(t, indT("2024-03-10T10:00:00Z"), "private")

	stats := "?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:59:59.999Z"
	tests := []struct {
		name, operation, path, want string
	}{
		{"sid 1 lists its own", "listConversations", "/message/listConversations/apiKey/1/2024-03-10/2024-03-10",
			`{"result":"success","json":[{"sid":1,"conversationID":"V1001","date":"2024-03-10T09:00:00.000Z"}],"length":1}`},
		{"sid 2 lists its own", "listConversations", "/message/listConversations/second-key/2/2024-03-10/2024-03-10",
			`{"result":"success","json":[{"sid":2,"conversationID":"V1001","date":"2024-03-10T09:30:00.000Z"},{"sid":2,"conversationID":"V2001","date":"2024-03-10T10:00:00.000Z"}],"length":2}`},
		{"sid 2 does not see the fixtures", "listConversations", "/message/listConversations/second-key/2/2020-01-01/2020-01-01", indList([]int{})},
		{"sid 1 cannot use sid 2's filter", "listConversations", "/message/listConversations/apiKey/1/2020-01-01/2024-12-31?pageFilterId=21", indList([]int{})},
		{"sid 2 cannot use sid 1's filter", "listConversations", "/message/listConversations/second-key/2/2020-01-01/2024-12-31?pageFilterId=1", indList([]int{})},
		{"sid 2 uses its own filter", "listConversations", "/message/listConversations/second-key/2/2020-01-01/2024-12-31?pageFilterId=21",
			`{"result":"success","json":[{"sid":2,"conversationID":"V1001","date":"2024-03-10T09:30:00.000Z"}],"length":1}`},
		{"same id, sid 2's messages", "grabConversation", "/message/grabConversation/second-key/2/V1001", ""},
		{"same id, sid 2's labels", "grabVisitorLabels", "/message/grabVisitorLabels/second-key/2/V1001",
			`{"result":"success","json":[{"conversationID":"V1001","createdDate":"2024-03-10T09:32:00.000Z","label":"Second"}]}`},
		{"same id, sid 1's labels", "grabVisitorLabels", "/message/grabVisitorLabels/apiKey/1/V1001", `{"result":"success","json":[]}`},
		{"same id, sid 2's visitor", "grabVisitorInfo", "/message/grabVisitorInfo/second-key/2/V1001",
			`{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":2,"conversationID":"V1001","last_visit":"2024-03-10T09:30:10.000Z",
			"browser":"","os":"","user_city":"Malmö","user_country":"","exitPage":"https://example.org/pricing"}]}`},
		{"sid 2's agents", "grabAgents", "/message/grabAgents/second-key/2",
			`{"result":"success","json":[{"agentID":21,"sid":2,"agentName":"Sven Second","agentEmail":"sven@second.example",
			"agentPicture":"https://second.example/sven.png","agentLastActive":"2024-03-10T09:31:10.000Z","department":"Sales","isBackOffice":"0","groups":"Sales,Nordic"}],"length":1}`},
		{"sid 1's agents", "grabAgents", "/message/grabAgents/apiKey/1", ""},
		{"sid 2's page filters", "pageFilters", "/message/pageFilters/second-key/2",
			`{"result":"success","json":[{"id":21,"sid":2,"searchFilter":"example.org","searchName":"Everything","matchType":"like"}],"length":1}`},
		{"sid 1's page filters", "pageFilters", "/message/pageFilters/apiKey/1",
			`{"result":"success","json":[{"id":1,"sid":1,"searchFilter":"searchFilter","searchName":"searchName","matchType":"like"}],"length":1}`},
		{"sid 1's statistics", "chatStatistics", "/message/chatStatistics/apiKey/1" + stats, indList([]indRow{{Channel: "V1001",
			AgentName: "John Doe", AgentEmail: "john.doe@example.org", Referral: "Direct", ExitPage: "https://shop.example/pricing",
			Labels: []string{}, Tags: []string{}, Duration: indN(20000), ResponseTime: indN(10000), StartedAt: "2024-03-10T09:00:00.000Z"}})},
		{"sid 2's statistics", "chatStatistics", "/message/chatStatistics/second-key/2" + stats, indList([]indRow{{Channel: "V1001",
			AgentName: "Sven Second", AgentEmail: "sven@second.example", Referral: "Direct", ExitPage: "https://example.org/pricing", City: "Malmö",
			Labels: []string{"Second"}, Tags: []string{}, Duration: indN(70000), Rating: indN(5), ResponseTime: indN(60000), StartedAt: "2024-03-10T09:30:00.000Z"},
			{Channel: "V2001", Referral: "Direct", Labels: []string{}, Tags: []string{"private"}, StartedAt: "2024-03-10T10:00:00.000Z"}})},
		{"sid 1 filtering on sid 2's channel", "chatStatistics", "/message/chatStatistics/apiKey/1" + stats + "&channel=V2001", indList([]int{})},
		{"sid 1 filtering on sid 2's agent", "chatStatistics", "/message/chatStatistics/apiKey/1" + stats + "&agentId=21", indList([]int{})},
		{"sid 2 filtering on sid 1's agent", "chatStatistics", "/message/chatStatistics/second-key/2" + stats + "&agentIds=1&agentIds=2", indList([]int{})},
		{"sid 1 with sid 2's page filter", "chatStatistics", "/message/chatStatistics/apiKey/1" + stats + "&pageFilterId=21", indList([]int{})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			switch tc.name {
			case "same id, sid 2's messages":
				a := indDo(t, emu, http.MethodGet, tc.path, "")
				indValidate(t, tc.operation, a.body)
				var env struct {
					JSON []struct {
						SID     int64  `json:"sid"`
						From    string `json:"from"`
						Message string `json:"message"`
					} `json:"json"`
				}
				if err := json.Unmarshal([]byte(a.body), &env); err != nil || a.status != 200 {
					t.Fatalf("%d %s", a.status, a.body)
				}
				var texts []string
				for _, m := range env.JSON {
					if m.SID != 2 {
						t.Errorf("message of sid %d: %s", m.SID, a.body)
					}
					texts = append(texts, m.From+": "+m.Message)
				}
				want := []string{`system: {"type":"visitorJoin","currentPage":"https://example.org/pricing"}`, "V1001: two", "Sven: Sven here"}
				if !reflect.DeepEqual(texts, want) {
					t.Errorf("messages %q, want %q", texts, want)
				}
				return
			case "sid 1's agents":
				a := indDo(t, emu, http.MethodGet, tc.path, "")
				indValidate(t, tc.operation, a.body)
				if got := indChannels(t, a, "agentName"); !reflect.DeepEqual(got, []string{"John Doe", "Jane Doe"}) {
					t.Errorf("agents %v", got)
				}
				return
			}
			indOK(t, emu, tc.operation, tc.path, tc.want)
		})
	}
	errs := []struct {
		name, path string
		status     int
		message    string
	}{
		{"sid 1 cannot grab sid 2's conversation", "/message/grabConversation/apiKey/1/V2001", 404, "Conversation V2001 not found"},
		{"sid 1 cannot grab sid 2's tags", "/message/grabVisitorTags/apiKey/1/V2001", 404, "Conversation V2001 not found"},
		{"sid 2 cannot grab the fixtures' V1", "/message/grabConversation/second-key/2/V1", 404, "Conversation V1 not found"},
		{"sid 2 cannot grab the fixtures' card", "/message/grabVisitorCards/second-key/2/V1", 404, "Conversation V1 not found"},
		{"sid 1 cannot grab sid 2's agent", "/message/grabAgent/apiKey/1/21", 404, "Agent 21 not found"},
		{"sid 2 cannot grab sid 1's agent", "/message/grabAgent/second-key/2/1", 404, "Agent 1 not found"},
		{"sid 2's key with sid 1", "/message/grabAgents/second-key/1", 403, "apiKey does not belong to userId 1"},
		{"sid 1's key with sid 2", "/message/pageFilters/apiKey/2", 403, "apiKey does not belong to userId 2"},
		{"sid 2's key with sid 1, statistics", "/message/chatStatistics/second-key/1" + stats, 403, "apiKey does not belong to userId 1"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			indFail(t, emu, http.MethodGet, tc.path, tc.status, tc.message)
		})
	}
	t.Run("the desk: sid 2's agent cannot answer in sid 1", func(t *testing.T) {
		t.Parallel()
		a := indDo(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V1001/messages",
			`{"sender":"agent","agentID":21,"message":"intruder","at":"2024-03-10T09:05:00Z"}`)
		indExpectJSON(t, a, http.StatusNotFound, `{"error":"Agent 21 not found"}`)
	})
}

// ---------------------------------------------------------------------------
// The widget and desk helpers: insertCard, changeName, rating, messages.

func TestIndInsertCard(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	box := emu.ImBox()
	c := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V500", At: indT("2024-03-10T09:00:00Z")})
	c.InsertCard(t, indT("2024-03-10T09:01:00Z"), "order", "Order: 1001")
	c.InsertCard(t, indT("2024-03-10T09:02:00.250Z"), "email", "Email: kari@example.org")
	c.InsertCard(t, indT("2024-03-10T09:05:00Z"), "order", "Order: 1002, gift wrap")
	indOK(t, emu, "grabVisitorCards", "/message/grabVisitorCards/apiKey/1/V500", `{"result":"success","json":[
		{"dataID":"order","data":"Order: 1002, gift wrap","sid":1,"conversationID":"V500","createdDate":"2024-03-10T09:01:00.000Z","updatedDate":"2024-03-10T09:05:00.000Z"},
		{"dataID":"email","data":"Email: kari@example.org","sid":1,"conversationID":"V500","createdDate":"2024-03-10T09:02:00.250Z","updatedDate":"2024-03-10T09:02:00.250Z"}]}`)

	t.Run("the fixtures' card 1 on V1, through the control plane", func(t *testing.T) {
		// Not parallel with the read below: it writes first.
		a := indDo(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V1/cards",
			`{"dataID":"1","data":"Name: Jane Roe","at":"2024-03-10T10:00:00Z"}`)
		indExpectJSON(t, a, http.StatusOK, `{"dataID":"1","data":"Name: Jane Roe","sid":1,"conversationID":"V1",
			"createdDate":"2020-01-01T00:00:00.000Z","updatedDate":"2024-03-10T10:00:00.000Z"}`)
		a = indDo(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V1/cards",
			`{"dataID":"2","data":"Plan: Pro","at":"2024-03-10T10:00:01Z"}`)
		indExpectJSON(t, a, http.StatusCreated, `{"dataID":"2","data":"Plan: Pro","sid":1,"conversationID":"V1",
			"createdDate":"2024-03-10T10:00:01.000Z","updatedDate":"2024-03-10T10:00:01.000Z"}`)
		indOK(t, emu, "grabVisitorCards", "/message/grabVisitorCards/apiKey/1/V1", `{"result":"success","json":[
			{"dataID":"1","data":"Name: Jane Roe","sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","updatedDate":"2024-03-10T10:00:00.000Z"},
			{"dataID":"2","data":"Plan: Pro","sid":1,"conversationID":"V1","createdDate":"2024-03-10T10:00:01.000Z","updatedDate":"2024-03-10T10:00:01.000Z"}]}`)
	})
}

func TestIndChangeNameAndTags(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	box := emu.ImBox()
	c := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V600", At: indT("2024-03-10T09:00:00Z")})
	c.VisitorMessage(t, indT("2024-03-10T09:00:05Z"), "hi")
	c.AgentMessage(t, 1, indT("2024-03-10T09:00:15Z"), "hello")
	c.AddTag(t, indT("2024-03-10T09:01:00Z"), "vip")
	c.ChangeName(t, indT("2024-03-10T09:02:00Z"), "Kari Nordmann")
	c.AddTag(t, indT("2024-03-10T09:03:00Z"), "vip") // twice: the first kept
	c.AddTag(t, indT("2024-03-10T09:03:30Z"), "returning")
	c.ChangeName(t, indT("2024-03-10T09:04:00Z"), "Nordmann, Kari") // renamed in place
	indOK(t, emu, "grabVisitorTags", "/message/grabVisitorTags/apiKey/1/V600", `{"result":"success","json":[
		{"sid":1,"conversationID":"V600","createdDate":"2024-03-10T09:01:00.000Z","tag":"vip","type":1},
		{"sid":1,"conversationID":"V600","createdDate":"2024-03-10T09:04:00.000Z","tag":"Nordmann, Kari","type":0},
		{"sid":1,"conversationID":"V600","createdDate":"2024-03-10T09:03:30.000Z","tag":"returning","type":1}],"length":3}`)
	// The name is no tag in the statistics' sense.
	indOK(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:00:00.000Z",
		indList([]indRow{{Channel: "V600", AgentName: "John Doe", AgentEmail: "john.doe@example.org", Referral: "Direct",
			Labels: []string{}, Tags: []string{"vip", "returning"}, Duration: indN(15000), ResponseTime: indN(10000),
			StartedAt: "2024-03-10T09:00:00.000Z"}}))
	t.Run("changeName on the fixtures' V1 replaces John Doe", func(t *testing.T) {
		box.Conversation(1, "V1").ChangeName(t, indT("2024-03-10T10:00:00Z"), "Jane Roe")
		indOK(t, emu, "grabVisitorTags", "/message/grabVisitorTags/apiKey/1/V1", `{"result":"success","json":[
			{"sid":1,"conversationID":"V1","createdDate":"2024-03-10T10:00:00.000Z","tag":"Jane Roe","type":0},
			{"sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","tag":"Custom tag","type":1}],"length":2}`)
	})
}

func TestIndRating(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V700", At: indT("2024-03-10T09:00:00Z")})
	c.VisitorMessage(t, indT("2024-03-10T09:00:01Z"), "hi")
	c.AgentMessage(t, 2, indT("2024-03-10T09:00:03Z"), "hello")
	path := "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:00:00.000Z"
	row := indRow{Channel: "V700", AgentName: "Jane Doe", AgentEmail: "jane.doe@example.org", Referral: "Direct",
		Labels: []string{}, Tags: []string{}, Duration: indN(3000), ResponseTime: indN(2000), StartedAt: "2024-03-10T09:00:00.000Z"}
	indOK(t, emu, "chatStatistics", path, indList([]indRow{row}))
	c.Rate(t, 5)
	row.Rating = indN(5)
	indOK(t, emu, "chatStatistics", path, indList([]indRow{row}))
	c.Rate(t, 2)
	row.Rating = indN(2)
	indOK(t, emu, "chatStatistics", path, indList([]indRow{row}))
	indExpectCSV(t, indDo(t, emu, http.MethodGet, path+"&fileType=csv", ""), indCSVHeader+
		indCSV(t, "V700", "Jane Doe", "jane.doe@example.org", "Direct", "", "", "", "", "", "", "", "", "3000", "2", "2000", "2024-03-10T09:00:00.000Z"))
	a := indDo(t, emu, http.MethodPut, "/_emulator/imbox/1/conversations/V700/rating", `{"rating":null}`)
	indExpectJSON(t, a, http.StatusOK, `{"conversationID":"V700","rating":null}`)
	row.Rating = nil
	indOK(t, emu, "chatStatistics", path, indList([]indRow{row}))
	for _, bad := range []string{`{"rating":0}`, `{"rating":6}`, `{"rating":4.5}`, `{"rating":"5"}`} {
		if a := indDo(t, emu, http.MethodPut, "/_emulator/imbox/1/conversations/V700/rating", bad); a.status != http.StatusBadRequest {
			t.Errorf("rating %s: %d %s, want 400", bad, a.status, a.body)
		}
	}
}

// TestIndDeskConversation: messages written with the helpers come back in
// grabConversation's documented shapes; the agent's last activity moves up.
func TestIndDeskConversation(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	box := emu.ImBox()
	id := "V98765432109876543210" // 20 digits: beyond int64
	c := box.StartConversation(t, testkit.ImBoxStart{ConversationID: id, At: indT("2024-03-10T09:00:00Z")})
	join := c.Visit(t, indT("2024-03-10T09:00:00Z"), "https://shop.example/p?a=1&b=<2>")
	v := c.VisitorMessage(t, indT("2024-03-10T09:00:10.123Z"), "Hej \"där\" <b>")
	a1 := c.AgentMessage(t, 1, indT("2024-03-10T09:00:20Z"), "Hello")
	a2 := c.AgentMessage(t, 2, indT("2024-03-10T09:00:20Z"), "Hi from Jane") // same date: recorded order
	sysA := indDo(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/"+id+"/messages",
		`{"sender":"system","event":{"type":"chatEnded","by":"agent"},"at":"2024-03-10T09:30:00Z"}`)
	if sysA.status != http.StatusCreated {
		t.Fatalf("system message: %d %s", sysA.status, sysA.body)
	}
	var sys struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal([]byte(sysA.body), &sys)
	if !(join < v && v < a1 && a1 < a2 && a2 < sys.ID) || join <= 702005 {
		t.Errorf("message ids %d %d %d %d %d: want increasing, above the fixtures' 702005", join, v, a1, a2, sys.ID)
	}
	want := fmt.Sprintf(`{"result":"success","json":[
		{"id":%d,"sid":1,"conversationID":%q,"from":"system","message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://shop.example/p?a=1&b=<2>\"}","date":"2024-03-10T09:00:00.000Z","agentID":null},
		{"id":%d,"sid":1,"conversationID":%q,"from":%q,"message":"Hej \"där\" <b>","date":"2024-03-10T09:00:10.123Z","agentID":0},
		{"id":%d,"sid":1,"conversationID":%q,"from":"John","message":"Hello","date":"2024-03-10T09:00:20.000Z","agentID":1},
		{"id":%d,"sid":1,"conversationID":%q,"from":"Jane","message":"Hi from Jane","date":"2024-03-10T09:00:20.000Z","agentID":2},
		{"id":%d,"sid":1,"conversationID":%q,"from":"system","message":"{\"type\":\"chatEnded\",\"by\":\"agent\"}","date":"2024-03-10T09:30:00.000Z","agentID":null}
		],"length":5}`, join, id, v, id, id, a1, id, a2, id, sys.ID, id)
	got := indOK(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/"+id, want)
	if !strings.Contains(got.body, `https://shop.example/p?a=1&b=<2>`) {
		t.Errorf("URLs must not be HTML-escaped: %s", got.body)
	}
	// The visitor's details follow the messages (fidelity.md defaults).
	indOK(t, emu, "grabVisitorInfo", "/message/grabVisitorInfo/apiKey/1/"+id, fmt.Sprintf(`{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,
		"conversationID":%q,"last_visit":"2024-03-10T09:00:10.123Z","browser":"","os":"","user_city":"","user_country":"","exitPage":"https://shop.example/p?a=1&b=<2>"}]}`, id))
	// agentLastActive moves up with the agent's messages.
	indOK(t, emu, "grabAgent", "/message/grabAgent/apiKey/1/2", `{"result":"success","json":[{"agentID":2,"sid":1,"agentName":"Jane Doe",
		"agentEmail":"jane.doe@example.org","agentPicture":"https://example.org/avatar.png","agentLastActive":"2024-03-10T09:00:20.000Z",
		"department":"Marketing","isBackOffice":"1","groups":"Marketing"}]}`)
	// chatStatistics ignores system messages for duration.
	indOK(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?startTime=2024-03-10T09:00:00.000Z&endTime=2024-03-10T09:00:00.000Z",
		indList([]indRow{{Channel: id, AgentName: "John Doe", AgentEmail: "john.doe@example.org", Referral: "Direct",
			ExitPage: "https://shop.example/p?a=1&b=<2>", Labels: []string{}, Tags: []string{}, Duration: indN(20000),
			ResponseTime: indN(9877), StartedAt: "2024-03-10T09:00:00.000Z"}}))
}

// TestIndVisitorInfo: what the widget reports, and what it derives.
func TestIndVisitorInfo(t *testing.T) {
	t.Parallel()
	emu := indShop(t)
	tests := []struct{ id, want string }{
		{"V1001", `{"result":"success","json":[{"trafficType":"Organic","se_type":"Google","sid":1,"conversationID":"V1001",
			"last_visit":"2024-03-10T09:10:00.000Z","browser":"Firefox \"Nightly\"","os":"Ubuntu 22.04","user_city":"Washington, D.C.",
			"user_country":"USA","exitPage":"https://shop.example/thanks"}]}`},
		{"V1003", `{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"V1003",
			"last_visit":"2024-03-10T11:02:00.000Z","browser":"","os":"","user_city":"","user_country":"","exitPage":"https://shop.example/pricing?ref=mail"}]}`},
		{"V1008", `{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"V1008",
			"last_visit":"2024-03-11T23:30:00.000Z","browser":"","os":"","user_city":"","user_country":"","exitPage":""}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			indOK(t, emu, "grabVisitorInfo", "/message/grabVisitorInfo/apiKey/1/"+tc.id, tc.want)
		})
	}
	t.Run("labels in the order set", func(t *testing.T) {
		t.Parallel()
		indOK(t, emu, "grabVisitorLabels", "/message/grabVisitorLabels/apiKey/1/V1001", `{"result":"success","json":[
			{"conversationID":"V1001","createdDate":"2024-03-10T09:04:03.000Z","label":"Sales"},
			{"conversationID":"V1001","createdDate":"2024-03-10T09:04:04.000Z","label":"Pre \"sale\""}]}`)
	})
	t.Run("pageFilters lists the seeded ones by id", func(t *testing.T) {
		t.Parallel()
		indOK(t, emu, "pageFilters", "/message/pageFilters/apiKey/1", `{"result":"success","json":[
			{"id":1,"sid":1,"searchFilter":"searchFilter","searchName":"searchName","matchType":"like"},
			{"id":11,"sid":1,"searchFilter":"pricing","searchName":"Pricing","matchType":"like"},
			{"id":12,"sid":1,"searchFilter":"https://shop.example/checkout","searchName":"Checkout","matchType":"startsWith"},
			{"id":13,"sid":1,"searchFilter":"https://shop.example/support","searchName":"Support","matchType":"exact"}],"length":4}`)
	})
}

// ---------------------------------------------------------------------------
// Runtime seeding, page filter match types, the desk's rules.

const indSeedThird = `{"imbox":{
 "accounts":[{"sid":3,"apiKey":"key-3"}],
 "agents":[{"agentID":31,"sid":3,"agentName":"Tove Third","agentEmail":"tove@third.example","agentLastActive":"2023-01-01T00:00:00.000Z","isBackOffice":true}],
 "pageFilters":[{"id":31,"sid":3,"searchFilter":"/pricing","searchName":"Pricing","matchType":"like"}],
 "conversations":[{"sid":3,"conversationID":"V31","date":"2024-03-10T10:00:00+01:00",
   "visitor":{"trafficType":"www.partner.example","user_city":"Lund"},
   "tags":[{"tag":"Kari","type":0,"createdDate":"2024-03-10T09:05:00.000Z"},{"tag":"vip","type":1}],
   "labels":[{"label":"Sales"}],
   "cards":[{"dataID":"1","data":"Plan: Pro","createdDate":"2024-03-10T09:01:00.000Z","updatedDate":"2024-03-10T09:02:00.000Z"}],
   "rating":4,
   "messages":[
     {"id":800001,"message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://third.example/pricing\"}","date":"2024-03-10T09:00:00.000Z","agentID":null},
     {"id":800002,"message":"Hi","date":"2024-03-10T09:00:05.000Z","agentID":0},
     {"id":800003,"message":"Hello","date":"2024-03-10T09:00:35.000Z","agentID":31},
     {"id":800004,"message":"Bye","date":"2024-03-10T09:01:05.000Z","agentID":0}]}]}}`

func TestIndSeed(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	if a := indDo(t, emu, http.MethodPost, "/_emulator/seed", indSeedThird); a.status != http.StatusOK {
		t.Fatalf("seed: %d %s", a.status, a.body)
	}
	stats := "/message/chatStatistics/key-3/3?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:59:59.999Z"
	indOK(t, emu, "listConversations", "/message/listConversations/key-3/3/2024-03-10/2024-03-10?pageFilterId=31",
		`{"result":"success","json":[{"sid":3,"conversationID":"V31","date":"2024-03-10T09:00:00.000Z"}],"length":1}`)
	indOK(t, emu, "grabConversation", "/message/grabConversation/key-3/3/V31", `{"result":"success","json":[
		{"id":800001,"sid":3,"conversationID":"V31","from":"system","message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://third.example/pricing\"}","date":"2024-03-10T09:00:00.000Z","agentID":null},
		{"id":800002,"sid":3,"conversationID":"V31","from":"V31","message":"Hi","date":"2024-03-10T09:00:05.000Z","agentID":0},
		{"id":800003,"sid":3,"conversationID":"V31","from":"Tove Third","message":"Hello","date":"2024-03-10T09:00:35.000Z","agentID":31},
		{"id":800004,"sid":3,"conversationID":"V31","from":"V31","message":"Bye","date":"2024-03-10T09:01:05.000Z","agentID":0}],"length":4}`)
	indOK(t, emu, "grabVisitorTags", "/message/grabVisitorTags/key-3/3/V31", `{"result":"success","json":[
		{"sid":3,"conversationID":"V31","createdDate":"2024-03-10T09:05:00.000Z","tag":"Kari","type":0},
		{"sid":3,"conversationID":"V31","createdDate":"2024-03-10T09:00:00.000Z","tag":"vip","type":1}],"length":2}`)
	indOK(t, emu, "grabVisitorCards", "/message/grabVisitorCards/key-3/3/V31", `{"result":"success","json":[
		{"dataID":"1","data":"Plan: Pro","sid":3,"conversationID":"V31","createdDate":"2024-03-10T09:01:00.000Z","updatedDate":"2024-03-10T09:02:00.000Z"}]}`)
	indOK(t, emu, "grabAgent", "/message/grabAgent/key-3/3/31", `{"result":"success","json":[{"agentID":31,"sid":3,"agentName":"Tove Third",
		"agentEmail":"tove@third.example","agentPicture":"","agentLastActive":"2024-03-10T09:00:35.000Z","department":"","isBackOffice":"1","groups":""}]}`)
	indOK(t, emu, "chatStatistics", stats, indList([]indRow{{Channel: "V31", AgentName: "Tove Third", AgentEmail: "tove@third.example",
		Referral: "www.partner.example", ExitPage: "https://third.example/pricing", City: "Lund", Labels: []string{"Sales"}, Tags: []string{"vip"},
		Duration: indN(65000), Rating: indN(4), ResponseTime: indN(30000), StartedAt: "2024-03-10T09:00:00.000Z"}}))

	// A document is applied whole or not at all.
	bad := `{"imbox":{"accounts":[{"sid":4,"apiKey":"key-4"}],
	  "conversations":[{"sid":4,"conversationID":"V41","date":"2024-03-10T09:00:00.000Z",
	    "messages":[{"id":800101,"message":"too early","date":"2024-03-10T08:59:59.999Z","agentID":0}]}]}}`
	if a := indDo(t, emu, http.MethodPost, "/_emulator/seed", bad); a.status != http.StatusBadRequest {
		t.Errorf("seeding a message before its conversation: %d %s, want 400", a.status, a.body)
	}
	indFail(t, emu, http.MethodGet, "/message/grabAgents/key-4/4", http.StatusUnauthorized, "Invalid apiKey")
	for name, doc := range map[string]string{
		"label with a comma":      `{"imbox":{"conversations":[{"sid":3,"conversationID":"V32","date":"2024-03-10T09:00:00.000Z","labels":[{"label":"a,b"}]}]}}`,
		"regular tag with comma":  `{"imbox":{"conversations":[{"sid":3,"conversationID":"V32","date":"2024-03-10T09:00:00.000Z","tags":[{"tag":"a,b","type":1}]}]}}`,
		"two name tags":           `{"imbox":{"conversations":[{"sid":3,"conversationID":"V32","date":"2024-03-10T09:00:00.000Z","tags":[{"tag":"a","type":0},{"tag":"b","type":0}]}]}}`,
		"rating 6":                `{"imbox":{"conversations":[{"sid":3,"conversationID":"V32","date":"2024-03-10T09:00:00.000Z","rating":6}]}}`,
		"apiKey of another sid":   `{"imbox":{"accounts":[{"sid":5,"apiKey":"key-3"}]}}`,
		"unknown account":         `{"imbox":{"conversations":[{"sid":9,"conversationID":"V91","date":"2024-03-10T09:00:00.000Z"}]}}`,
		"another account's agent": `{"imbox":{"conversations":[{"sid":3,"conversationID":"V32","date":"2024-03-10T09:00:00.000Z","messages":[{"id":800201,"message":"x","date":"2024-03-10T09:00:00.000Z","agentID":1}]}]}}`,
		"invalid regex":           `{"imbox":{"pageFilters":[{"id":32,"sid":3,"searchFilter":"(","matchType":"regex"}]}}`,
		"unknown matchType":       `{"imbox":{"pageFilters":[{"id":32,"sid":3,"searchFilter":"x","matchType":"contains"}]}}`,
		"system message not JSON": `{"imbox":{"conversations":[{"sid":3,"conversationID":"V32","date":"2024-03-10T09:00:00.000Z","messages":[{"id":800201,"message":"joined","date":"2024-03-10T09:00:00.000Z","agentID":null}]}]}}`,
	} {
		if a := indDo(t, emu, http.MethodPost, "/_emulator/seed", doc); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, a.status, a.body)
		}
	}
	indFail(t, emu, http.MethodGet, "/message/grabConversation/key-3/3/V32", http.StatusNotFound, "Conversation V32 not found")

	// Seeding a conversation again replaces it with its messages.
	again := `{"imbox":{"conversations":[{"sid":3,"conversationID":"V31","date":"2024-03-10T12:00:00.000Z",
	  "messages":[{"id":800001,"message":"Reseeded","date":"2024-03-10T12:00:01.000Z","agentID":0}]}]}}`
	if a := indDo(t, emu, http.MethodPost, "/_emulator/seed", again); a.status != http.StatusOK {
		t.Fatalf("reseed: %d %s", a.status, a.body)
	}
	indOK(t, emu, "grabConversation", "/message/grabConversation/key-3/3/V31", `{"result":"success","json":[
		{"id":800001,"sid":3,"conversationID":"V31","from":"V31","message":"Reseeded","date":"2024-03-10T12:00:01.000Z","agentID":0}],"length":1}`)
	indOK(t, emu, "listConversations", "/message/listConversations/key-3/3/2024-03-10/2024-03-10?pageFilterId=31", indList([]int{}))
	indOK(t, emu, "chatStatistics", stats, indList([]indRow{{Channel: "V31", Referral: "Direct", Labels: []string{}, Tags: []string{},
		StartedAt: "2024-03-10T12:00:00.000Z"}}))
}

// TestIndPageFilterMatchTypes: the four documented match types, each
// through listConversations and chatStatistics.
func TestIndPageFilterMatchTypes(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	emu.Seed(t, []byte(`{"imbox":{"pageFilters":[
	 {"id":41,"sid":1,"searchFilter":"PRICING","searchName":"","matchType":"like"},
	 {"id":42,"sid":1,"searchFilter":"shop_example/%/buy","searchName":"","matchType":"like"},
	 {"id":43,"sid":1,"searchFilter":"100\\%","searchName":"","matchType":"like"},
	 {"id":44,"sid":1,"searchFilter":"HTTPS://Shop.Example/Support","searchName":"","matchType":"exact"},
	 {"id":45,"sid":1,"searchFilter":"https://shop.example/blog","searchName":"","matchType":"startsWith"},
	 {"id":46,"sid":1,"searchFilter":"^https://shop\\.example/(pricing|checkout)$","searchName":"","matchType":"regex"},
	 {"id":47,"sid":1,"searchFilter":"(?i)/BLOG/","searchName":"","matchType":"regex"}]}}`))
	box := emu.ImBox()
	pages := map[string]string{
		"V01": "https://shop.example/pricing",
		"V02": "https://shop.example/products/42/buy",
		"V03": "https://shop.example/sale-100%-off",
		"V04": "https://shop.example/support",
		"V05": "https://shop.example/support/faq",
		"V06": "https://shop.example/blog/post-1",
		"V07": "https://shopXexample/a/buy",
		"V08": "HTTPS://SHOP.EXAMPLE/PRICING",
		"V09": "https://blog.example/blog/",
	}
	ids := []string{"V01", "V02", "V03", "V04", "V05", "V06", "V07", "V08", "V09"}
	for i, id := range ids {
		box.StartConversation(t, testkit.ImBoxStart{ConversationID: id, At: indT("2024-03-10T09:00:00Z").Add(time.Duration(i) * time.Minute), Page: pages[id]})
	}
	// A visitorJoin posted as a system message counts as a visit too.
	if a := indDo(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/V09/messages",
		`{"sender":"system","event":{"type":"visitorJoin","currentPage":"https://shop.example/checkout"},"at":"2024-03-10T10:00:00Z"}`); a.status != http.StatusCreated {
		t.Fatalf("system visitorJoin: %d %s", a.status, a.body)
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{"41", []string{"V01", "V08"}},                 // like ignores case
		{"42", []string{"V02", "V07"}},                 // _ is one character, % a run
		{"43", []string{"V03"}},                        // \% is a literal %
		{"44", []string{"V04"}},                        // exact ignores case, nothing more
		{"45", []string{"V06"}},                        // startsWith
		{"46", []string{"V01", "V09"}},                 // regex is case-sensitive; V09's second visit
		{"47", []string{"V06", "V09"}},                 // (?i)
		{"44&pageFilterId=45", []string{"V04", "V06"}}, // ORed
	}
	for _, tc := range tests {
		t.Run("pageFilterId="+tc.filter, func(t *testing.T) {
			t.Parallel()
			la := indDo(t, emu, http.MethodGet, "/message/listConversations/apiKey/1/2024-03-10/2024-03-10?pageFilterId="+tc.filter, "")
			sa := indDo(t, emu, http.MethodGet, "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:59:59.999Z&pageFilterId="+tc.filter, "")
			if got := indChannels(t, la, "conversationID"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("listConversations %v, want %v", got, tc.want)
			}
			if got := indChannels(t, sa, "channel"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("chatStatistics %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIndDeskRules: what the widget and the desk accept and refuse.
func TestIndDeskRules(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	box := emu.ImBox()
	box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V900", At: indT("2024-03-10T09:00:00Z")})
	conv := "/_emulator/imbox/1/conversations/V900"
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"unknown account", "POST", "/_emulator/imbox/9/conversations", `{"conversationID":"V1"}`, 404},
		{"existing id", "POST", "/_emulator/imbox/1/conversations", `{"conversationID":"V900","at":"2024-03-10T09:00:00Z"}`, 409},
		{"the fixtures' id", "POST", "/_emulator/imbox/1/conversations", `{"conversationID":"V1"}`, 409},
		{"unknown conversation", "POST", "/_emulator/imbox/1/conversations/V999/messages", `{"sender":"visitor","message":"x"}`, 404},
		{"message before the start", "POST", conv + "/messages", `{"sender":"visitor","message":"x","at":"2024-03-10T08:59:59.999Z"}`, 400},
		{"unknown agent", "POST", conv + "/messages", `{"sender":"agent","agentID":3,"message":"x","at":"2024-03-10T09:01:00Z"}`, 404},
		{"agent message without agentID", "POST", conv + "/messages", `{"sender":"agent","message":"x","at":"2024-03-10T09:01:00Z"}`, 400},
		{"unknown sender", "POST", conv + "/messages", `{"sender":"bot","message":"x","at":"2024-03-10T09:01:00Z"}`, 400},
		{"empty message", "POST", conv + "/messages", `{"sender":"visitor","message":"","at":"2024-03-10T09:01:00Z"}`, 400},
		{"tag with a comma", "POST", conv + "/tags", `{"tag":"a,b","at":"2024-03-10T09:01:00Z"}`, 400},
		{"label with a comma", "POST", conv + "/labels", `{"label":"a,b","at":"2024-03-10T09:01:00Z"}`, 400},
		{"empty name", "PUT", conv + "/name", `{"name":" ","at":"2024-03-10T09:01:00Z"}`, 400},
		{"card without id", "POST", conv + "/cards", `{"data":"x","at":"2024-03-10T09:01:00Z"}`, 400},
		{"malformed time", "POST", conv + "/tags", `{"tag":"x","at":"yesterday"}`, 400},
		{"not JSON", "POST", conv + "/tags", `tag=x`, 400},
		{"a name may hold a comma", "PUT", conv + "/name", `{"name":"Nordmann, Kari","at":"2024-03-10T09:01:00Z"}`, 200},
		{"a new tag", "POST", conv + "/tags", `{"tag":"new","at":"2024-03-10T09:01:00Z"}`, 201},
		{"a new label", "POST", conv + "/labels", `{"label":"new","at":"2024-03-10T09:01:00Z"}`, 201},
		{"a new card", "POST", conv + "/cards", `{"dataID":"c","data":"x","at":"2024-03-10T09:05:00Z"}`, 201},
	}
	for _, tc := range tests {
		a := indDo(t, emu, tc.method, tc.path, tc.body)
		if a.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
		}
		if a.status >= 400 {
			var e map[string]any
			if json.Unmarshal([]byte(a.body), &e) != nil || e["error"] == nil {
				t.Errorf("%s: control error body %s, want {\"error\": ...}", tc.name, a.body)
			}
		}
	}
	// Adding a tag or label twice keeps the first; a card cannot be updated
	// before it was created.
	a := indDo(t, emu, http.MethodPost, conv+"/tags", `{"tag":"new","at":"2024-03-10T09:02:00Z"}`)
	indExpectJSON(t, a, http.StatusOK, `{"sid":1,"conversationID":"V900","createdDate":"2024-03-10T09:01:00.000Z","tag":"new","type":1}`)
	a = indDo(t, emu, http.MethodPost, conv+"/labels", `{"label":"new","at":"2024-03-10T09:02:00Z"}`)
	indExpectJSON(t, a, http.StatusOK, `{"conversationID":"V900","createdDate":"2024-03-10T09:01:00.000Z","label":"new"}`)
	if a := indDo(t, emu, http.MethodPost, conv+"/cards", `{"dataID":"c","data":"y","at":"2024-03-10T09:04:59Z"}`); a.status != http.StatusBadRequest {
		t.Errorf("card updated before it was created: %d %s", a.status, a.body)
	}
	indOK(t, emu, "grabVisitorTags", "/message/grabVisitorTags/apiKey/1/V900", `{"result":"success","json":[
		{"sid":1,"conversationID":"V900","createdDate":"2024-03-10T09:01:00.000Z","tag":"Nordmann, Kari","type":0},
		{"sid":1,"conversationID":"V900","createdDate":"2024-03-10T09:01:00.000Z","tag":"new","type":1}],"length":2}`)
	indOK(t, emu, "grabVisitorCards", "/message/grabVisitorCards/apiKey/1/V900", `{"result":"success","json":[
		{"dataID":"c","data":"x","sid":1,"conversationID":"V900","createdDate":"2024-03-10T09:05:00.000Z","updatedDate":"2024-03-10T09:05:00.000Z"}]}`)

	t.Run("visitor details: set, then null returns the default", func(t *testing.T) {
		c := box.StartConversation(t, testkit.ImBoxStart{ConversationID: "V901", At: indT("2024-03-10T09:00:00Z"), Page: "https://shop.example/a",
			Visitor: &testkit.ImBoxVisitor{TrafficType: "Organic", ExitPage: "https://shop.example/explicit", City: "Oslo"}})
		c.SetVisitorInfo(t, testkit.ImBoxVisitor{Browser: "Edge 120"})
		a := indDo(t, emu, http.MethodPatch, "/_emulator/imbox/1/conversations/V901/visitor", `{"trafficType":null,"exitPage":null,"user_city":""}`)
		if a.status != http.StatusOK {
			t.Fatalf("patch: %d %s", a.status, a.body)
		}
		indOK(t, emu, "grabVisitorInfo", "/message/grabVisitorInfo/apiKey/1/V901", `{"result":"success","json":[{"trafficType":"Direct","se_type":"",
			"sid":1,"conversationID":"V901","last_visit":"2024-03-10T09:00:00.000Z","browser":"Edge 120","os":"","user_city":"","user_country":"",
			"exitPage":"https://shop.example/a"}]}`)
	})
	t.Run("a generated id is V and 20 digits, and the start defaults to the clock", func(t *testing.T) {
		c := box.StartConversation(t, testkit.ImBoxStart{})
		if len(c.ID) != 21 || c.ID[0] != 'V' || strings.Trim(c.ID[1:], "0123456789") != "" {
			t.Errorf("generated id %q", c.ID)
		}
		if !c.Date.Equal(indClock) {
			t.Errorf("start %v, want the clock %v", c.Date, indClock)
		}
		indOK(t, emu, "listConversations", "/message/listConversations/apiKey/1/2024-03-20/2024-03-20",
			`{"result":"success","json":[{"sid":1,"conversationID":"`+c.ID+`","date":"2024-03-20T12:00:00.000Z"}],"length":1}`)
		// endTime defaults to now, and now is included.
		indOK(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?startTime=2024-03-20T12:00:00.000Z",
			indList([]indRow{{Channel: c.ID, Referral: "Direct", Labels: []string{}, Tags: []string{}, StartedAt: "2024-03-20T12:00:00.000Z"}}))
	})
}

// TestIndTimezoneSummer: in July Stockholm is UTC+2; the CSV writes that
// offset and an offset-less window is read with it.
func TestIndTimezoneSummer(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V800", At: indT("2023-07-01T22:30:00Z")})
	base := "/message/chatStatistics/apiKey/1?"
	row := indRow{Channel: "V800", Referral: "Direct", Labels: []string{}, Tags: []string{}, StartedAt: "2023-07-01T22:30:00.000Z"}
	indOK(t, emu, "chatStatistics", base+"startTime=2023-07-02T00:00:00&endTime=2023-07-02T23:59:59.999&timezone=Europe/Stockholm", indList([]indRow{row}))
	indOK(t, emu, "chatStatistics", base+"startTime=2023-07-02T00:00:00&endTime=2023-07-02T23:59:59.999", indList([]indRow{}))
	indExpectCSV(t, indDo(t, emu, http.MethodGet, base+"startTime=2023-07-01T00:00:00.000Z&endTime=2023-07-03T00:00:00.000Z&fileType=csv&timezone=Europe/Stockholm", ""),
		indCSVHeader+indCSV(t, "V800", "", "", "Direct", "", "", "", "", "", "", "", "", "", "", "", "2023-07-02T00:30:00.000+02:00"))
}

// TestIndProactiveGreeting: an agent greeting before the visitor wrote is
// not the answer; the first agent message at or after the visitor's first
// message is, and its agent is the row's agent.
func TestIndProactiveGreeting(t *testing.T) {
	t.Parallel()
	emu := indStart(t)
	c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V810", At: indT("2024-03-10T09:00:00Z")})
	c.AgentMessage(t, 1, indT("2024-03-10T09:00:00Z"), "Welcome!")
	c.VisitorMessage(t, indT("2024-03-10T09:00:30Z"), "Question")
	c.AgentMessage(t, 2, indT("2024-03-10T09:01:30Z"), "Answer")
	c.VisitorMessage(t, indT("2024-03-10T09:02:00Z"), "Thanks")
	base := "/message/chatStatistics/apiKey/1?startTime=2024-03-10T00:00:00.000Z&endTime=2024-03-10T23:00:00.000Z"
	row := indRow{Channel: "V810", AgentName: "Jane Doe", AgentEmail: "jane.doe@example.org", Referral: "Direct", Labels: []string{}, Tags: []string{},
		Duration: indN(120000), ResponseTime: indN(60000), StartedAt: "2024-03-10T09:00:00.000Z"}
	indOK(t, emu, "chatStatistics", base, indList([]indRow{row}))
	indOK(t, emu, "chatStatistics", base+"&agentId=2", indList([]indRow{row}))
	indOK(t, emu, "chatStatistics", base+"&agentId=1", indList([]indRow{}))
}
