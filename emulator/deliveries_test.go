package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/internal/outbound"
)

type deliveryList struct {
	Deliveries []emulator.Delivery `json:"deliveries"`
	LastSeq    uint64              `json:"last_seq"`
	Pending    int                 `json:"pending"`
}

func listDeliveries(t *testing.T, url string) deliveryList {
	t.Helper()
	status, body, _ := call(t, "GET", url, "")
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	var out deliveryList
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitJournal waits for n delivery records (the test's deadline bounds it).
func waitJournal(t *testing.T, e *emulator.Emulator, n int) []emulator.Delivery {
	t.Helper()
	j := e.Deliveries().Journal()
	for {
		ch := j.Changed()
		if list, _ := j.List(emulator.DeliveryFilter{}); len(list) >= n {
			return list
		}
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("no %d deliveries", n)
		}
	}
}

func TestDeliveriesControl(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		if strings.HasSuffix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	t.Cleanup(handler.Close)
	e, srv := start(t, emulator.Config{Clock: frozen, FreezeClock: true})
	e.Deliveries().Submit(
		outbound.Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", Tenant: "portal:default", URL: handler.URL + "/ok",
			ContentType: "application/x-www-form-urlencoded", Body: []byte("event=ONIMBOTMESSAGEADD")},
		outbound.Delivery{Vendor: "imbox", Event: "visitorMessage", Tenant: "account:1", URL: handler.URL + "/fail",
			ContentType: "application/json", Body: []byte(`{"event":{}}`)})
	waitJournal(t, e, 2)

	all := listDeliveries(t, srv.URL+"/_emulator/deliveries")
	if len(all.Deliveries) != 2 || all.LastSeq != 2 || all.Pending != 0 {
		t.Fatalf("journal: %+v", all)
	}
	b := listDeliveries(t, srv.URL+"/_emulator/deliveries?vendor=bitrix24&event=onimbotmessageadd").Deliveries
	if len(b) != 1 || b[0].Outcome != "delivered" || b[0].Status != 200 || b[0].Body != "event=ONIMBOTMESSAGEADD" ||
		b[0].Method != "POST" || b[0].ContentType != "application/x-www-form-urlencoded" || !b[0].At.Equal(frozen) {
		t.Errorf("bitrix24 record: %+v", b)
	}
	if x := listDeliveries(t, srv.URL+"/_emulator/deliveries?outcome=handler_error").Deliveries; len(x) != 1 || x[0].Status != 502 || x[0].Vendor != "imbox" {
		t.Errorf("failed record: %+v", x)
	}
	if x := listDeliveries(t, srv.URL+"/_emulator/deliveries?since=1&limit=5").Deliveries; len(x) != 1 || x[0].Seq != 2 {
		t.Errorf("since: %+v", x)
	}
	for _, q := range []string{"since=x", "limit=-1"} {
		if status, body, _ := call(t, "GET", srv.URL+"/_emulator/deliveries?"+q, ""); status != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
	if status, _, _ := call(t, "DELETE", srv.URL+"/_emulator/deliveries", ""); status != 204 {
		t.Errorf("DELETE: %d", status)
	}
	if x := listDeliveries(t, srv.URL+"/_emulator/deliveries"); len(x.Deliveries) != 0 || x.LastSeq != 2 {
		t.Errorf("after DELETE: %+v", x)
	}
	if hits.Load() != 2 {
		t.Errorf("handler hit %d times", hits.Load())
	}
}

func TestDeliveryScenarioRules(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(handler.Close)
	e, srv := start(t, emulator.Config{})
	scenario := `{"name":"lossy","rules":[
		{"name":"first-add-lost","match":{"vendor":"bitrix24","event":"ONIMBOT*ADD"},"trigger":{"times":1},"action":{"type":"drop"}},
		{"name":"echo","match":{"event":"visitorMessage","tenant":"account:*"},"action":{"type":"duplicate","copies":2}}]}`
	if status, body, _ := call(t, "POST", srv.URL+"/_emulator/scenarios", scenario); status != 200 && status != 201 {
		t.Fatalf("activate: %d %s", status, body)
	}
	d := func(vendor, event, tenant string) outbound.Delivery {
		return outbound.Delivery{Vendor: vendor, Event: event, Tenant: tenant, URL: handler.URL}
	}
	e.Deliveries().Submit(d("bitrix24", "ONIMBOTMESSAGEADD", "portal:default"))
	e.Deliveries().Submit(d("bitrix24", "ONIMBOTMESSAGEADD", "portal:default"))
	e.Deliveries().Submit(d("imbox", "visitorMessage", "account:1"))
	list := waitJournal(t, e, 5)
	var dropped, dup int
	for _, r := range list {
		switch {
		case r.Outcome == "dropped" && r.Fault == "lossy/first-add-lost":
			dropped++
		case r.Event == "visitorMessage" && r.Fault == "lossy/echo" && r.Outcome == "delivered":
			dup++
		}
	}
	if dropped != 1 || dup != 3 {
		t.Errorf("dropped %d (want 1), duplicated %d (want 3): %+v", dropped, dup, list)
	}
	_, body, _ := call(t, "GET", srv.URL+"/_emulator/scenarios", "")
	if !strings.Contains(body, `"name":"first-add-lost","action":"drop","matched":2,"fired":1`) {
		t.Errorf("rule counters: %s", body)
	}
	// A request never meets a delivery rule.
	if status, _, _ := call(t, "POST", srv.URL+"/imbachat/v2/627/get_rooms", "", "Authorization", "Basic NjI3OnNlY3JldF9rZXk="); status != 200 {
		t.Errorf("request under a delivery scenario: %d", status)
	}
}

func TestDeliveryRulesAreChecked(t *testing.T) {
	t.Parallel()
	_, srv := start(t, emulator.Config{})
	cases := map[string]string{
		`{"name":"a","rules":[{"match":{"event":"X"},"action":{"type":"status","status":500}}]}`:         "match.event selects deliveries",
		`{"name":"b","rules":[{"match":{"operation":"get_rooms"},"action":{"type":"drop"}}]}`:            "not operation",
		`{"name":"c","rules":[{"match":{"event":"X"},"action":{"type":"delay"}}]}`:                       "delay",
		`{"name":"d","rules":[{"match":{"event":"X"},"action":{"type":"duplicate","copies":11}}]}`:       "copies",
		`{"name":"e","rules":[{"match":{"event":"X","headers":{"a":"b"}},"action":{"type":"reorder"}}]}`: "not headers",
		`{"name":"f","rules":[{"match":{"event":"X"},"action":{"type":"drop","delay":"1s"}}]}`:           "delay",
	}
	for doc, want := range cases {
		status, body, _ := call(t, "POST", srv.URL+"/_emulator/scenarios", doc)
		if status != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s (want 400 naming %q)", doc, status, body, want)
		}
	}
}

