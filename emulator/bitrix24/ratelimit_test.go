package bitrix24_test

import (
	"net/http"
	"testing"
	"time"
)

var limited = fail("QUERY_LIMIT_EXCEEDED", "Too many requests")

// TestRateLimit covers the per-portal leaky bucket on the emulator clock.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	rev := req{path: hook("imopenlines.revision.get")}
	t.Run("off in the default fixtures", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		for i := 0; i < 120; i++ {
			if st, body := send(t, srv, rev); st != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, st, body)
			}
		}
	})
	t.Run("burst 50, drain 2 per second by default", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","rate_limit":{"enabled":true}}`)
		for i := 0; i < 50; i++ {
			if st, body := send(t, srv, rev); st != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, st, body)
			}
		}
		expect(t, srv, rev, http.StatusServiceUnavailable, limited)
		srv.Advance(time.Second) // drains 2
		expect(t, srv, rev, http.StatusOK, okAt(time.Second, revision))
		expect(t, srv, rev, http.StatusOK, okAt(time.Second, revision))
		expect(t, srv, rev, http.StatusServiceUnavailable, limited)
	})
	t.Run("configured burst and drain; refusals add nothing", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","rate_limit":{"enabled":true,"burst":3,"drain_per_second":0.5}}`)
		for i := 0; i < 3; i++ {
			expect(t, srv, rev, http.StatusOK, ok(revision))
		}
		for i := 0; i < 5; i++ {
			expect(t, srv, rev, http.StatusServiceUnavailable, limited)
		}
		srv.Advance(2 * time.Second) // drains one
		expect(t, srv, rev, http.StatusOK, okAt(2*time.Second, revision))
		expect(t, srv, rev, http.StatusServiceUnavailable, limited)
		srv.Advance(time.Hour) // the bucket empties, no further
		for i := 0; i < 3; i++ {
			expect(t, srv, rev, http.StatusOK, okAt(time.Hour+2*time.Second, revision))
		}
		expect(t, srv, rev, http.StatusServiceUnavailable, limited)
	})
	t.Run("a batch is one request", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","rate_limit":{"enabled":true,"burst":2,"drain_per_second":0}}`)
		if st, body := send(t, srv, req{path: hook("batch"), json: `{"cmd":["imopenlines.revision.get","imopenlines.revision.get","imopenlines.revision.get"]}`}); st != http.StatusOK {
			t.Fatalf("batch: %d %s", st, body)
		}
		expect(t, srv, rev, http.StatusOK, ok(revision))
		expect(t, srv, req{path: hook("batch"), json: `{"cmd":["imopenlines.revision.get"]}`}, http.StatusServiceUnavailable, limited)
	})
	t.Run("per portal, and for every credential of it", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","rate_limit":{"enabled":true,"burst":1,"drain_per_second":0}}`)
		srv.Seed(t, []byte(`{"bitrix24":{"portals":[{"name":"second","webhooks":[{"user_id":1,"code":"two","scopes":["imopenlines"]}]}]}}`))
		expect(t, srv, rev, http.StatusOK, ok(revision))
		expect(t, srv, req{path: "/rest/imopenlines.revision.get?auth=test-access-token"}, http.StatusServiceUnavailable, limited)
		for i := 0; i < 5; i++ {
			expect(t, srv, req{path: "/rest/1/two/imopenlines.revision.get"}, http.StatusOK, ok(revision))
		}
	})
	t.Run("requests refused by auth do not count", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		seedPortal(t, srv, `{"name":"default","rate_limit":{"enabled":true,"burst":1,"drain_per_second":0}}`)
		for i := 0; i < 3; i++ {
			send(t, srv, req{path: "/rest/1/wrong/imopenlines.revision.get"})
		}
		expect(t, srv, rev, http.StatusOK, ok(revision))
	})
}

// okAt is the success envelope on the frozen clock moved by d.
func okAt(d time.Duration, result string) string {
	return shiftTime(ok(result), d)
}
