package imbox_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// controlError is the control plane's error body.
func controlError(message string) string { return `{"error":` + jsonString(message) + `}` }

// deskStart is when the conversation V9 of the desk tests starts.
const deskStart = "2023-06-01T08:00:00.000Z"

// The control routes under /_emulator/imbox: each answer, and each refusal
// with its status and message.
func TestDeskRoutes(t *testing.T) {
	t.Parallel()
	const conv = "/_emulator/imbox/1/conversations/V9"
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		// startConversation
		{"start", "POST", "/_emulator/imbox/1/conversations", `{"conversationID":"V10","at":"2023-06-01T09:00:00Z"}`, 201,
			`{"sid":1,"conversationID":"V10","date":"2023-06-01T09:00:00.000Z"}`},
		{"start with visitor details", "POST", "/_emulator/imbox/1/conversations",
			`{"conversationID":"V10","at":"2023-06-01T09:00:00.123456Z","visitor":{"os":"Linux","last_visit":null}}`, 201,
			`{"sid":1,"conversationID":"V10","date":"2023-06-01T09:00:00.123Z"}`},
		{"start an id that exists", "POST", "/_emulator/imbox/1/conversations", `{"conversationID":"V9"}`, 409,
			controlError("Conversation V9 already exists")},
		{"start for an unknown account", "POST", "/_emulator/imbox/5/conversations", `{}`, 404, controlError("Account sid 5 not found")},
		{"start for a bad sid", "POST", "/_emulator/imbox/one/conversations", `{}`, 400, controlError(`Invalid sid "one": expected a number`)},
		{"start with an id a path cannot carry", "POST", "/_emulator/imbox/1/conversations", `{"conversationID":"V 1"}`, 400,
			controlError(`Invalid conversationID "V 1": expected up to 100 characters without /, ?, #, % or white space`)},
		{"start with a bad time", "POST", "/_emulator/imbox/1/conversations", `{"at":"2023-06-01"}`, 400,
			controlError(`Invalid at "2023-06-01": expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z`)},
		{"start with an unknown field", "POST", "/_emulator/imbox/1/conversations", `{"id":"V10"}`, 400,
			controlError(`malformed JSON body: json: unknown field "id"`)},
		{"start with malformed JSON", "POST", "/_emulator/imbox/1/conversations", `{"conversationID":`, 400,
			controlError(`malformed JSON body: unexpected EOF`)},
		{"start with two objects", "POST", "/_emulator/imbox/1/conversations", `{} {}`, 400,
			controlError(`malformed JSON body: unexpected data after the object`)},
		{"start with a bad visitor field", "POST", "/_emulator/imbox/1/conversations", `{"visitor":{"os":7}}`, 400,
			controlError(`malformed JSON body: visitor.os must be a string, got number`)},
		{"GET is not a control route", "GET", "/_emulator/imbox/1/conversations", ``, 405,
			controlError("/_emulator/imbox/1/conversations does not accept GET")},
		{"the built-in /seed keeps its 405", "PUT", "/_emulator/seed", `{}`, 405, controlError("/_emulator/seed does not accept PUT")},
		{"an unknown control route", "POST", "/_emulator/imbox/1/chats", `{}`, 404, controlError("no control route POST /_emulator/imbox/1/chats")},

		{"agentID of the wrong type", "POST", conv + "/messages", `{"sender":"agent","agentID":"1","message":"x"}`, 400,
			controlError("malformed JSON body: agentID must be a whole number, got string")},

		// postMessage
		{"visitor message", "POST", conv + "/messages", `{"sender":"visitor","message":"Hi","at":"2023-06-01T08:00:01Z"}`, 201,
			`{"id":900002,"sid":1,"conversationID":"V9","from":"V9","message":"Hi","date":"2023-06-01T08:00:01.000Z","agentID":0}`},
		{"agent message signed with the display name", "POST", conv + "/messages", `{"sender":"agent","agentID":1,"message":"Hello","at":"2023-06-01T08:00:02Z"}`, 201,
			`{"id":900002,"sid":1,"conversationID":"V9","from":"John","message":"Hello","date":"2023-06-01T08:00:02.000Z","agentID":1}`},
		{"system event kept as sent, JSON-encoded", "POST", conv + "/messages",
			`{"sender":"system","event":{"type":"visitorLeft", "reason":"closed tab"},"at":"2023-06-01T08:00:03Z"}`, 201,
			`{"id":900002,"sid":1,"conversationID":"V9","from":"system","message":"{\"type\":\"visitorLeft\",\"reason\":\"closed tab\"}","date":"2023-06-01T08:00:03.000Z","agentID":null}`},
		{"message defaults to now", "POST", conv + "/messages", `{"sender":"visitor","message":"Now"}`, 201,
			`{"id":900002,"sid":1,"conversationID":"V9","from":"V9","message":"Now","date":"2023-06-02T00:00:00.000Z","agentID":0}`},
		{"unknown sender", "POST", conv + "/messages", `{"sender":"bot","message":"x"}`, 400,
			controlError(`Invalid sender "bot": expected visitor, agent or system`)},
		{"empty message", "POST", conv + "/messages", `{"sender":"visitor","message":"  "}`, 400, controlError("message is required")},
		{"agent without agentID", "POST", conv + "/messages", `{"sender":"agent","message":"x"}`, 400, controlError("agentID is required")},
		{"visitor with agentID", "POST", conv + "/messages", `{"sender":"visitor","agentID":1,"message":"x"}`, 400,
			controlError("agentID is for agent messages only")},
		{"visitor with event", "POST", conv + "/messages", `{"sender":"visitor","message":"x","event":{"type":"x"}}`, 400,
			controlError("event is for system messages only")},
		{"unknown agent", "POST", conv + "/messages", `{"sender":"agent","agentID":3,"message":"x"}`, 404, controlError("Agent 3 not found")},
		{"another account's agent", "POST", conv + "/messages", `{"sender":"agent","agentID":20,"message":"x"}`, 404, controlError("Agent 20 not found")},
		{"before the conversation started", "POST", conv + "/messages", `{"sender":"visitor","message":"x","at":"2023-06-01T07:59:59.999Z"}`, 400,
			controlError("at 2023-06-01T07:59:59.999Z is before the conversation's start 2023-06-01T08:00:00.000Z")},
		{"system with text", "POST", conv + "/messages", `{"sender":"system","message":"hello"}`, 400,
			controlError("a system message takes an event object, not message or agentID")},
		{"system without event", "POST", conv + "/messages", `{"sender":"system"}`, 400,
			controlError(`event must be an object such as {"type":"visitorJoin","currentPage":"https://example.org/"}`)},
		{"system event not an object", "POST", conv + "/messages", `{"sender":"system","event":["visitorJoin"]}`, 400,
			controlError(`event must be an object such as {"type":"visitorJoin","currentPage":"https://example.org/"}`)},
		{"system event without type", "POST", conv + "/messages", `{"sender":"system","event":{"currentPage":"https://x/"}}`, 400,
			controlError("event.type is required")},
		{"visitorJoin without page", "POST", conv + "/messages", `{"sender":"system","event":{"type":"visitorJoin"}}`, 400,
			controlError("a visitorJoin event needs a currentPage string")},
		{"unknown conversation", "POST", "/_emulator/imbox/1/conversations/V404/messages", `{"sender":"visitor","message":"x"}`, 404,
			controlError("Conversation V404 not found")},
		{"conversation of another account", "POST", "/_emulator/imbox/2/conversations/V9/messages", `{"sender":"visitor","message":"x"}`, 404,
			controlError("Conversation V9 not found")},

		// visit
		{"visit", "POST", conv + "/visits", `{"page":"https://example.org/?q=<b>&x=1","at":"2023-06-01T08:00:04Z"}`, 201,
			`{"id":900002,"sid":1,"conversationID":"V9","from":"system","message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/?q=<b>&x=1\"}","date":"2023-06-01T08:00:04.000Z","agentID":null}`},
		{"visit without page", "POST", conv + "/visits", `{}`, 400, controlError("page is required")},

		// setVisitorInfo
		{"visitor info", "PATCH", conv + "/visitor", `{"browser":"Chrome 125","last_visit":"2023-06-01T10:00:00+02:00"}`, 200,
			`{"trafficType":"Direct","se_type":"","sid":1,"conversationID":"V9","last_visit":"2023-06-01T08:00:00.000Z","browser":"Chrome 125","os":"","user_city":"","user_country":"","exitPage":""}`},
		{"visitor info bad time", "PATCH", conv + "/visitor", `{"last_visit":"today"}`, 400,
			controlError(`Invalid last_visit "today": expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z`)},
		{"visitor info unknown field", "PATCH", conv + "/visitor", `{"city":"Oslo"}`, 400, controlError(`malformed JSON body: json: unknown field "city"`)},
		{"visitor info with PUT", "PUT", conv + "/visitor", `{}`, 405, controlError(conv + "/visitor does not accept PUT")},

		// tags, name, labels
		{"tag", "POST", conv + "/tags", `{"tag":"vip","at":"2023-06-01T08:00:05Z"}`, 201,
			`{"sid":1,"conversationID":"V9","createdDate":"2023-06-01T08:00:05.000Z","tag":"vip","type":1}`},
		{"tag with a comma", "POST", conv + "/tags", `{"tag":"a,b"}`, 400,
			controlError(`a tag may not contain a comma (chatStatistics joins them with commas), got "a,b"`)},
		{"empty tag", "POST", conv + "/tags", `{"tag":""}`, 400, controlError("tag is required")},
		{"name", "PUT", conv + "/name", `{"name":"Doe, Jane","at":"2023-06-01T08:00:06Z"}`, 200,
			`{"sid":1,"conversationID":"V9","createdDate":"2023-06-01T08:00:06.000Z","tag":"Doe, Jane","type":0}`},
		{"empty name", "PUT", conv + "/name", `{"name":" "}`, 400, controlError("name is required")},
		{"label", "POST", conv + "/labels", `{"label":"Support","at":"2023-06-01T08:00:07Z"}`, 201,
			`{"conversationID":"V9","createdDate":"2023-06-01T08:00:07.000Z","label":"Support"}`},
		{"label with a comma", "POST", conv + "/labels", `{"label":"Sales, EMEA"}`, 400,
			controlError(`a label may not contain a comma (chatStatistics joins them with commas), got "Sales, EMEA"`)},
		{"label before the start", "POST", conv + "/labels", `{"label":"x","at":"2020-01-01T00:00:00Z"}`, 400,
			controlError("at 2020-01-01T00:00:00.000Z is before the conversation's start 2023-06-01T08:00:00.000Z")},

		// cards
		{"card", "POST", conv + "/cards", `{"dataID":"42","data":"Plan: Pro","at":"2023-06-01T08:00:08Z"}`, 201,
			`{"dataID":"42","data":"Plan: Pro","sid":1,"conversationID":"V9","createdDate":"2023-06-01T08:00:08.000Z","updatedDate":"2023-06-01T08:00:08.000Z"}`},
		{"card without id", "POST", conv + "/cards", `{"data":"x"}`, 400, controlError("dataID is required")},

		// rating
		{"rating", "PUT", conv + "/rating", `{"rating":4}`, 200, `{"conversationID":"V9","rating":4}`},
		{"rating removed", "PUT", conv + "/rating", `{"rating":null}`, 200, `{"conversationID":"V9","rating":null}`},
		{"rating out of range", "PUT", conv + "/rating", `{"rating":0}`, 400, controlError(`Invalid rating "0": expected a whole number from 1 to 5, or null`)},
		{"rating not whole", "PUT", conv + "/rating", `{"rating":4.5}`, 400, controlError(`Invalid rating "4.5": expected a whole number from 1 to 5, or null`)},
		{"rating missing", "PUT", conv + "/rating", `{}`, 400, controlError("rating is required")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t, testkit.WithClock(time.Date(2023, 6, 2, 0, 0, 0, 0, time.UTC)))
			seed(t, emu, secondAccount)
			emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: at(deskStart)})
			before := get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V9").body
			a := control(t, emu, tc.method, tc.path, tc.body)
			expect(t, a, tc.status, tc.want)
			if tc.status >= 400 {
				// A refused request changes nothing.
				expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V9"), 200, before)
			}
		})
	}
}

