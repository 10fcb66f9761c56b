package imbox

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chatemu/chatemu/internal/core"
)

// The kinds no HTTP request can provoke on purpose (a panic, a store
// failure) render in the ImBox envelope too.
func TestRenderErrorKinds(t *testing.T) {
	t.Parallel()
	req := &core.Request{HTTP: httptest.NewRequest(http.MethodGet, "/message/grabAgents/apiKey/1", nil)}
	tests := []struct {
		name   string
		err    *core.APIError
		status int
		body   string
	}{
		{"internal", core.Internal(errors.New("disk on fire")), 500, `{"result":"error","message":"Internal server error"}`},
		{"a vendor error without status", &core.APIError{Message: "odd"}, 500, `{"result":"error","message":"odd"}`},
		{"an injected vendor error", core.VendorError(429, "rate", "Too many requests"), 429, `{"result":"error","message":"Too many requests"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := renderError(req, tc.err)
			body, _, err := resp.Encode()
			if err != nil || resp.Status != tc.status || string(body) != tc.body {
				t.Errorf("got %d %s (%v), want %d %s", resp.Status, body, err, tc.status, tc.body)
			}
		})
	}
}

// like is SQL LIKE: % any run, _ one character, \ escapes.
func TestLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, pattern string
		want       bool
	}{
		{"abc", "abc", true}, {"abc", "ab", false}, {"abc", "%b%", true}, {"abc", "a_c", true}, {"ac", "a_c", false},
		{"a%c", `a\%c`, true}, {"abc", `a\%c`, false}, {"a_c", `a\_c`, true}, {"abc", `a\_c`, false},
		{"", "%", true}, {"", "_", false}, {"åäö", "_ä_", true}, {"aXbXc", "%X%X%", true}, {"aXbc", "%X%X%", false},
		{`a\`, `a\`, true}, {"mississippi", "%iss%ipp%", true}, {"mississippi", "%iss%ipx%", false},
	}
	for _, tc := range tests {
		if got := like(tc.s, tc.pattern); got != tc.want {
			t.Errorf("like(%q, %q) = %v, want %v", tc.s, tc.pattern, got, tc.want)
		}
	}
}

// encodedItems renders the envelope success and successWithoutLength
// render, around items encoded once.
func TestEncodedItems(t *testing.T) {
	t.Parallel()
	items := []agentItem{{ID: 1, Name: "<A & B>", Groups: "x,y"}, {ID: 2, Email: "é@example.org"}}
	for n := 0; n <= len(items); n++ {
		for _, withLength := range []bool{true, false} {
			var l encodedItems
			for _, it := range items[:n] {
				l.add(encodeItem(it))
			}
			want := successWithoutLength(items[:n])
			if withLength {
				want = success(items[:n])
			}
			wantBody, _, _ := want.Encode()
			got, _, _ := l.response(withLength).Encode()
			if string(got) != string(wantBody) {
				t.Errorf("%d items, length %v:\ngot  %s\nwant %s", n, withLength, got, wantBody)
			}
		}
	}
}
