package emulator_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/testkit"
)

// TestJournalKeepsNoRequestBody: the journal keeps a copy of what it shows
// of a request, never the request's body: small parameters followed by
// megabytes of separators leave the heap where it was once answered.
func TestJournalKeepsNoRequestBody(t *testing.T) {
	emu := testkit.Start(t)
	body := "status=admin&" + strings.Repeat("&", 4<<20)
	send := func() {
		req, _ := http.NewRequest(http.MethodPost, emu.URL()+"/imbachat/v2/627/get_users", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("627", "secret_key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send() // warm up: connection, buffers
	before := heapAlloc()
	const n = 16
	for i := 0; i < n; i++ {
		send()
	}
	grown := heapAlloc() - before
	if grown > 16<<20 {
		t.Errorf("the heap grew by %d MiB over %d requests of 4 MiB: the journal keeps their bodies", grown>>20, n)
	}
	calls := emu.Calls("imbachat.get_users", nil)
	if len(calls) == 0 || calls[len(calls)-1].Params["status"] != "admin" {
		t.Errorf("the journal lost the parameters: %+v", calls)
	}
}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestJournalClipsLongTexts: a path of 300 KB is journaled cut to a few
// hundred bytes with its length noted.
func TestJournalClipsLongTexts(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	long := "/rest/1/abc/" + strings.Repeat("x", 300<<10)
	resp, err := http.Get(emu.URL() + long)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recs := emu.Emulator().Journal().Find(core.JournalFilter{Limit: 1})
	if len(recs) != 1 {
		t.Fatal("nothing journaled")
	}
	if p := recs[0].Path; len(p) > 1024 || !strings.HasSuffix(p, "(307212 bytes)") {
		t.Errorf("journaled path of %d bytes ending %q", len(p), p[max(0, len(p)-20):])
	}
}

// TestUnknownPathHintIsBounded: the nearest-operation hint of an unknown
// path compares a bounded number of its segments, and none much longer
// than an operation name, so a path of a thousand segments costs what a
// short one does (counted in allocations: two per edit distance).
func TestUnknownPathHintIsBounded(t *testing.T) {
	emu := testkit.Start(t)
	h := emu.Emulator()
	long := "/rest/1/abc" + strings.Repeat("/imbot.chat.updatetitlx", 1000)
	allocs := testing.AllocsPerRun(2, func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, long, nil))
	})
	if allocs > 3000 {
		t.Errorf("an unknown path of 1,000 segments took %.0f allocations", allocs)
	}
	recs := h.Journal().Find(core.JournalFilter{Limit: 1})
	if len(recs) != 1 || !strings.Contains(strings.ToLower(recs[0].Note), "bitrix24.imbot.chat.updatetitle") {
		t.Errorf("the hint lost its suggestion: %+v", recs)
	}
}

// TestClockRefusesWhatItCannotRepresent: an instant beyond the years the
// vendors' dates show, a running clock farther than a time.Duration from
// real time, and advances that would overflow are refused with 400 in the
// control plane's format, and the clock stays where it was.
func TestClockRefusesWhatItCannotRepresent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup string // a body sent first, answered 200
		body  string
		want  string
	}{
		{name: "a running clock in 9999", body: `{"now":"9999-12-31T23:00:00Z"}`, want: "292 years"},
		{name: "a frozen clock past 9999", body: `{"now":"9999-12-31T23:00:00Z","freeze":true}`, setup: "", want: ""},
		{name: "advance past 292 years", body: `{"advance":"2562047h"}`, setup: `{"advance":"2562047h"}`, want: "292 years"},
		{name: "advance a frozen clock past 9999", setup: `{"now":"9999-12-31T00:00:00Z","freeze":true}`, body: `{"advance":"48h"}`, want: "years 1-9999"},
		{name: "advance a frozen clock before year 1", setup: `{"now":"0001-01-01T10:00:00Z","freeze":true}`, body: `{"advance":"-48h"}`, want: "years 1-9999"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			post := func(body string) (int, string) {
				resp, err := http.Post(emu.URL()+"/_emulator/clock", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if c.setup != "" {
				if status, b := post(c.setup); status != 200 {
					t.Fatalf("setup: %d %s", status, b)
				}
			}
			before := emu.Now()
			status, b := post(c.body)
			if c.want == "" {
				if status != 200 {
					t.Fatalf("a frozen clock may stand in 9999: %d %s", status, b)
				}
				return
			}
			if status != 400 || !strings.Contains(b, `"error":`) || !strings.Contains(b, c.want) {
				t.Fatalf("got %d %s, want 400 naming %q", status, b, c.want)
			}
			if after := emu.Now(); after.Sub(before) > time.Minute || before.Sub(after) > time.Minute {
				t.Errorf("the clock moved from %s to %s", before, after)
			}
		})
	}
}

