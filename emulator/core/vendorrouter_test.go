package core

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// routeVendor has routes with literal first segments, variable ones, a
// route's own matcher, shared templates and a route outside the prefix;
// each answers its name and variables.
type routeVendor struct{ fakeVendor }

func (routeVendor) PathPrefix() string { return "/v/" }
func (routeVendor) Routes() []Route {
	named := func(name, path string, match func(*http.Request) bool) Route {
		return Route{Name: name, Path: path, Match: match, Handler: func(r *Request) (*Response, error) {
			vars, _ := json.Marshal(r.Vars)
			return OK(map[string]string{"route": r.Route, "vars": string(vars)}), nil
		}}
	}
	onlyX := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "x") }
	return []Route{
		named("v.items", "/v/items/{id}", nil),
		named("v.items_x", "/v/items/{id}", onlyX), // never chosen: v.items comes first
		named("v.any_x", "/v/{kind}/{id}", onlyX),
		named("v.users", "/v/users/{id:[0-9]+}", nil),
		named("v.users_all", "/v/users", nil),
		named("v.partial", "/v/pa{rt}/z", nil),
		named("v.any", "/v/{kind}/{id}", nil),
		named("v.deep", "/v/deep/a/{b}", nil),
		named("v.outside", "/outside/{x}", nil),
	}
}

// TestVendorRouterChoosesAsMux serves paths through mux and through the
// VendorRouter Mount returns: the answers are the same, byte for byte.
func TestVendorRouterChoosesAsMux(t *testing.T) {
	hooks := Hooks{Clock: NewClock(timeZero, true), Journal: NewJournal(10), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r := mux.NewRouter()
	r.SkipClean(true)
	r.UseEncodedPath()
	vr := Mount(r, routeVendor{}, hooks)
	paths := []string{
		"/v/items/1", "/v/items/1x", "/v/items/", "/v/items", "/v/users/12", "/v/users/ab", "/v/users/abx",
		"/v/users", "/v/users/", "/v/part/z", "/v/pa/z", "/v/other/3", "/v/other/3x", "/v/deep/a/b", "/v/deep/a/b/c",
		"/v/deep/q", "/v//items/1", "/v/it%65ms/1", "/v/items/a%2Fb", "/v/", "/v", "/vx/items/1", "/outside/1",
		"/nothing", "/v/unknown", "/v/items/1?x=1",
	}
	served := map[string]bool{}
	for _, p := range paths {
		for _, method := range []string{"GET", "POST"} {
			want := httptest.NewRecorder()
			r.ServeHTTP(want, httptest.NewRequest(method, p, nil))
			got := httptest.NewRecorder()
			vr.ServeHTTP(got, httptest.NewRequest(method, p, nil))
			var body map[string]string
			if json.Unmarshal(want.Body.Bytes(), &body) == nil && body["route"] != "" {
				served[body["route"]] = true
			}
			if got.Code != want.Code || got.Body.String() != want.Body.String() {
				t.Errorf("%s %s: VendorRouter answered %d %s, mux %d %s", method, p, got.Code, got.Body, want.Code, want.Body)
			}
		}
	}
	for _, name := range []string{"v.items", "v.any_x", "v.users", "v.users_all", "v.any", "v.deep"} {
		if !served[name] {
			t.Errorf("no path reached %s", name)
		}
	}
}

// BenchmarkVendorRouterChoose measures route choice alone, on vendor-like
// templates: a path with variables after a literal segment, one whose
// first segment is a variable, and a rest-of-path template shared by
// routes told apart by their own matchers.
func BenchmarkVendorRouterChoose(b *testing.B) {
	hooks := Hooks{Clock: NewClock(timeZero, true), Journal: NewJournal(10), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, bc := range []struct {
		name   string
		vendor Vendor
		path   string
	}{
		{"literal_first", benchVendor{}, "/b/message/grabAgents/apiKey/1"},
		{"variable_first", benchVendor{}, "/b/v2/17/get_rooms"},
		{"rest_of_path", benchVendor{}, "/b/rest/1/code/imbot.chat.user.list.json"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := mux.NewRouter()
			r.SkipClean(true)
			r.UseEncodedPath()
			vr := Mount(r, bc.vendor, hooks)
			req := httptest.NewRequest(http.MethodGet, bc.path, nil)
			b.ReportAllocs()
			for b.Loop() {
				if a, _ := vr.choose(req); a == nil {
					b.Fatal("no route chosen")
				}
			}
		})
	}
}

// benchVendor has route tables shaped like the real vendors'.
type benchVendor struct{ fakeVendor }

func (benchVendor) PathPrefix() string { return "/b" }
func (benchVendor) Routes() []Route {
	var routes []Route
	add := func(name, path string, match func(*http.Request) bool) {
		routes = append(routes, Route{Name: name, Path: path, Match: match, Handler: func(*Request) (*Response, error) { return OK(nil), nil }})
	}
	for _, op := range []string{"listConversations", "grabConversation", "grabAgent", "grabAgents", "chatStatistics"} {
		add("b."+op, "/b/message/"+op+"/{apiKey}/{userId}", nil)
	}
	add("b.imba_rooms", "/b/v1/widget/imba_rooms", nil)
	for _, op := range []string{"get_users", "get_messages", "send_msg", "get_rooms"} {
		add("b."+op, "/b/v2/{imba_id}/"+op, nil)
	}
	for _, m := range []string{"imbot.chat.add", "imbot.chat.get", "imbot.chat.leave", "imbot.chat.user.add", "imbot.chat.user.list"} {
		m := m
		add("b."+m, "/b/rest/{path:.*}", func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, "/"+m) || strings.HasSuffix(r.URL.Path, "/"+m+".json")
		})
	}
	return routes
}
