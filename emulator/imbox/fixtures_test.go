package imbox_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// Seeds (POST /_emulator/seed, the fixture document shape) are checked
// against schemas/imbox/fixtures.schema.json and then for what a schema
// cannot say; a refused seed changes nothing.
func TestSeedValidation(t *testing.T) {
	t.Parallel()
	const fixtureErr = "request body: imbox fixtures: "
	tests := []struct {
		name, doc string
		want      string // the exact control-plane answer (400)
	}{
		{"unknown match type", `{"imbox":{"pageFilters":[{"id":2,"sid":1,"searchFilter":"x","matchType":"fuzzy"}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/pageFilters/0/matchType","reason":"pageFilters.0.matchType must be one of the following: \"like\", \"exact\", \"startsWith\", \"regex\""}]}`},
		{"a date that is not RFC 3339", `{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01 00:00:00"}]}}`,
			`{"error":"request body is not valid","problems":[{"path":"/imbox/conversations/0/date","reason":"Does not match pattern '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'"}]}`},
		{"the doc's impossible date", `{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-00-00T00:00:00.000Z"}]}}`,
			controlError(fixtureErr + `conversations/0/date: expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got "2020-00-00T00:00:00.000Z"`)},
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
			controlError(fixtureErr + "agents/0/sid: account sid 9 is not defined")},
		{"an apiKey of another account", `{"imbox":{"accounts":[{"sid":5,"apiKey":"apiKey"}]}}`,
			controlError(fixtureErr + `accounts/0: apiKey "apiKey" already belongs to account sid 1`)},
		{"an invalid regex", `{"imbox":{"pageFilters":[{"id":2,"sid":1,"searchFilter":"(a","matchType":"regex"}]}}`,
			controlError(fixtureErr + "pageFilters/0/searchFilter: not a valid regular expression: error parsing regexp: missing closing ): `(a`")},
		{"a message before its conversation",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":10,"message":"x","date":"2019-12-31T23:59:59Z","agentID":0}]}]}}`,
			controlError(fixtureErr + "conversations/0/messages/0/date: 2019-12-31T23:59:59.000Z is before the conversation's start 2020-01-01T00:00:00.000Z")},
		{"a message by another account's agent",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":10,"message":"x","date":"2020-01-01T00:00:00Z","agentID":20}]}]}}`,
			controlError(fixtureErr + "conversations/0/messages/0/agentID: agent 20 is not an agent of sid 1")},
		{"a system message that is not a JSON object",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":10,"message":"joined","date":"2020-01-01T00:00:00Z","agentID":null}]}]}}`,
			controlError(fixtureErr + `conversations/0/messages/0/message: a system message carries a JSON-encoded object, got "joined"`)},
		{"a message id of another conversation",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","messages":[{"id":1,"message":"x","date":"2020-01-01T00:00:00Z","agentID":0}]}]}}`,
			controlError(fixtureErr + "conversations/0/messages/0/id: message 1 already belongs to conversation V1 of sid 1")},
		{"two name tags",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","tags":[{"tag":"A","type":0},{"tag":"B","type":0}]}]}}`,
			controlError(fixtureErr + "conversations/0/tags/1: a conversation has one name tag (type 0)")},
		{"a regular tag with a comma",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","tags":[{"tag":"Doe, John","type":0},{"tag":"a,b","type":1}]}]}}`,
			controlError(fixtureErr + `conversations/0/tags/1/tag: a tag may not contain a comma (chatStatistics joins them with commas), got "a,b"`)},
		{"a card id twice",
			`{"imbox":{"conversations":[{"sid":1,"conversationID":"V8","date":"2020-01-01T00:00:00Z","cards":[{"dataID":"1","data":"a"},{"dataID":"1","data":"b"}]}]}}`,
			controlError(fixtureErr + `conversations/0/cards/1/dataID: dataID "1" appears twice; insertCard keeps one card per id`)},
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
	if err == nil || err.Error() != "loading fixtures: imbox.json: imbox fixtures: agents/0/sid: account sid 4 is not defined" {
		t.Fatalf("err = %v", err)
	}
}
