package outbound

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a handler server that remembers what it received.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	reqs   []*http.Request
	status int
	hold   chan struct{} // when set, requests wait for it to close
	srv    *httptest.Server
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{status: http.StatusOK}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(body))
		r.reqs = append(r.reqs, req)
		status, hold := r.status, r.hold
		r.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-req.Context().Done():
			}
		}
		w.WriteHeader(status)
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// waitRecords waits (without a time assertion: the test's own deadline
// bounds it) until the journal holds n records, and returns them.
func waitRecords(t *testing.T, e *Engine, n int) []Record {
	t.Helper()
	for {
		ch := e.Journal().Changed()
		if list, _ := e.Journal().List(Filter{}); len(list) >= n {
			return list
		}
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			list, _ := e.Journal().List(Filter{})
			t.Fatalf("waited for %d records, have %d: %+v", n, len(list), list)
		}
	}
}

func newEngine(t *testing.T, cfg Config) *Engine {
	e := New(cfg)
	t.Cleanup(e.Close)
	return e
}

func TestDeliveredWithHeadersAndBody(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{})
	replies := make(chan Result, 1)
	e.Submit(Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", Tenant: "portal:default",
		URL: rec.srv.URL + "/hook?CLIENT_ID=x", ContentType: "application/x-www-form-urlencoded",
		Header: http.Header{"User-Agent": {"Bitrix24 Webhook Engine"}}, Body: []byte("event=ONIMBOTMESSAGEADD"),
		Reply: func(r Result) { replies <- r }})
	r := waitRecords(t, e, 1)[0]
	if r.Outcome != OutcomeDelivered || r.Status != 200 || r.Body != "event=ONIMBOTMESSAGEADD" || r.Method != "POST" ||
		r.Vendor != "bitrix24" || r.Event != "ONIMBOTMESSAGEADD" || r.Tenant != "portal:default" ||
		r.URL != rec.srv.URL+"/hook?CLIENT_ID=x" || r.Response != `{"ok":true}` || r.Seq != 1 || r.At.IsZero() {
		t.Errorf("record: %+v", r)
	}
	got := <-replies
	if got.Outcome != OutcomeDelivered || string(got.Body) != `{"ok":true}` || got.Err != nil {
		t.Errorf("reply: %+v", got)
	}
	rec.mu.Lock()
	req := rec.reqs[0]
	rec.mu.Unlock()
	if req.Method != "POST" || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		req.Header.Get("User-Agent") != "Bitrix24 Webhook Engine" || req.URL.Query().Get("CLIENT_ID") != "x" {
		t.Errorf("request: %s %v %v", req.Method, req.URL, req.Header)
	}
}

func TestHandlerErrorIsJournaledOnceAndNotRetried(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.status = http.StatusInternalServerError
	e := newEngine(t, Config{})
	e.Submit(Delivery{Vendor: "v", Event: "E", URL: rec.srv.URL, Body: []byte("a")})
	e.Submit(Delivery{Vendor: "v", Event: "AFTER", URL: rec.srv.URL, Body: []byte("b")})
	list := waitRecords(t, e, 2)
	if list[0].Outcome != OutcomeHandlerError || list[0].Status != 500 || !strings.Contains(list[0].Error, "500") {
		t.Errorf("record: %+v", list[0])
	}
	// The lane sends in order, so once the second is journaled the first
	// had every chance to be retried.
	if got := rec.received(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("handler received %q, want each delivery once", got)
	}
}

