package imbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/testkit"
)

// The bounds of docs/reliability.md, "ImBox" (bytes of UTF-8).
const (
	shortText = 256
	pageURL   = 4096
	longText  = 32 << 10
	filterLen = 2048
	regexLen  = 256
)

// str is a JSON string of n bytes.
func str(n int) string { return `"` + strings.Repeat("x", n) + `"` }

// page is a JSON string holding a URL of n bytes.
func page(n int) string {
	return `"https://example.org/` + strings.Repeat("p", n-len("https://example.org/")) + `"`
}

// Every text the control plane stores is bounded: at the bound it is
// stored, past it the answer is 400 {"error": ...} and nothing changes.
func TestDeskTextBounds(t *testing.T) {
	t.Parallel()
	const conv = "/_emulator/imbox/1/conversations/V9"
	tests := []struct {
		name, method, path string
		body               func(n int) string
		bound, status      int // the bound; the status at the bound
		reason             string
	}{
		{"start: page", "POST", "/_emulator/imbox/1/conversations", func(n int) string { return `{"page":` + page(n) + `}` }, pageURL, 201,
			"page is limited to 4096 bytes, got 4097"},
		{"start: visitor browser", "POST", "/_emulator/imbox/1/conversations", func(n int) string { return `{"visitor":{"browser":` + str(n) + `}}` }, shortText, 201,
			"browser is limited to 256 bytes, got 257"},
		{"visitor message", "POST", conv + "/messages", func(n int) string { return `{"sender":"visitor","message":` + str(n) + `}` }, longText, 201,
			"message is limited to 32768 bytes, got 32769"},
		{"agent message", "POST", conv + "/messages", func(n int) string { return `{"sender":"agent","agentID":1,"message":` + str(n) + `}` }, longText, 201,
			"message is limited to 32768 bytes, got 32769"},
		{"system event: currentPage", "POST", conv + "/messages", func(n int) string {
			return `{"sender":"system","event":{"type":"visitorJoin","currentPage":` + page(n) + `}}`
		}, pageURL, 201, "event.currentPage is limited to 4096 bytes, got 4097"},
		{"system event: the whole", "POST", conv + "/messages", func(n int) string {
			return `{"sender":"system","event":{"type":"note","text":` + str(n-len(`{"type":"note","text":""}`)) + `}}`
		}, longText, 201, "event (JSON-encoded) is limited to 32768 bytes, got 32769"},
		{"visit: page", "POST", conv + "/visits", func(n int) string { return `{"page":` + page(n) + `}` }, pageURL, 201,
			"page is limited to 4096 bytes, got 4097"},
		{"visitor: exitPage", "PATCH", conv + "/visitor", func(n int) string { return `{"exitPage":` + page(n) + `}` }, pageURL, 200,
			"exitPage is limited to 4096 bytes, got 4097"},
		{"visitor: user_city", "PATCH", conv + "/visitor", func(n int) string { return `{"os":"Linux","user_city":` + str(n) + `}` }, shortText, 200,
			"user_city is limited to 256 bytes, got 257"},
		{"tag", "POST", conv + "/tags", func(n int) string { return `{"tag":` + str(n) + `}` }, shortText, 201,
			"tag is limited to 256 bytes, got 257"},
		{"name", "PUT", conv + "/name", func(n int) string { return `{"name":` + str(n) + `}` }, shortText, 200,
			"name is limited to 256 bytes, got 257"},
		{"label", "POST", conv + "/labels", func(n int) string { return `{"label":` + str(n) + `}` }, shortText, 201,
			"label is limited to 256 bytes, got 257"},
		{"card: dataID", "POST", conv + "/cards", func(n int) string { return `{"dataID":` + str(n) + `,"data":"d"}` }, shortText, 201,
			"dataID is limited to 256 bytes, got 257"},
		{"card: data", "POST", conv + "/cards", func(n int) string { return `{"dataID":"k","data":` + str(n) + `}` }, longText, 201,
			"data is limited to 32768 bytes, got 32769"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t, testkit.WithClock(time.Date(2023, 6, 2, 0, 0, 0, 0, time.UTC)))
			mustControl(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations", `{"conversationID":"V9","at":"`+deskStart+`"}`, http.StatusCreated)
			before := stateOf(t, emu)
			expect(t, control(t, emu, tc.method, tc.path, tc.body(tc.bound+1)), http.StatusBadRequest, controlError(tc.reason))
			if !reflect.DeepEqual(stateOf(t, emu), before) {
				t.Errorf("a refused request changed the state")
			}
			mustControl(t, emu, tc.method, tc.path, tc.body(tc.bound), tc.status)
		})
	}
}

