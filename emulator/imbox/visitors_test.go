package imbox_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// grabStart is when the conversations these tests start begin.
var grabStart = time.Date(2023, 6, 1, 8, 0, 0, 0, time.UTC)

// visitorCase is one request after some shaping.
type visitorCase struct {
	name      string
	setup     func(*testing.T, *testkit.Server)
	operation string
	path      string
	status    int
	body      string
}

func runVisitorCases(t *testing.T, tests []visitorCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			if tc.setup != nil {
				tc.setup(t, emu)
			}
			expect(t, get(t, emu, tc.operation, tc.path), tc.status, tc.body)
		})
	}
}

// grabVisitorInfo: "Get information about a visitor".
func TestGrabVisitorInfo(t *testing.T) {
	t.Parallel()
	visited := func(t *testing.T, emu *testkit.Server) *testkit.ImBoxConversation {
		c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: grabStart, Page: "https://shop.example/"})
		c.Visit(t, grabStart.Add(time.Minute), "https://shop.example/cart")
		c.Visit(t, grabStart.Add(30*time.Second), "https://shop.example/late-recorded-earlier-visit")
		c.VisitorMessage(t, grabStart.Add(90*time.Second), "Hello?")
		return c
	}
	const infoV9 = `{"result":"success","json":[{"trafficType":"%s","se_type":"%s","sid":1,"conversationID":"V9","last_visit":"%s",` +
		`"browser":"%s","os":"%s","user_city":"%s","user_country":"%s","exitPage":"%s"}]}`
	runVisitorCases(t, []visitorCase{
		{name: "doc V1, without length as in the doc", operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"V1","last_visit":"2020-01-01T00:00:00.000Z",` +
				`"browser":"Chrome 50.0.0","os":"Windows 7 0.0.0","user_city":"Stockholm","user_country":"Sweden","exitPage":"https://imbox.se/"}]}`},
		{name: "nothing reported: Direct, the joined page as exit page, the join as last visit",
			operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V18751500044654323221", status: 200,
			body: `{"result":"success","json":[{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"V18751500044654323221",` +
				`"last_visit":"2020-01-01T00:00:00.000Z","browser":"","os":"","user_city":"","user_country":"","exitPage":"https://example.org/searchFilter"}]}`},
		{name: "derived: exit page of the latest visit by date, last visit the latest visitor activity",
			setup:     func(t *testing.T, emu *testkit.Server) { visited(t, emu) },
			operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V9", status: 200,
			body: fmt.Sprintf(infoV9, "Direct", "", "2023-06-01T08:01:30.000Z", "", "", "", "", "https://shop.example/cart")},
		{name: "reported details win over derived ones",
			setup: func(t *testing.T, emu *testkit.Server) {
				visited(t, emu).SetVisitorInfo(t, testkit.ImBoxVisitor{TrafficType: "Organic", SearchEngine: "Bing",
					Browser: "Firefox 126.0", OS: "Ubuntu 24.04", City: "Malmö", Country: "Sweden",
					ExitPage: "https://shop.example/thanks", LastVisit: grabStart.Add(time.Hour)})
			},
			operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V9", status: 200,
			body: fmt.Sprintf(infoV9, "Organic", "Bing", "2023-06-01T09:00:00.000Z", "Firefox 126.0", "Ubuntu 24.04", "Malmö", "Sweden", "https://shop.example/thanks")},
		{name: "null returns a reported field to its default",
			setup: func(t *testing.T, emu *testkit.Server) {
				visited(t, emu).SetVisitorInfo(t, testkit.ImBoxVisitor{TrafficType: "www.partner.example", ExitPage: "https://shop.example/x"})
				mustControl(t, emu, "PATCH", "/_emulator/imbox/1/conversations/V9/visitor", `{"exitPage":null,"browser":"Edge 120"}`, 200)
			},
			operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V9", status: 200,
			body: fmt.Sprintf(infoV9, "www.partner.example", "", "2023-06-01T08:01:30.000Z", "Edge 120", "", "", "", "https://shop.example/cart")},
		{name: "a conversation without visits: last visit is its start, no exit page",
			setup: func(t *testing.T, emu *testkit.Server) {
				emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: grabStart})
			},
			operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V9", status: 200,
			body: fmt.Sprintf(infoV9, "Direct", "", "2023-06-01T08:00:00.000Z", "", "", "", "", "")},
		{name: "unknown conversation", operation: "grabVisitorInfo", path: "/message/grabVisitorInfo/apiKey/1/V404", status: 404,
			body: errorBody("Conversation V404 not found")},
	})
}

// grabVisitorTags: "Get the tags set on a visitor conversation"; type 0 is
// the visitor's name (changeName), type 1 a regular tag.
func TestGrabVisitorTags(t *testing.T) {
	t.Parallel()
	runVisitorCases(t, []visitorCase{
		{name: "doc V1", operation: "grabVisitorTags", path: "/message/grabVisitorTags/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","tag":"John Doe","type":0},` +
				`{"sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","tag":"Custom tag","type":1}],"length":2}`},
		{name: "changeName renames the type 0 tag in its place",
			setup: func(t *testing.T, emu *testkit.Server) {
				emu.ImBox().Conversation(1, "V1").ChangeName(t, time.Date(2021, 1, 2, 3, 4, 5, 6e6, time.UTC), "Jane Roe")
			},
			operation: "grabVisitorTags", path: "/message/grabVisitorTags/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"sid":1,"conversationID":"V1","createdDate":"2021-01-02T03:04:05.006Z","tag":"Jane Roe","type":0},` +
				`{"sid":1,"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","tag":"Custom tag","type":1}],"length":2}`},
		{name: "tags in the order set; a tag added twice is kept once; the name added later",
			setup: func(t *testing.T, emu *testkit.Server) {
				c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: grabStart})
				c.AddTag(t, grabStart.Add(time.Second), "vip")
				c.AddTag(t, grabStart.Add(2*time.Second), "Returning customer")
				c.AddTag(t, grabStart.Add(3*time.Second), "vip")
				c.ChangeName(t, grabStart.Add(4*time.Second), "Doe, John")
			},
			operation: "grabVisitorTags", path: "/message/grabVisitorTags/apiKey/1/V9", status: 200,
			body: `{"result":"success","json":[{"sid":1,"conversationID":"V9","createdDate":"2023-06-01T08:00:01.000Z","tag":"vip","type":1},` +
				`{"sid":1,"conversationID":"V9","createdDate":"2023-06-01T08:00:02.000Z","tag":"Returning customer","type":1},` +
				`{"sid":1,"conversationID":"V9","createdDate":"2023-06-01T08:00:04.000Z","tag":"Doe, John","type":0}],"length":3}`},
		{name: "no tags", setup: func(t *testing.T, emu *testkit.Server) {
			emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: grabStart})
		}, operation: "grabVisitorTags", path: "/message/grabVisitorTags/apiKey/1/V9", status: 200, body: `{"result":"success","json":[],"length":0}`},
		{name: "unknown conversation", operation: "grabVisitorTags", path: "/message/grabVisitorTags/apiKey/1/V404", status: 404,
			body: errorBody("Conversation V404 not found")},
	})
}

