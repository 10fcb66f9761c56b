package emulator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/testkit"
	"github.com/tidwall/buntdb"
)

// TestImportRefusesDocumentsVendorsCannotRead: a snapshot holding a
// document its vendor could not decode, or a key the vendor never writes,
// is 400 naming the key and changes nothing; before the check such a
// snapshot was imported and the vendor answered 500 from then on.
func TestImportRefusesDocumentsVendorsCannotRead(t *testing.T) {
	t.Parallel()
	cases := []struct{ key, doc, reason string }{
		{"imbachat:widget:000000000627", `{"imba_id":"627","secret_key":"secret_key"}`, "imba_id: JSON string, want int64"},
		{"imbachat:room:000000001536", `{"id":1536,"members":"2046"}`, "members: JSON string, want []int64"},
		{"imbachat:message:000000004543", `null`, "want a JSON object"},
		{"imbachat:room:1536", `{"id":1536}`, "not a key the vendor writes"},
		{"imbachat:thing:000000000001", `{}`, "not a key the vendor writes"},
		{"bitrix24:portals", `{"name":"default"}`, "want a JSON array"},
		{"bitrix24:portal:default", `{"name":"default","webhooks":{"user_id":1}}`, "webhooks: JSON object, want []bitrix24.webhook"},
		{"bitrix24:default:chat:000000000013", `[39,1]`, "want a JSON object"},
		{"bitrix24:default:chat:000000000013", `{"id":13,"members":[39,"one"]}`, "members: JSON string, want int64"},
		{"bitrix24:default:chatuser:000000000013:000000000001", `{"portal":"default","chat_id":13,"user_id":2,"order":1}`, "stored under the key"},
		{"bitrix24:default:chatuser:000000000013:000000000001", `{"portal":"default","chat_id":"13"}`, "chat_id: JSON string, want int64"},
		{"bitrix24:default:chatuser:13:1", `{}`, "not a key the vendor writes"},
		{"bitrix24:default:session:000000000001", `{"id":1,"history":{}}`, "history: JSON object, want []bitrix24.sessionEvent"},
		{"bitrix24:default:gadget:000000000001", `{}`, "not a key the vendor writes"},
		{"bitrix24:token:test-access-token", `{"expires_at":"tomorrow"}`, "tomorrow"},
		{"imbox:conversation:000000000001", `{"id":1,"tags":[{"type":"one"}]}`, "tags.type: JSON string, want int"},
		{"imbox:account:x", `{"sid":1}`, "not a key the vendor writes"},
		{"nobody:thing:000000000001", `{}`, `no vendor "nobody"`},
	}
	for _, tc := range cases {
		t.Run(tc.key+" "+tc.doc, func(t *testing.T) {
			t.Parallel()
			emu := testkit.Start(t)
			before, seqs := stateDocs(t, emu.URL())
			snap := map[string]any{"format": "chatemu-state/1", "documents": map[string]json.RawMessage{tc.key: json.RawMessage(tc.doc)}}
			body, _ := json.Marshal(snap)
			req, _ := http.NewRequest(http.MethodPut, emu.URL()+"/_emulator/state", strings.NewReader(string(body)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Error string `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != 400 || !strings.Contains(e.Error, `"`+tc.key+`"`) || !strings.Contains(e.Error, tc.reason) {
				t.Errorf("got %d %q, want 400 naming the key and %q", resp.StatusCode, e.Error, tc.reason)
			}
			after, seqsAfter := stateDocs(t, emu.URL())
			if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(seqs, seqsAfter) {
				t.Error("a refused snapshot changed the state")
			}
		})
	}
}

// exerciseAll makes every vendor write every kind of document it has: the
// fixtures hold most; a rate-limited portal fills a bucket, an OAuth
// refresh writes tokens, an open channel message a weekly limit, and so on.
func exerciseAll(t *testing.T, base string) {
	t.Helper()
	seed := `{"bitrix24":{"portals":[{"name":"limited","rate_limit":{"enabled":true,"burst":50,"drain_per_second":1},
		"webhooks":[{"user_id":1,"code":"lim","scopes":["imbot","imopenlines"]}],"users":[{"id":1}]}]}}`
	calls := []struct{ method, path, contentType, body string }{
		{"POST", "/_emulator/seed", "application/json", seed},
		{"POST", "/rest/1/lim/imopenlines.revision.get", "", ""},
		{"POST", "/oauth/token/", "application/x-www-form-urlencoded", "grant_type=refresh_token&client_id=chatemu&client_secret=chatemu-secret&refresh_token=test-refresh-token"},
		{"POST", "/rest/1/abc/imopenlines.network.join", "application/x-www-form-urlencoded", "CODE=ab515f5d85a8b844d484f6ea75a2e494"},
		{"POST", "/rest/1/abc/imopenlines.network.message.add", "application/x-www-form-urlencoded", "CODE=ab515f5d85a8b844d484f6ea75a2e494&USER_ID=2&MESSAGE=hello"},
		{"POST", "/rest/1/abc/imbot.chat.add", "application/x-www-form-urlencoded", "CLIENT_ID=chatemu&USERS[]=2&MESSAGE=first&TITLE=New"},
		{"POST", "/rest/1/abc/imbot.chat.updateAvatar", "application/x-www-form-urlencoded", "CLIENT_ID=chatemu&CHAT_ID=13&AVATAR=" + url.QueryEscape(onePixelGIF)},
		{"POST", "/rest/1/abc/imopenlines.bot.session.transfer", "application/x-www-form-urlencoded", "CLIENT_ID=chatemu&CHAT_ID=12&USER_ID=12&LEAVE=N"},
		{"POST", "/rest/1/abc/imopenlines.bot.session.message.send", "application/x-www-form-urlencoded", "CLIENT_ID=chatemu&CHAT_ID=12&NAME=WELCOME"},
		{"POST", "/rest/1/abc/imbot.register", "application/x-www-form-urlencoded",
			"CLIENT_ID=hooked&CODE=echo&PROPERTIES[NAME]=Echo&EVENT_HANDLER=" + url.QueryEscape("http://127.0.0.1:1/events")},
		{"POST", "/rest/1/abc/imbot.command.register", "application/x-www-form-urlencoded",
			"CLIENT_ID=chatemu&BOT_ID=39&COMMAND=echo&LANG[0][TITLE]=Echo&EVENT_COMMAND_ADD=" + url.QueryEscape("http://127.0.0.1:1/cmd")},
		{"POST", "/rest/1/abc/imbot.message.add", "application/x-www-form-urlencoded", "CLIENT_ID=chatemu&DIALOG_ID=2&MESSAGE=hi&KEYBOARD[0][TEXT]=Y&KEYBOARD[0][COMMAND]=echo"},
		{"POST", "/imbachat/v1/widget/imba_rooms", "application/x-www-form-urlencoded", "imba_id=209&login=admin&password=admin&users_ids[0]=42"},
		{"POST", "/imbachat/v2/627/send_msg", "application/x-www-form-urlencoded", "password=secret_key&user_id=1&room_id=1536&message=hi"},
		{"POST", "/_emulator/imbox/1/conversations", "application/json", `{"conversationID":"V77","page":"https://x.example/","visitor":{"user_city":"X"}}`},
		{"POST", "/_emulator/imbox/1/conversations/V77/messages", "application/json", `{"sender":"agent","agentID":1,"message":"hi"}`},
		{"POST", "/_emulator/imbox/1/conversations/V77/tags", "application/json", `{"tag":"t"}`},
		{"POST", "/_emulator/imbox/1/conversations/V77/labels", "application/json", `{"label":"l"}`},
		{"POST", "/_emulator/imbox/1/conversations/V77/cards", "application/json", `{"dataID":"1","data":"d"}`},
		{"PUT", "/_emulator/imbox/1/conversations/V77/rating", "application/json", `{"rating":5}`},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", c.method, c.path, resp.StatusCode)
		}
	}
}

const onePixelGIF = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

// TestEveryStoredDocumentPassesTheChecks: after every vendor wrote every
// kind of document it has, the exported state imports back as it is, and
// a data file holding it opens again.
func TestEveryStoredDocumentPassesTheChecks(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "chatemu.db")
	e, srv := start(t, emulator.Config{DataFile: path})
	exerciseAll(t, srv.URL)
	snap, err := e.ExportState()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for key := range snap.Documents {
		parts := strings.Split(key, ":")
		kinds[strings.Join(parts[:len(parts)-1], ":")] = true
	}
	for _, want := range []string{"bitrix24:bucket", "bitrix24:token", "bitrix24:refresh", "bitrix24:default:netlimit:000000000101",
		"bitrix24:default:message", "bitrix24:default:bot", "bitrix24:default:command", "bitrix24:default:chat", "bitrix24:default:line", "bitrix24:default:session", "bitrix24:portal",
		"bitrix24:limited:user", "imbachat:widget", "imbachat:user", "imbachat:room", "imbachat:message",
		"imbox:account", "imbox:agent", "imbox:pagefilter", "imbox:conversation", "imbox:message"} {
		if !kinds[want] {
			t.Errorf("the exercise wrote no %s document (kinds: %v)", want, kinds)
		}
	}
	if err := e.ImportState(snap); err != nil {
		t.Fatalf("an exported snapshot must import back: %v", err)
	}
	again, _ := e.ExportState()
	if !reflect.DeepEqual(snap.Documents, again.Documents) {
		t.Error("import changed the documents")
	}
	srv.Close()
	e.Close()
	e2, err := emulator.New(emulator.Config{DataFile: path})
	if err != nil {
		t.Fatalf("reopening the data file: %v", err)
	}
	e2.Close()
}

// TestDataFileWithUnreadableDocumentStopsStartUp: a data file holding a
// document its vendor cannot decode stops start-up with the file and the
// key, and is left as it was.
func TestDataFileWithUnreadableDocumentStopsStartUp(t *testing.T) {
	t.Parallel()
	// A file written by hand (no write markers, as an earlier version's):
	// every write of a marked file is checked against its marker first.
	path := filepath.Join(t.TempDir(), "chatemu.db")
	s, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *buntdb.Tx) error {
		if _, _, err := tx.Set("meta:fixtures-loaded", "2020-01-01T00:00:00Z", nil); err != nil {
			return err
		}
		_, _, err := tx.Set("imbachat:room:000000001536", `{"id":1536,"imba_id":627,"members":{"a":1}}`, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path)
	_, err = emulator.New(emulator.Config{DataFile: path})
	var de *emulator.DataFileError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "data file "+path+" is damaged") ||
		!strings.Contains(err.Error(), `document "imbachat:room:000000001536": members: JSON object, want []int64`) {
		t.Fatalf("got %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("a refused data file was changed")
	}
}

// TestParseDocumentReportsEveryProblem: an unknown top-level key does not
// hide the problems of the vendor sections.
func TestParseDocumentReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := emulator.ParseDocument("f.json", []byte(`{"imbachat":{"widgets":[{"imba_id":"x"}]},"imbax":{}}`))
	var ve *core.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "imbax") || !strings.Contains(msg, "/imbachat/widgets/0") {
		t.Errorf("not every problem reported: %s", msg)
	}
}