// Seeds and fixture files are held to the same bounds, and page filters to
// theirs; every text past its bound is reported at its path.
func TestSeedTextBounds(t *testing.T) {
	t.Parallel()
	at := func(n int, f func(n int) string) string { return f(n) }
	doc := func(n, filter, regex int, program string) string {
		return fmt.Sprintf(`{"imbox":{
		  "accounts":[{"sid":7,"apiKey":"k7","name":%s}],
		  "agents":[{"agentID":70,"sid":7,"agentName":%s,"agentPicture":%s,"agentLastActive":"2024-01-01T00:00:00Z","groups":[%s]}],
		  "pageFilters":[{"id":70,"sid":7,"searchFilter":%s,"matchType":"like"},{"id":71,"sid":7,"searchFilter":%s,"matchType":"exact"},
		                 {"id":72,"sid":7,"searchFilter":%s,"matchType":"regex"},{"id":73,"sid":7,"searchFilter":%q,"matchType":"regex"}],
		  "conversations":[{"sid":7,"conversationID":"V70","date":"2024-01-02T00:00:00Z",
		    "visitor":{"browser":%s,"exitPage":%s},
		    "tags":[{"tag":%s,"type":0},{"tag":%s,"type":1}],"labels":[{"label":%s}],"cards":[{"dataID":%s,"data":%s}],
		    "messages":[{"id":7001,"message":%s,"date":"2024-01-02T00:00:01Z","agentID":0},
		                {"id":7002,"message":"{\"type\":\"visitorJoin\",\"currentPage\":%s}","date":"2024-01-02T00:00:02Z","agentID":null}]}]}}`,
			str(shortText+n), str(shortText+n), at(pageURL+n, page), str(shortText+n),
			str(filter), str(filter), str(regex), program,
			str(shortText+n), at(pageURL+n, page), str(shortText+n), str(shortText+n), str(shortText+n), str(shortText+n), str(longText+n),
			str(longText+n), strings.ReplaceAll(at(pageURL+n, page), `"`, `\"`))
	}
	emu := testkit.Start(t)
	before := stateOf(t, emu)
	a := control(t, emu, http.MethodPost, "/_emulator/seed", doc(1, filterLen+1, regexLen+1, strings.Repeat("a{0,9}", 40)))
	var got struct {
		Problems []core.Problem `json:"problems"`
	}
	if err := json.Unmarshal([]byte(a.body), &got); err != nil || a.status != http.StatusBadRequest {
		t.Fatalf("got %d %.300s", a.status, a.body)
	}
	want := []core.Problem{
		{Path: "/imbox/accounts/0/name", Reason: "name is limited to 256 bytes, got 257"},
		{Path: "/imbox/agents/0/agentName", Reason: "agentName is limited to 256 bytes, got 257"},
		{Path: "/imbox/agents/0/agentPicture", Reason: "agentPicture is limited to 4096 bytes, got 4097"},
		{Path: "/imbox/agents/0/groups/0", Reason: "a group is limited to 256 bytes, got 257"},
		{Path: "/imbox/pageFilters/0/searchFilter", Reason: "searchFilter is limited to 2048 bytes, got 2049"},
		{Path: "/imbox/pageFilters/1/searchFilter", Reason: "searchFilter is limited to 2048 bytes, got 2049"},
		{Path: "/imbox/pageFilters/2/searchFilter", Reason: "a regex searchFilter is limited to 256 bytes, got 257"},
		{Path: "/imbox/pageFilters/3/searchFilter", Reason: "a regex searchFilter may compile to at most 500 instructions, this one takes N (write repetitions such as {0,50} out less)"},
		{Path: "/imbox/conversations/0/visitor/browser", Reason: "browser is limited to 256 bytes, got 257"},
		{Path: "/imbox/conversations/0/visitor/exitPage", Reason: "exitPage is limited to 4096 bytes, got 4097"},
		{Path: "/imbox/conversations/0/tags/0/tag", Reason: "tag is limited to 256 bytes, got 257"},
		{Path: "/imbox/conversations/0/tags/1/tag", Reason: "tag is limited to 256 bytes, got 257"},
		{Path: "/imbox/conversations/0/labels/0/label", Reason: "label is limited to 256 bytes, got 257"},
		{Path: "/imbox/conversations/0/cards/0/dataID", Reason: "dataID is limited to 256 bytes, got 257"},
		{Path: "/imbox/conversations/0/cards/0/data", Reason: "data is limited to 32768 bytes, got 32769"},
		{Path: "/imbox/conversations/0/messages/0/message", Reason: "message is limited to 32768 bytes, got 32769"},
		{Path: "/imbox/conversations/0/messages/1/message", Reason: "currentPage is limited to 4096 bytes, got 4097"},
	}
	// The count of instructions is the regexp package's to decide.
	for i := range got.Problems {
		got.Problems[i].Reason = regexp.MustCompile(`takes \d+ \(`).ReplaceAllString(got.Problems[i].Reason, "takes N (")
	}
	if !reflect.DeepEqual(got.Problems, want) {
		t.Errorf("problems:\n%s\nwant\n%s", fmtProblems(got.Problems), fmtProblems(want))
	}
	if !reflect.DeepEqual(stateOf(t, emu), before) {
		t.Errorf("a refused seed changed the state")
	}
	// At the bounds, everything is stored.
	seed(t, emu, doc(0, filterLen, regexLen, "[?&]plan=(pro|team)"))
}

