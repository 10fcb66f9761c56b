package bitrix24_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAuthFailures covers every auth-phase error: all are 401 (reference
// §3.1: the code answers 401 where the docs say 403).
func TestAuthFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		seed   string
		r      req
		code   string
		text   string
		status int
	}{
		{name: "no credentials", r: req{path: "/rest/imopenlines.revision.get"},
			code: "NO_AUTH_FOUND", text: "Wrong authorization data"},
		{name: "empty auth parameter", r: req{path: "/rest/imopenlines.revision.get?auth="},
			code: "NO_AUTH_FOUND", text: "Wrong authorization data"},
		{name: "wrong webhook code", r: req{path: "/rest/1/abd/imopenlines.revision.get"},
			code: "INVALID_CREDENTIALS", text: "Invalid request credentials"},
		{name: "wrong webhook user", r: req{path: "/rest/2/abc/imopenlines.revision.get"},
			code: "INVALID_CREDENTIALS", text: "Invalid request credentials"},
		{name: "webhook user not a number", r: req{path: "/rest/x/abc/imopenlines.revision.get"},
			code: "INVALID_CREDENTIALS", text: "Invalid request credentials"},
		{name: "unknown token", r: req{path: "/rest/imopenlines.revision.get?auth=nope"},
			code: "invalid_token", text: "The access token provided is invalid"},
		{name: "unknown Bearer token", r: req{path: "/rest/imopenlines.revision.get", header: map[string]string{"Authorization": "Bearer nope"}},
			code: "invalid_token", text: "The access token provided is invalid"},
		{name: "expired token",
			seed: `{"name":"default","tokens":[{"access_token":"old","client_id":"chatemu","user_id":1,"expires_at":"2026-02-24T12:19:38Z"}]}`,
			r:    req{path: "/rest/imopenlines.revision.get?auth=old"},
			code: "expired_token", text: "The access token provided has expired"},
		{name: "token expiring this very second",
			seed: `{"name":"default","tokens":[{"access_token":"now","client_id":"chatemu","user_id":1,"expires_at":"2026-02-24T12:19:39Z"}]}`,
			r:    req{path: "/rest/imopenlines.revision.get?auth=now"},
			code: "expired_token", text: "The access token provided has expired"},
		{name: "webhook without the method's scope",
			seed: `{"name":"default","webhooks":[{"user_id":2,"code":"bots","scopes":["imbot"]}]}`,
			r:    req{path: "/rest/2/bots/imopenlines.revision.get"},
			code: "insufficient_scope", text: "The request requires higher privileges than provided by the webhook token"},
		{name: "token without the method's scope",
			seed: `{"name":"default","apps":[{"client_id":"crm","client_secret":"s","scopes":["crm"]}],"tokens":[{"access_token":"crm-token","client_id":"crm","user_id":1}]}`,
			r:    req{path: "/rest/imopenlines.revision.get?auth=crm-token"},
			code: "insufficient_scope", text: "The request requires higher privileges than provided by the access token"},
		{name: "webhook over HTTP on a portal that requires HTTPS",
			seed: `{"name":"default","require_https":true}`,
			r:    req{path: hook("imopenlines.revision.get")},
			code: "INVALID_REQUEST", text: "Https required."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			if tc.seed != "" {
				seedPortal(t, srv, tc.seed)
			}
			expect(t, srv, tc.r, http.StatusUnauthorized, fail(tc.code, tc.text))
		})
	}
}

// TestTokenExpiresOnEmulatorClock checks that a token valid now is refused
// once the emulator clock passes its expiry.
func TestTokenExpiresOnEmulatorClock(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, `{"name":"default","tokens":[{"access_token":"hour","client_id":"chatemu","user_id":1,"expires_at":"2026-02-24T13:19:39Z"}]}`)
	r := req{path: "/rest/imopenlines.revision.get?auth=hour"}
	expect(t, srv, r, http.StatusOK, ok(revision))
	srv.Advance(time.Hour)
	st, body := send(t, srv, r)
	if st != http.StatusUnauthorized || body != fail("expired_token", "The access token provided has expired") {
		t.Fatalf("after an hour: %d %s", st, body)
	}
}

