package emulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// issueLoad is the issue's load: 50 clients each making 200 distinct
// changes to the same chat at once (10,000 in all). -short runs 10 x 100.
func issueLoad() (clients, perClient int) {
	if testing.Short() {
		return 10, 100
	}
	return 50, 200
}

// sharedLoad is the load of the other vendors' tests: the same 50 clients
// at once on one room or conversation, with fewer changes each (the issue
// gives its numbers for the Bitrix24 chat), which keeps the race-enabled
// run short.
func sharedLoad() (clients, perClient int) {
	if testing.Short() {
		return 10, 20
	}
	return 50, 30
}

// hammer runs clients goroutines, each calling do(client, i) for i below
// perClient over its own keep-alive connection, and fails the test with the
// first few errors.
func hammer(t *testing.T, clients, perClient int, do func(hc *http.Client, client, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr, Timeout: time.Minute}
			for i := 0; i < perClient; i++ {
				if err := do(hc, c, i); err != nil {
					errs <- fmt.Errorf("client %d call %d: %w", c, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Fatalf("%d of %d clients failed", n, clients)
	}
	t.Logf("%d clients x %d calls in %v", clients, perClient, time.Since(start).Round(time.Millisecond))
}

// send posts a body and returns the answer, failing on any status but want.
func send(hc *http.Client, method, u, contentType, body string, want int, header ...string) ([]byte, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: status %d, want %d: %s", method, u, resp.StatusCode, want, b)
	}
	return b, nil
}

const form = "application/x-www-form-urlencoded"

// TestConcurrentBitrix24ChatUserAdd: 50 clients x 200 distinct
// imbot.chat.user.add calls on one chat leave exactly the fixture members
// and those 10,000 users, each once.
func TestConcurrentBitrix24ChatUserAdd(t *testing.T) {
	t.Parallel()
	clients, per := issueLoad()
	emu := testkit.Start(t)
	const first = 100000 // seeded user ids start here
	var users []string
	for i := 0; i < clients*per; i++ {
		users = append(users, fmt.Sprintf(`{"id":%d,"name":"Load %d"}`, first+i, i))
	}
	emu.Seed(t, []byte(`{"bitrix24":{"portals":[{"name":"default","users":[`+strings.Join(users, ",")+`]}]}}`))
	before := emu.Bitrix24().Chat(t, 13).Members

	hammer(t, clients, per, func(hc *http.Client, c, i int) error {
		uid := first + c*per + i
		body, err := send(hc, "POST", emu.Bitrix24WebhookURL()+"imbot.chat.user.add", form,
			fmt.Sprintf("CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=%d", uid), http.StatusOK)
		if err == nil && !bytes.HasPrefix(body, []byte(`{"result":true`)) {
			err = fmt.Errorf("user %d: %s", uid, body)
		}
		return err
	})

	body, err := send(http.DefaultClient, "GET", emu.Bitrix24WebhookURL()+"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=13", "", "", http.StatusOK)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Result []int64 `json:"result"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{}
	for _, m := range before {
		want[m] = true
	}
	for i := 0; i < clients*per; i++ {
		want[int64(first+i)] = true
	}
	assertExactly(t, "chat 13 members", list.Result, want)
}

// TestConcurrentImbaChatRoomMembers: 50 clients x 30 imba_rooms calls,
// each adding one distinct site user to room 613, leave the room with its
// two fixture members and exactly those 1,500 users, each created once.
func TestConcurrentImbaChatRoomMembers(t *testing.T) {
	t.Parallel()
	clients, per := sharedLoad()
	emu := testkit.Start(t)
	const first = 100000 // remote (site) user ids
	hammer(t, clients, per, func(hc *http.Client, c, i int) error {
		body, err := send(hc, "POST", emu.ImbaChatURL()+"/imbachat/v1/widget/imba_rooms", form,
			fmt.Sprintf("imba_id=209&login=admin&password=admin&room_id=613&users_ids[0]=%d", first+c*per+i), http.StatusOK)
		if err == nil && !bytes.Contains(body, []byte(`"room_id":"613"`)) {
			err = fmt.Errorf("%s", body)
		}
		return err
	})

	var room struct {
		Members []int64 `json:"members"`
	}
	docs := exportState(t, emu)
	if err := json.Unmarshal(docs["imbachat:room:000000000613"], &room); err != nil {
		t.Fatal(err)
	}
	// The members are internal user ids: map the site ids back.
	internal := map[string]int64{}
	for key, raw := range docs {
		if !strings.HasPrefix(key, "imbachat:user:") {
			continue
		}
		var u struct {
			ID     int64  `json:"id"`
			ImbaID int64  `json:"imba_id"`
			Remote string `json:"remote_user_id"`
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		if u.ImbaID != 209 {
			continue
		}
		if prev, dup := internal[u.Remote]; dup {
			t.Errorf("site user %s created twice (ids %d and %d)", u.Remote, prev, u.ID)
		}
		internal[u.Remote] = u.ID
	}
	want := map[int64]bool{2201: true, 2202: true}
	for i := 0; i < clients*per; i++ {
		id, ok := internal[fmt.Sprint(first+i)]
		if !ok {
			t.Fatalf("site user %d was never created", first+i)
		}
		want[id] = true
	}
	assertExactly(t, "room 613 members", room.Members, want)
}

// TestConcurrentImbaChatSendMsg: 50 clients x 30 send_msg into one room
// are all listed by get_messages, each once, with distinct ids and uuids.
func TestConcurrentImbaChatSendMsg(t *testing.T) {
	t.Parallel()
	clients, per := sharedLoad()
	emu := testkit.Start(t)
	hammer(t, clients, per, func(hc *http.Client, c, i int) error {
		_, err := send(hc, "POST", emu.ImbaChatURL()+"/imbachat/v2/627/send_msg", form,
			fmt.Sprintf("user_id=1&room_id=1536&message=c%d-m%d", c, i), http.StatusOK, "Authorization", "Basic NjI3OnNlY3JldF9rZXk=")
		return err
	})

	body, err := send(http.DefaultClient, "POST", emu.ImbaChatURL()+"/imbachat/v2/627/get_messages", form, "room_id=1536",
		http.StatusOK, "Authorization", "Basic NjI3OnNlY3JldF9rZXk=")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct {
			ID      int64  `json:"id"`
			UUID    string `json:"uuid"`
			Message string `json:"message"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	texts, ids, uuids := map[string]int{}, map[int64]bool{}, map[string]bool{}
	for _, m := range list.Data {
		texts[m.Message]++
		if ids[m.ID] || uuids[m.UUID] {
			t.Errorf("message id %d or uuid %s given twice", m.ID, m.UUID)
		}
		ids[m.ID], uuids[m.UUID] = true, true
	}
	if len(list.Data) != clients*per+1 || texts["api message"] != 1 {
		t.Errorf("room 1536 lists %d messages, want %d and the fixture's", len(list.Data), clients*per)
	}
	for c := 0; c < clients; c++ {
		for i := 0; i < per; i++ {
			if n := texts[fmt.Sprintf("c%d-m%d", c, i)]; n != 1 {
				t.Fatalf("message c%d-m%d listed %d times", c, i, n)
			}
		}
	}
}

// TestConcurrentImBoxDeskMessages: 50 clients x 30 visitor and agent
// messages posted into one conversation through the desk control routes
// are all in grabConversation, each once, with distinct ids.
func TestConcurrentImBoxDeskMessages(t *testing.T) {
	t.Parallel()
	clients, per := sharedLoad()
	emu := testkit.Start(t)
	conv := emu.URL() + "/_emulator/imbox/1/conversations/V1/messages"
	hammer(t, clients, per, func(hc *http.Client, c, i int) error {
		body := fmt.Sprintf(`{"sender":"visitor","message":"c%d-m%d","at":"2020-01-02T00:00:00Z"}`, c, i)
		if i%2 == 1 {
			body = fmt.Sprintf(`{"sender":"agent","agentID":%d,"message":"c%d-m%d","at":"2020-01-02T00:00:00Z"}`, 1+c%2, c, i)
		}
		_, err := send(hc, "POST", conv, "application/json", body, http.StatusCreated)
		return err
	})

	body, err := send(http.DefaultClient, "GET", emu.ImBoxURL()+"/message/grabConversation/apiKey/1/V1", "", "", http.StatusOK)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		JSON []struct {
			ID      int64  `json:"id"`
			Message string `json:"message"`
		} `json:"json"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	texts, ids := map[string]int{}, map[int64]bool{}
	for _, m := range got.JSON {
		texts[m.Message]++
		if ids[m.ID] {
			t.Errorf("message id %d given twice", m.ID)
		}
		ids[m.ID] = true
	}
	if len(got.JSON) != clients*per+4 {
		t.Errorf("V1 holds %d messages, want %d and the fixtures' 4", len(got.JSON), clients*per)
	}
	for c := 0; c < clients; c++ {
		for i := 0; i < per; i++ {
			if n := texts[fmt.Sprintf("c%d-m%d", c, i)]; n != 1 {
				t.Fatalf("message c%d-m%d listed %d times", c, i, n)
			}
		}
	}
}

// exportState returns the instance's stored documents by key.
func exportState(t *testing.T, emu *testkit.Server) map[string]json.RawMessage {
	t.Helper()
	snap, err := emu.Emulator().ExportState()
	if err != nil {
		t.Fatal(err)
	}
	return snap.Documents
}

// assertExactly fails unless got holds each id of want exactly once and
// nothing else.
func assertExactly(t *testing.T, what string, got []int64, want map[int64]bool) {
	t.Helper()
	seen := map[int64]bool{}
	var dup, extra []int64
	for _, id := range got {
		if seen[id] {
			dup = append(dup, id)
		}
		seen[id] = true
		if !want[id] {
			extra = append(extra, id)
		}
	}
	var missing []int64
	for id := range want {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
	if len(dup)+len(extra)+len(missing) > 0 || len(got) != len(want) {
		t.Errorf("%s: %d, want %d; duplicated %v, unexpected %v, missing %d (first %v)",
			what, len(got), len(want), head(dup), head(extra), len(missing), head(missing))
	}
}

func head(ids []int64) []int64 {
	if len(ids) > 10 {
		return ids[:10]
	}
	return ids
}
