package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chatemu/chatemu/emulator"
)

func start(t *testing.T, cfg emulator.Config) (*emulator.Emulator, *httptest.Server) {
	t.Helper()
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); e.Close() })
	return e, srv
}

func call(t *testing.T, method, url, body string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var frozen = time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)

func TestControlPlane(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{Clock: frozen, FreezeClock: true})
	u := srv.URL
	rooms := func() int {
		_, body, _ := call(t, "POST", u+"/imbachat/v2/627/get_rooms", "", "Authorization", "Basic NjI3OnNlY3JldF9rZXk=")
		var out struct{ Data []any }
		json.Unmarshal([]byte(body), &out)
		return len(out.Data)
	}
	steps := []struct {
		name, method, path, body string
		status                   int
		want                     string // exact body, or a prefix ending in "…"
	}{
		{"healthz", "GET", "/_emulator/healthz", "", 200, `{"status":"ok"}`},
		{"clock read", "GET", "/_emulator/clock", "", 200, `{"now":"2021-03-01T12:00:00Z","frozen":true}`},
		{"clock advance", "POST", "/_emulator/clock", `{"advance":"168h"}`, 200, `{"now":"2021-03-08T12:00:00Z","frozen":true}`},
		{"clock set", "POST", "/_emulator/clock", `{"now":"2020-12-18T07:17:07Z"}`, 200, `{"now":"2020-12-18T07:17:07Z","frozen":true}`},
		{"clock bad duration", "POST", "/_emulator/clock", `{"advance":"a week"}`, 400, `{"error":"advance must be a Go duration such as 90s or 168h, got \"a week\""}`},
		{"clock empty", "POST", "/_emulator/clock", `{}`, 400, `{"error":"send {\"now\": \"<RFC 3339>\", \"freeze\": true|false} or {\"advance\": \"<Go duration, e.g. 168h>\"}"}`},
		{"clock unknown field", "POST", "/_emulator/clock", `{"when":"now"}`, 400, `{"error":"malformed JSON body: json: unknown field \"when\""}`},
		{"seed a room", "POST", "/_emulator/seed", `{"imbachat":{"rooms":[{"id":5000,"imba_id":627,"name":"Seeded","type":0,"members":[2046]}]}}`, 200,
			`{"status":"seeded","vendors":["imbachat"]}`},
		{"seed refused with paths", "POST", "/_emulator/seed", `{"imbachat":{"rooms":[{"id":"x","imba_id":627,"name":"Bad","type":2}]}}`, 400,
			`{"error":"request body is not valid","problems":[{"path":"/imbachat/rooms/0/id","reason":"Invalid type. Expected: integer, given: string"},{"path":"/imbachat/rooms/0/type","reason":"rooms.0.type must be one of the following: 0, 1, 3"}]}`},
		{"seed not json", "POST", "/_emulator/seed", `{"imbachat":`, 400, `{"error":"request body is not valid","problems":[{"path":"","reason":"not valid JSON at line 1, column 12: unexpected end of JSON input"}]}`},
		{"seed unknown vendor", "POST", "/_emulator/seed", `{"slack":{}}`, 400, `{"error":"request body is not valid","problems":[{"path":"","reason":"Additional property slack is not allowed"}]}`},
		{"seed apply error rolls back", "POST", "/_emulator/seed", `{"imbachat":{"rooms":[{"id":5001,"imba_id":627,"name":"Half","type":0}],"messages":[{"id":9,"room_id":777,"user_id":1,"message":"x","time":"2021-01-01 00:00:00"}]}}`, 400,
			`{"error":"request body is not valid","problems":[{"path":"/imbachat/messages/0/room_id","reason":"no room 777: neither the section nor the state holds one"},{"path":"/imbachat/messages/0/user_id","reason":"no user 1: neither the section nor the state holds one"}]}`},
		{"unknown control route", "GET", "/_emulator/nope", "", 404, `{"error":"no control route GET /_emulator/nope"}`},
		{"wrong control method", "DELETE", "/_emulator/clock", "", 405, `{"error":"/_emulator/clock does not accept DELETE"}`},
		{"nothing served", "GET", "/other", "", 404, `{"error":"nothing is served at /other: vendor APIs live under /imbachat/, /rest/, /message/, the control plane under /_emulator/"}`},
	}
	for _, s := range steps {
		status, body, _ := call(t, s.method, u+s.path, s.body, "Content-Type", "application/json")
		if status != s.status || body != s.want {
			t.Errorf("%s: got %d %s\nwant %d %s", s.name, status, body, s.status, s.want)
		}
	}
	if n := rooms(); n != 4 {
		t.Errorf("widget 627 has %d rooms after seeding one and a refused seed, want 4", n)
	}
	status, body, _ := call(t, "GET", u+"/_emulator/requests?vendor=imbachat&operation=imbachat.get_rooms", "")
	var journal struct {
		Requests []struct {
			Seq       int    `json:"seq"`
			Operation string `json:"operation"`
			Tenant    string `json:"tenant"`
			Status    int    `json:"status"`
		} `json:"requests"`
		LastSeq int `json:"last_seq"`
	}
	if err := json.Unmarshal([]byte(body), &journal); err != nil || status != 200 {
		t.Fatalf("requests: %d %s", status, body)
	}
	if len(journal.Requests) != 1 || journal.Requests[0].Tenant != "widget:627" || journal.Requests[0].Status != 200 {
		t.Errorf("journal: %s", body)
	}
	if status, body, _ := call(t, "GET", u+"/_emulator/requests?since=yesterday", ""); status != 400 ||
		body != `{"error":"since must be a sequence number or an RFC 3339 time, got \"yesterday\""}` {
		t.Errorf("bad since: %d %s", status, body)
	}
	if status, body, _ := call(t, "GET", u+"/_emulator/requests?since=2020-12-18T07:17:07Z&limit=x", ""); status != 400 ||
		body != `{"error":"limit must be a non-negative integer, got \"x\""}` {
		t.Errorf("bad limit: %d %s", status, body)
	}
	if status, _, _ := call(t, "DELETE", u+"/_emulator/requests", ""); status != 204 {
		t.Errorf("DELETE requests: %d", status)
	}
	if _, body, _ := call(t, "GET", u+"/_emulator/requests", ""); !strings.HasPrefix(body, `{"last_seq":`) || !strings.Contains(body, `"requests":[]`) {
		t.Errorf("journal after clear: %s", body)
	}
	if status, body, _ := call(t, "POST", u+"/_emulator/reset", ""); status != 200 || body != `{"status":"reset"}` {
		t.Errorf("reset: %d %s", status, body)
	}
	if n := rooms(); n != 3 {
		t.Errorf("after reset widget 627 has %d rooms, want the 3 of the fixtures", n)
	}
	if _, body, _ := call(t, "GET", u+"/_emulator/clock", ""); body != `{"now":"2021-03-01T12:00:00Z","frozen":true}` {
		t.Errorf("clock after reset: %s", body)
	}
}

