package imbox_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/testkit"
)

// Seeds (POST /_emulator/seed, the fixture document shape) are checked
// against schemas/imbox/fixtures.schema.json and then for what a schema
// cannot say; a refused seed changes nothing.
func TestSeedValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      string // the exact control-plane answer (400)
	}{
		{"unknown match type", `{"imbox":{"pageFilters":[{"id":2,"sid":1,"searchFilter":"x","matchType":"fuzzy"}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/pageFilters/0/matchType","reason":"pageFilters.0.matchType must be one of the following: \"like\", \"exact\", \"startsWith\", \"regex\""}]}`},
		{"a date that is not RFC 3339", `{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01 00:00:00"}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/conversations/0/date","reason":"Does not match pattern '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'"}]}`},
		{"the doc's impossible date", `{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-00-00T00:00:00.000Z"}]}}`,
			problemBody(`/imbox/conversations/0/date`, `expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got "2020-00-00T00:00:00.000Z"`)},
		{"the doc's string forms of isBackOffice and groups",
			`{"imbox":{"agents":[{"agentID":3,"sid":1,"agentName":"X","agentLastActive":"2020-01-01T00:00:00Z","isBackOffice":"0","groups":"Sales,Support"}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/agents/0/groups","reason":"Invalid type. Expected: array, given: string"},{"path":"/imbox/agents/0/isBackOffice","reason":"Invalid type. Expected: boolean, given: string"}]}`},
		{"a label with a comma and a rating of 6",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","labels":[{"label":"a,b"}],"rating":6}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/conversations/0/labels/0/label","reason":"Does not match pattern '^[^,]+$'"},{"path":"/imbox/conversations/0/rating","reason":"Must validate one and only one schema (oneOf)"},{"path":"/imbox/conversations/0/rating","reason":"Must be less than or equal to 5"}]}`},
		{"an account without apiKey", `{"imbox":{"accounts":[{"sid":5}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/accounts/0","reason":"apiKey is required"}]}`},
		{"an agent of an undefined account",
			`{"imbox":{"accounts":[{"sid":5,"apiKey":"key5"}],"agents":[{"agentID":3,"sid":9,"agentName":"X","agentLastActive":"2020-01-01T00:00:00Z"}]}}`,
			problemBody("/imbox/agents/0/sid", "account sid 9 is not defined")},
		{"an apiKey of another account", `{"imbox":{"accounts":[{"sid":5,"apiKey":"apiKey"}]}}`,
			problemBody(`/imbox/accounts/0/apiKey`, `apiKey "apiKey" already belongs to account sid 1`)},
		{"an invalid regex", `{"imbox":{"pageFilters":[{"id":2,"sid":1,"searchFilter":"(a","matchType":"regex"}]}}`,
			problemBody("/imbox/pageFilters/0/searchFilter", "not a valid regular expression: error parsing regexp: missing closing ): `(a`")},
		{"a message before its conversation",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":10,"message":"x","date":"2019-12-31T23:59:59Z","agentID":0}]}]}}`,
			problemBody("/imbox/conversations/0/messages/0/date", "2019-12-31T23:59:59.000Z is before the conversation's start 2020-01-01T00:00:00.000Z")},
		{"a message by another account's agent",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":10,"message":"x","date":"2020-01-01T00:00:00Z","agentID":20}]}]}}`,
			problemBody("/imbox/conversations/0/messages/0/agentID", "agent 20 is not an agent of sid 1")},
		{"a system message that is not a JSON object",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":10,"message":"joined","date":"2020-01-01T00:00:00Z","agentID":null}]}]}}`,
			problemBody(`/imbox/conversations/0/messages/0/message`, `a system message carries a JSON-encoded object, got "joined"`)},
		{"a message id of another conversation",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":1,"message":"x","date":"2020-01-01T00:00:00Z","agentID":0}]}]}}`,
			problemBody("/imbox/conversations/0/messages/0/id", "message 1 already belongs to conversation V1 of sid 1")},
		{"two name tags",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","tags":[{"tag":"A","type":0},{"tag":"B","type":0}]}]}}`,
			problemBody("/imbox/conversations/0/tags/1/type", "a conversation has one name tag (type 0)")},
		{"a regular tag with a comma",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","tags":[{"tag":"Doe, John","type":0},{"tag":"a,b","type":1}]}]}}`,
			problemBody(`/imbox/conversations/0/tags/1/tag`, `a tag may not contain a comma (chatStatistics joins them with commas), got "a,b"`)},
		{"a card id twice",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","cards":[{"dataID":"1","data":"a"},{"dataID":"1","data":"b"}]}]}}`,
			problemBody(`/imbox/conversations/0/cards/1/dataID`, `dataID "1" appears twice; insertCard keeps one card per id`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			seed(t, emu, secondAccount)
			expect(t, control(t, emu, http.MethodPost, "/_emulator/seed", tc.doc), http.StatusBadRequest, tc.want)
			// Nothing of the refused document was applied.
			expect(t, get(t, emu, "grabAgents", "/message/grabAgents/key5/5"), http.StatusUnauthorized, errorBody("Invalid apiKey"))
			expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V8"), http.StatusNotFound, errorBody("Conversation V8 not found"))
			expect(t, get(t, emu, "pageFilters", "/message/pageFilters/apiKey/1"), http.StatusOK,
				`{"result":"success","json":[{"id":1,"sid":1,"searchFilter":"searchFilter","searchName":"searchName","matchType":"like"}],"length":1}`)
		})
	}
}

// A seed may replace an account's API key, agents and page filters by id.
func TestSeedReplaces(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	seed(t, emu, `{"imbox":{"accounts":[{"sid":1,"apiKey":"rotated"}],
		"agents":[{"agentID":2,"sid":1,"agentName":"Jane Smith","agentLastActive":"2021-01-01T00:00:00Z","groups":[]}],
		"pageFilters":[{"id":1,"sid":1,"searchFilter":"/support","matchType":"startsWith"}]}}`)
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1"), http.StatusUnauthorized, errorBody("Invalid apiKey"))
	expect(t, get(t, emu, "grabAgent", "/message/grabAgent/rotated/1/2"), http.StatusOK,
		`{"result":"success","json":[{"agentID":2,"sid":1,"agentName":"Jane Smith","agentEmail":"","agentPicture":"","agentLastActive":"2021-01-01T00:00:00.000Z","department":"","isBackOffice":"0","groups":""}]}`)
	expect(t, get(t, emu, "pageFilters", "/message/pageFilters/rotated/1"), http.StatusOK,
		`{"result":"success","json":[{"id":1,"sid":1,"searchFilter":"/support","searchName":"","matchType":"startsWith"}],"length":1}`)
	emu.Reset(t)
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1"), http.StatusOK,
		`{"result":"success","json":[`+docJohn+`,`+docJane+`],"length":2}`)
}

