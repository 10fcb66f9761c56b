package fault_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/testkit"
)

var t0 = time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)

const roomsOK = `{"success":"true","data":[{"id":1314,"pipe":"5fbcaf6a4ba35_1606201194","name":"New conversation","admin_id":2046,"type":0,"tab":0,"is_public":0,"created_at":"2020-11-24 06:59:54","updated_at":"2020-11-24 06:59:54","deleted_at":null,"status":0,"imba_id":627}],"code":200}`

type answer struct {
	status int
	header http.Header
	body   string
	err    error // transport or body-read error
}

// getRooms is one ImbaChat get_rooms call (widget 627, room_type 0) on a
// fresh connection, as a client sees it.
func getRooms(t *testing.T, emu *testkit.Server, client *http.Client, extra ...string) answer {
	t.Helper()
	body := "room_type=0"
	for _, e := range extra {
		body += "&" + e
	}
	req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/627/get_rooms", strings.NewReader(body))
	req.SetBasicAuth("627", "secret_key")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Close = true
	if client == nil {
		client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

func start(t *testing.T, opts ...testkit.Option) *testkit.Server {
	return testkit.Start(t, append([]testkit.Option{testkit.WithClock(t0)}, opts...)...)
}

func TestErrorAction(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t,
		fault.Rule{Match: fault.Match{Operation: "imbachat.get_rooms", Params: map[string]string{"room_type": "3"}},
			Action: fault.Action{Type: "error", Code: "503", Message: "Maintenance", Headers: map[string]string{"Retry-After": "60"}}},
		fault.Rule{Match: fault.Match{Operation: "imbachat.get_rooms"}, Action: fault.Action{Type: "error", Code: "500"}},
	)
	a := getRooms(t, emu, nil, "room_type=3")
	if a.status != 503 || a.body != `{"success":false,"code":503,"message":"Maintenance","data":[]}` || a.header.Get("Retry-After") != "60" {
		t.Errorf("error with message and header: %d %s %v", a.status, a.body, a.header)
	}
	a = getRooms(t, emu, nil)
	if a.status != 500 || a.body != `{"success":false,"code":500,"message":"Server error","data":[]}` {
		t.Errorf("vendor 500: %d %s", a.status, a.body)
	}
	calls := emu.Calls("imbachat.get_rooms", nil)
	if len(calls) != 2 || calls[0].Fault != "test-TestErrorAction/rule 1" || calls[1].Fault != "test-TestErrorAction/rule 2" || calls[1].Error != "500" {
		t.Errorf("the journal names the rule that fired: %+v", calls)
	}
}

func TestStatusAction(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t,
		fault.Rule{Match: fault.Match{Params: map[string]string{"room_type": "1"}},
			Action: fault.Action{Type: "status", Status: 502, Body: json.RawMessage(`"<html>Bad Gateway</html>"`), Headers: map[string]string{"Content-Type": "text/html"}}},
		fault.Rule{Action: fault.Action{Type: "status", Status: 418, Body: json.RawMessage(`{"teapot":true}`)}},
	)
	a := getRooms(t, emu, nil, "room_type=1")
	if a.status != 502 || a.body != "<html>Bad Gateway</html>" || a.header.Get("Content-Type") != "text/html" {
		t.Errorf("text body: %d %q %v", a.status, a.body, a.header)
	}
	a = getRooms(t, emu, nil)
	if a.status != 418 || a.body != `{"teapot":true}` || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Errorf("JSON body: %d %q", a.status, a.body)
	}
}

func TestLatencyAction(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t, fault.Rule{Action: fault.Action{Type: "latency", Delay: fault.Duration(300 * time.Millisecond), Jitter: fault.Duration(50 * time.Millisecond)}})
	began := time.Now()
	a := getRooms(t, emu, nil)
	if took := time.Since(began); took < 240*time.Millisecond {
		t.Errorf("answered after %v, want about 300ms", took)
	}
	if a.status != 200 || a.body != roomsOK {
		t.Errorf("the real answer follows the delay: %d %s", a.status, a.body)
	}
}