func TestAdminToken(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{AdminToken: "s3cret"})
	cases := []struct {
		name, path string
		header     []string
		status     int
	}{
		{"healthz stays open", "/_emulator/healthz", nil, 200},
		{"no token", "/_emulator/clock", nil, 401},
		{"wrong token", "/_emulator/clock", []string{"Authorization", "Bearer nope"}, 401},
		{"bearer token", "/_emulator/clock", []string{"Authorization", "Bearer s3cret"}, 200},
		{"header token", "/_emulator/clock", []string{"X-Chatemu-Admin-Token", "s3cret"}, 200},
	}
	for _, c := range cases {
		status, body, h := call(t, "GET", srv.URL+c.path, "", c.header...)
		if status != c.status {
			t.Errorf("%s: status %d %s", c.name, status, body)
		}
		if status == 401 && (body != `{"error":"the control plane needs Authorization: Bearer <admin token>"}` || h.Get("WWW-Authenticate") == "") {
			t.Errorf("%s: %s %v", c.name, body, h)
		}
	}
}

func TestBrokenFixturesStopStartUp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file, want string
	}{
		{"syntax", `{"imbachat": {"widgets": [}`, "broken.json is not valid:\n  /: not valid JSON at line 1, column 27: invalid character '}' looking for beginning of value"},
		{"schema", `{"imbachat": {"widgets": [{"imba_id": 1, "secret_key": "k", "login": "a"}]}}`, "broken.json is not valid:\n  /imbachat/widgets/0: password is required"},
		{"reference", `{"imbachat": {"messages": [{"id": 1, "room_id": 2, "user_id": 3, "message": "x", "time": "2021-01-01 00:00:00"}]}}`,
			"loading fixtures: broken.json is not valid:\n  /imbachat/messages/0/room_id: no room 2: neither the section nor the state holds one"},
	}
	for _, c := range cases {
		_, err := emulator.New(emulator.Config{Fixtures: fstest.MapFS{"broken.json": {Data: []byte(c.file)}}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v\nwant it to contain %q", c.name, err, c.want)
		}
	}
}

func TestDataFileKeepsStateAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "chatemu.db")
	auth := []string{"Content-Type", "application/x-www-form-urlencoded"}
	e, srv := start(t, emulator.Config{DataFile: path})
	status, body, _ := call(t, "POST", srv.URL+"/imbachat/v1/widget/imba_rooms", "imba_id=209&login=admin&password=admin&room_title=Kept&users_ids[0]=3", auth...)
	if status != 200 || !strings.Contains(body, `"roomId":1854`) {
		t.Fatalf("create: %d %s", status, body)
	}
	srv.Close()
	e.Close()

	_, srv2 := start(t, emulator.Config{DataFile: path})
	status, body, _ = call(t, "POST", srv2.URL+"/imbachat/v1/widget/imba_rooms", "imba_id=209&login=admin&password=admin&room_title=Next", auth...)
	if status != 200 || !strings.Contains(body, `"roomId":1855`) {
		t.Errorf("after restart the room sequence must continue (fixtures not reloaded): %d %s", status, body)
	}
}

func TestScenariosControl(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{Clock: frozen, FreezeClock: true})
	u := srv.URL
	rooms := func() int {
		status, _, _ := call(t, "POST", u+"/imbachat/v2/627/get_rooms", "", "Authorization", "Basic NjI3OnNlY3JldF9rZXk=")
		return status
	}
	steps := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"activate a document", "POST", "/_emulator/scenarios", `{"name":"teapot","rules":[{"name":"tea","match":{"operation":"get_rooms"},"trigger":{"times":1},"action":{"type":"status","status":418}}]}`,
			201, `{"scenario":"teapot","status":"active"}`},
		{"activate a bundled one", "POST", "/_emulator/scenarios", `{"name":"imbachat-outage"}`, 201, `{"scenario":"imbachat-outage","status":"active"}`},
		{"unknown bundled", "POST", "/_emulator/scenarios", `{"name":"nope"}`, 404, ""},
		{"invalid document", "POST", "/_emulator/scenarios", `{"name":"x","rules":[{"action":{"type":"latency"}}]}`, 400, ""},
		{"unknown error code", "POST", "/_emulator/scenarios", `{"name":"x","rules":[{"match":{"vendor":"imbachat"},"action":{"type":"error","code":"QUERY_LIMIT_EXCEEDED"}}]}`,
			400, `{"error":"scenario x: rules/0 (rule 1): imbachat has no error code \"QUERY_LIMIT_EXCEEDED\""}`},
		{"not JSON", "POST", "/_emulator/scenarios", `rules`, 400, ""},
	}
	for _, s := range steps {
		status, body, _ := call(t, s.method, u+s.path, s.body, "Content-Type", "application/json")
		if status != s.status || (s.want != "" && body != s.want) {
			t.Errorf("%s: got %d %s\nwant %d %s", s.name, status, body, s.status, s.want)
		}
	}
	if got := []int{rooms(), rooms()}; got[0] != 418 || got[1] != 500 {
		t.Errorf("teapot once, then the outage: %v", got)
	}
	_, body, _ := call(t, "GET", u+"/_emulator/scenarios", "")
	var list struct {
		Active []struct {
			Name  string `json:"name"`
			Rules []struct {
				Name    string `json:"name"`
				Matched int    `json:"matched"`
				Fired   int    `json:"fired"`
			} `json:"rules"`
		} `json:"active"`
		Bundled []struct{ Name, Description string } `json:"bundled"`
	}
	json.Unmarshal([]byte(body), &list)
	if len(list.Active) != 2 || list.Active[0].Rules[0].Matched != 2 || list.Active[0].Rules[0].Fired != 1 || list.Active[1].Rules[0].Fired != 1 || len(list.Bundled) < 2 {
		t.Errorf("list: %s", body)
	}
	if status, _, _ := call(t, "DELETE", u+"/_emulator/scenarios/imbachat-outage", ""); status != 204 {
		t.Errorf("remove one: %d", status)
	}
	if status, body, _ := call(t, "DELETE", u+"/_emulator/scenarios/imbachat-outage", ""); status != 404 || body != `{"error":"no active scenario \"imbachat-outage\""}` {
		t.Errorf("remove again: %d %s", status, body)
	}
	if got := rooms(); got != 200 {
		t.Errorf("after removing the outage: %d", got)
	}
	call(t, "POST", u+"/_emulator/scenarios", `{"name":"imbachat-outage"}`)
	if status, _, _ := call(t, "DELETE", u+"/_emulator/scenarios", ""); status != 204 || rooms() != 200 {
		t.Errorf("clear all: %d", status)
	}
	call(t, "POST", u+"/_emulator/scenarios", `{"name":"imbachat-outage"}`)
	call(t, "POST", u+"/_emulator/reset", "")
	if got := rooms(); got != 200 {
		t.Errorf("reset clears runtime scenarios: %d", got)
	}
}