// A fixture file that is not valid stops start-up with its name, the path
// and the reason.
func TestFixtureFileValidation(t *testing.T) {
	t.Parallel()
	_, err := emulator.New(emulator.Config{Fixtures: fstest.MapFS{
		"imbox.json": {Data: []byte(`{"imbox":{"accounts":[{"sid":0,"apiKey":"k"}]}}`)},
	}})
	if err == nil || !strings.Contains(err.Error(), "imbox.json is not valid:\n  /imbox/accounts/0/sid: Must be greater than or equal to 1") {
		t.Fatalf("err = %v", err)
	}
	_, err = emulator.New(emulator.Config{Fixtures: fstest.MapFS{
		"imbox.json": {Data: []byte(`{"imbox":{"agents":[{"agentID":1,"sid":4,"agentName":"A","agentLastActive":"2020-01-01T00:00:00Z"}]}}`)},
	}})
	if err == nil || err.Error() != "loading fixtures: imbox.json is not valid:\n  /imbox/agents/0/sid: account sid 4 is not defined" {
		t.Fatalf("err = %v", err)
	}
}

// problemBody is the control plane's answer to a seed with one problem.
func problemBody(path, reason string) string {
	return `{"error":"request body is not valid","problems":[{"path":` + jsonString(path) + `,"reason":` + jsonString(reason) + `}]}`
}