func TestTimeoutAction(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t, fault.Rule{Action: fault.Action{Type: "timeout", Duration: fault.Duration(400 * time.Millisecond)}})
	// A client with a shorter timeout gives up.
	a := getRooms(t, emu, &http.Client{Timeout: 100 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}})
	var ne net.Error
	if !errors.As(a.err, &ne) || !ne.Timeout() {
		t.Errorf("a short client timeout: want a timeout error, got %v (%d %s)", a.err, a.status, a.body)
	}
	// A patient client sees the connection closed without an answer.
	began := time.Now()
	a = getRooms(t, emu, nil)
	if took := time.Since(began); a.err == nil || took < 300*time.Millisecond {
		t.Errorf("held for %v then: %v (%d %s)", took, a.err, a.status, a.body)
	}
}

func TestTimeoutReleasedOnClose(t *testing.T) {
	t.Parallel()
	emu, err := testkit.New()
	if err != nil {
		t.Fatal(err)
	}
	emu.Inject(t, fault.Rule{Action: fault.Action{Type: "timeout", Duration: fault.Duration(10 * time.Minute)}})
	done := make(chan answer, 1)
	go func() { done <- getRooms(t, emu, nil) }()
	time.Sleep(100 * time.Millisecond)
	began := time.Now()
	emu.Close()
	a := <-done
	if took := time.Since(began); took > 5*time.Second || a.err == nil {
		t.Errorf("shutdown must release a held request: took %v, %v", took, a.err)
	}
}

func TestResetAndEmptyActions(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t,
		fault.Rule{Match: fault.Match{Params: map[string]string{"x": "reset"}}, Action: fault.Action{Type: "reset"}},
		fault.Rule{Match: fault.Match{Params: map[string]string{"x": "empty"}}, Action: fault.Action{Type: "empty"}},
	)
	a := getRooms(t, emu, nil, "x=reset")
	if !errors.Is(a.err, syscall.ECONNRESET) {
		t.Errorf("reset: want connection reset by peer, got %v (%d)", a.err, a.status)
	}
	a = getRooms(t, emu, nil, "x=empty")
	if a.err == nil || !(errors.Is(a.err, io.EOF) || strings.Contains(a.err.Error(), "EOF")) {
		t.Errorf("empty: want EOF before any answer, got %v (%d)", a.err, a.status)
	}
	// The client sees the reset before the server has finished the
	// request, so the journal record may come a moment later.
	deadline := time.Now().Add(5 * time.Second)
	for len(emu.Calls("imbachat.get_rooms", nil)) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, x := range []string{"reset", "empty"} {
		if calls := emu.Calls("imbachat.get_rooms", testkit.Params{"x": x}); len(calls) != 1 || calls[0].Fault == "" {
			t.Errorf("a dropped connection (%s) is still journaled: %+v", x, calls)
		}
	}
}

func TestTruncateMalformedSlowBody(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t,
		fault.Rule{Match: fault.Match{Params: map[string]string{"x": "truncate"}}, Action: fault.Action{Type: "truncate", Bytes: 20}},
		fault.Rule{Match: fault.Match{Params: map[string]string{"x": "malformed"}}, Action: fault.Action{Type: "malformed"}},
		fault.Rule{Match: fault.Match{Params: map[string]string{"x": "slow"}}, Action: fault.Action{Type: "slow_body", Duration: fault.Duration(400 * time.Millisecond)}},
	)
	a := getRooms(t, emu, nil, "x=truncate")
	if a.status != 200 || a.body != roomsOK[:20] || !errors.Is(a.err, io.ErrUnexpectedEOF) {
		t.Errorf("truncate: %d %q %v", a.status, a.body, a.err)
	}
	a = getRooms(t, emu, nil, "x=malformed")
	if a.status != 200 || a.err != nil || json.Valid([]byte(a.body)) || a.body != roomsOK[:len(roomsOK)-1]+",}" {
		t.Errorf("malformed: %d %q %v", a.status, a.body, a.err)
	}
	began := time.Now()
	a = getRooms(t, emu, nil, "x=slow")
	if took := time.Since(began); a.status != 200 || a.body != roomsOK || took < 300*time.Millisecond {
		t.Errorf("slow body: %d in %v: %q %v", a.status, took, a.body, a.err)
	}
}

