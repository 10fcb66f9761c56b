package imbachat_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chatemu/chatemu/emulator"
)

// FuzzImbaChatHTTP sends arbitrary paths, methods, headers and bodies to
// the ImbaChat routes: no input may panic or answer a 5xx, every answer is
// JSON in the vendor's envelope, and a refused request leaves the state as
// it was.
func FuzzImbaChatHTTP(f *testing.F) {
	f.Add("imba_rooms", "POST", "application/x-www-form-urlencoded", "imba_id=209&login=admin&password=admin&users_ids[0]=3&room_id=613", "")
	f.Add("imba_rooms", "POST", "application/json", `{"imba_id":209,"login":"admin","password":"admin","users_ids":[1,"x"]}`, "")
	f.Add("v2/627/get_rooms", "POST", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"room_type\"\r\n\r\n3\r\n--B--\r\n", "")
	f.Add("v2/627/get_messages", "POST", "", "date=2020-12-18&user_role=admin", "Bearer e30.e30.x")
	f.Add("v2/627/send_msg", "POST", "application/x-www-form-urlencoded", "password=secret_key&user_id=1&room_id=1536&message=%00", "")
	f.Add("v2/627/get_users", "GET", "text/plain", "{", "")
	e, err := emulator.New(emulator.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	snapshot := func() string {
		req := httptest.NewRequest("POST", "/imbachat/v2/627/get_rooms", nil)
		req.SetBasicAuth("627", "secret_key")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		return w.Body.String()
	}
	f.Fuzz(func(t *testing.T, op, method, contentType, body, jwt string) {
		path := "/imbachat/v1/widget/" + op
		if len(op) > 3 && op[:3] == "v2/" {
			path = "/imbachat/" + op
		}
		req, err := http.NewRequest(method, "http://h"+path, bytes.NewReader([]byte(body)))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", contentType)
		req.SetBasicAuth("627", "secret_key")
		if jwt != "" {
			req.Header.Set("JWT", jwt)
		}
		before := snapshot()
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s: status %d %s", method, path, w.Code, w.Body)
		}
		var env map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, w.Body)
		}
		if w.Code >= 400 {
			if env["success"] != false || env["code"] != float64(w.Code) {
				t.Fatalf("error outside the envelope: %d %s", w.Code, w.Body)
			}
			if after := snapshot(); after != before {
				t.Fatalf("a refused request changed the rooms:\n%s\n%s", before, after)
			}
		}
	})
}