// A seed's section is checked whole: every id it defines twice, every
// reference to nothing and every impossible date is reported at once, at
// its JSON path from the document's root, and nothing is applied.
func TestSeedReportsEveryProblem(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	seed(t, emu, secondAccount)
	before := stateOf(t, emu)
	doc := `{"imbox":{
	  "accounts":[{"sid":7,"apiKey":"k7"},{"sid":7,"apiKey":"k7b"},{"sid":8,"apiKey":"key2"}],
	  "agents":[{"agentID":70,"sid":7,"agentName":"A","agentLastActive":"2020-02-30T00:00:00Z"},
	            {"agentID":70,"sid":7,"agentName":"B","agentLastActive":"2020-01-01T00:00:00Z"},
	            {"agentID":71,"sid":9,"agentName":"C","agentLastActive":"2020-01-01T00:00:00Z"}],
	  "pageFilters":[{"id":70,"sid":7,"searchFilter":"x","matchType":"like"},
	                 {"id":70,"sid":7,"searchFilter":"y","matchType":"like"},
	                 {"id":71,"sid":9,"searchFilter":"z","matchType":"exact"}],
	  "conversations":[
	    {"sid":7,"conversationID":"V70","date":"2020-01-02T00:00:00Z",
	     "tags":[{"tag":"early","type":1,"createdDate":"2020-01-01T00:00:00Z"}],
	     "cards":[{"dataID":"c","data":"d","createdDate":"2020-01-03T00:00:00Z","updatedDate":"2020-01-02T12:00:00Z"}],
	     "messages":[{"id":7001,"message":"hi","date":"2020-01-02T00:00:01Z","agentID":0},
	                 {"id":7002,"message":"hello","date":"2020-01-02T00:00:02Z","agentID":20},
	                 {"id":7003,"message":"late","date":"2020-01-01T23:59:59Z","agentID":70}]},
	    {"sid":7,"conversationID":"V70","date":"2020-01-02T00:00:00Z",
	     "messages":[{"id":7001,"message":"again","date":"2020-01-02T00:00:01Z","agentID":0}]},
	    {"sid":9,"conversationID":"V90","date":"2020-01-02T00:00:00Z",
	     "messages":[{"id":1,"message":"taken","date":"2020-01-02T00:00:01Z","agentID":71}]},
	    {"sid":1,"conversationID":"V71","date":"2020-13-01T00:00:00Z",
	     "labels":[{"label":"ok"}],
	     "messages":[{"id":7101,"message":"answered by a fixture agent","date":"2020-01-02T00:00:00Z","agentID":1},
	                 {"id":7102,"message":"by nobody","date":"2020-01-02T00:00:00Z","agentID":99}]}]
	}}`
	want := []core.Problem{
		{Path: "/imbox/accounts/1/sid", Reason: "account sid 7 is defined twice in this section (also at /imbox/accounts/0/sid)"},
		{Path: "/imbox/accounts/2/apiKey", Reason: `apiKey "key2" already belongs to account sid 2`},
		{Path: "/imbox/agents/0/agentLastActive", Reason: `expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got "2020-02-30T00:00:00Z"`},
		{Path: "/imbox/agents/1/agentID", Reason: "agent 70 is defined twice in this section (also at /imbox/agents/0/agentID)"},
		{Path: "/imbox/agents/2/sid", Reason: "account sid 9 is not defined"},
		{Path: "/imbox/pageFilters/1/id", Reason: "page filter 70 is defined twice in this section (also at /imbox/pageFilters/0/id)"},
		{Path: "/imbox/pageFilters/2/sid", Reason: "account sid 9 is not defined"},
		{Path: "/imbox/conversations/0/tags/0/createdDate", Reason: "2020-01-01T00:00:00.000Z is before the conversation's start 2020-01-02T00:00:00.000Z"},
		{Path: "/imbox/conversations/0/cards/0/updatedDate", Reason: "2020-01-02T12:00:00.000Z is before the card's createdDate 2020-01-03T00:00:00.000Z"},
		{Path: "/imbox/conversations/0/messages/1/agentID", Reason: "agent 20 is not an agent of sid 7"},
		{Path: "/imbox/conversations/0/messages/2/date", Reason: "2020-01-01T23:59:59.000Z is before the conversation's start 2020-01-02T00:00:00.000Z"},
		{Path: "/imbox/conversations/1/conversationID", Reason: "conversation V70 of sid 7 is defined twice in this section (also at /imbox/conversations/0/conversationID)"},
		{Path: "/imbox/conversations/1/messages/0/id", Reason: "message 7001 is defined twice in this section (also at /imbox/conversations/0/messages/0/id)"},
		{Path: "/imbox/conversations/2/sid", Reason: "account sid 9 is not defined"},
		{Path: "/imbox/conversations/2/messages/0/id", Reason: "message 1 already belongs to conversation V1 of sid 1"},
		{Path: "/imbox/conversations/3/date", Reason: `expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got "2020-13-01T00:00:00Z"`},
		{Path: "/imbox/conversations/3/messages/1/agentID", Reason: "agent 99 is not an agent of sid 1"},
	}
	a := control(t, emu, http.MethodPost, "/_emulator/seed", doc)
	var got struct {
		Error    string         `json:"error"`
		Problems []core.Problem `json:"problems"`
	}
	if err := json.Unmarshal([]byte(a.body), &got); err != nil || a.status != http.StatusBadRequest || got.Error != "request body is not valid" {
		t.Fatalf("got %d %s", a.status, a.body)
	}
	if !reflect.DeepEqual(got.Problems, want) {
		t.Errorf("problems:\n%s\nwant\n%s", fmtProblems(got.Problems), fmtProblems(want))
	}
	if after := stateOf(t, emu); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused seed changed the state or a sequence")
	}
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/k7/7"), http.StatusUnauthorized, errorBody("Invalid apiKey"))
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V71"), http.StatusNotFound, errorBody("Conversation V71 not found"))
}