func TestRateLimitAction(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t, fault.Rule{Match: fault.Match{Vendor: "imbachat"}, Action: fault.Action{Type: "rate_limit", Rate: 2, Burst: 3}})
	statuses := func(n int) []int {
		var out []int
		for i := 0; i < n; i++ {
			out = append(out, getRooms(t, emu, nil).status)
		}
		return out
	}
	if got := statuses(5); !equalInts(got, []int{200, 200, 200, 429, 429}) {
		t.Fatalf("burst of 3 then refusals: %v", got)
	}
	if c := emu.FaultCounts()[0].Rules[0]; c.Matched != 5 || c.Fired != 2 {
		t.Errorf("requests within the limit are matched but not fired: %+v", c)
	}
	a := getRooms(t, emu, nil)
	if a.body != `{"success":false,"code":429,"message":"Too Many Attempts.","data":[]}` || a.header.Get("Retry-After") != "1" {
		t.Errorf("refusal in the vendor's envelope with Retry-After: %s %v", a.body, a.header)
	}
	emu.Advance(time.Second) // the frozen emulator clock refills 2 tokens
	if got := statuses(3); !equalInts(got, []int{200, 200, 429}) {
		t.Errorf("after one second at 2/s: %v", got)
	}
	// Tenants have their own buckets: widget 209 is not limited by 627's use.
	req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/209/get_rooms", nil)
	req.SetBasicAuth("209", "secret_key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("another tenant's bucket: %d", resp.StatusCode)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTriggersMakeSequences(t *testing.T) {
	t.Parallel()
	emu := start(t)
	// "The first call passes, the next two fail, then all pass", and a
	// second rule that counts only the requests the first one lets through
	// (calls 1, 4, 5, 6, 7) and acts from its fifth on.
	emu.Inject(t,
		fault.Rule{Name: "flaky start", Trigger: fault.Trigger{After: 1, Times: 2}, Action: fault.Action{Type: "error", Code: "503"}, Match: fault.Match{Vendor: "imbachat"}},
		fault.Rule{Name: "later", Trigger: fault.Trigger{After: 4}, Action: fault.Action{Type: "status", Status: 409}},
	)
	var got []int
	for i := 0; i < 7; i++ {
		got = append(got, getRooms(t, emu, nil).status)
	}
	if !equalInts(got, []int{200, 503, 503, 200, 200, 200, 409}) {
		t.Errorf("sequence %v", got)
	}
	counts := emu.FaultCounts()
	if len(counts) != 1 || counts[0].Rules[0].Matched != 7 || counts[0].Rules[0].Fired != 2 || counts[0].Rules[1].Matched != 5 || counts[0].Rules[1].Fired != 1 {
		t.Errorf("counts: %+v", counts)
	}
}

func TestTriggerWindow(t *testing.T) {
	t.Parallel()
	emu := start(t)
	from, until := t0.Add(time.Hour), t0.Add(2*time.Hour)
	emu.Inject(t, fault.Rule{Trigger: fault.Trigger{From: &from, Until: &until}, Action: fault.Action{Type: "status", Status: 503}})
	var got []int
	for _, step := range []time.Duration{0, time.Hour, 59 * time.Minute, time.Minute} {
		emu.Advance(step)
		got = append(got, getRooms(t, emu, nil).status)
	}
	if !equalInts(got, []int{200, 503, 503, 200}) {
		t.Errorf("window [t0+1h, t0+2h): %v", got)
	}
}

