package testkit_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// eventLog is a bot handler that records the events it receives, in order.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	l.mu.Lock()
	l.events = append(l.events, r.PostForm.Get("event"))
	l.mu.Unlock()
}

func (l *eventLog) list() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.events, " ")
}

// startBot starts an instance with a webhook bot (an open-line bot, whose
// update and delete handlers are kept) posting its events to a recorder.
func startBot(t *testing.T, scenario string) (*testkit.Server, *eventLog) {
	t.Helper()
	emu := testkit.Start(t)
	if scenario != "" {
		emu.ActivateScenario(t, []byte(scenario))
	}
	log := &eventLog{}
	h := httptest.NewServer(log)
	t.Cleanup(h.Close)
	resp, err := http.PostForm(emu.Bitrix24WebhookURL()+"imbot.register", url.Values{"CLIENT_ID": {"app"},
		"CODE": {"bot"}, "OPENLINE": {"Y"}, "EVENT_HANDLER": {h.URL}, "PROPERTIES[NAME]": {"Bot"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"result":101`) {
		t.Fatalf("imbot.register: %s", body)
	}
	return emu, log
}

// Every delivery fault kind, through scenarios, on Bitrix24 bot events.
func TestBitrix24EventFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, rules string
		records     int
		want        string // the events the handler received, in order
		outcomes    string // the journal's outcomes, by event
	}{
		{"none", ``, 3, "ONIMBOTJOINCHAT ONIMBOTMESSAGEADD ONIMBOTMESSAGEUPDATE",
			"ONIMBOTJOINCHAT:delivered ONIMBOTMESSAGEADD:delivered ONIMBOTMESSAGEUPDATE:delivered"},
		{"drop", `{"match":{"event":"ONIMBOTMESSAGEADD"},"action":{"type":"drop"}}`, 3,
			"ONIMBOTJOINCHAT ONIMBOTMESSAGEUPDATE", "ONIMBOTJOINCHAT:delivered ONIMBOTMESSAGEADD:dropped ONIMBOTMESSAGEUPDATE:delivered"},
		{"duplicate", `{"match":{"event":"ONIMBOTMESSAGEADD"},"action":{"type":"duplicate"}}`, 4,
			"ONIMBOTJOINCHAT ONIMBOTMESSAGEADD ONIMBOTMESSAGEADD ONIMBOTMESSAGEUPDATE",
			"ONIMBOTJOINCHAT:delivered ONIMBOTMESSAGEADD:delivered ONIMBOTMESSAGEADD:delivered ONIMBOTMESSAGEUPDATE:delivered"},
		{"reorder: the update overtakes its message", `{"match":{"event":"ONIMBOTMESSAGEADD"},"action":{"type":"reorder","delay":"1m"}}`, 3,
			"ONIMBOTJOINCHAT ONIMBOTMESSAGEUPDATE ONIMBOTMESSAGEADD",
			"ONIMBOTJOINCHAT:delivered ONIMBOTMESSAGEADD:delivered ONIMBOTMESSAGEUPDATE:delivered"},
		{"delay: the join arrives after the message", `{"match":{"event":"ONIMBOTJOINCHAT"},"action":{"type":"delay","delay":"2s"}}`, 3,
			"ONIMBOTMESSAGEADD ONIMBOTMESSAGEUPDATE ONIMBOTJOINCHAT",
			"ONIMBOTJOINCHAT:delivered ONIMBOTMESSAGEADD:delivered ONIMBOTMESSAGEUPDATE:delivered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			scenario := ""
			if c.rules != "" {
				scenario = `{"name":"s","rules":[` + c.rules + `]}`
			}
			emu, log := startBot(t, scenario)
			m := emu.Bitrix24().Write(t, "101", 1, "hello")
			emu.Bitrix24().Edit(t, m.ID, "hello again")
			got := emu.WaitDeliveries(t, emulator.DeliveryFilter{}, c.records)
			var outcomes []string
			for _, d := range got {
				outcomes = append(outcomes, d.Event+":"+d.Outcome)
			}
			sort.Strings(outcomes)
			if log.list() != c.want {
				t.Errorf("the handler received %s\nwant %s", log.list(), c.want)
			}
			if strings.Join(outcomes, " ") != c.outcomes {
				t.Errorf("journal outcomes %v, want %s", outcomes, c.outcomes)
			}
		})
	}
}

// failingTB records a fatal failure instead of stopping the test.
type failingTB struct {
	testing.TB
	msg string
}

func (f *failingTB) Helper() {}

// Deadline makes the wait short: the test's own deadline, were it near.
func (f *failingTB) Deadline() (time.Time, bool) { return time.Now().Add(300 * time.Millisecond), true }
func (f *failingTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// WaitDelivery fails with what was delivered instead.
func TestWaitDeliveryFailureListsWhatWasDelivered(t *testing.T) {
	t.Parallel()
	emu, _ := startBot(t, "")
	emu.Bitrix24().Write(t, "101", 1, "hello")
	emu.WaitDeliveries(t, emulator.DeliveryFilter{}, 2)
	ft := &failingTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != ft {
				panic(r)
			}
		}()
		emu.WaitDelivery(ft, emulator.DeliveryFilter{Event: "ONIMCOMMANDADD", Since: 0})
	}()
	for _, want := range []string{"waited for 1 deliveries matching {event=ONIMCOMMANDADD}", "delivered instead (2 in the journal",
		"#1 bitrix24 ONIMBOTJOINCHAT -> http://127.0.0.1:", "#2 bitrix24 ONIMBOTMESSAGEADD", ": delivered (200)"} {
		if !strings.Contains(ft.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, ft.msg)
		}
	}
}
