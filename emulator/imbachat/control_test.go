package imbachat_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

func ctlCall(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestControlRoomView(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)))
	status, body := ctlCall(t, "GET", emu.URL()+"/_emulator/imbachat/widgets/627/rooms/1536", "")
	want := `{"room":{"id":1536,"pipe":"5fdc537000000_1608274800","name":"Chat bot room","admin_id":2046,"type":1,"tab":0,"is_public":0,"created_at":"2020-12-18 07:00:00","updated_at":"2020-12-18 07:00:00","deleted_at":null,"status":0,"imba_id":627},` +
		`"members":[{"id":2046,"remote_user_id":"1","name":"Site admin","role":"admin"}],` +
		`"messages":[{"id":4543,"uuid":"1536-1608275827-Z6Eq1W","message":"api message","time":"1608275827","answer_to":0,"liked":"0","user_id":2046,"room_id":1536}]}`
	if status != 200 || body != want {
		t.Errorf("room view:\n%d %s\nwant\n%s", status, body, want)
	}
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"/_emulator/imbachat/widgets/209/rooms/1536", `{"error":"Room 1536 not found in widget 209"}`, 404},
		{"/_emulator/imbachat/widgets/627/rooms/x", `{"error":"The room_id parameter is invalid: expected a positive integer, got \"x\""}`, 422},
	} {
		if status, body := ctlCall(t, "GET", emu.URL()+c.path, ""); status != c.status || body != c.want {
			t.Errorf("%s: %d %s", c.path, status, body)
		}
	}
}

func TestControlUserWrites(t *testing.T) {
	t.Parallel()
	at := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)
	emu := testkit.Start(t, testkit.WithClock(at))
	u := emu.URL() + "/_emulator/imbachat/widgets/627/rooms/1314/messages"
	status, body := ctlCall(t, "POST", u, `{"user_id":"2","message":"hello from the widget","time":"2021-02-28 09:30:00"}`)
	var m struct {
		ID     int64  `json:"id"`
		Time   string `json:"time"`
		UserID int64  `json:"user_id"`
	}
	if status != 201 || json.Unmarshal([]byte(body), &m) != nil || m.ID != 4544 || m.Time != "1614504600" || m.UserID != 2157 {
		t.Fatalf("write: %d %s", status, body)
	}
	for _, c := range []struct{ body, want string }{
		{`{"user_id":"3","message":"x"}`, `{"error":"User 3 not found in widget 627"}`},
		{`{"user_id":"1","message":""}`, `{"error":"The message parameter is required"}`},
		{`{"message":"x"}`, `{"error":"The user_id parameter is required"}`},
		{`{"user_id":"99","message":"x"}`, `{"error":"User 99 not found in widget 627"}`},
		{`{"user_id":"1","message":"x","time":"yesterday"}`, `{"error":"The time parameter is invalid: expected \"2006-01-02 15:04:05\", got \"yesterday\""}`},
	} {
		if _, got := ctlCall(t, "POST", u, c.body); got != c.want {
			t.Errorf("%s: %s, want %s", c.body, got, c.want)
		}
	}
	if status, got := ctlCall(t, "POST", emu.URL()+"/_emulator/imbachat/widgets/627/rooms/1536/messages", `{"user_id":"2","message":"x"}`); status != 403 || got != `{"error":"User 2 is not a member of room 1536"}` {
		t.Errorf("not a member: %d %s", status, got)
	}
	// A member of another widget's room writes there.
	if status, got := ctlCall(t, "POST", emu.URL()+"/_emulator/imbachat/widgets/209/rooms/613/messages", `{"user_id":"3","message":"x"}`); status != 201 {
		t.Errorf("member of 613 writes: %d %s", status, got)
	}

	// The API sees it, and the last message date moved to that day.
	emu.ImbaChat().Write(t, 627, 1314, "1", "and the admin answers")
	view := emu.ImbaChat().Room(t, 627, 1314)
	if len(view.Messages) != 2 || view.Messages[1].Message != "and the admin answers" || view.Messages[1].Time != "1614600000" {
		t.Errorf("messages: %+v", view.Messages)
	}
	req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/627/get_rooms", strings.NewReader("last_message_date=2021-03-01"))
	req.SetBasicAuth("627", "secret_key")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"id":1314`) || strings.Count(string(b), `"pipe"`) != 1 {
		t.Errorf("get_rooms by the new last message date: %s", b)
	}
}

func TestReviewFixes(t *testing.T) {
	t.Parallel()
	at := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)
	emu := testkit.Start(t, testkit.WithClock(at), testkit.WithSeedData([]byte(`{"imbachat":{
		"users":[{"id":9001,"imba_id":627,"remote_user_id":"90","deleted_at":"2021-01-01 00:00:00"},
		         {"id":9002,"imba_id":627,"remote_user_id":"91","banned":true}],
		"rooms":[{"id":9100,"imba_id":627,"name":"Seeded","type":0,"members":[9001,9002,2046]}],
		"messages":[{"id":9200,"room_id":9100,"user_id":2046,"message":"hello","time":"2021-02-01 00:00:00"}]}}`)))
	post := func(path, body string, header ...string) (int, string) {
		req, _ := http.NewRequest("POST", emu.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		if len(header) == 0 {
			req.SetBasicAuth("627", "secret_key")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// A deleted user's token reads no messages, as it reads no rooms.
	tok := emu.ImbaChatUserToken(t, "secret_key", 90, time.Hour)
	for _, op := range []string{"get_messages", "get_rooms"} {
		if st, body := post("/imbachat/v2/627/"+op, "", "JWT", tok); st != 200 || body != `{"success":"true","data":[],"code":200}` {
			t.Errorf("%s with a deleted user's token: %d %s", op, st, body)
		}
	}

	// With two bad filters the first in documented order is reported, every time.
	for i := 0; i < 20; i++ {
		if _, body := post("/imbachat/v2/627/get_rooms", "count_users=x&room_type=y&status=z"); body != `{"success":false,"code":422,"message":"The room_type parameter is invalid: expected an integer, got \"y\"","data":[]}` {
			t.Fatalf("try %d: %s", i, body)
		}
	}

	// A user writing through the widget follows send_msg's rules.
	st, body := ctlCall(t, "POST", emu.URL()+"/_emulator/imbachat/widgets/627/rooms/9100/messages", `{"user_id":"91","message":"x"}`)
	if st != 403 || body != `{"error":"User 91 is banned"}` {
		t.Errorf("banned user writes: %d %s", st, body)
	}
}

// The tenant a request claims is read as auth reads it: /v2/0627/ claims widget:627.
func TestClaimedTenantIsNormalized(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	emu.ActivateScenario(t, []byte(`{"name":"w627","rules":[{"match":{"tenant":"widget:627"},"action":{"type":"status","status":503}}]}`))
	req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/0627/get_rooms", nil)
	req.SetBasicAuth("627", "secret_key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("a rule for widget:627 must match /v2/0627/: %d", resp.StatusCode)
	}
}
