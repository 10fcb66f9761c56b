package imbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// snapshot is the part of a /_emulator/state snapshot these tests read.
type snapshot struct {
	Format    string                     `json:"format"`
	Documents map[string]json.RawMessage `json:"documents"`
	Sequences map[string]int64           `json:"sequences,omitempty"`
}

func exportState(t *testing.T, emu *testkit.Server) snapshot {
	t.Helper()
	a := send(t, emu, http.MethodGet, "/_emulator/state", "", "")
	if a.status != http.StatusOK {
		t.Fatalf("export: %d %s", a.status, a.body)
	}
	var snap snapshot
	if err := json.Unmarshal([]byte(a.body), &snap); err != nil {
		t.Fatal(err)
	}
	return snap
}

// A snapshot whose ImBox sequences are missing or behind its documents
// imports, and later creates take ids above every stored one: no
// conversation or message is replaced, and new messages are recorded after
// the stored ones.
func TestImportWithoutSequencesKeepsRows(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"missing", "behind"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			snap := exportState(t, emu)
			if name == "missing" {
				snap.Sequences = nil
			} else {
				for k := range snap.Sequences {
					if strings.HasPrefix(k, "imbox:") {
						snap.Sequences[k] = 1
					}
				}
			}
			body, _ := json.Marshal(snap)
			if a := send(t, emu, http.MethodPut, "/_emulator/state", "application/json", string(body)); a.status != http.StatusOK {
				t.Fatalf("import: %d %s", a.status, a.body)
			}
			mustControl(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations",
				`{"conversationID":"VNEW","page":"https://example.org/new","at":"2024-01-01T00:00:00Z"}`, http.StatusCreated)
			mustControl(t, emu, http.MethodPost, "/_emulator/imbox/1/conversations/VNEW/messages",
				`{"sender":"visitor","message":"new","at":"2024-01-01T00:00:01Z"}`, http.StatusCreated)

			after := exportState(t, emu)
			maxPos := int64(0)
			for key, raw := range snap.Documents {
				if !strings.HasPrefix(key, "imbox:") {
					continue
				}
				if got := after.Documents[key]; string(got) != string(raw) {
					t.Errorf("%s was changed by a create:\nbefore %s\nafter  %s", key, raw, got)
				}
				var m struct{ Pos int64 }
				if strings.HasPrefix(key, "imbox:message:") && json.Unmarshal(raw, &m) == nil && m.Pos > maxPos {
					maxPos = m.Pos
				}
			}
			added := map[string]int{}
			for key, raw := range after.Documents {
				if _, old := snap.Documents[key]; old || !strings.HasPrefix(key, "imbox:") {
					continue
				}
				added[key[:strings.LastIndexByte(key, ':')]]++
				var m struct{ Pos int64 }
				if strings.HasPrefix(key, "imbox:message:") && json.Unmarshal(raw, &m) == nil && m.Pos <= maxPos {
					t.Errorf("new message %s has pos %d, not after the stored ones (up to %d)", key, m.Pos, maxPos)
				}
			}
			if added["imbox:conversation"] != 1 || added["imbox:message"] != 2 {
				t.Errorf("added %v, want one conversation and two messages", added)
			}
			a := get(t, emu, "grabConversation", "/message/grabConversation/apiKey/1/VNEW")
			if a.status != http.StatusOK || strings.Count(a.body, `"conversationID":"VNEW"`) != 2 {
				t.Errorf("grabConversation VNEW: %d %s", a.status, a.body)
			}
		})
	}
}