func TestStateExportImport(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{})
	u := srv.URL
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	call(t, "POST", u+"/imbachat/v1/widget/imba_rooms", "imba_id=209&login=admin&password=admin&room_title=Saved&users_ids[0]=77", form...)
	status, saved, _ := call(t, "GET", u+"/_emulator/state", "")
	if status != 200 || !strings.Contains(saved, `"format":"chatemu-state/1"`) || !strings.Contains(saved, `"imbachat:room:000000001854"`) || !strings.Contains(saved, `"imbachat:room":1854`) {
		t.Fatalf("export: %d %.300s", status, saved)
	}

	_, other := start(t, emulator.Config{})
	if status, body, _ := call(t, "PUT", other.URL+"/_emulator/state", saved); status != 200 || !strings.HasPrefix(body, `{"documents":`) {
		t.Fatalf("import: %d %s", status, body)
	}
	_, body, _ := call(t, "POST", other.URL+"/imbachat/v2/209/get_rooms", "", "Authorization", "Basic MjA5OnNlY3JldF9rZXk=")
	if !strings.Contains(body, `"name":"Saved"`) {
		t.Errorf("the saved world is back: %s", body)
	}
	_, body, _ = call(t, "POST", other.URL+"/imbachat/v1/widget/imba_rooms", "imba_id=209&login=admin&password=admin", form...)
	if !strings.Contains(body, `"roomId":1855`) {
		t.Errorf("sequences come with the state: %s", body)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"format":"other/9","documents":{},"sequences":{}}`, `{"error":"snapshot refused: format must be \"chatemu-state/1\", got \"other/9\""}`},
		{`{"format":"chatemu-state/1","documents":{"slack:x:1":{}},"sequences":{}}`, `{"error":"snapshot refused: document \"slack:x:1\": no vendor \"slack\""}`},
		{`{"format":"chatemu-state/1","documents":`, ""},
	} {
		status, body, _ := call(t, "PUT", other.URL+"/_emulator/state", bad.body)
		if status != 400 || (bad.want != "" && body != bad.want) {
			t.Errorf("bad snapshot: %d %s", status, body)
		}
	}
	_, body, _ = call(t, "POST", other.URL+"/imbachat/v2/209/get_rooms", "", "Authorization", "Basic MjA5OnNlY3JldF9rZXk=")
	if !strings.Contains(body, `"name":"Saved"`) {
		t.Errorf("a refused snapshot changes nothing: %s", body)
	}
}
