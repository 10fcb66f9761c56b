package emulator_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// TestBitrix24ChatWithMemberList: a chat document that still holds its
// members as a list (as data files and state exports did before members
// became documents of their own) is read as it is, and the first change of
// membership turns the list into member documents, order kept.
func TestBitrix24ChatWithMemberList(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	docs, seqs := stateDocs(t, emu.URL())
	const chatKey = "bitrix24:default:chat:000000000013"
	var chat map[string]any
	if err := json.Unmarshal(docs[chatKey], &chat); err != nil {
		t.Fatal(err)
	}
	if _, ok := chat["members"]; ok {
		t.Fatalf("chat 13 is stored with its members: %s", docs[chatKey])
	}
	for key := range docs {
		if strings.HasPrefix(key, "bitrix24:default:chatuser:000000000013:") {
			delete(docs, key)
		}
	}
	chat["members"] = []int64{4, 39, 2, 1}
	docs[chatKey], _ = json.Marshal(chat)
	body, _ := json.Marshal(map[string]any{"format": "chatemu-state/1", "documents": docs, "sequences": seqs})
	req, _ := http.NewRequest(http.MethodPut, emu.URL()+"/_emulator/state", strings.NewReader(string(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("state import: %d", resp.StatusCode)
	}

	list := func() []int64 {
		t.Helper()
		raw, err := send(http.DefaultClient, "GET", emu.Bitrix24WebhookURL()+"imbot.chat.user.list?CLIENT_ID=chatemu&CHAT_ID=13", "", "", http.StatusOK)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Result []int64 `json:"result"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out.Result
	}
	if got, want := list(), []int64{4, 39, 2, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("members from the list: %v, want %v", got, want)
	}
	if _, err := send(http.DefaultClient, "POST", emu.Bitrix24WebhookURL()+"imbot.chat.user.add", form,
		"CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=3", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	want := []int64{4, 39, 2, 1, 3}
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("members after an addition: %v, want %v", got, want)
	}
	if got := emu.Bitrix24().Chat(t, 13).Members; !reflect.DeepEqual(got, want) {
		t.Fatalf("control view: %v, want %v", got, want)
	}
	docs, _ = stateDocs(t, emu.URL())
	if strings.Contains(string(docs[chatKey]), `"members"`) {
		t.Errorf("chat 13 still holds a member list: %s", docs[chatKey])
	}
	n := 0
	for key := range docs {
		if strings.HasPrefix(key, "bitrix24:default:chatuser:000000000013:") {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("%d member documents for chat 13, want %d", n, len(want))
	}
}
