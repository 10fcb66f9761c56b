package bitrix24_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/internal/core"
)

// TestTransport covers the URL forms, encodings and parameter merging of
// reference §1 with the parameterless imopenlines.revision.get.
func TestTransport(t *testing.T) {
	t.Parallel()
	const multipart = "--XX\r\nContent-Disposition: form-data; name=\"auth\"\r\n\r\ntest-access-token\r\n--XX--\r\n"
	cases := []struct {
		name string
		r    req
	}{
		{"webhook GET", req{path: hook("imopenlines.revision.get")}},
		{"webhook .json suffix", req{path: hook("imopenlines.revision.get.json")}},
		{"webhook trailing slash", req{path: hook("imopenlines.revision.get/")}},
		{"webhook .json and trailing slash", req{path: hook("imopenlines.revision.get.json/")}},
		{"webhook repeated slashes", req{path: "/rest//1//abc///imopenlines.revision.get"}},
		{"method name case-insensitive", req{path: hook("IMOPENLINES.Revision.GET")}},
		{"webhook POST form", req{path: hook("imopenlines.revision.get"), form: "x=1"}},
		{"webhook POST JSON", req{path: hook("imopenlines.revision.get"), json: `{}`}},
		{"webhook POST empty JSON body", req{verb: http.MethodPost, path: hook("imopenlines.revision.get"), ctype: "application/json"}},
		{"OAuth auth in query", req{path: "/rest/imopenlines.revision.get?auth=test-access-token"}},
		{"OAuth double slash as the JS SDK sends", req{path: "/rest//imopenlines.revision.get", json: `{"auth":"test-access-token"}`}},
		{"OAuth .json and trailing slash", req{path: "/rest/imopenlines.revision.get.json/?auth=test-access-token"}},
		{"OAuth access_token in query", req{path: "/rest/imopenlines.revision.get?access_token=test-access-token"}},
		{"OAuth auth in form body", req{path: "/rest/imopenlines.revision.get", form: "auth=test-access-token"}},
		{"OAuth auth in multipart body", req{path: "/rest/imopenlines.revision.get", body: multipart, ctype: "multipart/form-data; boundary=XX"}},
		{"OAuth Bearer header", req{path: "/rest/imopenlines.revision.get", header: map[string]string{"Authorization": "Bearer test-access-token"}}},
		{"body wins over query", req{path: "/rest/imopenlines.revision.get?auth=wrong", form: "auth=test-access-token"}},
		{"unknown content type parsed as a form", req{path: "/rest/imopenlines.revision.get", body: "auth=test-access-token", ctype: "text/plain"}},
		{"broken JSON body ignored, query kept", req{path: "/rest/imopenlines.revision.get?auth=test-access-token", body: `{"auth":`, ctype: "application/json"}},
		{"unknown parameters ignored (bx24_*)", req{path: hook("imopenlines.revision.get?bx24_request_id=1&bx24_sdk_ver=2.2.0")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			expect(t, srv, tc.r, http.StatusOK, ok(revision))
		})
	}
}

// TestMethodNotFound checks that an unknown method is 404
// ERROR_METHOD_NOT_FOUND and that the method lookup comes before auth.
func TestMethodNotFound(t *testing.T) {
	t.Parallel()
	notFound := fail("ERROR_METHOD_NOT_FOUND", "Method not found!")
	cases := []struct {
		name string
		r    req
	}{
		{"unknown method on a webhook", req{path: hook("imbot.nothing")}},
		{"unknown method with a wrong webhook code", req{path: "/rest/1/wrong/imbot.nothing"}},
		{"unknown method without any auth", req{path: "/rest/imbot.nothing"}},
		{"unknown method with an invalid token", req{path: "/rest/imbot.nothing?auth=nope"}},
		{"xml transport is not emulated", req{path: hook("imopenlines.revision.get.xml")}},
		{"REST 3.0 path", req{path: "/rest/api/1/abc/imopenlines.revision.get"}},
		{"bare /rest/", req{path: "/rest/"}},
		{"POST", req{path: "/rest/imbot.nothing", json: `{"auth":"test-access-token"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			expect(t, srv, tc.r, http.StatusNotFound, notFound)
		})
	}
}

// TestResponseHeaders checks the headers the server sends with JSON.
func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	srv := start(t)
	resp, err := srv.Client().Get(srv.URL() + hook("imopenlines.revision.get"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k, v := range map[string]string{
		"Content-Type":                 "application/json; charset=utf-8",
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Headers": "origin, content-type, accept",
		"X-Content-Type-Options":       "nosniff",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
}

// TestJournalNamesMethods checks that the journal records each call under
// its route name, whatever the URL form.
func TestJournalNamesMethods(t *testing.T) {
	t.Parallel()
	srv := start(t)
	send(t, srv, req{path: "/rest//IMOPENLINES.revision.get.json/?auth=test-access-token"})
	send(t, srv, req{path: hook("imbot.nothing")})
	calls := srv.Calls("bitrix24.imopenlines.revision.get", nil)
	if len(calls) != 1 || calls[0].Tenant != "portal:default" || calls[0].Status != http.StatusOK {
		t.Fatalf("journal: %+v", calls)
	}
	all := srv.Emulator().Journal().Find(core.JournalFilter{Vendor: "bitrix24"})
	last := all[len(all)-1]
	if last.Operation != "" || last.Status != http.StatusNotFound || !strings.HasSuffix(last.Path, "imbot.nothing") {
		t.Fatalf("journal: %+v", last)
	}
}
