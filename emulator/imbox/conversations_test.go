package imbox_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

const (
	docV1Item   = `{"sid":1,"conversationID":"V1","date":"2020-01-01T00:00:00.000Z"}`
	docBigItem  = `{"sid":1,"conversationID":"V18751500044654323221","date":"2020-01-01T00:00:00.000Z"}`
	docMessages = `[{"id":1,"sid":1,"conversationID":"V1","from":"John","message":"Hello","date":"2020-01-01T00:00:00.000Z","agentID":1},` +
		`{"id":2,"sid":1,"conversationID":"V1","from":"John","message":"how can i help you today? :)","date":"2020-01-01T00:00:00.000Z","agentID":1},` +
		`{"id":702005,"sid":1,"conversationID":"V1","from":"V1","message":"Hi, where can i find the documentation page?","date":"2020-01-01T00:00:00.000Z","agentID":0},` +
		`{"id":702004,"sid":1,"conversationID":"V1","from":"system","message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/support\"}","date":"2020-01-01T00:00:00.000Z","agentID":null}]`
)

// listConversations: "Lists all conversations within a given timespan",
// fromDate and toDate YYYY-MM-DD, pageFilterId repeated.
func TestListConversations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(*testing.T, *testkit.Server)
		path   string
		status int
		body   string
	}{
		{name: "doc day lists both doc conversations, oldest first then by creation",
			path: "/message/listConversations/apiKey/1/2020-01-01/2020-01-01", status: 200,
			body: `{"result":"success","json":[` + docV1Item + `,` + docBigItem + `],"length":2}`},
		{name: "days are whole UTC days, both included",
			setup: func(t *testing.T, emu *testkit.Server) {
				for _, c := range []struct {
					id string
					at time.Time
				}{{"V10", time.Date(2021, 2, 28, 23, 59, 59, 999e6, time.UTC)}, {"V11", time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)},
					{"V12", time.Date(2021, 3, 2, 23, 59, 59, 999e6, time.UTC)}, {"V13", time.Date(2021, 3, 3, 0, 0, 0, 0, time.UTC)}} {
					emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: c.id, At: c.at})
				}
			},
			path: "/message/listConversations/apiKey/1/2021-03-01/2021-03-02", status: 200,
			body: `{"result":"success","json":[{"sid":1,"conversationID":"V11","date":"2021-03-01T00:00:00.000Z"},` +
				`{"sid":1,"conversationID":"V12","date":"2021-03-02T23:59:59.999Z"}],"length":2}`},
		{name: "a range without conversations is an empty list",
			path: "/message/listConversations/apiKey/1/2019-01-01/2019-12-31", status: 200,
			body: `{"result":"success","json":[],"length":0}`},
		{name: "a range over a year is allowed (the 365-day cap is chatStatistics')",
			path: "/message/listConversations/apiKey/1/2010-01-01/2030-12-31", status: 200,
			body: `{"result":"success","json":[` + docV1Item + `,` + docBigItem + `],"length":2}`},
		{name: "doc page filters 1 and 2: filter 1 matches V18751500044654323221's page, 2 does not exist",
			path: "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=1&pageFilterId=2", status: 200,
			body: `{"result":"success","json":[` + docBigItem + `],"length":1}`},
		{name: "a page filter id the account does not have matches nothing",
			path: "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=2", status: 200,
			body: `{"result":"success","json":[],"length":0}`},
		{name: "another account's page filter matches nothing",
			setup: func(t *testing.T, emu *testkit.Server) { seed(t, emu, secondAccount) },
			path:  "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=20", status: 200,
			body: `{"result":"success","json":[],"length":0}`},
		{name: "an empty pageFilterId is no filter",
			path: "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=", status: 200,
			body: `{"result":"success","json":[` + docV1Item + `,` + docBigItem + `],"length":2}`},
		{name: "pageFilterId must be a number",
			path: "/message/listConversations/apiKey/1/2020-01-01/2020-01-01?pageFilterId=1&pageFilterId=abc", status: 400,
			body: errorBody(`Invalid pageFilterId "abc": expected a number`)},
		{name: "accounts are isolated: sid 2 lists only its own V1",
			setup: func(t *testing.T, emu *testkit.Server) { seed(t, emu, secondAccount) },
			path:  "/message/listConversations/key2/2/2020-01-01/2020-01-01", status: 200,
			body: `{"result":"success","json":[{"sid":2,"conversationID":"V1","date":"2020-01-01T12:00:00.000Z"}],"length":1}`},
		{name: "malformed fromDate", path: "/message/listConversations/apiKey/1/2020-1-01/2020-01-01", status: 400,
			body: errorBody(`Invalid fromDate "2020-1-01": expected a date YYYY-MM-DD`)},
		{name: "impossible toDate", path: "/message/listConversations/apiKey/1/2020-01-01/2020-00-00", status: 400,
			body: errorBody(`Invalid toDate "2020-00-00": expected a date YYYY-MM-DD`)},
		{name: "a time is not a date", path: "/message/listConversations/apiKey/1/2020-01-01T00:00:00Z/2020-01-02", status: 400,
			body: errorBody(`Invalid fromDate "2020-01-01T00:00:00Z": expected a date YYYY-MM-DD`)},
		{name: "the doc's placeholder dates", path: "/message/listConversations/apiKey/1/fromDate/toDate", status: 400,
			body: errorBody(`Invalid fromDate "fromDate": expected a date YYYY-MM-DD`)},
		{name: "reversed dates", path: "/message/listConversations/apiKey/1/2020-02-01/2020-01-01", status: 400,
			body: errorBody(`fromDate 2020-02-01 is after toDate 2020-01-01`)},
		{name: "a missing toDate is an unknown path", path: "/message/listConversations/apiKey/1/2020-01-01", status: 404,
			body: errorBody(`Cannot GET /message/listConversations/apiKey/1/2020-01-01`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			if tc.setup != nil {
				tc.setup(t, emu)
			}
			expect(t, get(t, emu, "listConversations", tc.path), tc.status, tc.body)
		})
	}
}

