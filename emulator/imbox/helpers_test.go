package imbox_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/schemas"
	"github.com/chatemu/chatemu/testkit"
)

// schemaSet validates served bodies against schemas/imbox/responses.
var schemaSet = core.NewSchemaSet(schemas.FS)

// answer is what one request got.
type answer struct {
	status int
	header http.Header
	body   string
}

// send makes a request to the instance and reads the whole answer.
func send(t *testing.T, emu *testkit.Server, method, path, contentType, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, emu.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
	return answer{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

// get is a GET of an API path, its answer checked against the operation's
// response schema (or the error schema when it failed).
func get(t *testing.T, emu *testkit.Server, operation, path string) answer {
	t.Helper()
	a := send(t, emu, http.MethodGet, path, "", "")
	checkSchema(t, operation, a)
	return a
}

// control sends a JSON body to the control plane.
func control(t *testing.T, emu *testkit.Server, method, path, body string) answer {
	t.Helper()
	return send(t, emu, method, path, "application/json", body)
}

// checkSchema validates a JSON answer: a success against
// imbox/responses/<operation>.schema.json, an error against the error
// envelope's schema. CSV answers are checked by their tests.
func checkSchema(t *testing.T, operation string, a answer) {
	t.Helper()
	if strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") {
		return
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json; charset=utf-8", ct)
	}
	name := "imbox/responses/" + operation + ".schema.json"
	if a.status != http.StatusOK {
		name = "imbox/responses/error.schema.json"
	}
	problems, err := schemaSet.Validate(name, []byte(a.body), "")
	if err != nil {
		t.Fatalf("validating against %s: %v", name, err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s: %s\nbody: %s", name, p.Path, p.Reason, a.body)
	}
}

// expect checks the status and the exact body.
func expect(t *testing.T, a answer, status int, body string) {
	t.Helper()
	if a.status != status || a.body != body {
		t.Errorf("got %d %s\nwant %d %s", a.status, a.body, status, body)
	}
}

// errorBody is the ImBox error envelope with a message.
func errorBody(message string) string {
	return `{"result":"error","message":` + jsonString(message) + `}`
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// seed applies a fixture document through the control plane.
func seed(t *testing.T, emu *testkit.Server, doc string) {
	t.Helper()
	a := control(t, emu, http.MethodPost, "/_emulator/seed", doc)
	if a.status != http.StatusOK {
		t.Fatalf("seed: %d %s", a.status, a.body)
	}
}

// secondAccount is a seed with account sid 2 (API key "key2"), its agent 20,
// page filter 20 and conversation V1 of its own, to check isolation.
const secondAccount = `{"imbox": {
  "accounts": [{"sid": 2, "apiKey": "key2", "name": "Second"}],
  "agents": [{"agentID": 20, "sid": 2, "agentName": "Sam Second", "agentLastActive": "2021-06-01T00:00:00.000Z"}],
  "pageFilters": [{"id": 20, "sid": 2, "searchFilter": "example.org", "matchType": "like"}],
  "conversations": [{"sid": 2, "conversationID": "V1", "date": "2020-01-01T12:00:00.000Z",
    "labels": [{"label": "Other account"}],
    "messages": [{"id": 900001, "message": "Hej", "date": "2020-01-01T12:00:01.000Z", "agentID": 0}]}]
}}`

// mustControl sends a control-plane request and fails unless it answers
// status.
func mustControl(t *testing.T, emu *testkit.Server, method, path, body string, status int) answer {
	t.Helper()
	a := control(t, emu, method, path, body)
	if a.status != status {
		t.Fatalf("%s %s: got %d %s, want %d", method, path, a.status, a.body, status)
	}
	return a
}
