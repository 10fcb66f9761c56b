package core

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPathTemplateMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		template, path string
		ok             bool
		vars           map[string]string
	}{
		{"/imbachat/v1/widget/imba_rooms", "/imbachat/v1/widget/imba_rooms", true, nil},
		{"/imbachat/v1/widget/imba_rooms", "/imbachat/v1/widget/imba_rooms/", false, nil},
		{"/imbachat/v1/widget/imba_rooms", "/imbachat/v1/widget", false, nil},
		{"/imbachat/v2/{imba_id}/get_rooms", "/imbachat/v2/627/get_rooms", true, map[string]string{"imba_id": "627"}},
		{"/imbachat/v2/{imba_id}/get_rooms", "/imbachat/v2//get_rooms", false, nil},
		{"/imbachat/v2/{imba_id}/get_rooms", "/imbachat/v2/a%2Fb/get_rooms", true, map[string]string{"imba_id": "a%2Fb"}},
		{"/imbachat/v2/{imba_id}/get_rooms", "/imbachat/v2/a/b/get_rooms", false, nil},
		{"/message/grabAgents/{apiKey}/{userId}", "/message/grabAgents/k/1", true, map[string]string{"apiKey": "k", "userId": "1"}},
		{"/message/grabAgents/{apiKey}/{userId}", "/message/grabAgents/k/1/", false, nil},
		{"/rest/{path:.*}", "/rest/", true, map[string]string{"path": ""}},
		{"/rest/{path:.*}", "/rest//imbot.chat.add", true, map[string]string{"path": "/imbot.chat.add"}},
		{"/rest/{path:.*}", "/rest/1/abc/imbot.chat.get.json", true, map[string]string{"path": "1/abc/imbot.chat.get.json"}},
		{"/rest/{path:.*}", "/rest", false, nil},
		{"/rest/{path:.*}", "/restx/a", false, nil},
		{"/oauth/token{slash:/?}", "/oauth/token", true, map[string]string{"slash": ""}},
		{"/oauth/token{slash:/?}", "/oauth/token/", true, map[string]string{"slash": "/"}},
		{"/oauth/token{slash:/?}", "/oauth/token//", false, nil},
		{"/oauth/token{slash:/?}", "/oauth/tokens", false, nil},
	}
	for _, c := range cases {
		pt, err := parseTemplate(c.template)
		if err != nil {
			t.Fatalf("%s: %v", c.template, err)
		}
		vars, ok := pt.match(c.path)
		if ok != c.ok {
			t.Errorf("%s ~ %s: matched %v, want %v", c.template, c.path, ok, c.ok)
			continue
		}
		if ok {
			got, _ := json.Marshal(vars)
			want, _ := json.Marshal(c.vars)
			if string(got) != string(want) {
				t.Errorf("%s ~ %s: vars %s, want %s", c.template, c.path, got, want)
			}
		}
	}
}

func TestParseTemplateRefuses(t *testing.T) {
	t.Parallel()
	for _, tpl := range []string{"rest/x", "/a/{id:[0-9]+}", "/a/x{id}y/b", "/{slash:/?}", "/a/{x}{s:/?}"} {
		if _, err := parseTemplate(tpl); err == nil {
			t.Errorf("%q accepted", tpl)
		}
	}
}

func TestRouterLeadsAndPrefixes(t *testing.T) {
	t.Parallel()
	pt, _ := parseTemplate("/oauth/token{slash:/?}")
	if got := pt.lead(); got != "/oauth/token" {
		t.Errorf("lead %q", got)
	}
	pt, _ = parseTemplate("/v2/{id}/x")
	if got := pt.lead(); got != "/v2/" {
		t.Errorf("lead %q", got)
	}
}

// dispatchVendor has one entry point that names its operation from the
// path, as Bitrix24's method table does.
type dispatchVendor struct{ fakeVendor }

func (dispatchVendor) Routes() []Route {
	ops := map[string]*Route{
		"a": {Name: "fake.a", Methods: []string{"GET"}, Handler: func(r *Request) (*Response, error) {
			return OK(map[string]string{"op": r.Route}), nil
		}},
	}
	return []Route{{Name: "fake.entry", Path: "/fake/{op}", Dispatch: func(_ *http.Request, vars map[string]string) *Route {
		return ops[vars["op"]]
	}}}
}

func TestRouteDispatchNamesTheOperation(t *testing.T) {
	t.Parallel()
	j := NewJournal(10)
	srv := httptest.NewServer(Mount(dispatchVendor{}, Hooks{Clock: NewClock(timeZero, false), Journal: j, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		method, path string
		status       int
		body, op     string
	}{
		{"GET", "/fake/a", 200, `{"op":"fake.a"}`, "fake.a"},
		{"POST", "/fake/a", 405, `{"text":"fake.a does not accept POST (use GET)","vendor_error":"METHOD"}`, "fake.a"},
		{"GET", "/fake/b", 404, `{"text":"no such operation: GET /fake/b","vendor_error":"NOT_FOUND"}`, ""},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || string(body) != c.body+"\n" && string(body) != c.body {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, resp.StatusCode, body, c.status, c.body)
		}
		last := j.Find(JournalFilter{Limit: 1})
		if len(last) != 1 || last[0].Operation != c.op {
			t.Errorf("%s %s: journaled %+v, want operation %q", c.method, c.path, last, c.op)
		}
	}
}