// grabConversation: "Get a conversation by conversation id".
func TestGrabConversation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(*testing.T, *testkit.Server)
		path   string
		status int
		body   string
	}{
		{name: "doc conversation V1: agent, visitor and system messages, the system's a JSON-encoded string",
			path: "/message/grabConversation/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":` + docMessages + `,"length":4}`},
		{name: "a conversation id beyond int64 stays a string",
			path: "/message/grabConversation/apiKey/1/V18751500044654323221", status: 200,
			body: `{"result":"success","json":[{"id":702003,"sid":1,"conversationID":"V18751500044654323221","from":"system",` +
				`"message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/searchFilter\"}","date":"2020-01-01T00:00:00.000Z","agentID":null}],"length":1}`},
		{name: "percent-encoded path segments are decoded",
			path: "/message/grabConversation/apiKey/1/V%31", status: 200,
			body: `{"result":"success","json":` + docMessages + `,"length":4}`},
		{name: "messages come by date whatever order they were written in, ties in recording order",
			setup: func(t *testing.T, emu *testkit.Server) {
				start := time.Date(2022, 5, 1, 10, 0, 0, 0, time.UTC)
				c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V5", At: start})
				c.AgentMessage(t, 2, start.Add(2*time.Second), "second")
				c.VisitorMessage(t, start.Add(time.Second), "first")
				c.Visit(t, start.Add(2*time.Second), "https://example.org/a?x=1&y=2")
			},
			path: "/message/grabConversation/apiKey/1/V5", status: 200,
			body: `{"result":"success","json":[` +
				`{"id":702007,"sid":1,"conversationID":"V5","from":"V5","message":"first","date":"2022-05-01T10:00:01.000Z","agentID":0},` +
				`{"id":702006,"sid":1,"conversationID":"V5","from":"Jane","message":"second","date":"2022-05-01T10:00:02.000Z","agentID":2},` +
				`{"id":702008,"sid":1,"conversationID":"V5","from":"system","message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/a?x=1&y=2\"}","date":"2022-05-01T10:00:02.000Z","agentID":null}` +
				`],"length":3}`},
		{name: "a conversation without messages", setup: func(t *testing.T, emu *testkit.Server) {
			emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V6"})
		}, path: "/message/grabConversation/apiKey/1/V6", status: 200, body: `{"result":"success","json":[],"length":0}`},
		{name: "unknown conversation", path: "/message/grabConversation/apiKey/1/V2", status: 404,
			body: errorBody("Conversation V2 not found")},
		{name: "ids are exact: v1 is not V1", path: "/message/grabConversation/apiKey/1/v1", status: 404,
			body: errorBody("Conversation v1 not found")},
		{name: "another account's conversation is not found",
			setup: func(t *testing.T, emu *testkit.Server) {
				seed(t, emu, secondAccount)
				emu.ImBox().StartConversation(t, testkit.ImBoxStart{SID: 2, ConversationID: "V77"})
			},
			path: "/message/grabConversation/apiKey/1/V77", status: 404, body: errorBody("Conversation V77 not found")},
		{name: "the same id in another account is that account's conversation",
			setup: func(t *testing.T, emu *testkit.Server) { seed(t, emu, secondAccount) },
			path:  "/message/grabConversation/key2/2/V1", status: 200,
			body: `{"result":"success","json":[{"id":900001,"sid":2,"conversationID":"V1","from":"V1","message":"Hej","date":"2020-01-01T12:00:01.000Z","agentID":0}],"length":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			if tc.setup != nil {
				tc.setup(t, emu)
			}
			expect(t, get(t, emu, "grabConversation", tc.path), tc.status, tc.body)
		})
	}
}

// A seed naming an existing conversation replaces it with its messages.
func TestSeedReplacesConversation(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	seed(t, emu, `{"imbox":{"conversations":[{"sid":1,"conversationID":"V1","date":"2020-01-01T00:00:00.000Z",
		"messages":[{"id":1,"message":"Replaced","date":"2020-01-01T00:00:01.000Z","agentID":1}]}]}}`)
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V1"), http.StatusOK,
		`{"result":"success","json":[{"id":1,"sid":1,"conversationID":"V1","from":"John","message":"Replaced","date":"2020-01-01T00:00:01.000Z","agentID":1}],"length":1}`)
	expect(t, get(t, emu, "grabVisitorLabels", "/message/grabVisitorLabels/apiKey/1/V1"), http.StatusOK,
		`{"result":"success","json":[]}`)
	expect(t, get(t, emu, "listConversations", "/message/listConversations/apiKey/1/2020-01-01/2020-01-01"), http.StatusOK,
		`{"result":"success","json":[`+docV1Item+`,`+docBigItem+`],"length":2}`)
	emu.Reset(t)
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V1"), http.StatusOK,
		`{"result":"success","json":`+docMessages+`,"length":4}`)
}
