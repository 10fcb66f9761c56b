package fault_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/testkit"
)

// bitrixCall is one webhook call of the default portal.
func bitrixCall(t *testing.T, emu *testkit.Server, method, query string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(emu.Bitrix24WebhookURL() + method + "?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestBundledBitrix24RateLimited(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.UseScenario(t, "bitrix24-rate-limited")
	var statuses []int
	for i := 0; i < 52; i++ {
		st, _, _ := bitrixCall(t, emu, "imbot.chat.get", "CHAT_ID=13&CLIENT_ID=chatemu")
		statuses = append(statuses, st)
	}
	for i, st := range statuses {
		if want := map[bool]int{true: 200, false: 503}[i < 50]; st != want {
			t.Fatalf("call %d: %d, want %d (all: %v)", i+1, st, want, statuses)
		}
	}
	st, body, h := bitrixCall(t, emu, "imbot.chat.get", "CHAT_ID=13&CLIENT_ID=chatemu")
	if st != 503 || body != `{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}` || h.Get("Retry-After") == "" {
		t.Errorf("over the limit: %d %s %v", st, body, h)
	}
	emu.Advance(time.Second) // 2 requests per second drain back in
	var after []int
	for i := 0; i < 3; i++ {
		st, _, _ := bitrixCall(t, emu, "imbot.chat.get", "CHAT_ID=13&CLIENT_ID=chatemu")
		after = append(after, st)
	}
	if fmt.Sprint(after) != "[200 200 503]" {
		t.Errorf("after one second: %v", after)
	}
}

func TestBundledBitrix24TokenExpired(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.UseScenario(t, "bitrix24-token-expired")
	tokenCall := func(token string) (int, string) {
		resp, err := http.Get(emu.Bitrix24URL() + "imbot.chat.user.list?CHAT_ID=13&auth=" + token)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := 1; i <= 5; i++ {
		if st, body := tokenCall("test-access-token"); st != 200 {
			t.Fatalf("call %d before expiry: %d %s", i, st, body)
		}
	}
	st, body := tokenCall("test-access-token")
	if st != 401 || body != `{"error":"expired_token","error_description":"The access token provided has expired"}` {
		t.Errorf("after expiry: %d %s", st, body)
	}
	// Webhook calls carry no token: they go on.
	if st, body, _ := bitrixCall(t, emu, "imbot.chat.user.list", "CHAT_ID=13&CLIENT_ID=chatemu"); st != 200 {
		t.Errorf("webhook call: %d %s", st, body)
	}
	// The way out: the refresh goes through and the new token works.
	resp, err := http.PostForm(emu.URL()+"/oauth/token/", map[string][]string{"grant_type": {"refresh_token"},
		"client_id": {"chatemu"}, "client_secret": {"chatemu-secret"}, "refresh_token": {"test-refresh-token"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&pair); err != nil || resp.StatusCode != 200 || pair.AccessToken == "" {
		t.Fatalf("refresh: %d %v", resp.StatusCode, err)
	}
	if st, body := tokenCall(pair.AccessToken); st != 200 {
		t.Errorf("refreshed token: %d %s", st, body)
	}
}

func TestBitrix24SequenceOfErrors(t *testing.T) {
	t.Parallel()
	emu := start(t)
	// "The first two calls to imbot.chat.user.add fail with
	// QUERY_LIMIT_EXCEEDED, the third succeeds" is two fields.
	emu.Inject(t, fault.Rule{Match: fault.Match{Vendor: "bitrix24", Operation: "imbot.chat.user.add", Params: map[string]string{"CHAT_ID": "13"}},
		Trigger: fault.Trigger{Times: 2}, Action: fault.Action{Type: "error", Code: "QUERY_LIMIT_EXCEEDED"}})
	var got []int
	for i := 0; i < 3; i++ {
		st, _, _ := bitrixCall(t, emu, "imbot.chat.user.add", "CHAT_ID=13&USERS[]=3&CLIENT_ID=chatemu")
		got = append(got, st)
	}
	if fmt.Sprint(got) != "[503 503 200]" {
		t.Errorf("statuses %v", got)
	}
	emu.AssertCalled(t, "bitrix24.imbot.chat.user.add", testkit.Params{"CHAT_ID": "13"}, 3)
	if calls := emu.Calls("bitrix24.imbot.chat.user.add", nil); calls[0].Fault == "" || calls[2].Fault != "" || calls[0].Tenant != "portal:default" {
		t.Errorf("journal: %+v", calls)
	}
}
