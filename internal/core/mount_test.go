package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/internal/state"
)

// fakeVendor renders errors as {"vendor_error": code, "text": message}.
type fakeVendor struct{}

func (fakeVendor) Name() string                                   { return "fake" }
func (fakeVendor) PathPrefix() string                             { return "/fake" }
func (fakeVendor) DecodeOptions() DecodeOptions                   { return DecodeOptions{MaxBodyBytes: 64} }
func (fakeVendor) Model() *state.DB                               { return nil }
func (fakeVendor) ApplyFixtures(*state.Tx, json.RawMessage) error { return nil }
func (fakeVendor) RenderError(_ *Request, e *APIError) *Response {
	code := e.Code
	if code == "" {
		code = map[Kind]string{KindMalformed: "MALFORMED", KindTooLarge: "TOO_LARGE", KindNotFound: "NOT_FOUND",
			KindMethodNotAllowed: "METHOD", KindInternal: "INTERNAL"}[e.Kind]
	}
	return JSON(e.Status, map[string]string{"vendor_error": code, "text": e.Message})
}
func (fakeVendor) Routes() []Route {
	return []Route{
		{Name: "fake.echo", Methods: []string{"POST"}, Path: "/fake/echo/{id}", Handler: func(r *Request) (*Response, error) {
			v, _ := r.Params.String("v")
			return OK(map[string]string{"id": r.Vars["id"], "v": v}), nil
		}},
		{Name: "fake.big", Path: "/fake/big", Handler: func(*Request) (*Response, error) {
			return &Response{Status: 200, Raw: bytes.Repeat([]byte("x"), 256<<10), ContentType: "text/plain"}, nil
		}},
		{Name: "fake.panic", Path: "/fake/panic", Handler: func(*Request) (*Response, error) { panic("boom") }},
		{Name: "fake.fail", Path: "/fake/fail", Handler: func(*Request) (*Response, error) { return nil, errors.New("store down") }},
		{Name: "fake.auth", Path: "/fake/auth", Auth: func(r *Request) error {
			if r.HTTP.Header.Get("X-Key") != "k" {
				return VendorError(401, "NO_AUTH", "no key").WithHeader("WWW-Authenticate", "Key")
			}
			r.Tenant = "tenant:k"
			return nil
		}, Handler: func(r *Request) (*Response, error) { return OK(map[string]string{"tenant": r.Tenant}), nil }},
	}
}

func newFakeServer(t *testing.T) (*httptest.Server, *Journal) {
	t.Helper()
	j := NewJournal(10)
	r := Mount(fakeVendor{}, Hooks{Clock: NewClock(timeZero, false), Journal: j, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, j
}

var timeZero = time.Time{}

func TestMountAdapter(t *testing.T) {
	t.Parallel()
	srv, j := newFakeServer(t)
	cases := []struct {
		name, method, path, body, header string
		status                           int
		want                             string
		wantHeader                       [2]string
	}{
		{name: "handler value rendered", method: "POST", path: "/fake/echo/7", body: "v=x", status: 200, want: `{"id":"7","v":"x"}`},
		{name: "panic becomes vendor 500", method: "GET", path: "/fake/panic", status: 500, want: `{"text":"internal server error","vendor_error":"INTERNAL"}`},
		{name: "plain error becomes vendor 500", method: "GET", path: "/fake/fail", status: 500, want: `{"text":"internal server error","vendor_error":"INTERNAL"}`},
		{name: "wrong method answered before the body is read", method: "GET", path: "/fake/echo/7", body: `{"v":`, header: "application/json", status: 405,
			want: `{"text":"fake.echo does not accept GET (use POST)","vendor_error":"METHOD"}`, wantHeader: [2]string{"Allow", "POST"}},
		{name: "unknown path in vendor format", method: "GET", path: "/fake/nope", status: 404,
			want: `{"text":"no such operation: GET /fake/nope","vendor_error":"NOT_FOUND"}`},
		{name: "malformed body in vendor format", method: "POST", path: "/fake/echo/1", body: `{"v":`, header: "application/json", status: 400,
			want: `{"text":"malformed JSON body: unexpected EOF","vendor_error":"MALFORMED"}`},
		{name: "oversized body in vendor format", method: "POST", path: "/fake/echo/1", body: "v=" + strings.Repeat("x", 100), status: 413,
			want: `{"text":"request body exceeds 64 bytes","vendor_error":"TOO_LARGE"}`},
		{name: "auth refusal with its header", method: "GET", path: "/fake/auth", status: 401,
			want: `{"text":"no key","vendor_error":"NO_AUTH"}`, wantHeader: [2]string{"WWW-Authenticate", "Key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.header != "" {
				req.Header.Set("Content-Type", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || string(body) != tc.want {
				t.Errorf("got %d %s\nwant %d %s", resp.StatusCode, body, tc.status, tc.want)
			}
			if h := tc.wantHeader; h[0] != "" && resp.Header.Get(h[0]) != h[1] {
				t.Errorf("header %s = %q, want %q", h[0], resp.Header.Get(h[0]), h[1])
			}
		})
	}
	resp, err := http.Post(srv.URL+"/fake/echoo", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := j.Find(JournalFilter{Limit: 1}); got[0].Note != "unknown operation; nearest known: fake.echo" || got[0].Status != 404 {
		t.Errorf("a typo names the nearest operation: %+v", got[0])
	}
	got := j.Find(JournalFilter{Operation: "fake.panic"})
	if len(got) != 1 || got[0].Status != 500 || got[0].Error != "internal server error" {
		t.Errorf("journal of the panic: %+v", got)
	}
	if got := j.Find(JournalFilter{Vendor: "fake"}); len(got) != len(cases)+1 {
		t.Errorf("journal holds %d records, want %d", len(got), len(cases))
	}
	if got := j.Find(JournalFilter{Operation: "fake.echo", Limit: 1}); got[0].Params["v"] != nil {
		t.Errorf("params of a refused request: %v", got[0].Params)
	}
}

// TestAnswerIsJournaledBeforeTheClientReadsIt: a client that has read an
// answer, however large, finds its exchange in the journal (a large body
// reaches the client while it is written, before the request ends).
func TestAnswerIsJournaledBeforeTheClientReadsIt(t *testing.T) {
	t.Parallel()
	srv, j := newFakeServer(t)
	for i := range 200 {
		resp, err := http.Get(srv.URL + "/fake/big")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := j.LastSeq(); got != uint64(i+1) {
			t.Fatalf("after answer %d the journal's last record is %d", i+1, got)
		}
	}
	if e := j.Find(JournalFilter{Limit: 1}); len(e) != 1 || e[0].Status != 200 || e[0].Operation != "fake.big" {
		t.Errorf("record: %+v", e)
	}
}