// A seed builds on what the instance holds (the default fixtures, earlier
// seeds) and on what it defines itself, in any order within the section.
func TestSeedReferencesStateAndItself(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	seed(t, emu, `{"imbox":{
	  "conversations":[{"sid":6,"conversationID":"V60","date":"2020-01-02T00:00:00Z",
	    "messages":[{"id":6001,"message":"hi","date":"2020-01-02T00:00:01Z","agentID":0},
	                {"id":6002,"message":"hello","date":"2020-01-02T00:00:02Z","agentID":60}]},
	    {"sid":1,"conversationID":"V61","date":"2020-01-02T00:00:00Z",
	    "messages":[{"id":6101,"message":"hello","date":"2020-01-02T00:00:02Z","agentID":1}]}],
	  "pageFilters":[{"id":60,"sid":6,"searchFilter":"x","matchType":"like"}],
	  "agents":[{"agentID":60,"sid":6,"agentName":"Sixty","agentLastActive":"2020-01-01T00:00:00Z"}],
	  "accounts":[{"sid":6,"apiKey":"k6"}]}}`)
	seed(t, emu, `{"imbox":{"conversations":[{"sid":6,"conversationID":"V62","date":"2020-01-03T00:00:00Z",
	    "messages":[{"id":6201,"message":"again","date":"2020-01-03T00:00:02Z","agentID":60}]}]}}`)
	a := get(t, emu, "grabConversation", "/message/grabConversation/k6/6/V62")
	if a.status != http.StatusOK || !strings.Contains(a.body, `"from":"Sixty"`) {
		t.Errorf("got %d %s", a.status, a.body)
	}
	a = get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V61")
	if a.status != http.StatusOK || !strings.Contains(a.body, `"from":"John"`) {
		t.Errorf("got %d %s", a.status, a.body)
	}
}

func fmtProblems(ps []core.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.Path + ": " + p.Reason + "\n")
	}
	return b.String()
}

// stateOf is the instance's documents and sequences (its snapshot without
// the time it was taken).
func stateOf(t *testing.T, emu *testkit.Server) map[string]json.RawMessage {
	t.Helper()
	a := control(t, emu, http.MethodGet, "/_emulator/state", "")
	var snap map[string]json.RawMessage
	if err := json.Unmarshal([]byte(a.body), &snap); err != nil || a.status != http.StatusOK {
		t.Fatalf("state: %d %v", a.status, err)
	}
	delete(snap, "taken")
	return snap
}

// An API key moves to another account in one seed once its account has
// been given another key earlier in the section; not before.
func TestSeedMovesAPIKeys(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	expect(t, control(t, emu, http.MethodPost, "/_emulator/seed", `{"imbox":{"accounts":[{"sid":5,"apiKey":"apiKey"},{"sid":1,"apiKey":"rotated"}]}}`),
		http.StatusBadRequest, problemBody("/imbox/accounts/0/apiKey", `apiKey "apiKey" already belongs to account sid 1`))
	seed(t, emu, `{"imbox":{"accounts":[{"sid":1,"apiKey":"rotated"},{"sid":5,"apiKey":"apiKey"},{"sid":6,"apiKey":"k6"}]}}`)
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/5"), http.StatusOK, `{"result":"success","json":[],"length":0}`)
	expect(t, control(t, emu, http.MethodPost, "/_emulator/seed", `{"imbox":{"accounts":[{"sid":7,"apiKey":"k6"}]}}`),
		http.StatusBadRequest, problemBody("/imbox/accounts/0/apiKey", `apiKey "k6" already belongs to account sid 6`))
}
