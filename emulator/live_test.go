package emulator_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/internal/outbound"
)

// sse is one server-sent event.
type sse struct{ event, id, data string }

// stream is an open GET /_emulator/events.
type stream struct {
	resp   *http.Response
	events chan sse
}

// openEvents opens the live journal; the stream ends with the test.
func openEvents(t *testing.T, url string, header ...string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
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
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	s := &stream{resp: resp, events: make(chan sse, 256)}
	if resp.StatusCode != http.StatusOK {
		return s
	}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					s.events <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return s
}

// next waits for the next event of a kind, skipping others.
func (s *stream) next(t *testing.T, event string) sse {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the stream ended before a %q event", event)
			}
			if ev.event == event {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %q event", event)
		}
	}
}

const liveToken = "live-token"

func TestLiveJournalRefusals(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{AdminToken: liveToken})
	tests := []struct {
		name, method, path string
		header             []string
		status             int
		want               string
	}{
		{name: "no token", method: "GET", path: "/_emulator/events", status: 401,
			want: `{"error":"the live journal needs Authorization: Bearer <admin token> or ?token=<admin token>"}`},
		{name: "a wrong token", method: "GET", path: "/_emulator/events?token=nope", status: 401,
			want: `{"error":"the live journal needs Authorization: Bearer <admin token> or ?token=<admin token>"}`},
		{name: "the query token is for the live journal only", method: "GET", path: "/_emulator/requests?token=" + liveToken, status: 401,
			want: `{"error":"the control plane needs Authorization: Bearer <admin token>"}`},
		{name: "a wrong method", method: "POST", path: "/_emulator/events?token=" + liveToken, status: 405,
			want: `{"error":"/_emulator/events does not accept POST"}`},
		{name: "a bad start", method: "GET", path: "/_emulator/events?since=x", header: []string{"Authorization", "Bearer " + liveToken}, status: 400,
			want: `{"error":"since must be a sequence number, got \"x\""}`},
		{name: "the dashboard's files are open", method: "POST", path: "/_emulator/ui/", status: 405,
			want: `{"error":"/_emulator/ui/ does not accept POST"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body, _ := call(t, tt.method, srv.URL+tt.path, "", tt.header...)
			if status != tt.status || body != tt.want {
				t.Errorf("got %d %s, want %d %s", status, body, tt.status, tt.want)
			}
		})
	}
}

// TestLiveJournal: a listener sees the requests made after it connected
// (with their detail), the person acts and the deliveries.
func TestLiveJournal(t *testing.T) {
	t.Parallel()
	e, srv := start(t, emulator.Config{AdminToken: liveToken})
	s := openEvents(t, srv.URL+"/_emulator/events?token="+liveToken)
	if s.resp.StatusCode != http.StatusOK || s.resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", s.resp.StatusCode, s.resp.Header.Get("Content-Type"))
	}
	status, _, _ := call(t, "POST", srv.URL+"/imbachat/v2/627/get_users", "status=admin",
		"Authorization", "Basic NjI3OnNlY3JldF9rZXk=", "Content-Type", "application/x-www-form-urlencoded")
	if status != 200 {
		t.Fatalf("get_users: %d", status)
	}
	var ex emulator.Exchange
	ev := s.next(t, "request")
	if err := json.Unmarshal([]byte(ev.data), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Operation != "imbachat.get_users" || ex.Detail == nil || ex.Detail.RequestBody != "status=admin" ||
		!strings.Contains(ex.Detail.ResponseBody, `"success"`) || ev.id != fmt.Sprintf("%d.0", ex.Seq) {
		t.Errorf("request event %s: %s", ev.id, ev.data)
	}

	status, _, _ = call(t, "POST", srv.URL+"/_emulator/imbox/1/conversations/V1/messages", `{"sender":"visitor","message":"hi"}`,
		"Authorization", "Bearer "+liveToken)
	if status != 201 {
		t.Fatalf("visitor message: %d", status)
	}
	var act emulator.Act
	if err := json.Unmarshal([]byte(s.next(t, "act").data), &act); err != nil {
		t.Fatal(err)
	}
	if act.Vendor != "imbox" || act.Action != "postMessage" || act.Status != 201 || act.Body != `{"sender":"visitor","message":"hi"}` ||
		!strings.Contains(act.Answer, `"message":"hi"`) {
		t.Errorf("act event: %+v", act)
	}

	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(handler.Close)
	e.Deliveries().Submit(outbound.Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", URL: handler.URL, Body: []byte("a=1")})
	var d emulator.Delivery
	if err := json.Unmarshal([]byte(s.next(t, "delivery").data), &d); err != nil {
		t.Fatal(err)
	}
	if d.Event != "ONIMBOTMESSAGEADD" || d.Outcome != "delivered" || d.Response != "ok" {
		t.Errorf("delivery event: %+v", d)
	}
}

// TestLiveJournalPassesOverWhatItCannotSend: a listener starting behind a
// wrapped journal is told how many requests it missed, and one resuming
// with Last-Event-ID gets only what came after.
func TestLiveJournalPassesOverWhatItCannotSend(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{JournalSize: 5})
	for range 12 {
		call(t, "GET", srv.URL+"/imbachat/v2/627/get_users", "")
	}
	s := openEvents(t, srv.URL+"/_emulator/events?since=0")
	var missed struct{ Requests int }
	if err := json.Unmarshal([]byte(s.next(t, "missed").data), &missed); err != nil || missed.Requests != 7 {
		t.Errorf("missed %+v (%v), want 7 requests", missed, err)
	}
	s = openEvents(t, srv.URL+"/_emulator/events", "Last-Event-ID", "10.0")
	ev := s.next(t, "request")
	if !strings.Contains(ev.data, `"seq":11`) {
		t.Errorf("resuming after 10: first event %s", ev.data)
	}
}

// TestLiveJournalListenersAreBounded: the 17th listener is refused, and
// Release ends every stream.
func TestLiveJournalListenersAreBounded(t *testing.T) {
	t.Parallel()
	e, srv := start(t, emulator.Config{})
	var streams []*stream
	for range 16 {
		s := openEvents(t, srv.URL+"/_emulator/events")
		if s.resp.StatusCode != http.StatusOK {
			t.Fatalf("listener %d refused: %d", len(streams)+1, s.resp.StatusCode)
		}
		streams = append(streams, s)
	}
	status, body, _ := call(t, "GET", srv.URL+"/_emulator/events", "")
	if status != http.StatusServiceUnavailable || body != `{"error":"the live journal serves at most 16 listeners at once"}` {
		t.Errorf("the 17th listener: %d %s", status, body)
	}
	e.Release()
	for _, s := range streams {
		for range s.events {
		}
	}
}

func TestStateOfOneVendor(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{})
	status, body, _ := call(t, "GET", srv.URL+"/_emulator/state?vendor=imbox", "")
	var snap emulator.Snapshot
	if err := json.Unmarshal([]byte(body), &snap); status != 200 || err != nil {
		t.Fatalf("%d %v %s", status, err, body)
	}
	for k := range snap.Documents {
		if !strings.HasPrefix(k, "imbox:") {
			t.Errorf("document %s in imbox's state", k)
		}
	}
	if len(snap.Documents) == 0 {
		t.Error("no imbox documents")
	}
	status, body, _ = call(t, "GET", srv.URL+"/_emulator/state?vendor=icq", "")
	if want := `{"error":"no vendor \"icq\" (one of imbachat, bitrix24, imbox)"}`; status != 404 || body != want {
		t.Errorf("unknown vendor: %d %s, want 404 %s", status, body, want)
	}
}

func TestScenarioDryRun(t *testing.T) {
	t.Parallel()
	e, srv := start(t, emulator.Config{})
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{name: "valid", body: `{"name":"s","rules":[{"name":"r","match":{"vendor":"imbachat"},"action":{"type":"error","code":"500"}}]}`,
			status: 200, want: `{"scenario":"s","status":"valid"}`},
		{name: "against the schema", body: `{"name":"s","rules":[{"name":"r","action":{"type":"explode"}}]}`, status: 400, want: `"path":"/rules/0/action`},
		{name: "an error code the vendor lacks", body: `{"name":"s","rules":[{"name":"r","match":{"vendor":"imbachat"},"action":{"type":"error","code":"NOPE"}}]}`, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body, _ := call(t, "POST", srv.URL+"/_emulator/scenarios?dry_run=true", tt.body)
			if status != tt.status || (tt.want != "" && !strings.Contains(body, tt.want)) {
				t.Errorf("got %d %s, want %d %s", status, body, tt.status, tt.want)
			}
			if tt.status == 400 && !strings.Contains(body, `"error"`) {
				t.Errorf("refusal without its reason: %s", body)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(e.Faults().Active()); n != 0 {
			t.Errorf("%d scenarios active after dry runs", n)
		}
	})
}
