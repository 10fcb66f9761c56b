package imbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

const (
	docJohn = `{"agentID":1,"sid":1,"agentName":"John Doe","agentEmail":"john.doe@example.org","agentPicture":"https://example.org/avatar.png",` +
		`"agentLastActive":"2020-01-01T00:00:00.000Z","department":"Support","isBackOffice":"0","groups":"Sales,Support"}`
	docJane = `{"agentID":2,"sid":1,"agentName":"Jane Doe","agentEmail":"jane.doe@example.org","agentPicture":"https://example.org/avatar.png",` +
		`"agentLastActive":"2020-01-01T00:00:00.000Z","department":"Marketing","isBackOffice":"1","groups":"Marketing"}`
)

// grabAgent ("Get an agent") and grabAgents ("Lists all agents").
func TestAgents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     func(*testing.T, *testkit.Server)
		operation string
		path      string
		status    int
		body      string
	}{
		{name: "grabAgents: doc agents, isBackOffice a string, groups comma-joined",
			operation: "grabAgents", path: "/message/grabAgents/apiKey/1", status: 200,
			body: `{"result":"success","json":[` + docJohn + `,` + docJane + `],"length":2}`},
		{name: "grabAgent: the same object as grabAgents, in a one-item list without length",
			operation: "grabAgent", path: "/message/grabAgent/apiKey/1/1", status: 200,
			body: `{"result":"success","json":[` + docJohn + `]}`},
		{name: "grabAgent 2", operation: "grabAgent", path: "/message/grabAgent/apiKey/1/2", status: 200,
			body: `{"result":"success","json":[` + docJane + `]}`},
		{name: "an agent message moves agentLastActive up",
			setup: func(t *testing.T, emu *testkit.Server) {
				emu.ImBox().Conversation(1, "V1").AgentMessage(t, 2, time.Date(2024, 2, 29, 13, 14, 15, 160e6, time.UTC), "Late reply")
			},
			operation: "grabAgent", path: "/message/grabAgent/apiKey/1/2", status: 200,
			body: `{"result":"success","json":[{"agentID":2,"sid":1,"agentName":"Jane Doe","agentEmail":"jane.doe@example.org","agentPicture":"https://example.org/avatar.png",` +
				`"agentLastActive":"2024-02-29T13:14:15.160Z","department":"Marketing","isBackOffice":"1","groups":"Marketing"}]}`},
		{name: "an account's agents only, without groups an empty string",
			setup:     func(t *testing.T, emu *testkit.Server) { seed(t, emu, secondAccount) },
			operation: "grabAgents", path: "/message/grabAgents/key2/2", status: 200,
			body: `{"result":"success","json":[{"agentID":20,"sid":2,"agentName":"Sam Second","agentEmail":"","agentPicture":"",` +
				`"agentLastActive":"2021-06-01T00:00:00.000Z","department":"","isBackOffice":"0","groups":""}],"length":1}`},
		{name: "an account without agents",
			setup: func(t *testing.T, emu *testkit.Server) {
				seed(t, emu, `{"imbox":{"accounts":[{"sid":3,"apiKey":"key3"}]}}`)
			},
			operation: "grabAgents", path: "/message/grabAgents/key3/3", status: 200, body: `{"result":"success","json":[],"length":0}`},
		{name: "unknown agent", operation: "grabAgent", path: "/message/grabAgent/apiKey/1/3", status: 404,
			body: errorBody("Agent 3 not found")},
		{name: "another account's agent is not found",
			setup:     func(t *testing.T, emu *testkit.Server) { seed(t, emu, secondAccount) },
			operation: "grabAgent", path: "/message/grabAgent/apiKey/1/20", status: 404, body: errorBody("Agent 20 not found")},
		{name: "agentId must be a number", operation: "grabAgent", path: "/message/grabAgent/apiKey/1/agentId", status: 400,
			body: errorBody(`Invalid agentId "agentId": expected a number`)},
	}
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

// grabAgents' answer is kept between requests (it is encoded once per
// store generation); every change to the agents shows in the next answer,
// and one account's answer never serves another's.
func TestGrabAgentsFollowsChanges(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	fixtures := `{"result":"success","json":[` + docJohn + `,` + docJane + `],"length":2}`
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1"), 200, fixtures)
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1"), 200, fixtures)

	seed(t, emu, `{"imbox":{"agents":[{"agentID":3,"sid":1,"agentName":"Jim New","agentLastActive":"2021-01-01T00:00:00.000Z"}]}}`)
	a := get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1")
	if a.status != 200 || !strings.Contains(a.body, `"agentName":"Jim New"`) || !strings.Contains(a.body, `"length":3`) {
		t.Fatalf("after seeding a third agent: %d %s", a.status, a.body)
	}
	seed(t, emu, secondAccount)
	b := get(t, emu, "grabAgents", "/message/grabAgents/key2/2")
	if b.status != 200 || !strings.Contains(b.body, `"agentName":"Sam Second"`) || !strings.Contains(b.body, `"length":1`) {
		t.Fatalf("the second account: %d %s", b.status, b.body)
	}
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1"), 200, a.body)

	emu.Reset(t)
	expect(t, get(t, emu, "grabAgents", "/message/grabAgents/apiKey/1"), 200, fixtures)
}