// A generated conversation id is "V" and 20 digits, a string beyond int64.
func TestDeskGeneratedID(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{At: at(deskStart), Page: "https://example.org/"})
	if !regexp.MustCompile(`^V[1-9][0-9]{19}$`).MatchString(c.ID) {
		t.Fatalf("generated id %q", c.ID)
	}
	expect(t, get(t, emu, "listConversations", "/message/listConversations/apiKey/1/2023-06-01/2023-06-01"), 200,
		`{"result":"success","json":[{"sid":1,"conversationID":"`+c.ID+`","date":"2023-06-01T08:00:00.000Z"}],"length":1}`)
}

// With an admin token the control routes need it; the testkit helpers send it.
func TestDeskAdminToken(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithConfig(func(c *emulator.Config) { c.AdminToken = "s3cret" }))
	expect(t, control(t, emu, "POST", "/_emulator/imbox/1/conversations", `{}`), http.StatusUnauthorized,
		controlError("the control plane needs Authorization: Bearer <admin token>"))
	c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: at(deskStart)})
	c.VisitorMessage(t, at(deskStart), "Hi")
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V9"), 200,
		`{"result":"success","json":[{"id":702006,"sid":1,"conversationID":"V9","from":"V9","message":"Hi","date":"2023-06-01T08:00:00.000Z","agentID":0}],"length":1}`)
}

