package imbox_test

import (
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// docExample is one endpoint of the ImBox chat page
// (docs.imbox.io/integration/chat): its "Usage" curl line and its
// "Response" example, both copied as printed, comments and typos included.
type docExample struct {
	operation string
	curl      string
	response  string
	// fixes turn the printed example into what the emulator serves for it,
	// each a decision of docs/fidelity.md; nil when the example is served
	// as printed (once its comments are gone).
	fixes []string
	// shapeOnly: the fixtures cannot reproduce the example's values (its
	// rows contradict the other examples), so only its shape is compared.
	shapeOnly bool
}

var docExamples = []docExample{
	{operation: "listConversations",
		curl: `curl -X GET "https://apiv2.imbox.io/message/listConversations/apiKey/userId/fromDate/toDate?pageFilterId=1&pageFilterId=2"`,
		response: `{
"result": "success",
"json": [
{
"sid": 1, // userId
"conversationID": "V1", // Channel / ConversationId
"date": "2020-01-01T00:00:00.000Z" // Created date
},
{
"sid": 1,
"conversationID": "V18751500044654323221",
"date": "2020-01-01T00:00:00.000Z"
}
],
"length": 2
}`,
		// Page filter 1 ("searchFilter", like) matches the page V18751500044654323221
		// joined from; V1 joined from /support; there is no filter 2.
		fixes: []string{`{
"sid": 1, // userId
"conversationID": "V1", // Channel / ConversationId
"date": "2020-01-01T00:00:00.000Z" // Created date
},
`, ``, `"length": 2`, `"length": 1`}},
	{operation: "grabConversation",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabConversation/apiKey/userId/conversationID"`,
		response: `{
"result": "success",
"json": [
{
"id": 1, // messageId
"sid": 1,
"conversationID": "V1",
"from": "John", // Name of sender
"message": "Hello",
"date": "2020-01-01T00:00:00.000Z",
"agentID": 1 // agentId of sender, will be 0 if from Visitor and null if from system
},
{
"id": 2,
"sid": 1,
"conversationID": "V1",
"from": "John",
"message": "how can i help you today? :)",
"date": "2020-01-01T00:00:00.000Z",
"agentID": 1
},
{
"id": 702005,
"sid": 1,
"conversationID": "V1",
"from": "V1",
"message": "Hi, where can i find the documentation page?",
"date": "2020-01-01T00:00:00.000Z",
"agentID": 0
},
{
"id": 702004,
"sid": 1,
"conversationID": "V1",
"from": "system",
"message": "{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/support\"}",
"date": "2020-01-01T00:00:00.000Z",
"agentID": null
}
],
"length": 4
}`},
	{operation: "grabVisitorInfo",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabVisitorInfo/apiKey/userId/conversationID"`,
		response: `{
"result": "success",
"json": [
{
"trafficType": "Direct", // Direct|Organic|www.referral-domain.com
"se_type": "", // If organic traffic: Google|Bing|Yahoo|etc
"sid": 1,
"conversationID": "V1",
"last_visit": "2020-01-01T00:00:00.000Z",
"browser": "Chrome 50.0.0",
"os": "Windows 7 0.0.0",
"user_city": "Stockholm",
"user_country": "Sweden",
"exitPage": "https://imbox.se/"
}
]
}`},
	{operation: "grabVisitorTags",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabVisitorTags/apiKey/userId/conversationID"`,
		response: `{
"result": "success",
"json": [
{
"sid": 1,
"conversationID": "V1",
"createdDate": "2020-01-01T00:00:00.000Z",
"tag": "John Doe",
"type": 0 // Type 0 is the visitors name, can be set in client or via changeName widget api.
},
{
"sid": 1,
"conversationID": "V1",
"createdDate": "2020-01-01T00:00:00.000Z",
"tag": "Custom tag",
"type": 1 // Regular tag set on visitor
}
],
"length": 2
}`},
	{operation: "grabVisitorLabels",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabVisitorLabels/apiKey/userId/conversationID"`,
		response: `{
"result": "success",
"json": [
{
"conversationID": "V1",
"createdDate": "2020-01-01T00:00:00.000Z",
"label": "Support"
},
{
"conversationID": "V1",
"createdDate": "2020-00-00T00:00:00.000Z",
"label": "BankId Verified"
}
]
}`,
		fixes: []string{"2020-00-00", "2020-01-01"}},
	{operation: "grabVisitorCards",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabVisitorCards/apiKey/userId/conversationID"`,
		response: `{
"result": "success",
"json": [
{
"dataID": "1", // Id inserted with insertCard
"data": "Name: John Doe", // Data inserted with insertCard
"sid": 1, // userId
"conversationID": "V1",
"createdDate": "2020-01-01T00:00:00.000Z",
"updatedDate": "2020-01-01T00:00:00.000Z"
}
]
}`},
	{operation: "grabAgent",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabAgent/apiKey/userId/agentId"`,
		response: `{
"result": "success",
"json": [
{
"agentID": 1,
"sid": 1, // userId
"agentName": "John",
"agentEmail": "john.doe@example.org",
"agentPicture": "https://example.org/avatar.png",
"agentLastActive": "2020-01-01T00:00:00.000Z",
"department": "Support",
"isBackOffice": "0", // 0 or 1
"groups": "Sales,Support"
}
]
}`,
		// grabAgents and chatStatistics name agent 1 "John Doe"; "John" is
		// how he signs messages.
		fixes: []string{`"agentName": "John"`, `"agentName": "John Doe"`}},
	{operation: "grabAgents",
		curl: `curl -X GET "https://apiv2.imbox.io/message/grabAgents/apiKey/userId"`,
		response: `{
"result": "success",
"json": [
{
"agentID": 1,
"sid": 1,
"agentName": "John Doe",
"agentEmail": "john.doe@example.org",
"agentPicture": "https://example.org/avatar.png",
"agentLastActive": "2020-01-01T00:00:00.000Z",
"department": "Support",
"isBackOffice": "0",
"groups": "Sales,Support"
},
{
"agentID": 2,
"sid": 1,
"agentName": "Jane Doe",
"agentEmail": "jane.doe@example.org",
"agentPicture": "https://example.org/avatar.png",
"agentLastActive": "2020-01-01T00:00:00.000Z",
"department": "Marketing",
"isBackOffice": "1",
"groups": "Marketing"
}
],
"length": 2
}`},
	{operation: "chatStatistics", shapeOnly: true,
		curl: `curl -X GET "https://apiv2.imbox.io/message/chatStatistics/apiKey/userId?startTime=2020-01-01T00%3A00%3A00.000Z&endTime=2020-01-01T00%3A00%3A00.000Z&agentIds=1&agentIds=2&channel=V1"`,
		response: `{
"result": "success",
"json": [{
"channel": "V1",
"agentName": "John Doe",
"agentEmail": "john.doe@example.org",
"referral": "Direct",
"searchEngine": "",
"exitPage": "https://example.org/",
"browser": "Chrome 50.0.0",
"os": "OS X",
"city": "Stockholm",
"country": "Sweden",
"labels": ["label1", "label2"],
"tags": ["tag1", "tag2"],
"duration": 100000, // Chat duration in MS
"rating": 4,
"responseTime": 5000, // Agent response time in MS
"startedAt": "2020-01-01T00:00:00.000Z"
}, {
"channel": "V1",
"agentName": "John Doe",
"agentEmail": "john.doe@example.org",
"referral": "Direct",
"searchEngine": "",
"exitPage": "https://example.org/",
"browser": "Chrome 50.0.0",
"os": "OS X",
"city": "Stockholm",
"country": "Sweden",,
"labels": [],
"tags": [],
"startedAt": "2020-01-01T00:00:00.000Z",
"duration": null, // No answer from agent
"rating": null,
"responseTime": null // No answer from agent
}],
"length": 2
}`},
	{operation: "pageFilters",
		curl: `curl -X GET "https://apiv2.imbox.io/message/pageFilters/apiKey/userId"`,
		response: `{
"result": "success",
"json": [
{
"id": 1,
"sid": 1,
"searchFilter": "searchFilter",
"searchName": "searchName",
"matchType": "like"
}
],
"length": 1
}`},
}

// docPlaceholders are the path placeholders of the curl lines with the
// values the documentation's responses show for them; "apiKey" stays, as
// the fixture account's key is literally "apiKey".
var docPlaceholders = map[string]string{"userId": "1", "conversationID": "V1", "agentId": "1", "fromDate": "2020-01-01", "toDate": "2020-01-01"}

var curlLine = regexp.MustCompile(`^curl -X (\w+) "https://apiv2\.imbox\.io(/[^"]*)"$`)

// The documentation's curl examples, sent as printed to the emulator (host
// replaced, path placeholders filled in), answer the documented shapes, and
// the documented values wherever the fixtures reproduce them.
func TestDocExamples(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	for _, ex := range docExamples {
		t.Run(ex.operation, func(t *testing.T) {
			t.Parallel()
			m := curlLine.FindStringSubmatch(ex.curl)
			if m == nil {
				t.Fatalf("not a curl line: %s", ex.curl)
			}
			path, query, _ := strings.Cut(m[2], "?")
			segs := strings.Split(path, "/")
			for i, s := range segs {
				if v, ok := docPlaceholders[s]; ok && i > 3 {
					segs[i] = v
				}
			}
			url := emu.ImBoxURL() + strings.Join(segs, "/")
			if query != "" {
				url += "?" + query
			}
			req, err := http.NewRequest(m[1], url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := emu.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			a := answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
			checkSchema(t, ex.operation, a)
			if a.status != http.StatusOK {
				t.Fatalf("%s: %d %s", url, a.status, a.body)
			}
			doc := ex.response
			for i := 0; i+1 < len(ex.fixes); i += 2 {
				if !strings.Contains(doc, ex.fixes[i]) {
					t.Fatalf("fix %q does not apply", ex.fixes[i])
				}
				doc = strings.Replace(doc, ex.fixes[i], ex.fixes[i+1], 1)
			}
			clean := cleanDocJSON(doc)
			want, err := orderedJSON(clean)
			if err != nil {
				t.Fatalf("doc example: %v\n%s", err, clean)
			}
			got, err := orderedJSON(a.body)
			if err != nil {
				t.Fatal(err)
			}
			if !sameShape(want, got) {
				t.Errorf("shape differs\n doc: %s\n got: %s", shape(want), shape(got))
			}
			if !ex.shapeOnly && !reflect.DeepEqual(want, got) {
				t.Errorf("values differ\n doc: %s\n got: %s", clean, a.body)
			}
		})
	}
}

// The printed paths with their placeholders left in are refused the way
// any client mistake is.
func TestDocPlaceholdersLiteral(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/userId"), 400, errorBody(`Invalid userId "userId": expected a number`))
	expect(t, get(t, emu, "listConversations", "/message/listConversations/apiKey/1/fromDate/toDate"), 400,
		errorBody(`Invalid fromDate "fromDate": expected a date YYYY-MM-DD`))
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/conversationID"), 404,
		errorBody("Conversation conversationID not found"))
	expect(t, get(t, emu, "grabAgent", "/message/grabAgent/apiKey/1/agentId"), 400, errorBody(`Invalid agentId "agentId": expected a number`))
}
