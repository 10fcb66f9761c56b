package bitrix24_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestImportWithoutSequences: a snapshot whose sequences are missing
// still leaves every new id above the stored ones: a new chat does not
// replace chat 13, and a new member joins after the members there.
func TestImportWithoutSequences(t *testing.T) {
	t.Parallel()
	srv := start(t)
	code, body := send(t, srv, req{path: "/_emulator/state"})
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, body)
	}
	var snap map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		t.Fatal(err)
	}
	delete(snap, "sequences")
	raw, _ := json.Marshal(snap)
	if code, body := send(t, srv, req{verb: http.MethodPut, path: "/_emulator/state", json: string(raw)}); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
	expect(t, srv, req{path: hook("imbot.chat.add"), form: "CLIENT_ID=chatemu&USERS[]=1&TITLE=New"}, http.StatusOK, ok("14"))
	if got := srv.Bitrix24().Chat(t, 13); got.Title != "Bot chat" {
		t.Errorf("chat 13 is now %q", got.Title)
	}
	expect(t, srv, req{path: hook("imbot.chat.user.add"), form: "CLIENT_ID=chatemu&CHAT_ID=13&USERS[]=3"}, http.StatusOK, ok("true"))
	expect(t, srv, req{path: hook("imbot.chat.user.list"), form: "CLIENT_ID=chatemu&CHAT_ID=13"}, http.StatusOK, ok("[39,1,2,4,3]"))
	if !strings.Contains(body, "bitrix24:default:chat:000000000013") {
		t.Error("the export holds no chat 13")
	}
}