// A like filter at its bound against a page at its bound answers as LIKE
// does, through listConversations and chatStatistics.
func TestLargeLikeFilterOverHTTP(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	// The page: "https://example.org/" and a's up to 4096 bytes, ending in "b".
	pg := "https://example.org/" + strings.Repeat("a", pageURL-len("https://example.org/")-1) + "b"
	// Filters of 2048 bytes: a's with a _ every 10th character, then "b"
	// (matches the page's end); the same ending in "c" (matches nowhere).
	body := []byte(strings.Repeat("a", filterLen-1))
	for i := 9; i < len(body); i += 10 {
		body[i] = '_'
	}
	seed(t, emu, fmt.Sprintf(`{"imbox":{"pageFilters":[{"id":80,"sid":1,"searchFilter":"%sb","matchType":"like"},{"id":81,"sid":1,"searchFilter":"%sc","matchType":"like"}],
	  "conversations":[{"sid":1,"conversationID":"V80","date":"2024-01-02T00:00:00Z",
	    "messages":[{"id":8001,"message":"{\"type\":\"visitorJoin\",\"currentPage\":\"%s\"}","date":"2024-01-02T00:00:00Z","agentID":null}]}]}}`,
		body, body, pg))
	list := get(t, emu, "listConversations", "/message/listConversations/apiKey/1/2024-01-02/2024-01-02?pageFilterId=80")
	if list.status != http.StatusOK || !strings.Contains(list.body, `"V80"`) {
		t.Errorf("the matching filter: %d %.300s", list.status, list.body)
	}
	expect(t, get(t, emu, "listConversations", "/message/listConversations/apiKey/1/2024-01-02/2024-01-02?pageFilterId=81"), http.StatusOK,
		`{"result":"success","json":[],"length":0}`)
	stats := get(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?startTime=2024-01-02T00:00:00Z&endTime=2024-01-03T00:00:00Z&pageFilterId=80&pageFilterId=81")
	if stats.status != http.StatusOK || !strings.Contains(stats.body, `"channel":"V80"`) {
		t.Errorf("chatStatistics: %d %.300s", stats.status, stats.body)
	}
}
