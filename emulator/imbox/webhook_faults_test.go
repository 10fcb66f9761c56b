package imbox_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/testkit"
)

// Scenario rules act on ImBox webhooks like on any delivery, matched by
// vendor, event and tenant: a dropped webhook never reaches the site, a
// duplicated one reaches it twice, a delayed one arrives; the journal
// names the rule. Only the matching event is touched.
func TestWebhookFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action fault.Action
		// outcomes of the first two deliveries of the event, in the journal
		outcomes []string
		// texts the site receives
		texts []string
	}{
		{fault.Action{Type: "drop"}, []string{"dropped", "delivered"}, []string{"second"}},
		{fault.Action{Type: "duplicate"}, []string{"delivered", "delivered"}, []string{"first", "first", "second"}},
		{fault.Action{Type: "delay", Delay: fault.Duration(20 * time.Millisecond)}, []string{"delivered", "delivered"}, []string{"first", "second"}},
	}
	for _, tc := range tests {
		t.Run(tc.action.Type, func(t *testing.T) {
			t.Parallel()
			emu, s, chat := hookEmu(t)
			emu.Inject(t, fault.Rule{Name: "webhook", Match: fault.Match{Vendor: "imbox", Event: "visitorMessage", Tenant: "account:1"},
				Trigger: fault.Trigger{Times: 1}, Action: tc.action})
			chat.VisitorMessage(t, time.Time{}, "first")
			chat.AgentMessage(t, 1, time.Time{}, "agent")
			if tc.action.Type == "delay" {
				// The delayed one goes to the lane after its wait: the
				// agent's webhook, not delayed, may pass it.
				emu.WaitDelivery(t, emulator.DeliveryFilter{Event: "visitorMessage", Outcome: "delivered"})
			}
			chat.VisitorMessage(t, time.Time{}, "second")
			records := emu.WaitDeliveries(t, emulator.DeliveryFilter{Vendor: "imbox", Event: "visitorMessage"}, len(tc.texts)+strings.Count(strings.Join(tc.outcomes, ","), "dropped"))
			for i, want := range tc.outcomes {
				r := records[i]
				if r.Outcome != want {
					t.Errorf("delivery %d: outcome %s, want %s", i, r.Outcome, want)
				}
				if wantFault := i == 0 || tc.action.Type == "duplicate"; wantFault != (r.Fault != "") {
					t.Errorf("delivery %d: fault %q", i, r.Fault)
				} else if wantFault && !strings.HasSuffix(r.Fault, "/webhook") {
					t.Errorf("delivery %d: fault %q, want the rule webhook", i, r.Fault)
				}
			}
			emu.WaitDelivery(t, emulator.DeliveryFilter{Event: "agentMessage", Outcome: "delivered"})
			var texts []string
			for _, h := range s.received() {
				ev := decodeObject(t, h.body)["event"].(map[string]any)
				if ev["type"] == "visitorMessage" {
					texts = append(texts, ev["text"].(string))
				}
			}
			if strings.Join(texts, ",") != strings.Join(tc.texts, ",") {
				t.Errorf("the site received %q, want %q", texts, tc.texts)
			}
			if len(s.received()) != len(tc.texts)+1 {
				t.Errorf("the site received %d requests, want %d", len(s.received()), len(tc.texts)+1)
			}
		})
	}
}

// The handler timeout and the site's failures are the engine's: a site that
// does not answer within --event-timeout is a timeout, a 500 a
// handler_error, a closed port refused. No webhook is retried.
func TestWebhookFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  http.HandlerFunc
		url     string // instead of the site's
		outcome string
		status  int
	}{
		{"no answer", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, "", "timeout", 0},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }, "", "handler_error", 500},
		{"nobody listening", nil, "http://127.0.0.1:1/hook", "refused", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := []testkit.Option{testkit.WithClock(hookClock)}
			if tc.outcome == "timeout" {
				// Only this case waits out the timeout; the others keep the
				// default, so a loaded machine cannot turn them into timeouts.
				opts = append(opts, testkit.WithEventTimeout(100*time.Millisecond))
			}
			emu := testkit.Start(t, opts...)
			s := newSite(t, tc.answer)
			url := s.URL
			if tc.url != "" {
				url = tc.url
			}
			emu.ImBox().SetWebhook(t, 1, testkit.ImBoxWebhook{URL: url})
			emu.ImBox().Conversation(1, "V1").VisitorMessage(t, time.Time{}, "Hej")
			d := emu.WaitDelivery(t, emulator.DeliveryFilter{Vendor: "imbox"})
			if d.Outcome != tc.outcome || d.Status != tc.status || d.Error == "" {
				t.Errorf("got %s %d %q, want %s %d", d.Outcome, d.Status, d.Error, tc.outcome, tc.status)
			}
			if n := len(emu.Deliveries(emulator.DeliveryFilter{Vendor: "imbox"})); n != 1 {
				t.Errorf("%d attempts, want 1 (no retries)", n)
			}
		})
	}
}