// TestUnreliableDeliveriesScenario: the bundled scenario loses the first
// Bitrix24 message event and lets the next through.
func TestUnreliableDeliveriesScenario(t *testing.T) {
	t.Parallel()
	handler := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(handler.Close)
	e, srv := start(t, emulator.Config{Seed: 7})
	if status, body, _ := call(t, "POST", srv.URL+"/_emulator/scenarios", `{"name":"unreliable-deliveries"}`); status != 201 {
		t.Fatalf("activate: %d %s", status, body)
	}
	for range 2 {
		e.Deliveries().Submit(outbound.Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", URL: handler.URL})
	}
	list := waitJournal(t, e, 2)
	if list[0].Outcome != "dropped" || list[0].Fault != "unreliable-deliveries/first message event lost" {
		t.Errorf("first: %+v", list[0])
	}
	if list[1].Outcome != "delivered" {
		t.Errorf("second: %+v", list[1])
	}
}

// TestCloseWithDeliveriesPending: an instance whose handlers hang closes at
// once; what was waiting is journaled as dropped.
func TestCloseWithDeliveriesPending(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hold); handler.Close() })
	e, err := emulator.New(emulator.Config{EventTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		e.Deliveries().Submit(outbound.Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", URL: handler.URL})
	}
	done := make(chan error, 1)
	go func() { done <- e.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close hung with deliveries pending")
	}
	list, _ := e.Deliveries().Journal().List(emulator.DeliveryFilter{})
	if len(list) != 20 {
		t.Errorf("%d records, want 20", len(list))
	}
	for _, r := range list {
		if r.Outcome != "dropped" || !strings.Contains(r.Error, "shut down") {
			t.Errorf("after close: %+v", r)
		}
	}
}
