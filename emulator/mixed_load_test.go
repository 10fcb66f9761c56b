package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/testkit"
)

// TestControlPlaneUnderVendorLoad runs vendor traffic of all three vendors
// while the control plane resets, seeds, imports and exports state, moves
// the clock, activates and clears scenarios and clears the journal, all at
// once, in memory and on a data file. No vendor answers a 5xx it was not
// told to (an active teapot scenario answers 418; Bitrix24's 503 is its own
// request limit), no control call fails, -race sees no data race, and the
// data file opens again afterwards.
func TestControlPlaneUnderVendorLoad(t *testing.T) {
	t.Parallel()
	t.Run("in memory", func(t *testing.T) {
		t.Parallel()
		mixedLoad(t, testkit.Start(t))
	})
	t.Run("on a data file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "chatemu.db")
		emu := testkit.Start(t, testkit.WithDataFile(path))
		mixedLoad(t, emu)
		emu.Close()
		e, err := emulator.New(emulator.Config{DataFile: path})
		if err != nil {
			t.Fatalf("the data file does not open after the load: %v", err)
		}
		e.Close()
	})
}

func mixedLoad(t *testing.T, emu *testkit.Server) {
	base := emu.URL()
	snap, err := json.Marshal(must(emu.Emulator().ExportState()))
	if err != nil {
		t.Fatal(err)
	}
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	vendor := []struct{ method, path, contentType, body string }{
		{"POST", "/imbachat/v1/widget/imba_rooms", form, "imba_id=209&login=admin&password=admin&room_id=613&users_ids[0]=%d"},
		{"POST", "/imbachat/v1/widget/imba_rooms", form, "imba_id=209&login=admin&password=admin&room_title=r%d&users_ids[0]=3"},
		{"POST", "/imbachat/v2/627/send_msg", form, "password=secret_key&user_id=1&room_id=1536&message=m%d"},
		{"POST", "/imbachat/v2/627/get_messages", form, "room_id=1536&x=%d"},
		{"POST", "/rest/1/abc/imbot.chat.add", form, "CLIENT_ID=chatemu&USERS[]=2&TITLE=t%d"},
		{"POST", "/rest/1/abc/imbot.chat.updateTitle", form, "CLIENT_ID=chatemu&CHAT_ID=13&TITLE=t%d"},
		{"POST", "/rest/batch", "application/json", `{"auth":"test-access-token","cmd":{"a":"imbot.chat.add?USERS[]=1&TITLE=b%d","b":"imbot.chat.user.list?CHAT_ID=$result[a]"}}`},
		{"GET", "/rest/1/abc/imbot.dialog.get?DIALOG_ID=chat13&x=%d", "", ""},
		{"POST", "/_emulator/imbox/1/conversations/V1/messages", "application/json", `{"sender":"visitor","message":"v%d","at":"2021-01-01T00:00:00Z"}`},
		{"GET", "/message/grabConversation/apiKey/1/V1?x=%d", "", ""},
		{"GET", "/message/chatStatistics/apiKey/1?startTime=2020-01-01T00:00:00.000Z&endTime=2020-12-31T00:00:00.000Z&x=%d", "", ""},
	}
	control := []struct{ method, path, body string }{
		{"POST", "/_emulator/reset", ""},
		{"POST", "/_emulator/seed", `{"imbachat":{"users":[{"id":%d,"imba_id":627,"remote_user_id":"%[1]d","name":"Seeded"}]}}`},
		{"POST", "/_emulator/seed", `{"bitrix24":{"portals":[{"name":"default","users":[{"id":%d,"name":"Seeded"}]}]}}`},
		{"PUT", "/_emulator/state", string(snap)},
		{"GET", "/_emulator/state", ""},
		{"POST", "/_emulator/clock", `{"advance":"%ds"}`},
		{"POST", "/_emulator/scenarios", `{"name":"teapot%d","rules":[{"match":{"operation":"imbachat.get_messages"},"trigger":{"times":1},"action":{"type":"status","status":418}}]}`},
		{"DELETE", "/_emulator/scenarios", ""},
		{"DELETE", "/_emulator/requests", ""},
		{"GET", "/_emulator/requests?limit=%d", ""},
	}

	var fails atomic.Int32
	report := func(format string, args ...any) {
		if fails.Add(1) <= 5 {
			t.Errorf(format, args...)
		}
	}
	do := func(hc *http.Client, method, path, contentType, body string) (int, string) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			report("%v", err)
			return 0, ""
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := hc.Do(req)
		if err != nil {
			report("%s %s: %v", method, path, err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	fill := func(s string, n int) string {
		if strings.Contains(s, "%") {
			return fmt.Sprintf(s, n)
		}
		return s
	}
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{}, Timeout: time.Minute}
			defer hc.CloseIdleConnections()
			for i := 0; i < rounds; i++ {
				v := vendor[(w+i)%len(vendor)]
				n := 100000 + w*1000 + i
				path := v.path
				if strings.Contains(path, "%d") {
					path = fmt.Sprintf(path, n)
				}
				status, body := do(hc, v.method, path, v.contentType, fill(v.body, n))
				if status >= 500 && status != http.StatusServiceUnavailable {
					report("%s %s: %d %s", v.method, path, status, body)
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{}, Timeout: time.Minute}
			defer hc.CloseIdleConnections()
			for i := 0; i < rounds/2; i++ {
				c := control[(w*3+i)%len(control)]
				n := 200000 + w*1000 + i
				path := c.path
				if strings.Contains(path, "%d") {
					path = fmt.Sprintf(path, 1+i)
				}
				body := c.body
				if strings.Contains(body, "%") && !strings.HasPrefix(body, `{"format"`) {
					body = fmt.Sprintf(body, n)
				}
				if status, out := do(hc, c.method, path, "application/json", body); status >= 300 {
					report("%s %s: %d %s", c.method, path, status, out)
				}
			}
		}()
	}
	wg.Wait()
	// The instance still serves every vendor.
	for _, p := range []string{"/imbachat/v2/627/get_rooms", "/rest/1/abc/imbot.chat.user.list?CHAT_ID=13&CLIENT_ID=chatemu", "/message/grabAgents/apiKey/1"} {
		req, _ := http.NewRequest("POST", base+p, nil)
		if strings.HasPrefix(p, "/message/") {
			req.Method = "GET"
		}
		req.SetBasicAuth("627", "secret_key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("after the load %s answers %d", p, resp.StatusCode)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
