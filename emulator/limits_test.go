package emulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/testkit"
)

// vendorRoute is a write route of a vendor with the credentials it needs,
// and the check that an answer is an error in the vendor's own format.
type vendorRoute struct {
	vendor string
	method string
	path   string
	prefix string // body parameters the route needs before any padding
	header []string
	// envelope reports whether body is the vendor's error for status.
	envelope func(body []byte, status int) bool
}

var limitRoutes = []vendorRoute{
	{vendor: "imbachat", method: "POST", path: "/imbachat/v1/widget/imba_rooms", prefix: "imba_id=209&login=admin&password=admin&room_id=613&users_ids[0]=1",
		envelope: func(b []byte, status int) bool {
			var e struct {
				Success *bool `json:"success"`
				Code    int   `json:"code"`
			}
			return json.Unmarshal(b, &e) == nil && e.Success != nil && !*e.Success && e.Code == status
		}},
	{vendor: "imbachat send_msg", method: "POST", path: "/imbachat/v2/627/send_msg", prefix: "user_id=1&room_id=1536&message=x",
		header: []string{"Authorization", "Basic NjI3OnNlY3JldF9rZXk="},
		envelope: func(b []byte, status int) bool {
			var e struct {
				Success *bool `json:"success"`
				Code    int   `json:"code"`
			}
			return json.Unmarshal(b, &e) == nil && e.Success != nil && !*e.Success && e.Code == status
		}},
	{vendor: "bitrix24", method: "POST", path: "/rest/1/abc/imbot.chat.user.add", prefix: "CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=3",
		envelope: func(b []byte, _ int) bool {
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			return json.Unmarshal(b, &e) == nil && e.Error == "REQUEST_TOO_LARGE" && e.Description != ""
		}},
	{vendor: "bitrix24 oauth", method: "POST", path: "/oauth/token/", prefix: "grant_type=refresh_token&client_id=chatemu&client_secret=chatemu-secret&refresh_token=test-refresh-token",
		envelope: func(b []byte, _ int) bool {
			var e struct {
				Error string `json:"error"`
			}
			return json.Unmarshal(b, &e) == nil && e.Error != ""
		}},
	{vendor: "imbox", method: "GET", path: "/message/grabAgents/apiKey/1", prefix: "x=1",
		envelope: func(b []byte, _ int) bool {
			var e struct {
				Result  string `json:"result"`
				Message string `json:"message"`
			}
			return json.Unmarshal(b, &e) == nil && e.Result == "error" && e.Message != ""
		}},
}

// TestRequestCaps: a body over 8 MiB, parameters nested deeper than 32
// levels and more than 10,000 parameters (in the query, a form, multipart
// or JSON) are refused with 413 in each vendor's own error format, and
// change nothing. Just under each cap is served.
func TestRequestCaps(t *testing.T) {
	t.Parallel()
	deepKey := "a" + strings.Repeat("[x]", core.DefaultMaxDepth+1)
	deepJSON := strings.Repeat(`{"a":`, core.DefaultMaxDepth+1) + "1" + strings.Repeat("}", core.DefaultMaxDepth+1)
	manyForm := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "&p%d=1", i)
		}
		return b.String()
	}
	manyJSON := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"list":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('1')
		}
		b.WriteString("]}")
		return b.String()
	}
	type shape struct {
		name        string
		contentType string
		query       string
		body        func(prefix string) string
		refused     bool
	}
	shapes := []shape{
		{name: "a body over 8 MiB", contentType: "application/x-www-form-urlencoded", refused: true,
			body: func(p string) string { return p + "&pad=" + strings.Repeat("a", core.DefaultMaxBodyBytes) }},
		{name: "a form nested too deep", contentType: "application/x-www-form-urlencoded", refused: true,
			body: func(p string) string { return p + "&" + deepKey + "=1" }},
		{name: "a query nested too deep", query: deepKey + "=1", refused: true},
		{name: "a JSON body nested too deep", contentType: "application/json", refused: true,
			body: func(string) string { return deepJSON }},
		{name: "multipart nested too deep", contentType: "multipart/form-data; boundary=B", refused: true,
			body: func(string) string {
				return "--B\r\nContent-Disposition: form-data; name=\"" + deepKey + "\"\r\n\r\n1\r\n--B--\r\n"
			}},
		{name: "too many form parameters", contentType: "application/x-www-form-urlencoded", refused: true,
			body: func(p string) string { return p + manyForm(core.DefaultMaxParams) }},
		{name: "too many query parameters", query: strings.TrimPrefix(manyForm(core.DefaultMaxParams+1), "&"), refused: true},
		{name: "too many JSON values", contentType: "application/json", refused: true,
			body: func(string) string { return manyJSON(core.DefaultMaxParams + 1) }},
		{name: "too many empty JSON containers", contentType: "application/json", refused: true,
			body: func(string) string {
				return `{"list":[` + strings.TrimSuffix(strings.Repeat("[],", core.DefaultMaxParams), ",") + `]}`
			}},
		{name: "a form just within the caps", contentType: "application/x-www-form-urlencoded",
			body: func(p string) string {
				return p + "&" + "a" + strings.Repeat("[x]", core.DefaultMaxDepth) + "=1" + manyForm(core.DefaultMaxParams/2)
			}},
	}
	for _, rt := range limitRoutes {
		for _, sh := range shapes {
			t.Run(rt.vendor+"/"+sh.name, func(t *testing.T) {
				t.Parallel()
				emu := testkit.Start(t)
				before, seqs := stateDocs(t, emu.URL())
				u := emu.URL() + rt.path
				if sh.query != "" {
					u += "?" + sh.query
				}
				var body io.Reader
				if sh.body != nil {
					body = strings.NewReader(sh.body(rt.prefix))
				}
				req, err := http.NewRequest(rt.method, u, body)
				if err != nil {
					t.Fatal(err)
				}
				if sh.contentType != "" {
					req.Header.Set("Content-Type", sh.contentType)
				}
				for i := 0; i+1 < len(rt.header); i += 2 {
					req.Header.Set(rt.header[i], rt.header[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if !sh.refused {
					if resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode >= 500 {
						t.Fatalf("within the caps: %d %s", resp.StatusCode, clipBody(b))
					}
					return
				}
				if resp.StatusCode != http.StatusRequestEntityTooLarge || !rt.envelope(b, resp.StatusCode) {
					t.Fatalf("want 413 in the %s format, got %d %s", rt.vendor, resp.StatusCode, clipBody(b))
				}
				after, seqsAfter := stateDocs(t, emu.URL())
				if len(after) != len(before) || !equalSeqs(seqs, seqsAfter) {
					t.Fatal("a refused request changed the state")
				}
				for k, v := range before {
					if !bytes.Equal(after[k], v) {
						t.Fatalf("a refused request changed %s", k)
					}
				}
			})
		}
	}
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// TestControlPlaneCaps: a seed, a snapshot or a scenario over the control
// plane's 32 MiB cap is 413 in the control plane's format and changes nothing.
func TestControlPlaneCaps(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	body := `{"description":"` + strings.Repeat("a", 32<<20) + `"}`
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/_emulator/seed", "seed documents are limited to"},
		{"PUT", "/_emulator/state", "snapshots are limited to"},
		{"POST", "/_emulator/scenarios", "scenario documents are limited to"},
	} {
		req, _ := http.NewRequest(c.method, emu.URL()+c.path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error string `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, c.want) {
			t.Errorf("oversized %s %s: %d %q %v", c.method, c.path, resp.StatusCode, e.Error, err)
		}
	}
}
