package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func plain(t *testing.T, p *Params) string {
	t.Helper()
	b, err := json.Marshal(p.Map())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func multipartBody(t *testing.T, pairs ...string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i < len(pairs); i += 2 {
		if err := w.WriteField(pairs[i], pairs[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	mp, mpBody := multipartBody(t, "imba_id", "209", "users_ids[0]", "3", "users_ids[1]", "4",
		"room_title", "Тестовая API группа 9", "room_is_public ", "1")
	cases := []struct {
		name, method, target, contentType, body string
		opts                                    DecodeOptions
		want                                    string
	}{
		{name: "query only", method: "GET", target: "/x?a=1&b=two", want: `{"a":"1","b":"two"}`},
		{name: "php indexed keys", method: "POST", target: "/x", contentType: "application/x-www-form-urlencoded",
			body: "users_ids%5B0%5D=3&users_ids%5B1%5D=4", want: `{"users_ids":{"0":"3","1":"4"}}`},
		{name: "php append keys", method: "POST", target: "/x", contentType: "application/x-www-form-urlencoded",
			body: "USERS[]=3&USERS[]=4&USERS[]=5", want: `{"USERS":{"0":"3","1":"4","2":"5"}}`},
		{name: "php append after explicit index", method: "POST", target: "/x", contentType: "application/x-www-form-urlencoded",
			body: "a[5]=x&a[]=y", want: `{"a":{"5":"x","6":"y"}}`},
		{name: "nested keys", method: "POST", target: "/x", contentType: "application/x-www-form-urlencoded",
			body: "ATTACH[0][MESSAGE]=hi&ATTACH[0][COLOR]=red&a[b][c]=x", want: `{"ATTACH":{"0":{"COLOR":"red","MESSAGE":"hi"}},"a":{"b":{"c":"x"}}}`},
		{name: "keys are trimmed", method: "POST", target: "/x", contentType: "application/x-www-form-urlencoded",
			body: "room_is_public%20=1&%20login=admin&a[%200%20]=z", want: `{"a":{"0":"z"},"login":"admin","room_is_public":"1"}`},
		{name: "last plain key wins like PHP", method: "GET", target: "/x?a=1&a=2", want: `{"a":"2"}`},
		{name: "repeated keys as list", method: "GET", target: "/x?pageFilterId=1&pageFilterId=2&one=1", opts: DecodeOptions{RepeatedAsList: true},
			want: `{"one":"1","pageFilterId":{"0":"1","1":"2"}}`},
		{name: "scalar then tree", method: "GET", target: "/x?a=1&a[b]=2", want: `{"a":{"b":"2"}}`},
		{name: "tree then scalar", method: "GET", target: "/x?a[b]=2&a=1", want: `{"a":"1"}`},
		{name: "unclosed bracket kept literally", method: "GET", target: "/x?a[b=1", want: `{"a[b":"1"}`},
		{name: "body wins over query", method: "POST", target: "/x?a=query&q=1", contentType: "application/x-www-form-urlencoded",
			body: "a=body", want: `{"a":"body","q":"1"}`},
		{name: "json body keeps types", method: "POST", target: "/x", contentType: "application/json",
			body: `{"CHAT_ID":13,"USERS":[3,4],"HIDDEN":true,"X":null,"T":"Тест"}`,
			want: `{"CHAT_ID":13,"HIDDEN":true,"T":"Тест","USERS":{"0":3,"1":4},"X":null}`},
		{name: "json with charset", method: "POST", target: "/x", contentType: "application/json; charset=utf-8",
			body: `{"a":"1"}`, want: `{"a":"1"}`},
		{name: "json sniffed without content type", method: "POST", target: "/x", body: `{"a":"1"}`, want: `{"a":"1"}`},
		{name: "form sniffed without content type", method: "POST", target: "/x", body: `a=1&b=2`, want: `{"a":"1","b":"2"}`},
		{name: "text/plain json", method: "POST", target: "/x", contentType: "text/plain", body: ` {"a":"1"}`, want: `{"a":"1"}`},
		{name: "multipart like curl --form", method: "POST", target: "/x", contentType: mp, body: mpBody.String(),
			want: `{"imba_id":"209","room_is_public":"1","room_title":"Тестовая API группа 9","users_ids":{"0":"3","1":"4"}}`},
		{name: "bad percent escapes kept", method: "GET", target: "/x?a=%zz&b%=1", want: `{"a":"%zz","b%":"1"}`},
		{name: "empty body", method: "POST", target: "/x?a=1", contentType: "application/json", body: "  ", want: `{"a":"1"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			p, err := DecodeRequest(r, tc.opts)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			if got := plain(t, p); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[a]", 40)
	cases := []struct {
		name, contentType, body string
		opts                    DecodeOptions
		kind                    Kind
		status                  int
		message                 string
	}{
		{name: "malformed json", contentType: "application/json", body: `{"a":`, kind: KindMalformed, status: 400, message: "malformed JSON body"},
		{name: "json trailing comma", contentType: "application/json", body: `{"a":1,}`, kind: KindMalformed, status: 400, message: "malformed JSON body"},
		{name: "json not an object", contentType: "application/json", body: `[1,2]`, kind: KindMalformed, status: 400, message: "JSON body must be an object"},
		{name: "json trailing data", contentType: "application/json", body: `{"a":1} {"b":2}`, kind: KindMalformed, status: 400, message: "unexpected data"},
		{name: "multipart without boundary", contentType: "multipart/form-data", body: "x", kind: KindMalformed, status: 400, message: "without a boundary"},
		{name: "broken multipart", contentType: "multipart/form-data; boundary=XX", body: "--XX\r\nbroken", kind: KindMalformed, status: 400, message: "malformed multipart"},
		{name: "body too large", contentType: "application/x-www-form-urlencoded", body: "a=" + strings.Repeat("x", 100),
			opts: DecodeOptions{MaxBodyBytes: 50}, kind: KindTooLarge, status: 413, message: "exceeds 50 bytes"},
		{name: "too many params", contentType: "application/x-www-form-urlencoded", body: "a=1&b=2&c=3",
			opts: DecodeOptions{MaxParams: 2}, kind: KindTooLarge, status: 413, message: "more than 2 parameters"},
		{name: "too deep form", contentType: "application/x-www-form-urlencoded", body: "a" + deep + "=1", kind: KindTooLarge, status: 413, message: "deeper than 32"},
		{name: "too deep json", contentType: "application/json", body: strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40),
			kind: KindTooLarge, status: 413, message: "deeper than 32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			_, err := DecodeRequest(r, tc.opts)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %v", err)
			}
			if apiErr.Kind != tc.kind || apiErr.Status != tc.status || !strings.Contains(apiErr.Message, tc.message) {
				t.Errorf("got kind %d status %d %q; want kind %d status %d containing %q",
					apiErr.Kind, apiErr.Status, apiErr.Message, tc.kind, tc.status, tc.message)
			}
		})
	}
}

func TestValueAccessors(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/x", strings.NewReader(`{"chat_id":13,"Users":[4,3],"ok":true,"no":false,"nil":null,"f":1.5}`))
	r.Header.Set("Content-Type", "application/json")
	p, err := DecodeRequest(r, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := p.String("chat_id"); !ok || s != "13" {
		t.Errorf("String(chat_id) = %q, %v", s, ok)
	}
	if v := p.Root().LookupFold("CHAT_ID"); v == nil || v.String() != "13" {
		t.Errorf("LookupFold(CHAT_ID) = %v", v)
	}
	if got := p.Root().LookupFold("USERS").Strings(); !reflect.DeepEqual(got, []string{"4", "3"}) {
		t.Errorf("Strings = %v", got)
	}
	for name, want := range map[string]string{"ok": "1", "no": "", "nil": "", "f": "1.5"} {
		if got := p.Lookup(name).String(); got != want {
			t.Errorf("%s: String() = %q, want %q (PHP cast)", name, got, want)
		}
	}
	if _, ok := p.String("Users"); ok {
		t.Error("String on a tree must report false")
	}
	if !p.Has("nil") || p.Has("absent") {
		t.Error("Has")
	}
	q, _ := DecodeRequest(httptest.NewRequest("GET", "/x?a[10]=x&a[2]=y&a[k]=z", nil), DecodeOptions{})
	if got := q.Lookup("a").SortedKeys(); !reflect.DeepEqual(got, []string{"2", "10", "k"}) {
		t.Errorf("SortedKeys = %v", got)
	}
}

// FuzzDecodeRequest: no query, content type or body may make the decoder
// panic, and every error it returns is a renderable *APIError.
func FuzzDecodeRequest(f *testing.F) {
	f.Add("a=1&b[c]=2", "application/x-www-form-urlencoded", "users_ids[0]=3&users_ids[]=4")
	f.Add("", "application/json", `{"a":[1,{"b":null}],"c":"Тест"}`)
	f.Add("x[", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a[b]\"\r\n\r\nv\r\n--B--\r\n")
	f.Add("a]=[&[]=1", "text/plain", "{")
	f.Add("%%%", "", "a[][][]=1&a[x][]=2&%5B%5D=3")
	f.Fuzz(func(t *testing.T, query, contentType, body string) {
		for _, opts := range []DecodeOptions{{}, {RepeatedAsList: true, MaxParams: 50, MaxDepth: 4, MaxBodyBytes: 1 << 12}} {
			r, err := http.NewRequest("POST", "http://h/x", strings.NewReader(body))
			if err != nil {
				t.Skip()
			}
			r.URL.RawQuery = query
			r.Header.Set("Content-Type", contentType)
			p, err := DecodeRequest(r, opts)
			if err != nil {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Status < 400 || apiErr.Status > 499 {
					t.Fatalf("error is not a 4xx *APIError: %v", err)
				}
				continue
			}
			if _, err := json.Marshal(p.Map()); err != nil {
				t.Fatalf("decoded tree does not encode: %v", err)
			}
			// The caps hold whatever the input: leaves and empty
			// containers count against MaxParams.
			if n, limit := countValues(p.Root()), opts.withDefaults().MaxParams; n > limit {
				t.Fatalf("%d values decoded past the cap of %d", n, limit)
			}
			// A journal record of the request stays within its bound.
			j := NewJournal(1)
			j.Record(Exchange{Path: query, Params: summarize(p), Error: body})
			rec, _ := json.Marshal(j.Find(JournalFilter{}))
			if len(rec) > maxRecordBytes {
				t.Fatalf("a journal record of %d bytes", len(rec))
			}
		}
	})
}

// maxRecordBytes bounds a journal record encoded: 256 values and their
// keys of at most 512 bytes (escaped up to 6 bytes each) plus four texts.
const maxRecordBytes = (2*journalMaxValues + 4) * (journalMaxString*6 + 64)

// countValues counts a tree's leaves and empty containers.
func countValues(v *Value) int {
	if !v.IsTree() {
		return 1
	}
	if v.Len() == 0 {
		return 1
	}
	n := 0
	for _, k := range v.Keys() {
		n += countValues(v.Lookup(k))
	}
	return n
}