func TestTimeoutAndRefused(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.hold = make(chan struct{})
	t.Cleanup(func() { close(rec.hold) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	e := newEngine(t, Config{Timeout: 50 * time.Millisecond})
	e.Submit(Delivery{Event: "slow", URL: rec.srv.URL}, Delivery{Event: "nobody", URL: closed},
		Delivery{Event: "bad", URL: "::not a url"})
	list := waitRecords(t, e, 3)
	by := map[string]Record{}
	for _, r := range list {
		by[r.Event] = r
	}
	if r := by["slow"]; r.Outcome != OutcomeTimeout || r.Status != 0 || !strings.Contains(r.Error, "50ms") {
		t.Errorf("slow: %+v", r)
	}
	if r := by["nobody"]; r.Outcome != OutcomeRefused {
		t.Errorf("closed port: %+v", r)
	}
	if r := by["bad"]; r.Outcome != OutcomeRefused || !strings.Contains(r.Error, "URL") {
		t.Errorf("bad URL: %+v", r)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	redirect := httptest.NewServer(http.RedirectHandler(rec.srv.URL, http.StatusFound))
	t.Cleanup(redirect.Close)
	e := newEngine(t, Config{})
	e.Submit(Delivery{Event: "E", URL: redirect.URL})
	if r := waitRecords(t, e, 1)[0]; r.Outcome != OutcomeHandlerError || r.Status != 302 || len(rec.received()) != 0 {
		t.Errorf("record %+v, target received %d", r, len(rec.received()))
	}
}

func TestALaneKeepsOrder(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{})
	var want []string
	for i := range 30 {
		want = append(want, fmt.Sprint(i))
		e.Submit(Delivery{Event: "E", URL: rec.srv.URL, Body: []byte(fmt.Sprint(i))})
	}
	waitRecords(t, e, 30)
	if got := rec.received(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("order %v", got)
	}
}

// picker is a FaultPicker acting on the events it names.
type picker map[string]Fault

func (p picker) PickDelivery(d *Delivery) (Fault, bool) {
	f, ok := p[d.Event]
	return f, ok
}

func TestFaults(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	replies := make(chan Result, 4)
	e := newEngine(t, Config{Faults: picker{
		"drop":   {Kind: FaultDrop, Rule: "s/drop"},
		"twice":  {Kind: FaultDuplicate, Rule: "s/dup"},
		"thrice": {Kind: FaultDuplicate, Copies: 2, Rule: "s/dup3"},
		"late":   {Kind: FaultDelay, Delay: 20 * time.Millisecond, Rule: "s/late"},
	}})
	e.Submit(Delivery{Event: "drop", URL: rec.srv.URL, Body: []byte("drop"), Reply: func(r Result) { replies <- r }})
	e.Submit(Delivery{Event: "twice", URL: rec.srv.URL, Body: []byte("twice")})
	e.Submit(Delivery{Event: "thrice", URL: rec.srv.URL, Body: []byte("thrice")})
	e.Submit(Delivery{Event: "late", URL: rec.srv.URL, Body: []byte("late")})
	list := waitRecords(t, e, 7)
	count := map[string]int{}
	for _, r := range list {
		count[r.Event+"/"+r.Outcome+"/"+r.Fault]++
	}
	want := map[string]int{"drop/dropped/s/drop": 1, "twice/delivered/s/dup": 2, "thrice/delivered/s/dup3": 3, "late/delivered/s/late": 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("records %v, want %v", count, want)
	}
	if r := <-replies; r.Outcome != OutcomeDropped {
		t.Errorf("dropped delivery's reply: %+v", r)
	}
	if got := strings.Join(rec.received(), ","); strings.Contains(got, "drop") || strings.Count(got, "twice") != 2 || strings.Count(got, "thrice") != 3 {
		t.Errorf("handler received %s", got)
	}
}

func TestReorderSwapsWithTheNextDeliveryToTheHandler(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{Faults: picker{"ADD": {Kind: FaultReorder, Delay: time.Minute, Rule: "s/swap"}}})
	e.Submit(Delivery{Event: "ADD", URL: rec.srv.URL, Body: []byte("add")})
	// The held delivery waits for its successor however long that takes
	// (a minute here): nothing reaches the handler meanwhile.
	time.Sleep(50 * time.Millisecond)
	if got := rec.received(); len(got) != 0 {
		t.Fatalf("the reordered delivery was sent before its successor came: %q", got)
	}
	e.Submit(Delivery{Event: "UPDATE", URL: rec.srv.URL, Body: []byte("update")})
	list := waitRecords(t, e, 2)
	if got := strings.Join(rec.received(), ","); got != "update,add" {
		t.Errorf("handler received %s, want update,add", got)
	}
	if list[1].Event != "ADD" || list[1].Fault != "s/swap" {
		t.Errorf("records %+v", list)
	}
}

func TestReorderWithNothingToSwapSendsAfterItsHold(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{Faults: picker{"ADD": {Kind: FaultReorder, Delay: 10 * time.Millisecond, Rule: "s/swap"}}})
	e.Submit(Delivery{Event: "ADD", URL: rec.srv.URL, Body: []byte("add")})
	if r := waitRecords(t, e, 1)[0]; r.Outcome != OutcomeDelivered {
		t.Errorf("record %+v", r)
	}
}

func TestAFullQueueDropsWithAReason(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Config{})
	e.Submit(Delivery{Event: "huge", URL: "http://127.0.0.1:1/", Body: make([]byte, MaxPendingBytes+1)})
	r := waitRecords(t, e, 1)[0]
	if r.Outcome != OutcomeDropped || !strings.Contains(r.Error, "queue full") || r.BodyBytes != MaxPendingBytes+1 ||
		len(r.Body) > MaxJournalBody+64 {
		t.Errorf("record outcome %s error %q body %d/%d", r.Outcome, r.Error, len(r.Body), r.BodyBytes)
	}
	if e.Pending() != 0 {
		t.Errorf("pending %d", e.Pending())
	}
}

