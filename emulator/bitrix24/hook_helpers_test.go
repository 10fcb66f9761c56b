package bitrix24_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// parseStr decodes a form body as PHP's parse_str does: "a[b][c]=v" nests
// maps, "a[]=v" appends under the next integer key, "+" is a space, a key
// named again replaces the earlier value. Leaves are strings.
func parseStr(t *testing.T, body string) map[string]any {
	t.Helper()
	root := map[string]any{}
	for _, pair := range strings.Split(body, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			t.Fatalf("key %q: %v", rawKey, err)
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			t.Fatalf("value of %q: %v", key, err)
		}
		path := []string{key}
		if i := strings.IndexByte(key, '['); i > 0 && strings.HasSuffix(key, "]") {
			path = append([]string{key[:i]}, strings.Split(key[i+1:len(key)-1], "][")...)
		}
		node := root
		for j, seg := range path {
			if seg == "" {
				seg = fmt.Sprint(len(node))
			}
			if j == len(path)-1 {
				node[seg] = val
				break
			}
			next, ok := node[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[seg] = next
			}
			node = next
		}
	}
	return root
}

// at walks a parsed form: at(f, "data", "PARAMS") is the PARAMS map.
func at(t *testing.T, f map[string]any, path ...string) any {
	t.Helper()
	var v any = f
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: %q is not under a map (%v)", path, p, v)
		}
		v = m[p]
	}
	return v
}

// mapAt is at(...) as a map, failing when it is not one.
func mapAt(t *testing.T, f map[string]any, path ...string) map[string]any {
	t.Helper()
	m, ok := at(t, f, path...).(map[string]any)
	if !ok {
		t.Fatalf("%v is not a map: %v", path, at(t, f, path...))
	}
	return m
}

// sameMap compares a decoded map with want, naming the differing keys.
func sameMap(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if !reflect.DeepEqual(got[k], want[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: got %#v, want %#v", k, got[k], want[k]))
		}
	}
	sort.Strings(diffs)
	t.Fatalf("%s differs:\n  %s", what, strings.Join(diffs, "\n  "))
}

// keysOf are a form's keys in the order they were sent (the top level's,
// or those under prefix, e.g. "data[PARAMS]").
func keysOf(body, prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, pair := range strings.Split(body, "&") {
		k, _, _ := strings.Cut(pair, "=")
		k, _ = url.QueryUnescape(k)
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		if prefix != "" {
			if !strings.HasPrefix(rest, "[") {
				continue
			}
			rest = rest[1:]
			rest, _, _ = strings.Cut(rest, "]")
		} else {
			rest, _, _ = strings.Cut(rest, "[")
		}
		if !seen[rest] {
			seen[rest] = true
			out = append(out, rest)
		}
	}
	return out
}

// hookCall is one request a handler server received.
type hookCall struct {
	Method, Path, Query, ContentType, UserAgent, Body string
}

// hookServer is a bot's event handler: an httptest server recording each
// request and answering status (200 unless set), after delay when set.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []hookCall
	status int
	delay  time.Duration
}

func newHook(t *testing.T) *hookServer {
	t.Helper()
	h := &hookServer{status: http.StatusOK}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.calls = append(h.calls, hookCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), UserAgent: r.Header.Get("User-Agent"), Body: string(body)})
		status, delay := h.status, h.delay
		h.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

// received are the calls so far.
func (h *hookServer) received() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.calls...)
}

// event waits for the n-th (from 1) delivery of event name to finish and
// returns its body as the handler received it, decoded.
func event(t *testing.T, srv *testkit.Server, name string, n int) (map[string]any, string) {
	t.Helper()
	d := srv.WaitDeliveries(t, emulator.DeliveryFilter{Vendor: "bitrix24", Event: name}, n)[n-1]
	return parseStr(t, d.Body), d.Body
}

// noEvents checks that no delivery of the named events was journaled
// after a marker delivery that was (deliveries leave in order per
// handler, so a later one proves the earlier ones are out).
func noEvents(t *testing.T, srv *testkit.Server, names ...string) {
	t.Helper()
	for _, n := range names {
		if got := srv.Deliveries(emulator.DeliveryFilter{Vendor: "bitrix24", Event: n}); len(got) > 0 {
			t.Fatalf("%s was delivered: %s", n, got[0].Body)
		}
	}
}
