package emulator_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator/bitrix24"
	"github.com/chatemu/chatemu/emulator/core"
	"github.com/chatemu/chatemu/emulator/imbachat"
	"github.com/chatemu/chatemu/emulator/imbox"
	"github.com/gorilla/mux"
)

// echoVendor serves a vendor's routes (paths, methods, matchers) with
// handlers that answer only the route's name and path variables, so that
// comparing answers compares route choice.
type echoVendor struct{ core.Vendor }

func (v echoVendor) Routes() []core.Route {
	routes := v.Vendor.Routes()
	for i := range routes {
		routes[i].Auth = nil
		routes[i].Handler = func(r *core.Request) (*core.Response, error) {
			vars, _ := json.Marshal(r.Vars)
			return core.OK(map[string]string{"route": r.Route, "vars": string(vars)}), nil
		}
	}
	return routes
}

// samplePath fills a route template's variables: {name} with value,
// {name:.*} with rest.
func samplePath(template, value, rest string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			return b.String() + template
		}
		closing := strings.IndexByte(template, '}')
		b.WriteString(template[:open])
		if strings.Contains(template[open:closing], ":") {
			b.WriteString(rest)
		} else {
			b.WriteString(value)
		}
		template = template[closing+1:]
	}
}

// mountedVendors mounts every vendor, routes echoing, on a router set up
// as the emulator's.
func mountedVendors(t *testing.T) []struct {
	v  core.Vendor
	r  *mux.Router
	vr *core.VendorRouter
} {
	t.Helper()
	store, err := core.OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := core.NewClock(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), true)
	deps := core.Deps{Store: store, Clock: clock, Random: core.NewRandom(1), Logger: logger, Journal: core.NewJournal(10)}
	hooks := core.Hooks{Clock: clock, Journal: deps.Journal, Logger: logger}
	var out []struct {
		v  core.Vendor
		r  *mux.Router
		vr *core.VendorRouter
	}
	for _, v := range []core.Vendor{imbachat.New(deps), bitrix24.New(deps), imbox.New(deps)} {
		r := mux.NewRouter()
		r.SkipClean(true)
		r.UseEncodedPath()
		ev := echoVendor{v}
		out = append(out, struct {
			v  core.Vendor
			r  *mux.Router
			vr *core.VendorRouter
		}{ev, r, core.Mount(r, ev, hooks)})
	}
	return out
}

// vendorPaths are paths near the vendor's route templates: each filled
// in, then bent (percent-encoded, empty, added and missing segments,
// trailing slashes, upper case, method names in other cases).
func vendorPaths(v core.Vendor) []string {
	var paths []string
	add := func(p ...string) { paths = append(paths, p...) }
	prefix := strings.TrimSuffix(v.PathPrefix(), "/")
	add(prefix, prefix+"/", prefix+"//", prefix+"/x", strings.ToUpper(prefix)+"/x")
	for _, rt := range v.Routes() {
		method := rt.Name[strings.IndexByte(rt.Name, '.')+1:]
		for _, fill := range [][2]string{
			{"1", method}, {"627", "1/code/" + method}, {"1", method + ".json"}, {"1", "1/code/" + method + ".JSON"},
			{"a%2Fb", "/" + method}, {"a%20b", "1//code/" + method}, {"%2F", "1/code/x/" + method},
			{"A", strings.ToUpper(method)}, {"1", method + "/"}, {"1", ""}, {"1", "%0A" + method},
		} {
			p := samplePath(rt.Path, fill[0], fill[1])
			segs := strings.Split(p, "/")
			add(p, p+"/", p+"//", p+"/extra", strings.ToUpper(p), strings.Replace(p, "/", "//", 2),
				strings.Join(segs[:len(segs)-1], "/"), strings.Join(append(segs[:len(segs)-1:len(segs)-1], "", segs[len(segs)-1]), "/"))
			if len(segs) > 2 {
				// A segment percent-encoded, a variable emptied.
				add(strings.Replace(p, segs[2], url.PathEscape(segs[2])+"%2E", 1), strings.Replace(p, "/"+fill[0]+"/", "//", 1))
			}
		}
	}
	return paths
}

