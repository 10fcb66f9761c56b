package imbachat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// form posts fields to an ImbaChat path, with Basic widget credentials for
// the v2 paths, and returns the status and the body.
func form(t *testing.T, emu *testkit.Server, path string, fields url.Values, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", emu.URL()+path, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if strings.HasPrefix(path, "/imbachat/v2/209/") && len(header) == 0 {
		req.SetBasicAuth("209", "secret_key")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := emu.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSnapshotSequencesBehind imports the fixtures' own state with its id
// sequences missing or far behind the stored ids: new rooms, users and
// messages must still get ids above every stored one, never replacing a
// row.
func TestSnapshotSequencesBehind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		seqs map[string]int64 // nil: no "sequences" at all
	}{
		{"missing", nil},
		{"behind", map[string]int64{"imbachat:room": 612, "imbachat:user": 2200, "imbachat:message": 4542}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t, testkit.WithClock(time.Date(2024, 3, 5, 12, 34, 56, 0, time.UTC)))
			status, body := ctlCall(t, "GET", emu.URL()+"/_emulator/state", "")
			if status != 200 {
				t.Fatalf("export: %d %s", status, body)
			}
			var snap map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &snap); err != nil {
				t.Fatal(err)
			}
			delete(snap, "sequences")
			if tc.seqs != nil {
				snap["sequences"], _ = json.Marshal(tc.seqs)
			}
			raw, _ := json.Marshal(snap)
			if status, body := ctlCall(t, "PUT", emu.URL()+"/_emulator/state", string(raw)); status != 200 {
				t.Fatalf("import: %d %s", status, body)
			}
			_, before := ctlCall(t, "GET", emu.URL()+"/_emulator/imbachat/widgets/209/rooms/613", "")

			status, body = form(t, emu, "/imbachat/v1/widget/imba_rooms", url.Values{"imba_id": {"209"}, "login": {"admin"},
				"password": {"admin"}, "room_title": {"After import"}, "users_ids[0]": {"3"}, "users_ids[1]": {"99"}})
			if want := `{"code":200,"message":"Success","data":[{"success":true,"roomId":1854,"room_id":1854}]}`; status != 200 || body != want {
				t.Errorf("create: %d %s\nwant %s", status, body, want)
			}
			if _, after := ctlCall(t, "GET", emu.URL()+"/_emulator/imbachat/widgets/209/rooms/613", ""); after != before {
				t.Errorf("room 613 changed:\n%s\nwas\n%s", after, before)
			}
			_, body = ctlCall(t, "GET", emu.URL()+"/_emulator/imbachat/widgets/209/rooms/1854", "")
			if want := `"members":[{"id":2201,"remote_user_id":"3","name":"Site user 3","role":"admin"},{"id":2203,"remote_user_id":"99","name":"User 99","role":"user"}]`; !strings.Contains(body, want) {
				t.Errorf("new room: %s\nwant members %s", body, want)
			}
			status, body = ctlCall(t, "POST", emu.URL()+"/_emulator/imbachat/widgets/627/rooms/1536/messages", `{"user_id":"1","message":"after import"}`)
			if status != 201 || !strings.HasPrefix(body, `{"id":4544,`) {
				t.Errorf("message: %d %s", status, body)
			}
			_, body = ctlCall(t, "GET", emu.URL()+"/_emulator/imbachat/widgets/627/rooms/1536", "")
			if !strings.Contains(body, `"message":"api message"`) || !strings.Contains(body, `"message":"after import"`) {
				t.Errorf("room 1536 lost a message: %s", body)
			}
		})
	}
}