// grabVisitorLabels: "Get labels set on a visitor conversation".
func TestGrabVisitorLabels(t *testing.T) {
	t.Parallel()
	runVisitorCases(t, []visitorCase{
		{name: "doc V1: no sid and no length as in the doc; the doc's 2020-00-00 served as 2020-01-01",
			operation: "grabVisitorLabels", path: "/message/grabVisitorLabels/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"Support"},` +
				`{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"BankId Verified"}]}`},
		{name: "labels in the order set, a label added twice kept once",
			setup: func(t *testing.T, emu *testkit.Server) {
				c := emu.ImBox().Conversation(1, "V1")
				c.AddLabel(t, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), "Escalated")
				c.AddLabel(t, time.Date(2020, 1, 3, 0, 0, 0, 0, time.UTC), "Support")
			},
			operation: "grabVisitorLabels", path: "/message/grabVisitorLabels/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"Support"},` +
				`{"conversationID":"V1","createdDate":"2020-01-01T00:00:00.000Z","label":"BankId Verified"},` +
				`{"conversationID":"V1","createdDate":"2020-01-02T00:00:00.000Z","label":"Escalated"}]}`},
		{name: "no labels", operation: "grabVisitorLabels", path: "/message/grabVisitorLabels/apiKey/1/V18751500044654323221", status: 200,
			body: `{"result":"success","json":[]}`},
		{name: "unknown conversation", operation: "grabVisitorLabels", path: "/message/grabVisitorLabels/apiKey/1/V404", status: 404,
			body: errorBody("Conversation V404 not found")},
	})
}

// grabVisitorCards: "Get data set by insertCard widget api".
func TestGrabVisitorCards(t *testing.T) {
	t.Parallel()
	runVisitorCases(t, []visitorCase{
		{name: "doc V1: dataID a string", operation: "grabVisitorCards", path: "/message/grabVisitorCards/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"dataID":"1","data":"Name: John Doe","sid":1,"conversationID":"V1",` +
				`"createdDate":"2020-01-01T00:00:00.000Z","updatedDate":"2020-01-01T00:00:00.000Z"}]}`},
		{name: "insertCard with a known id updates data and updatedDate; a new id adds a card",
			setup: func(t *testing.T, emu *testkit.Server) {
				c := emu.ImBox().Conversation(1, "V1")
				c.InsertCard(t, time.Date(2020, 1, 1, 0, 5, 0, 0, time.UTC), "order", "Order: 1001")
				c.InsertCard(t, time.Date(2020, 1, 1, 0, 10, 0, 0, time.UTC), "1", "Name: John Q. Doe")
			},
			operation: "grabVisitorCards", path: "/message/grabVisitorCards/apiKey/1/V1", status: 200,
			body: `{"result":"success","json":[{"dataID":"1","data":"Name: John Q. Doe","sid":1,"conversationID":"V1",` +
				`"createdDate":"2020-01-01T00:00:00.000Z","updatedDate":"2020-01-01T00:10:00.000Z"},` +
				`{"dataID":"order","data":"Order: 1001","sid":1,"conversationID":"V1",` +
				`"createdDate":"2020-01-01T00:05:00.000Z","updatedDate":"2020-01-01T00:05:00.000Z"}]}`},
		{name: "no cards", operation: "grabVisitorCards", path: "/message/grabVisitorCards/apiKey/1/V18751500044654323221", status: 200,
			body: `{"result":"success","json":[]}`},
		{name: "unknown conversation", operation: "grabVisitorCards", path: "/message/grabVisitorCards/apiKey/1/V404", status: 404,
			body: errorBody("Conversation V404 not found")},
	})
}