// TestVendorRouterChoosesAsMuxForEveryVendor serves paths near every
// mounted route of every vendor, and random paths built from the
// templates' pieces, through mux and through the VendorRouter, with
// several methods: the route chosen and its variables are the same.
// Then, with mux unable to match any route of theirs, the VendorRouter
// still chooses every route with a plain template: it matches them
// without mux.
func TestVendorRouterChoosesAsMuxForEveryVendor(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range mountedVendors(t) {
		t.Run(m.v.Name(), func(t *testing.T) {
			paths := vendorPaths(m.v)
			var pieces []string
			for _, rt := range m.v.Routes() {
				pieces = append(pieces, strings.FieldsFunc(rt.Path, func(r rune) bool { return r == '/' })...)
			}
			pieces = append(pieces, "", "1", "%2F", "%20", "A", ".json", "%0A", "imbot.chat.user.list")
			for n := 0; n < 1500; n++ {
				var b strings.Builder
				if rng.IntN(5) > 0 {
					b.WriteString(m.v.PathPrefix())
				}
				for k := rng.IntN(6); k > 0; k-- {
					b.WriteString(pieces[rng.IntN(len(pieces))])
					if rng.IntN(4) > 0 {
						b.WriteString("/")
					}
				}
				paths = append(paths, b.String())
			}
			served := map[string]bool{}
			for i, p := range paths {
				methods := []string{"GET", "POST"}
				if i%7 == 0 {
					methods = append(methods, "DELETE", "get")
				}
				for _, method := range methods {
					want, got := httptest.NewRecorder(), httptest.NewRecorder()
					m.r.ServeHTTP(want, pathRequest(method, p))
					m.vr.ServeHTTP(got, pathRequest(method, p))
					if got.Code != want.Code || got.Body.String() != want.Body.String() {
						t.Errorf("%s %q: VendorRouter answered %d %s, mux %d %s", method, p, got.Code, got.Body, want.Code, want.Body)
					}
					var body map[string]string
					if json.Unmarshal(want.Body.Bytes(), &body) == nil && body["route"] != "" {
						served[body["route"]] = true
					}
				}
			}
			for _, rt := range m.v.Routes() {
				if !served[rt.Name] && strings.HasPrefix(rt.Path, strings.TrimSuffix(m.v.PathPrefix(), "/")) {
					t.Errorf("no path reached %s", rt.Name)
				}
			}

			// Mux no longer matches the vendor's routes: what still reaches
			// them was matched without it.
			_ = m.r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
				if route.GetName() != m.v.Name()+".not_found" {
					route.BuildOnly()
				}
				return nil
			})
			for _, rt := range m.v.Routes() {
				if strings.Contains(rt.Path, ":") && !strings.HasSuffix(rt.Path, ":.*}") {
					continue // only mux matches custom patterns
				}
				p := samplePath(rt.Path, "1", "1/code/"+rt.Name[strings.IndexByte(rt.Name, '.')+1:])
				method := http.MethodGet
				if len(rt.Methods) > 0 {
					method = rt.Methods[0]
				}
				got := httptest.NewRecorder()
				m.vr.ServeHTTP(got, pathRequest(method, p))
				var body map[string]string
				if json.Unmarshal(got.Body.Bytes(), &body); body["route"] != rt.Name {
					t.Errorf("%s: %s not matched without mux: %d %s", rt.Name, p, got.Code, got.Body)
				}
			}
		})
	}
}

// pathRequest is a request for p as a client sends it; unlike
// httptest.NewRequest it takes paths that are not valid URLs, keeping them
// as sent.
func pathRequest(method, p string) *http.Request {
	req := httptest.NewRequest(method, "/", nil)
	u, err := url.Parse(p)
	if err != nil {
		u = &url.URL{Path: p, RawPath: p}
	}
	req.URL, req.RequestURI = u, p
	return req
}
