package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
)

// TestDataFileWrittenBeforeTheModelsLoads: testdata/datafile-v1.buntdb was
// written by chatemu before state became typed models (buntdb holding the
// documents and their JSON indexes): the default fixtures, then an
// ImbaChat room and message, a Bitrix24 chat, member and title change, an
// ImBox conversation, message and rating. Its export at the time is
// testdata/datafile-v1.state.json. Today's chatemu opens the file, holds
// exactly those documents (byte for byte) and sequences, answers from them
// and carries on numbering above them.
func TestDataFileWrittenBeforeTheModelsLoads(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/datafile-v1.buntdb")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v1.db")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var want emulator.Snapshot
	wantRaw, _ := os.ReadFile("testdata/datafile-v1.state.json")
	if err := json.Unmarshal(wantRaw, &want); err != nil {
		t.Fatal(err)
	}
	e, err := emulator.New(emulator.Config{DataFile: path})
	if err != nil {
		t.Fatalf("opening a data file of the document store: %v", err)
	}
	defer e.Close()
	got, err := e.ExportState()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Documents) != len(want.Documents) {
		t.Errorf("%d documents, want %d", len(got.Documents), len(want.Documents))
	}
	// The same bytes but for HTML escapes (the export was rendered without
	// them, as the control plane renders every answer).
	unescaped := strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">")
	for key, w := range want.Documents {
		var compact bytes.Buffer
		json.Compact(&compact, w)
		if g := unescaped.Replace(string(got.Documents[key])); g != compact.String() {
			t.Errorf("%s:\n got %s\nwant %s", key, g, compact.Bytes())
		}
	}
	for name, n := range want.Sequences {
		if got.Sequences[name] != n {
			t.Errorf("sequence %s: %d, want %d", name, got.Sequences[name], n)
		}
	}

	srv := httptest.NewServer(e)
	defer srv.Close()
	answer := func(req *http.Request) string {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	list, _ := http.NewRequest(http.MethodGet, srv.URL+"/rest/1/abc/imbot.chat.user.list?CHAT_ID=13&CLIENT_ID=chatemu", nil)
	if b := answer(list); !strings.HasPrefix(b, `{"result":[39,1,2,4,3],`) {
		t.Errorf("members of chat 13 (user 3 joined last): %s", b)
	}
	create, _ := http.NewRequest(http.MethodPost, srv.URL+"/imbachat/v1/widget/imba_rooms",
		strings.NewReader("imba_id=209&login=admin&password=admin&room_type=1&room_title=Next&users_ids[0]=3"))
	create.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b := answer(create); !strings.Contains(b, `"roomId":1855`) {
		t.Errorf("a room after the stored 1854: %s", b)
	}
	conv, _ := http.NewRequest(http.MethodGet, srv.URL+"/message/grabConversation/apiKey/1/V42", nil)
	if b := answer(conv); !strings.Contains(b, "Do you ship to Norway?") {
		t.Errorf("the stored ImBox conversation: %s", b)
	}
}