// Times are checked against what they follow: a card's update against its
// creation, a visit against the conversation's start.
func TestDeskTimeOrder(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := emu.ImBox().StartConversation(t, testkit.ImBoxStart{ConversationID: "V9", At: at(deskStart)})
	c.InsertCard(t, at("2023-06-01T09:00:00Z"), "1", "first")
	expect(t, control(t, emu, "POST", "/_emulator/imbox/1/conversations/V9/cards", `{"dataID":"1","data":"x","at":"2023-06-01T08:30:00Z"}`),
		http.StatusBadRequest, controlError("at 2023-06-01T08:30:00.000Z is before card 1 was created (2023-06-01T09:00:00.000Z)"))
	expect(t, control(t, emu, "POST", "/_emulator/imbox/1/conversations/V9/visits", `{"page":"https://x/","at":"2023-05-31T00:00:00Z"}`),
		http.StatusBadRequest, controlError("at 2023-05-31T00:00:00.000Z is before the conversation's start 2023-06-01T08:00:00.000Z"))
	expect(t, get(t, emu, "grabVisitorCards", "/message/grabVisitorCards/apiKey/1/V9"), http.StatusOK,
		`{"result":"success","json":[{"dataID":"1","data":"first","sid":1,"conversationID":"V9","createdDate":"2023-06-01T09:00:00.000Z","updatedDate":"2023-06-01T09:00:00.000Z"}]}`)
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V9"), http.StatusOK, `{"result":"success","json":[],"length":0}`)
}
