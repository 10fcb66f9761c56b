package browser

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/testkit"
)

// documents is the instance's stored documents by key, decoded.
func documents(t *testing.T, srv *testkit.Server) map[string]any {
	t.Helper()
	var snap struct {
		Documents map[string]any `json:"documents"`
	}
	if err := json.Unmarshal(srv.SaveState(t), &snap); err != nil {
		t.Fatal(err)
	}
	return snap.Documents
}

// testHandler is a handler of the system under test: it answers 200 and
// hands each body it receives to got.
func testHandler(t *testing.T, got chan<- string) string {
	t.Helper()
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- string(body):
		default:
		}
		_, _ = io.WriteString(w, `{"result":true}`)
	}))
	t.Cleanup(h.Close)
	return h.URL + "/bot"
}

// delivery is a Bitrix24 bot event to url, as the vendor would send it.
func delivery(url string) outbound.Delivery {
	f := &outbound.Form{}
	f.Set("event", "ONIMBOTMESSAGEADD")
	f.Sub("data").Sub("PARAMS").Set("MESSAGE", "hello")
	return outbound.Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", Tenant: "portal:default", URL: url,
		ContentType: "application/x-www-form-urlencoded", Body: f.Encode()}
}