// drawSequence is the pattern of faults a probability rule gives under a seed.
func drawSequence(t *testing.T, seed uint64) string {
	emu := start(t, testkit.WithSeed(seed))
	p := 0.5
	emu.Inject(t, fault.Rule{Trigger: fault.Trigger{Probability: &p}, Action: fault.Action{Type: "status", Status: 503}})
	var b strings.Builder
	for i := 0; i < 24; i++ {
		if getRooms(t, emu, nil).status == 503 {
			b.WriteByte('x')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestSeedReplaysFaults(t *testing.T) {
	t.Parallel()
	a, b, c := drawSequence(t, 7), drawSequence(t, 7), drawSequence(t, 8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	if !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Errorf("probability 0.5 over 24 calls: %s", a)
	}
}

func TestMatching(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		match fault.Match
		hit   bool
	}{
		{"vendor", fault.Match{Vendor: "imbachat"}, true},
		{"other vendor", fault.Match{Vendor: "imbox"}, false},
		{"operation with prefix", fault.Match{Operation: "imbachat.get_rooms"}, true},
		{"operation without prefix", fault.Match{Operation: "get_rooms"}, true},
		{"operation glob", fault.Match{Operation: "imbachat.get_*"}, true},
		{"other operation", fault.Match{Operation: "imbachat.get_users"}, false},
		{"method", fault.Match{Method: "post"}, true},
		{"other method", fault.Match{Method: "GET"}, false},
		{"path glob", fault.Match{Path: "/imbachat/v2/*/get_rooms"}, true},
		{"other path", fault.Match{Path: "/imbachat/v1/*"}, false},
		{"params subset", fault.Match{Params: map[string]string{"room_type": "0"}}, true},
		{"params name case-insensitive", fault.Match{Params: map[string]string{"ROOM_TYPE": "0"}}, true},
		{"params other value", fault.Match{Params: map[string]string{"room_type": "1"}}, false},
		{"nested params", fault.Match{Params: map[string]string{"users_ids[1]": "4"}}, true},
		{"tenant", fault.Match{Tenant: "widget:627"}, true},
		{"tenant glob", fault.Match{Tenant: "widget:*"}, true},
		{"other tenant", fault.Match{Tenant: "widget:209"}, false},
		{"header", fault.Match{Headers: map[string]string{"x-client": "bot"}}, true},
		{"other header", fault.Match{Headers: map[string]string{"X-Client": "web"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			emu := start(t)
			emu.Inject(t, fault.Rule{Match: c.match, Action: fault.Action{Type: "status", Status: 503}})
			req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/627/get_rooms", strings.NewReader("room_type=0&users_ids[0]=3&users_ids[1]=4"))
			req.SetBasicAuth("627", "secret_key")
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Client", "bot")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if hit := resp.StatusCode == 503; hit != c.hit {
				t.Errorf("status %d, want hit=%v", resp.StatusCode, c.hit)
			}
		})
	}
}

func TestScenarioValidation(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, doc, want string }{
		{"unknown action", `{"name":"x","rules":[{"action":{"type":"explode"}}]}`, "/rules/0/action"},
		{"error without vendor", `{"name":"x","rules":[{"action":{"type":"error","code":"500"}}]}`, "/rules/0/match/vendor: an error action needs the vendor"},
		{"bad duration", `{"name":"x","rules":[{"action":{"type":"latency","delay":"soon"}}]}`, "/rules/0/action"},
		{"window backwards", `{"name":"x","rules":[{"trigger":{"from":"2021-01-02T00:00:00Z","until":"2021-01-01T00:00:00Z"},"action":{"type":"empty"}}]}`, "/rules/0/trigger/until: until must be after from"},
		{"no rules", `{"name":"x","rules":[]}`, "/rules: Array must have at least 1 items"},
		{"bad probability", `{"name":"x","rules":[{"trigger":{"probability":2},"action":{"type":"empty"}}]}`, "/rules/0/trigger/probability"},
	}
	for _, c := range cases {
		_, err := fault.Parse("s.json", []byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want it to mention %q", c.name, err, c.want)
		}
	}
	emu := start(t)
	sc, err := fault.Parse("s.json", []byte(`{"name":"x","rules":[{"match":{"vendor":"imbachat"},"action":{"type":"error","code":"NOPE"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Emulator().Faults().Activate(sc); err == nil || !strings.Contains(err.Error(), `imbachat has no error code "NOPE"`) {
		t.Errorf("unknown vendor code: %v", err)
	}
}
