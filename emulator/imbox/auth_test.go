package imbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// Every route takes {apiKey}/{userId} (spec: apiKey* and userId* in every
// parameter table); the failures are the emulator's (docs/fidelity.md).
func TestAccountAuth(t *testing.T) {
	t.Parallel()
	routes := []struct{ operation, path string }{
		{"listConversations", "/message/listConversations/%s/%s/2020-01-01/2020-01-01"},
		{"grabConversation", "/message/grabConversation/%s/%s/V1"},
		{"grabVisitorInfo", "/message/grabVisitorInfo/%s/%s/V1"},
		{"grabVisitorTags", "/message/grabVisitorTags/%s/%s/V1"},
		{"grabVisitorLabels", "/message/grabVisitorLabels/%s/%s/V1"},
		{"grabVisitorCards", "/message/grabVisitorCards/%s/%s/V1"},
		{"grabAgent", "/message/grabAgent/%s/%s/1"},
		{"grabAgents", "/message/grabAgents/%s/%s"},
		{"chatStatistics", "/message/chatStatistics/%s/%s?startTime=2020-01-01T00:00:00.000Z&endTime=2020-01-02T00:00:00.000Z"},
		{"pageFilters", "/message/pageFilters/%s/%s"},
	}
	cases := []struct {
		name, apiKey, userID string
		status               int
		body                 string
	}{
		{"unknown apiKey", "nokey", "1", 401, errorBody("Invalid apiKey")},
		{"apiKey is exact", "APIKEY", "1", 401, errorBody("Invalid apiKey")},
		{"unknown apiKey with a bad userId", "nokey", "userId", 401, errorBody("Invalid apiKey")},
		{"userId not a number", "apiKey", "userId", 400, errorBody(`Invalid userId "userId": expected a number`)},
		{"another account's userId", "apiKey", "2", 403, errorBody("apiKey does not belong to userId 2")},
		{"a userId no account has", "apiKey", "99", 403, errorBody("apiKey does not belong to userId 99")},
		{"another account's apiKey", "key2", "1", 403, errorBody("apiKey does not belong to userId 1")},
	}
	emu := testkit.Start(t)
	seed(t, emu, secondAccount)
	for _, r := range routes {
		for _, c := range cases {
			t.Run(r.operation+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				expect(t, get(t, emu, r.operation, fmt.Sprintf(r.path, c.apiKey, c.userID)), c.status, c.body)
			})
		}
		t.Run(r.operation+"/leading zeros in userId", func(t *testing.T) {
			t.Parallel()
			a := get(t, emu, r.operation, fmt.Sprintf(r.path, "apiKey", "01"))
			if a.status != http.StatusOK {
				t.Errorf("got %d %s", a.status, a.body)
			}
		})
	}
}

// Errors raised by the request plumbing render in the ImBox envelope too.
func TestPlumbingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		want                                  string
		allow                                 string
	}{
		{name: "unknown operation", method: "GET", path: "/message/grabEverything/apiKey/1", status: 404,
			want: errorBody("Cannot GET /message/grabEverything/apiKey/1")},
		{name: "the prefix alone", method: "GET", path: "/message/", status: 404, want: errorBody("Cannot GET /message/")},
		{name: "a trailing slash", method: "GET", path: "/message/grabAgents/apiKey/1/", status: 404,
			want: errorBody("Cannot GET /message/grabAgents/apiKey/1/")},
		{name: "POST to a GET endpoint", method: "POST", path: "/message/grabAgents/apiKey/1", status: 405, allow: "GET",
			want: errorBody("Cannot POST /message/grabAgents/apiKey/1: this endpoint only answers GET")},
		{name: "DELETE to a GET endpoint", method: "DELETE", path: "/message/grabConversation/apiKey/1/V1", status: 405, allow: "GET",
			want: errorBody("Cannot DELETE /message/grabConversation/apiKey/1/V1: this endpoint only answers GET")},
		{name: "a malformed JSON body", method: "GET", path: "/message/grabAgents/apiKey/1", contentType: "application/json", body: `{"x":`,
			status: 400, want: errorBody("malformed JSON body: unexpected EOF")},
		{name: "too many parameters", method: "GET", path: "/message/grabAgents/apiKey/1?" + strings.Repeat("a=1&", 10001), status: 413,
			want: errorBody("more than 10000 parameters in one request")},
		{name: "too big a body", method: "GET", path: "/message/grabAgents/apiKey/1", contentType: "text/plain",
			body: strings.Repeat("x", 8<<20+1), status: 413, want: errorBody("request body exceeds 8388608 bytes")},
	}
	emu := testkit.Start(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := send(t, emu, tc.method, tc.path, tc.contentType, tc.body)
			checkSchema(t, "error", a)
			expect(t, a, tc.status, tc.want)
			if got := a.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
	// None of it touched the data.
	expect(t, get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/V1"), 200,
		`{"result":"success","json":`+docMessages+`,"length":4}`)
}

// Requests are journaled under their route names, with the account.
func TestJournalNames(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1")
	get(t, emu, "chatStatistics", "/message/chatStatistics/apiKey/1?startTime=2020-01-01T00:00:00.000Z&endTime=2020-01-02T00:00:00.000Z&agentIds=1&agentIds=2")
	get(t, emu, "grabAgents", "/message/grabAgents/nokey/1")
	emu.AssertCalled(t, "imbox.grabAgents", nil, 2)
	emu.AssertCalled(t, "imbox.chatStatistics", testkit.Params{"agentIds[1]": "2"}, 1)
	calls := emu.Calls("imbox.grabAgents", nil)
	if len(calls) == 2 && (calls[0].Tenant != "account:1" || calls[0].Status != 200 || calls[1].Status != 401 || calls[1].Error != "invalid_api_key") {
		t.Errorf("journal = %+v", calls)
	}
}
