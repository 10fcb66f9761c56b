package core

import (
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// routeVendor has routes with literal first segments, variable ones, a
// route's own matcher, shared templates, literal text around a variable,
// rest-of-path variables, templates only mux matches and a route outside
// the prefix; each answers its name and variables.
type routeVendor struct{ fakeVendor }

func (routeVendor) PathPrefix() string { return "/v/" }
func (routeVendor) Routes() []Route {
	named := func(name, path string, match func(*http.Request) bool) Route {
		return Route{Name: name, Path: path, Match: match, Methods: []string{"GET", "POST"}, Handler: func(r *Request) (*Response, error) {
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
		named("v.suffix", "/v/f/x{n}.json", nil),
		named("v.rest_x", "/v/r/{p:.*}", onlyX),
		named("v.rest", "/v/r/{p:.*}", nil),
		named("v.rest_prefixed", "/v/r2/a{p:.*}", nil),
		named("v.two_in_one", "/v/t/{a}-{b}", nil),
		named("v.any", "/v/{kind}/{id}", nil),
		named("v.deep", "/v/deep/a/{b}", nil),
		named("v.outside", "/outside/{x}", nil),
		named("v.empty", "/v/e//{x}/", nil),
	}
}

// routerConfigs are the ways a router may be set up before Mount: as the
// emulator does (paths as sent, not cleaned), decoded paths, and strict
// slashes (which only mux knows how to answer).
var routerConfigs = []struct {
	name  string
	setup func(*mux.Router)
}{
	{"encoded", func(r *mux.Router) { r.SkipClean(true).UseEncodedPath() }},
	{"decoded", func(r *mux.Router) { r.SkipClean(true) }},
	{"strict_slash", func(r *mux.Router) { r.SkipClean(true).UseEncodedPath().StrictSlash(true) }},
}

// trickyPaths are paths near routeVendor's templates.
var trickyPaths = []string{
	"/v/items/1", "/v/items/1x", "/v/items/", "/v/items", "/v/users/12", "/v/users/ab", "/v/users/abx",
	"/v/users", "/v/users/", "/v/part/z", "/v/pa/z", "/v/other/3", "/v/other/3x", "/v/deep/a/b", "/v/deep/a/b/c",
	"/v/deep/q", "/v//items/1", "/v/it%65ms/1", "/v/items/a%2Fb", "/v/", "/v", "/vx/items/1", "/outside/1",
	"/nothing", "/v/unknown", "/v/items/1?x=1", "/v/items//", "/v/items/1/", "/v/items/1//", "/V/items/1",
	"/v/ITEMS/1", "/v/items/%20", "/v/items/a%20b", "/v/items/%2F", "/v/items/%2f", "/v/items/%", "/v/items/%zz",
	"/v/%69tems/1", "/v/items/1/2", "/v//", "//v/items/1", "/v/f/x1.json", "/v/f/x.json", "/v/f/xx.json",
	"/v/f/x.json.json", "/v/f/x1.jsonx", "/v/f/x%2F.json", "/v/f/X1.json", "/v/f/x1.JSON", "/v/r/", "/v/r",
	"/v/r/a/b/c", "/v/r//", "/v/r/x", "/v/r/a/x", "/v/r/%0A", "/v/r/a%0Ab", "/v/r/%E2%82%AC", "/v/r2/abx",
	"/v/r2/ab", "/v/r2/a", "/v/r2/", "/v/r2/b", "/v/r2/a/b/", "/v/t/1-2", "/v/t/1-2-3", "/v/t/-", "/v/t/1-",
	"/v/e//1/", "/v/e//1", "/v/e/1/", "/v/e///", "/v/e//%2F/", "/v/partial/z", "/v/pa%72t/z",
}

// TestVendorRouterChoosesAsMux serves paths through mux and through the
// VendorRouter Mount returns, for every router set-up: the answers (the
// route chosen and its variables, or the router's own answer) are the
// same, byte for byte.
func TestVendorRouterChoosesAsMux(t *testing.T) {
	hooks := Hooks{Clock: NewClock(timeZero, true), Journal: NewJournal(10), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, cfg := range routerConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			r := mux.NewRouter()
			cfg.setup(r)
			vr := Mount(r, routeVendor{}, hooks)
			served := map[string]bool{}
			for _, p := range trickyPaths {
				for _, method := range []string{"GET", "POST", "PUT", "get"} {
					want, got := serveBoth(r, vr, method, p)
					var body map[string]string
					if json.Unmarshal(want.Body.Bytes(), &body) == nil && body["route"] != "" {
						served[body["route"]] = true
					}
					if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
						t.Errorf("%s %s: VendorRouter answered %d %s, mux %d %s", method, p, got.Code, got.Body, want.Code, want.Body)
					}
				}
			}
			if cfg.name == "strict_slash" {
				return
			}
			for _, name := range []string{"v.items", "v.any_x", "v.users", "v.users_all", "v.partial", "v.suffix", "v.rest_x",
				"v.rest", "v.rest_prefixed", "v.two_in_one", "v.any", "v.deep", "v.empty"} {
				if !served[name] {
					t.Errorf("no path reached %s", name)
				}
			}
		})
	}
}