// TestScenarioNamingNoOperationIsRefused: the control plane refuses a rule
// that could never match, naming the nearest real operation.
func TestScenarioNamingNoOperationIsRefused(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	resp, err := http.Post(emu.URL()+"/_emulator/scenarios", "application/json",
		strings.NewReader(`{"name":"x","rules":[{"match":{"vendor":"imbox","operation":"grabAgnets"},"action":{"type":"empty"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), `matches no operation of imbox; nearest: imbox.grabAgents`) {
		t.Errorf("got %d %s", resp.StatusCode, b)
	}
	if n := len(emu.FaultCounts()); n != 0 {
		t.Errorf("%d scenarios active", n)
	}
}

// TestDataFileIsLocked: a second instance on a data file another one holds
// refuses to start, saying so; once the first closes, the file opens.
func TestDataFileIsLocked(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/state.db"
	first, err := emulator.New(emulator.Config{DataFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.New(emulator.Config{DataFile: path}); err == nil || !strings.Contains(err.Error(), "is in use by another chatemu process") {
		t.Fatalf("a second instance on the same file: %v", err)
	}
	first.Close()
	again, err := emulator.New(emulator.Config{DataFile: path})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}

// TestRateLimitSpendsOnlyAuthenticRequests: requests with wrong
// credentials claiming a widget do not drain that widget's bucket.
func TestRateLimitSpendsOnlyAuthenticRequests(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	emu.ActivateScenario(t, []byte(`{"name":"limit","rules":[{"match":{"vendor":"imbachat"},"action":{"type":"rate_limit","rate":0.001,"burst":2}}]}`))
	getRooms := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, emu.URL()+"/imbachat/v2/627/get_rooms", strings.NewReader("imba_id=627"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("627", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 4; i++ {
		if status := getRooms("wrong"); status != http.StatusUnauthorized {
			t.Fatalf("wrong credentials %d: %d, want the vendor's 401", i, status)
		}
	}
	for i := 0; i < 2; i++ {
		if status := getRooms("secret_key"); status != http.StatusOK {
			t.Fatalf("authentic request %d after strangers' attempts: %d", i, status)
		}
	}
	if status := getRooms("secret_key"); status != http.StatusTooManyRequests {
		t.Errorf("the third authentic request within the burst of 2: %d, want 429", status)
	}
}

// TestJournalKeepsNoRequestLine: a record keeps nothing that shares the
// request line (net/http's method is a slice of it), so requests with
// 900 KB paths leave the heap where it was once answered.
func TestJournalKeepsNoRequestLine(t *testing.T) {
	emu := testkit.Start(t)
	long := emu.URL() + "/rest/1/abc/" + strings.Repeat("x", 900<<10)
	get := func() {
		resp, err := http.Get(long)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get()
	before := heapAlloc()
	for i := 0; i < 40; i++ {
		get()
	}
	if grown := heapAlloc() - before; grown > 16<<20 {
		t.Errorf("the heap grew by %d MiB over 40 requests with 900 KB paths", grown>>20)
	}
}

// TestStoredValuesKeepNoRequestBody: a short value stored from a large form
// body (a room title beside megabytes of padding) is a copy, not a slice of
// the body that would keep it alive in the model.
func TestStoredValuesKeepNoRequestBody(t *testing.T) {
	emu := testkit.Start(t)
	create := func(i int) {
		body := fmt.Sprintf("imba_id=209&login=admin&password=admin&room_type=1&room_title=Room%d&users_ids[0]=3&pad=", i) + strings.Repeat("a", 4<<20)
		resp, err := http.Post(emu.URL()+"/imbachat/v1/widget/imba_rooms", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("create %d: %d", i, resp.StatusCode)
		}
	}
	create(0)
	before := heapAlloc()
	for i := 1; i <= 16; i++ {
		create(i)
	}
	if grown := heapAlloc() - before; grown > 16<<20 {
		t.Errorf("the heap grew by %d MiB over 16 rooms created from 4 MiB bodies", grown>>20)
	}
}

// TestDataFileCutShortStopsStartUp: a data file that lost its last
// acknowledged writes (cut at a write's boundary, or an older copy put in
// its place) stops start-up instead of opening without them; a changed
// byte inside a stored value does too.
func TestDataFileCutShortStopsStartUp(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/state.db"
	e, err := emulator.New(emulator.Config{DataFile: path})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	var sizes []int64
	for i := 0; i < 3; i++ {
		resp, err := http.PostForm(srv.URL+"/imbachat/v1/widget/imba_rooms", map[string][]string{
			"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"}, "room_type": {"1"},
			"room_title": {fmt.Sprintf("Kept %d", i)}, "users_ids[0]": {"3"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		st, _ := os.Stat(path)
		sizes = append(sizes, st.Size())
	}
	srv.Close()
	e.Close()
	whole, _ := os.ReadFile(path)
	if err := os.Truncate(path, sizes[1]); err != nil {
		t.Fatal(err)
	}
	_, err = emulator.New(emulator.Config{DataFile: path})
	if err == nil || !strings.Contains(err.Error(), "was acknowledged: it was cut short or replaced by an older copy") {
		t.Fatalf("a file without its last acknowledged write: %v", err)
	}
	changed := bytes.Replace(whole, []byte("Kept 1"), []byte("Kept 7"), 1)
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = emulator.New(emulator.Config{DataFile: path})
	if err == nil || !strings.Contains(err.Error(), "does not match its checksum") {
		t.Fatalf("a changed byte: %v", err)
	}
}

// TestQueryValuesKeepNoRequestLine: a short query value of a request with a
// 900 KB path (net/http's query is a slice of the request line) is a copy,
// so journal records of such requests keep nothing of their lines.
func TestQueryValuesKeepNoRequestLine(t *testing.T) {
	emu := testkit.Start(t)
	long := emu.URL() + "/imbachat/v2/" + strings.Repeat("x", 900<<10) + "/get_rooms?a=b"
	post := func() {
		resp, err := http.Post(long, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	post()
	before := heapAlloc()
	for i := 0; i < 40; i++ {
		post()
	}
	if grown := heapAlloc() - before; grown > 16<<20 {
		t.Errorf("the heap grew by %d MiB over 40 requests with 900 KB paths and a short query", grown>>20)
	}
}