// TestPortalsIsolated checks that each portal is its own tenant, reached
// by its domain or by a credential only it holds.
func TestPortalsIsolated(t *testing.T) {
	t.Parallel()
	srv := start(t)
	srv.Seed(t, []byte(`{"bitrix24":{"portals":[{"name":"second","domain":"second.example",
		"webhooks":[{"user_id":1,"code":"abc","scopes":["imopenlines"]},{"user_id":5,"code":"only-here","scopes":["imopenlines"]}],
		"apps":[{"client_id":"other","client_secret":"s","scopes":["imopenlines"]}],
		"tokens":[{"access_token":"second-token","client_id":"other","user_id":5}]}]}}`))
	send(t, srv, req{path: hook("imopenlines.revision.get")})                                                       // first portal holding 1/abc
	send(t, srv, req{path: hook("imopenlines.revision.get"), host: "second.example"})                               // by domain
	send(t, srv, req{path: "/rest/5/only-here/imopenlines.revision.get"})                                           // by credential
	send(t, srv, req{path: "/rest/imopenlines.revision.get?auth=second-token"})                                     // token's portal
	st, body := send(t, srv, req{path: "/rest/5/only-here/imopenlines.revision.get", host: "chatemu.bitrix24.com"}) // not on default
	if st != http.StatusUnauthorized {
		t.Fatalf("webhook of another portal by the default domain: %d %s", st, body)
	}
	var tenants []string
	for _, e := range srv.Calls("bitrix24.imopenlines.revision.get", nil) {
		tenants = append(tenants, e.Tenant)
	}
	// A refused request keeps the tenant it claimed (here by its Host), as
	// fault rules and the journal see it before credentials are checked.
	want := []string{"portal:default", "portal:second", "portal:second", "portal:second", "portal:default"}
	if len(tenants) != len(want) {
		t.Fatalf("tenants %v, want %v", tenants, want)
	}
	for i := range want {
		if tenants[i] != want[i] {
			t.Fatalf("tenants %v, want %v", tenants, want)
		}
	}
}

// TestOAuthRefresh covers the token endpoint the SDKs refresh at, in both
// shapes (b24phpsdk GET query, b24jssdk POST form).
func TestOAuthRefresh(t *testing.T) {
	t.Parallel()
	for _, viaForm := range []bool{false, true} {
		t.Run(map[bool]string{false: "GET query", true: "POST form"}[viaForm], func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			q := url.Values{"grant_type": {"refresh_token"}, "client_id": {"chatemu"}, "client_secret": {"chatemu-secret"},
				"refresh_token": {"test-refresh-token"}}
			r := req{path: "/oauth/token/?" + q.Encode()}
			if viaForm {
				r = req{path: "/oauth/token/", form: q.Encode()}
			}
			st, body := send(t, srv, r)
			if st != http.StatusOK {
				t.Fatalf("refresh: %d %s", st, body)
			}
			validate(t, "/oauth/token/", st, body)
			var a struct {
				AccessToken    string `json:"access_token"`
				RefreshToken   string `json:"refresh_token"`
				ClientEndpoint string `json:"client_endpoint"`
				ServerEndpoint string `json:"server_endpoint"`
				MemberID       string `json:"member_id"`
				Domain         string `json:"domain"`
				Scope          string `json:"scope"`
				Expires        int64  `json:"expires"`
				ExpiresIn      int64  `json:"expires_in"`
				UserID         int64  `json:"user_id"`
			}
			decodeInto(t, body, &a)
			if a.Expires != fixedNow.Add(time.Hour).Unix() || a.ExpiresIn != 3600 || a.UserID != 1 ||
				a.ClientEndpoint != srv.URL()+"/rest/" || a.ServerEndpoint != srv.URL()+"/rest/" ||
				a.MemberID != "a223c6b3710f85df22e9377d6c4f7553" || a.Scope != "imbot,imopenlines" || a.RefreshToken == "" ||
				a.Domain != "oauth.bitrix.info" {
				t.Fatalf("answer: %s", body)
			}
			expect(t, srv, req{path: "/rest/imopenlines.revision.get?auth=" + a.AccessToken}, http.StatusOK, ok(revision))
			// the access token the refresh replaced is gone
			invalid := fail("invalid_token", "The access token provided is invalid")
			expect(t, srv, req{path: "/rest/imopenlines.revision.get?auth=test-access-token"}, http.StatusUnauthorized, invalid)
			// the spent refresh token is refused; the new one works
			expect(t, srv, r, http.StatusBadRequest, fail("invalid_grant", "The refresh token is invalid"))
			q.Set("refresh_token", a.RefreshToken)
			st, body = send(t, srv, req{path: "/oauth/token?" + q.Encode()})
			if st != http.StatusOK {
				t.Fatalf("second refresh: %d %s", st, body)
			}
			first := a.AccessToken
			decodeInto(t, body, &a)
			expect(t, srv, req{path: "/rest/imopenlines.revision.get?auth=" + first}, http.StatusUnauthorized, invalid)
			// the refreshed token expires by the emulator clock
			srv.Advance(time.Hour)
			expect(t, srv, req{path: "/rest/imopenlines.revision.get?auth=" + a.AccessToken}, http.StatusUnauthorized,
				fail("expired_token", "The access token provided has expired"))
		})
	}
}

