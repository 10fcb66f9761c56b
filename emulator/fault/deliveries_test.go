package fault_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/fault"
)

// A fault that alters the real answer (truncate, malformed, slow_body)
// lets the operation run: the change is made, so the events it raises are
// sent as they would be with the answer intact. Truncate ends by aborting
// the connection, which must not discard them.
func TestAlteredAnswersStillSendTheirEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		action fault.Action
	}{
		{"truncate", fault.Action{Type: "truncate", Bytes: 5}},
		{"malformed", fault.Action{Type: "malformed"}},
		{"slow_body", fault.Action{Type: "slow_body", Duration: fault.Duration(time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			emu := start(t)
			handler := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			t.Cleanup(handler.Close)
			q := url.Values{"CLIENT_ID": {"app"}, "CODE": {"b"}, "TYPE": {"B"},
				"EVENT_HANDLER": {handler.URL + "/events"}, "PROPERTIES[NAME]": {"B"}}
			if status, body, _ := bitrixCall(t, emu, "imbot.register", q.Encode()); status != http.StatusOK {
				t.Fatalf("imbot.register: %d %s", status, body)
			}
			emu.Inject(t, fault.Rule{Match: fault.Match{Operation: "imbot.unregister"}, Action: tt.action})
			resp, err := http.Get(emu.Bitrix24WebhookURL() + "imbot.unregister?" +
				url.Values{"CLIENT_ID": {"app"}, "BOT_ID": {"101"}}.Encode())
			if err == nil {
				resp.Body.Close()
			}
			d := emu.WaitDelivery(t, emulator.DeliveryFilter{Event: "ONIMBOTDELETE"})
			if d.Outcome != "delivered" || !strings.Contains(d.URL, handler.URL) {
				t.Errorf("delivery %+v", d)
			}
		})
	}
}