func TestCloseWithDeliveriesPendingDoesNotHang(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	rec.hold = make(chan struct{}) // the handler never answers on its own
	t.Cleanup(func() { close(rec.hold) })
	e := New(Config{Timeout: time.Hour})
	for i := range 5 {
		e.Submit(Delivery{Event: "E", URL: rec.srv.URL, Body: []byte(fmt.Sprint(i))})
	}
	e.Submit(Delivery{Event: "other", URL: rec.srv.URL + "/other"})
	done := make(chan struct{})
	go func() { e.Close(); e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close hung with deliveries in flight")
	}
	list, _ := e.Journal().List(Filter{})
	for _, r := range list {
		if r.Outcome != OutcomeDropped {
			t.Errorf("after shutdown: %+v", r)
		}
	}
	if e.Pending() != 0 {
		t.Errorf("pending after close: %d", e.Pending())
	}
	e.Submit(Delivery{Event: "after", URL: rec.srv.URL}) // ignored, no panic
}

func TestResetForgetsQueuedDeliveriesAndTheJournal(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{Faults: picker{"late": {Kind: FaultDelay, Delay: time.Hour}}})
	e.Submit(Delivery{Event: "now", URL: rec.srv.URL})
	waitRecords(t, e, 1)
	e.Submit(Delivery{Event: "late", URL: rec.srv.URL})
	e.Reset()
	if list, last := e.Journal().List(Filter{}); len(list) != 0 || last != 1 {
		t.Errorf("after reset: %d records, last_seq %d", len(list), last)
	}
	if e.Pending() != 0 {
		t.Errorf("pending after reset: %d", e.Pending())
	}
	e.Submit(Delivery{Event: "next", URL: rec.srv.URL})
	if r := waitRecords(t, e, 1)[0]; r.Event != "next" || r.Seq != 2 {
		t.Errorf("after reset: %+v", r)
	}
}

func TestJournalFiltersAndBounds(t *testing.T) {
	t.Parallel()
	j := NewJournal(3)
	for i, ev := range []string{"A", "B", "A", "C", "A"} {
		j.add(Record{Vendor: []string{"x", "y"}[i%2], Event: ev, Outcome: OutcomeDelivered})
	}
	all, last := j.List(Filter{})
	if len(all) != 3 || all[0].Seq != 3 || last != 5 {
		t.Fatalf("ring: %+v last %d", all, last)
	}
	if got, _ := j.List(Filter{Event: "a"}); len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 5 {
		t.Errorf("event filter: %+v", got)
	}
	if got, _ := j.List(Filter{Vendor: "X", Since: 3}); len(got) != 1 || got[0].Seq != 5 {
		t.Errorf("vendor+since: %+v", got)
	}
	if got, _ := j.List(Filter{Limit: 1}); len(got) != 1 || got[0].Seq != 5 {
		t.Errorf("limit: %+v", got)
	}
	j.Clear()
	if got, last := j.List(Filter{}); len(got) != 0 || last != 5 {
		t.Errorf("after clear: %+v %d", got, last)
	}
	j.add(Record{Event: "D"})
	if got, _ := j.List(Filter{}); len(got) != 1 || got[0].Seq != 6 {
		t.Errorf("after clear and add: %+v", got)
	}
}

// TestAttemptsInFlightAreBounded: however many handlers wait, at most
// maxSending attempts are open at once.
func TestAttemptsInFlightAreBounded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	open, most := 0, 0
	hold := make(chan struct{})
	reached := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		open++
		most = max(most, open)
		if open == maxSending {
			once.Do(func() { close(reached) })
		}
		mu.Unlock()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		mu.Lock()
		open--
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	e := newEngine(t, Config{Timeout: time.Minute})
	for i := range maxSending + 20 {
		e.Submit(Delivery{Event: "E", URL: fmt.Sprintf("%s/lane%d", srv.URL, i)})
	}
	<-reached
	time.Sleep(100 * time.Millisecond) // room for any attempt past the bound to arrive
	mu.Lock()
	got := most
	mu.Unlock()
	close(hold)
	if got != maxSending {
		t.Errorf("%d attempts open at once, want at most %d", got, maxSending)
	}
	waitRecords(t, e, maxSending+20)
}

// TestDeliverToAnOutboxOrAtOnce: Deliver adds to the causing action's
// outbox, and without one submits at once; a nil engine sends nothing.
func TestDeliverToAnOutboxOrAtOnce(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	e := newEngine(t, Config{})
	o := NewOutbox("http://127.0.0.1")
	e.Deliver(o, Delivery{Event: "later", URL: rec.srv.URL})
	if o.Len() != 1 || e.Pending() != 0 {
		t.Fatalf("outbox %d, pending %d", o.Len(), e.Pending())
	}
	e.Deliver(nil, Delivery{Event: "now", URL: rec.srv.URL})
	if r := waitRecords(t, e, 1)[0]; r.Event != "now" {
		t.Errorf("record %+v", r)
	}
	var none *Engine
	none.Deliver(nil, Delivery{Event: "nowhere"})
}