// TestLargeRoomMembers grows a room past the size where its members are
// kept as a set as well as a list: membership, counts and order must read
// the same as for a small room, and repeated ids must not be added twice.
func TestLargeRoomMembers(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithClock(time.Date(2024, 3, 5, 12, 34, 56, 0, time.UTC)))
	site := url.Values{"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"}}
	add := func(ids ...int) url.Values {
		v := url.Values{}
		for k, vs := range site {
			v[k] = vs
		}
		for i, id := range ids {
			v.Set(fmt.Sprintf("users_ids[%d]", i), fmt.Sprint(id))
		}
		return v
	}
	var first []int
	for id := 100; id < 130; id++ {
		first = append(first, id)
	}
	status, body := form(t, emu, "/imbachat/v1/widget/imba_rooms", add(first...))
	if status != 200 || !strings.Contains(body, `"room_id":1854`) {
		t.Fatalf("create: %d %s", status, body)
	}
	// 30 members, then 38 (past the set's threshold), then 42 with repeats.
	for _, ids := range [][]int{{130, 131, 132, 133, 134, 135, 136, 137}, {100, 137, 138, 139, 140, 3}} {
		r := add(ids...)
		r.Set("room_id", "1854")
		if status, body := form(t, emu, "/imbachat/v1/widget/imba_rooms", r); status != 200 || !strings.Contains(body, `"room_id":"1854"`) {
			t.Fatalf("add %v: %d %s", ids, status, body)
		}
	}
	status, body = form(t, emu, "/imbachat/v2/209/get_rooms", url.Values{"count_users": {"42"}})
	if status != 200 || !strings.Contains(body, `"id":1854,`) {
		t.Errorf("count_users=42: %d %s", status, body)
	}
	_, body = ctlCall(t, "GET", emu.URL()+"/_emulator/imbachat/widgets/209/rooms/1854", "")
	var view struct {
		Members []struct {
			RemoteUserID string `json:"remote_user_id"`
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range view.Members {
		got = append(got, m.RemoteUserID)
	}
	for id := 100; id <= 140; id++ {
		want = append(want, fmt.Sprint(id))
	}
	want = append(want, "3")
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("members:\n%v\nwant\n%v", got, want)
	}
	for _, c := range []struct {
		user   string
		status int
	}{{"140", 200}, {"3", 200}, {"125", 200}, {"4", 403}} {
		status, body := form(t, emu, "/imbachat/v2/209/send_msg", url.Values{"user_id": {c.user}, "room_id": {"1854"}, "message": {"hi"}})
		if status != c.status {
			t.Errorf("user %s writes: %d %s", c.user, status, body)
		}
	}
	token := emu.ImbaChatUserToken(t, "secret_key", 138, time.Hour)
	status, body = form(t, emu, "/imbachat/v2/209/get_rooms", url.Values{}, "JWT", token)
	if status != 200 || !strings.Contains(body, `"id":1854,`) || strings.Contains(body, `"id":613,`) {
		t.Errorf("rooms of user 138: %d %s", status, body)
	}
	token = emu.ImbaChatUserToken(t, "secret_key", 4, time.Hour)
	if status, body = form(t, emu, "/imbachat/v2/209/get_rooms", url.Values{}, "JWT", token); status != 200 || strings.Contains(body, `"id":1854,`) {
		t.Errorf("rooms of user 4: %d %s", status, body)
	}
}

// TestStateWrittenBeforeModelLoads imports a snapshot exported by the
// ImbaChat that kept its documents in the store (after creating rooms, a
// new user, members and messages): every document and sequence must read
// back byte for byte, and the ids go on from there.
func TestStateWrittenBeforeModelLoads(t *testing.T) {
	t.Parallel()
	old, err := os.ReadFile("testdata/state-written-before-model.json")
	if err != nil {
		t.Fatal(err)
	}
	emu := testkit.Start(t, testkit.WithClock(time.Date(2024, 3, 6, 9, 0, 0, 0, time.UTC)))
	if status, body := ctlCall(t, "PUT", emu.URL()+"/_emulator/state", string(old)); status != 200 {
		t.Fatalf("import: %d %s", status, body)
	}
	type snapshot struct {
		Documents map[string]json.RawMessage `json:"documents"`
		Sequences map[string]int64           `json:"sequences"`
	}
	var want, got snapshot
	if err := json.Unmarshal(old, &want); err != nil {
		t.Fatal(err)
	}
	_, body := ctlCall(t, "GET", emu.URL()+"/_emulator/state", "")
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	for key, doc := range want.Documents {
		var w bytes.Buffer
		if err := json.Compact(&w, doc); err != nil {
			t.Fatal(err)
		}
		if string(got.Documents[key]) != w.String() {
			t.Errorf("%s:\n%s\nwant\n%s", key, got.Documents[key], w.String())
		}
	}
	for name, n := range want.Sequences {
		if got.Sequences[name] != n {
			t.Errorf("sequence %s = %d, want %d", name, got.Sequences[name], n)
		}
	}
	status, body := form(t, emu, "/imbachat/v1/widget/imba_rooms", url.Values{"imba_id": {"209"}, "login": {"admin"},
		"password": {"admin"}, "room_pipe": {"Public_12"}, "users_ids[0]": {"4"}})
	if want := `{"code":200,"message":"Success","data":[{"error":false,"success":true,"room_id":"1855"}]}`; status != 200 || body != want {
		t.Errorf("add to the room by pipe: %d %s\nwant %s", status, body, want)
	}
	status, body = form(t, emu, "/imbachat/v2/209/send_msg", url.Values{"user_id": {"4"}, "room_id": {"1855"}, "message": {"next"}})
	if status != 200 || !strings.Contains(body, `"id":4546,`) {
		t.Errorf("send_msg: %d %s", status, body)
	}
	status, body = form(t, emu, "/imbachat/v1/widget/imba_rooms", url.Values{"imba_id": {"209"}, "login": {"admin"},
		"password": {"admin"}, "room_pipe": {"public_12"}})
	if want := `{"code":200,"message":"Success","data":[{"success":true,"roomId":1856,"room_id":1856}]}`; status != 200 || body != want {
		t.Errorf("a pipe in other case is another room: %d %s\nwant %s", status, body, want)
	}
}
