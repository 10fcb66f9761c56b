package bitrix24_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chatemu/chatemu/emulator/bitrix24"
	"github.com/chatemu/chatemu/internal/core"
)

// faultHooks is what the fault engine asks a vendor for.
type faultHooks interface {
	FaultError(code string) (*core.APIError, bool)
	RateLimitError() *core.APIError
	ClaimedTenant(*core.Request) string
}

func service(t *testing.T) (faultHooks, func(method, target, host string) *core.Request) {
	t.Helper()
	srv := start(t)
	srv.Seed(t, []byte(`{"bitrix24":{"portals":[{"name":"second","domain":"second.example",
		"webhooks":[{"user_id":5,"code":"five","scopes":["imbot"]}],
		"apps":[{"client_id":"a","client_secret":"s","scopes":["imbot"]}],"tokens":[{"access_token":"t2","client_id":"a","user_id":5}]}]}}`))
	svc := srv.Emulator().Vendor("bitrix24").(*bitrix24.Service)
	mk := func(method, target, host string) *core.Request {
		r := httptest.NewRequest(method, target, nil)
		if host != "" {
			r.Host = host
		}
		p, err := core.DecodeRequest(r, core.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return &core.Request{HTTP: r, Params: p}
	}
	return svc, mk
}

// TestFaultCatalog checks that every documented code can be injected with
// its real status, and that the rate-limit answer is Bitrix24's.
func TestFaultCatalog(t *testing.T) {
	t.Parallel()
	svc, _ := service(t)
	for code, status := range map[string]int{
		"CHAT_ID_EMPTY": 400, "ACCESS_ERROR": 403, "ERROR_METHOD_NOT_FOUND": 404, "expired_token": 401,
		"QUERY_LIMIT_EXCEEDED": 503, "OPERATION_TIME_LIMIT": 429, "USER_MESSAGE_LIMIT": 400, "INTERNAL_SERVER_ERROR": 500,
	} {
		e, ok := svc.FaultError(code)
		if !ok || e.Status != status || e.Code != code || e.Message == "" {
			t.Errorf("%s: %+v %v", code, e, ok)
		}
	}
	if _, ok := svc.FaultError("NO_SUCH_CODE"); ok {
		t.Error("an unknown code was found")
	}
	if e := svc.RateLimitError(); e.Status != http.StatusServiceUnavailable || e.Code != "QUERY_LIMIT_EXCEEDED" {
		t.Errorf("rate limit: %+v", e)
	}
}

// TestClaimedTenant checks which portal a request claims before auth.
func TestClaimedTenant(t *testing.T) {
	t.Parallel()
	svc, mk := service(t)
	for _, tc := range []struct{ target, host, want string }{
		{"/rest/1/abc/imbot.chat.get", "", "portal:default"},
		{"/rest/5/five/imbot.chat.get", "", "portal:second"},
		{"/rest/1/abc/imbot.chat.get", "second.example", "portal:second"},
		{"/rest/imbot.chat.get?auth=t2", "", "portal:second"},
		{"/rest/imbot.chat.get?auth=test-access-token", "", "portal:default"},
		{"/rest/imbot.chat.get?auth=unknown", "", ""},
		{"/rest/9/nope/imbot.chat.get", "", ""},
		{"/rest/imbot.chat.get", "", ""},
	} {
		if got := svc.ClaimedTenant(mk(http.MethodGet, tc.target, tc.host)); got != tc.want {
			t.Errorf("%s (host %q): %q, want %q", tc.target, tc.host, got, tc.want)
		}
	}
}