// serveBoth answers method p through mux and through vr.
func serveBoth(r *mux.Router, vr *VendorRouter, method, p string) (want, got *httptest.ResponseRecorder) {
	want, got = httptest.NewRecorder(), httptest.NewRecorder()
	r.ServeHTTP(want, newPathRequest(method, p))
	vr.ServeHTTP(got, newPathRequest(method, p))
	return want, got
}

// newPathRequest is a request for p as a client sends it; unlike
// httptest.NewRequest it takes paths that are not valid URLs ("%zz"),
// keeping them as they are in RawPath where url.Parse would fail.
func newPathRequest(method, p string) *http.Request {
	req := httptest.NewRequest(method, "/", nil)
	u, err := url.Parse(p)
	if err != nil {
		u = &url.URL{Path: p, RawPath: p}
	}
	req.URL, req.RequestURI = u, p
	return req
}

// TestFastMatchers checks which routes are matched without mux: every
// template of plain variables, literal text around one and a closing
// rest-of-path variable, on routers matching paths as sent or decoded;
// none under strict slashes.
func TestFastMatchers(t *testing.T) {
	hooks := Hooks{Clock: NewClock(timeZero, true), Journal: NewJournal(10), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	slow := map[string]bool{"v.users": true, "v.two_in_one": true}
	for _, cfg := range routerConfigs {
		r := mux.NewRouter()
		cfg.setup(r)
		vr := Mount(r, routeVendor{}, hooks)
		if vr.decoded != (cfg.name == "decoded") {
			t.Errorf("%s: decoded = %v", cfg.name, vr.decoded)
		}
		seen := map[*mountedRoute]bool{}
		var routes []*mountedRoute
		for _, list := range append(slices.Collect(maps.Values(vr.buckets)), vr.others) {
			for _, m := range list {
				if !seen[m] {
					seen[m] = true
					routes = append(routes, m)
				}
			}
		}
		if len(routes) != len(routeVendor{}.Routes()) {
			t.Fatalf("%s: %d routes mounted", cfg.name, len(routes))
		}
		for _, m := range routes {
			want := !slow[m.rt.Name] && cfg.name != "strict_slash"
			if (m.fast != nil) != want {
				t.Errorf("%s: %s matched without mux: %v, want %v", cfg.name, m.rt.Name, m.fast != nil, want)
			}
		}
	}
}

// TestPathMatcherAgreesWithRegexp matches random paths built from a
// template's pieces (and bytes a decoded path may hold: newlines, invalid
// UTF-8) with the template's pathMatcher and with the regexp mux compiles
// for it: they agree on every path, and on its variables.
func TestPathMatcherAgreesWithRegexp(t *testing.T) {
	templates := []string{
		"/v/items/{id}", "/v/{kind}/{id}", "/v/pa{rt}/z", "/v/f/x{n}.json", "/v/r/{p:.*}", "/v/r2/a{p:.*}",
		"/v/e//{x}/", "/imbachat/v2/{imba_id}/get_rooms", "/message/grabAgents/{apiKey}/{userId}",
		"/rest/{path:.*}", "/a.b/{c}+/d", "/", "/{a}", "/{a}/", "/x{a}y/{b}",
	}
	pieces := []string{"", "/", "//", "v", "items", "x", "a", "z", "pa", ".json", "r", "r2", "e", "1", "ab", "%2F",
		"%20", "\n", "\xff", "\xe2\x82", "-", "imbachat", "v2", "get_rooms", "message", "grabAgents", "rest", "A"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tpl := range templates {
		pm, ok := compilePathMatcher(tpl)
		if !ok {
			t.Fatalf("%s not compiled", tpl)
		}
		r := mux.NewRouter().UseEncodedPath()
		re, err := r.NewRoute().Path(tpl).GetPathRegexp()
		if err != nil || re != pm.muxRegexp() {
			t.Fatalf("%s: mux compiles %s, pathMatcher stands for %s", tpl, re, pm.muxRegexp())
		}
		rx := regexp.MustCompile(re)
		// Paths from the template itself, its pieces shuffled, and noise.
		tplPieces := strings.FieldsFunc(tpl, func(r rune) bool { return r == '/' || r == '{' || r == '}' })
		var matched int
		for n := 0; n < 3000; n++ {
			var b strings.Builder
			if rng.IntN(4) > 0 {
				b.WriteString(strings.Split(tpl, "{")[0])
			}
			for k := rng.IntN(6); k > 0; k-- {
				if rng.IntN(2) == 0 && len(tplPieces) > 0 {
					b.WriteString(tplPieces[rng.IntN(len(tplPieces))])
				} else {
					b.WriteString(pieces[rng.IntN(len(pieces))])
				}
				if rng.IntN(3) > 0 {
					b.WriteString("/")
				}
			}
			checkPathMatcher(t, pm, rx, b.String())
			if rx.MatchString(b.String()) {
				matched++
			}
		}
		if matched == 0 {
			t.Errorf("%s: no random path matched", tpl)
		}
	}
}

func checkPathMatcher(t *testing.T, pm *pathMatcher, rx *regexp.Regexp, p string) {
	t.Helper()
	var vals [maxPathVars]string
	got := pm.match(p, vals[:len(pm.names)])
	sub := rx.FindStringSubmatch(p)
	if got != (sub != nil) {
		t.Errorf("%q on %s: pathMatcher %v, regexp %v", p, rx, got, sub != nil)
		return
	}
	if got && !slices.Equal(vals[:len(pm.names)], sub[1:]) {
		t.Errorf("%q on %s: pathMatcher vars %q, regexp %q", p, rx, vals[:len(pm.names)], sub[1:])
	}
}

// TestCompilePathMatcherRefuses lists templates left to mux.
func TestCompilePathMatcherRefuses(t *testing.T) {
	for _, tpl := range []string{"/v/{id:[0-9]+}", "/v/{a}{b}", "/v/{a}-{b}", "/v/{p:.*}/x", "/v/{p:.*}x", "/v/{a}/{a}",
		"/v/{a:[0-9]{2}}", "/v/}", "/v/{", "v/{a}", "/v/{}", "/v/{:x}", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"} {
		if _, ok := compilePathMatcher(tpl); ok {
			t.Errorf("%s compiled", tpl)
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
		for _, withMux := range []bool{false, true} {
			name := bc.name + "/regexp_free"
			if withMux {
				name = bc.name + "/mux"
			}
			b.Run(name, func(b *testing.B) {
				r := mux.NewRouter()
				r.SkipClean(true)
				r.UseEncodedPath()
				vr := Mount(r, bc.vendor, hooks)
				if withMux {
					// Every route matched by mux, for comparison.
					for _, m := range vr.others {
						m.fast = nil
					}
					for _, list := range vr.buckets {
						for _, m := range list {
							m.fast = nil
						}
					}
				}
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