// TestOAuthRefreshErrors covers the token endpoint's refusals.
func TestOAuthRefreshErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		query  string
		status int
		body   string
	}{
		{"no grant type", "client_id=chatemu", http.StatusBadRequest,
			fail("unsupported_grant_type", "The authorization grant type is not supported by the authorization server")},
		{"authorization code grant", "grant_type=authorization_code&client_id=chatemu&code=x", http.StatusBadRequest,
			fail("unsupported_grant_type", "The authorization grant type is not supported by the authorization server")},
		{"no refresh token", "grant_type=refresh_token&client_id=chatemu", http.StatusBadRequest,
			fail("invalid_request", "client_id and refresh_token are required")},
		{"unknown refresh token", "grant_type=refresh_token&client_id=chatemu&client_secret=chatemu-secret&refresh_token=x", http.StatusBadRequest,
			fail("invalid_grant", "The refresh token is invalid")},
		{"wrong secret", "grant_type=refresh_token&client_id=chatemu&client_secret=no&refresh_token=test-refresh-token", http.StatusUnauthorized,
			fail("invalid_client", "The client credentials are invalid")},
		{"unknown client", "grant_type=refresh_token&client_id=nobody&client_secret=chatemu-secret&refresh_token=test-refresh-token", http.StatusUnauthorized,
			fail("invalid_client", "The client credentials are invalid")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			expect(t, srv, req{path: "/oauth/token/?" + tc.query}, tc.status, tc.body)
		})
	}
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}

// TestOAuthRefreshBoundsTokens: refreshing keeps one access token per
// refresh chain. The token a refresh replaces and the portal's expired
// tokens are dropped; another portal's tokens and unexpired ones stay.
func TestOAuthRefreshBoundsTokens(t *testing.T) {
	t.Parallel()
	srv := start(t)
	seedPortal(t, srv, `{"name":"default","tokens":[
		{"access_token":"old","client_id":"chatemu","user_id":1,"expires_at":"2026-02-24T12:00:00Z"},
		{"access_token":"live","refresh_token":"live-refresh","client_id":"chatemu","user_id":2}]},
		{"name":"other","apps":[{"client_id":"chatemu","client_secret":"s","scopes":["imbot"]}],
		"tokens":[{"access_token":"other-old","client_id":"chatemu","user_id":1,"expires_at":"2026-02-24T12:00:00Z"}]}`)
	refresh := "test-refresh-token"
	for i := 0; i < 50; i++ {
		q := url.Values{"grant_type": {"refresh_token"}, "client_id": {"chatemu"}, "client_secret": {"chatemu-secret"},
			"refresh_token": {refresh}}
		st, body := send(t, srv, req{path: "/oauth/token/", form: q.Encode()})
		if st != http.StatusOK {
			t.Fatalf("refresh %d: %d %s", i, st, body)
		}
		var a struct {
			RefreshToken string `json:"refresh_token"`
		}
		decodeInto(t, body, &a)
		refresh = a.RefreshToken
		srv.Advance(time.Minute)
	}
	var snap struct {
		Documents map[string]json.RawMessage `json:"documents"`
	}
	decodeInto(t, string(srv.SaveState(t)), &snap)
	var tokens []string
	for k := range snap.Documents {
		if strings.HasPrefix(k, "bitrix24:token:") {
			tokens = append(tokens, strings.TrimPrefix(k, "bitrix24:token:"))
		}
	}
	sort.Strings(tokens)
	// the chain's newest token, "live" and the other portal's expired one
	if len(tokens) != 3 || !slices.Contains(tokens, "live") || !slices.Contains(tokens, "other-old") {
		t.Fatalf("tokens kept: %v", tokens)
	}
}
