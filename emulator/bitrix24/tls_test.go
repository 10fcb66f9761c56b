package bitrix24_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// TestHTTPSRequiredPortal checks a portal that refuses plain HTTP webhook
// calls: served over TLS they pass, and the OAuth form is not affected.
func TestHTTPSRequiredPortal(t *testing.T) {
	t.Parallel()
	srv := testkit.StartTLS(t, testkit.WithClock(fixedNow))
	seedPortal(t, srv, `{"name":"default","require_https":true}`)
	if !strings.HasPrefix(srv.Bitrix24WebhookURL(), "https://127.0.0.1:") {
		t.Fatalf("webhook URL %s", srv.Bitrix24WebhookURL())
	}
	expect(t, srv, req{path: hook("imopenlines.revision.get")}, http.StatusOK, ok(revision))
	plain := start(t)
	seedPortal(t, plain, `{"name":"default","require_https":true}`)
	expect(t, plain, req{path: hook("imopenlines.revision.get")}, http.StatusUnauthorized, fail("INVALID_REQUEST", "Https required."))
	expect(t, plain, req{path: "/rest/imopenlines.revision.get?auth=test-access-token"}, http.StatusOK, ok(revision))
	if ca := srv.CAFile(t); ca == "" {
		t.Fatal("no CA file")
	}
}
