package imbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
)

// imboxOperations are the API's paths (the vendor's own operation names).
var imboxOperations = []string{
	"listConversations", "grabConversation", "grabVisitorInfo", "grabVisitorTags", "grabVisitorLabels",
	"grabVisitorCards", "grabAgent", "grabAgents", "chatStatistics", "pageFilters",
}

// FuzzImBoxHTTP sends arbitrary operations, keys, account ids, trailing
// path segments, queries, methods and bodies to the ImBox API: no input
// may panic or answer a 5xx; every answer is the vendor's JSON envelope
// (or a CSV export), and, the API being read-only, none changes the state.
// One instance serves every input.
func FuzzImBoxHTTP(f *testing.F) {
	f.Add(uint8(0), "GET", "apiKey", "1", "2020-01-01/2020-01-31", "pageFilterId=1&pageFilterId=2", "", "")
	f.Add(uint8(1), "GET", "apiKey", "1", "V1", "", "", "")
	f.Add(uint8(1), "GET", "apiKey", "1", "V18751500044654323221", "", "", "")
	f.Add(uint8(2), "GET", "apiKey", "2", "V1", "", "", "")
	f.Add(uint8(6), "GET", "apiKey", "1", "0", "", "", "")
	f.Add(uint8(6), "GET", "apiKey", "1", "99999999999999999999", "", "", "")
	f.Add(uint8(7), "GET", "nope", "1", "", "", "", "")
	f.Add(uint8(8), "GET", "apiKey", "1", "", "startTime=2020-01-01T00%3A00%3A00.000Z&endTime=2020-01-31T00%3A00%3A00.000Z&fileType=csv", "", "")
	f.Add(uint8(8), "GET", "apiKey", "1", "", "startTime=2020-01-31&endTime=2020-01-01&agentId[]=1&agentId=x", "", "")
	f.Add(uint8(8), "GET", "apiKey", "1", "", "startTime=0000-01-01T00:00:00Z&endTime=9999-12-31T23:59:59Z", "", "")
	f.Add(uint8(0), "GET", "apiKey", "1", "2020-02-30/2020-13-01", "", "", "")
	f.Add(uint8(0), "GET", "apiKey", "1", "-1/99999999", "pageFilterId[a][b]=1", "", "")
	f.Add(uint8(9), "POST", "apiKey", "1", "", "", "application/json", `{"a":[1,{"b":null}]}`)
	f.Add(uint8(3), "GET", "apiKey%2F", "1%00", "V1%2F..", "", "text/plain", "{")
	f.Add(uint8(4), "DELETE", "apiKey", "1", "V1/extra/segments", "", "multipart/form-data; boundary=B", "--B\r\n")

	e, err := emulator.New(emulator.Config{Clock: time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC), FreezeClock: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	state := func() string {
		snap, err := e.ExportState()
		if err != nil {
			f.Fatal(err)
		}
		snap.Taken = time.Time{}
		b, _ := json.Marshal(snap)
		return string(b)
	}
	initial := state()

	f.Fuzz(func(t *testing.T, op uint8, method, apiKey, userID, tail, query, contentType, body string) {
		path := "/message/" + imboxOperations[int(op)%len(imboxOperations)] + "/" + apiKey + "/" + userID
		if tail != "" {
			path += "/" + tail
		}
		target := "http://imbox.test" + path
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s: status %d %s", method, target, w.Code, w.Body)
		}
		ct := w.Header().Get("Content-Type")
		switch {
		case w.Code == http.StatusOK && strings.HasPrefix(ct, "text/csv"):
		case strings.HasPrefix(ct, "application/json"):
			var env struct {
				Result  string `json:"result"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatalf("%s %s: not JSON: %q", method, target, w.Body)
			}
			if w.Code >= 400 && (env.Result != "error" || env.Message == "") {
				t.Fatalf("%s %s: an error outside the envelope: %d %s", method, target, w.Code, w.Body)
			}
			if w.Code < 400 && env.Result != "success" {
				t.Fatalf("%s %s: a success outside the envelope: %d %s", method, target, w.Code, w.Body)
			}
		default:
			t.Fatalf("%s %s: content type %q: %d %q", method, target, ct, w.Code, w.Body)
		}
		if !bytes.Equal([]byte(state()), []byte(initial)) {
			t.Fatalf("%s %s changed the state of a read-only API", method, target)
		}
	})
}
