package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
)

// The scale benchmark: per-request cost of a write and a read per vendor
// with 1k, 100k and 1M stored members or messages, and the memory each
// stored one takes. Run it with
//
//	go test -run '^$' -bench Scale -benchtime 20000x ./emulator/
//
// The bulk is imported as a state snapshot in the documents' stored
// format, so it measures whatever holds the state. Bitrix24's bulk lives
// in the default portal the requests use (chats of ten members); ImbaChat's
// in a widget of its own (get_rooms answers another widget); ImBox's in
// the account the requests use, dated outside the range they list.

// scaleVendor is one vendor's bulk and the requests measured over it.
type scaleVendor struct {
	name, entity string
	// bulk adds n entities' documents (and sequences) to a snapshot.
	bulk func(snap *emulator.Snapshot, n int)
	ops  []scaleOp
}

type scaleOp struct {
	name string
	// request builds request i.
	request func(i, n int) *http.Request
}

func scaleKey(parts ...any) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(':')
		}
		if id, ok := p.(int); ok {
			fmt.Fprintf(&b, "%012d", id)
		} else {
			fmt.Fprint(&b, p)
		}
	}
	return b.String()
}

func rawf(format string, args ...any) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(format, args...))
}

func formRequest(path, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// Bitrix24: chats of ten members (the bot, user 1 and eight others); the
// writes add one of 1,000 other users to chat i % chats, so every pair is
// new for 1,000 passes over the chats.
const (
	scaleFirstChat  = 1_000_000
	scaleFirstUser  = 1_000_000
	scaleAddedUsers = 1_000
)

var scaleVendors = []scaleVendor{
	{
		name: "bitrix24", entity: "members",
		bulk: func(snap *emulator.Snapshot, n int) {
			docs := snap.Documents
			for u := 0; u < 8+scaleAddedUsers; u++ {
				id := scaleFirstUser + u
				docs[scaleKey("bitrix24", "default", "user", id)] = rawf(`{"id":%d,"portal":"default","name":"Scale","last_name":"User %d","active":true,"extranet":false,"connector":false}`, id, u)
			}
			order := 1000
			for c := 0; c < n/10; c++ {
				chat := scaleFirstChat + c
				docs[scaleKey("bitrix24", "default", "chat", chat)] = rawf(`{"id":%d,"portal":"default","type":"chat","title":"Scale %d","description":"","color":"MINT","owner_id":39,"entity_type":"","entity_id":"","entity_data_1":"","entity_data_2":"","entity_data_3":"","general":false,"locks":{},"created_at":"2022-08-22T10:00:00Z","last_message_id":0,"message_count":0}`, chat, c)
				members := []int{39, 1}
				for u := 0; u < 8; u++ {
					members = append(members, scaleFirstUser+u)
				}
				for _, u := range members {
					order++
					docs[scaleKey("bitrix24", "default", "chatuser", chat, u)] = rawf(`{"portal":"default","chat_id":%d,"user_id":%d,"order":%d}`, chat, u, order)
				}
			}
			snap.Sequences["bitrix24:default:chatuser"] = int64(order)
		},
		ops: []scaleOp{
			{"imbot.chat.user.add", func(i, n int) *http.Request {
				chats := n / 10
				return formRequest("/rest/1/abc/imbot.chat.user.add", fmt.Sprintf("CHAT_ID=%d&USERS%%5B%%5D=%d&CLIENT_ID=chatemu",
					scaleFirstChat+i%chats, scaleFirstUser+8+(i/chats)%scaleAddedUsers))
			}},
			{"imbot.chat.user.list", func(i, n int) *http.Request {
				return httptest.NewRequest(http.MethodGet, fmt.Sprintf("/rest/1/abc/imbot.chat.user.list?CHAT_ID=%d&CLIENT_ID=chatemu", scaleFirstChat+i%(n/10)), nil)
			}},
		},
	},
	{
		name: "imbachat", entity: "messages",
		bulk: func(snap *emulator.Snapshot, n int) {
			docs := snap.Documents
			const widget = 9000
			docs[scaleKey("imbachat", "widget", widget)] = rawf(`{"imba_id":%d,"name":"Scale widget","secret_key":"scale","api_login":"%d","login":"admin","password":"admin"}`, widget, widget)
			for u := 0; u < 2; u++ {
				id := 100_000 + u
				docs[scaleKey("imbachat", "user", id)] = rawf(`{"id":%d,"imba_id":%d,"remote_user_id":"%d","name":"Scale user","login":"NULL","password":"NULL","status":"user","user_data":null,"avatar_url":"","banned":false,"created_at":"2021-01-15T10:00:00Z","updated_at":"2021-01-15T10:00:00Z","deleted_at":null,"last_message_at":null}`, id, widget, u+1)
			}
			rooms := max(n/100, 1)
			for r := 0; r < rooms; r++ {
				id := 100_000 + r
				docs[scaleKey("imbachat", "room", id)] = rawf(`{"id":%d,"imba_id":%d,"pipe":"scale%08d_1610704800","name":"Scale %d","admin_id":100000,"type":1,"tab":0,"is_public":0,"status":0,"banned":false,"members":[100000,100001],"created_at":"2021-01-15T10:00:00Z","updated_at":"2021-01-15T10:00:00Z","deleted_at":null,"last_message_at":"2021-01-15T10:00:00Z"}`, id, widget, r, r)
			}
			for m := 0; m < n; m++ {
				id := 100_000 + m
				room := 100_000 + m%rooms
				docs[scaleKey("imbachat", "message", id)] = rawf(`{"id":%d,"imba_id":%d,"room_id":%d,"user_id":100000,"uuid":"%d-1610704800-scale%d","message":"scale message %d","time":"2021-01-15T10:00:00Z","answer_to":0,"liked":"0"}`, id, widget, room, room, m, m)
			}
		},
		ops: []scaleOp{
			{"imba_rooms", func(i, _ int) *http.Request {
				return formRequest("/imbachat/v1/widget/imba_rooms", fmt.Sprintf("imba_id=209&login=admin&password=admin&room_type=1&room_title=Scale&users_ids[0]=3&users_ids[1]=%d", 100+i%500))
			}},
			{"get_rooms", func(int, int) *http.Request {
				r := formRequest("/imbachat/v2/627/get_rooms", "imba_id=627&room_type=0")
				r.SetBasicAuth("627", "secret_key")
				return r
			}},
		},
	},
	{
		name: "imbox", entity: "messages",
		bulk: func(snap *emulator.Snapshot, n int) {
			docs := snap.Documents
			convs := max(n/10, 1)
			start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
			for c := 0; c < convs; c++ {
				id := 1000 + c
				at := start.Add(time.Duration(c) * time.Minute)
				docs[scaleKey("imbox", "conversation", id)] = rawf(`{"id":%d,"sid":1,"conversationID":"VS%d","date":%q,"dateMs":%d,"visitor":{},"tags":[],"labels":[],"cards":[],"rating":null,"pages":[],"lastPage":""}`, id, c, at.Format(time.RFC3339), at.UnixMilli())
			}
			for m := 0; m < n; m++ {
				id := 1_000_000 + m
				c := m % convs
				at := start.Add(time.Duration(c) * time.Minute)
				docs[scaleKey("imbox", "message", id)] = rawf(`{"id":%d,"sid":1,"conversation":%d,"conversationID":"VS%d","from":"VS%d","message":"scale message","date":%q,"agentID":0,"pos":%d}`, id, 1000+c, c, c, at.Format(time.RFC3339), id)
			}
		},
		ops: []scaleOp{
			{"listConversations", func(int, int) *http.Request {
				return httptest.NewRequest(http.MethodGet, "/message/listConversations/apiKey/1/2020-01-01/2020-01-02", nil)
			}},
			{"grabConversation", func(int, int) *http.Request {
				return httptest.NewRequest(http.MethodGet, "/message/grabConversation/apiKey/1/V1", nil)
			}},
		},
	},
}

func BenchmarkScale(b *testing.B) {
	sizes := []int{1_000, 100_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, v := range scaleVendors {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/%s=%d", v.name, v.entity, n), func(b *testing.B) {
				e, perEntity := scaleInstance(b, v, n)
				for _, op := range v.ops {
					b.Run(op.name, func(b *testing.B) {
						b.ReportAllocs()
						i := 0
						for b.Loop() {
							rec := httptest.NewRecorder()
							e.ServeHTTP(rec, op.request(i, n))
							if rec.Code != http.StatusOK {
								b.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
							}
							i++
						}
						// After the loop: it resets user metrics.
						b.ReportMetric(perEntity, "heapB/"+strings.TrimSuffix(v.entity, "s"))
					})
				}
			})
		}
	}
}

// scaleInstance is a new instance holding the fixtures and v's bulk of n,
// with the heap each bulk entity takes.
func scaleInstance(b *testing.B, v scaleVendor, n int) (*emulator.Emulator, float64) {
	b.Helper()
	e, err := emulator.New(emulator.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	snap, err := e.ExportState()
	if err != nil {
		b.Fatal(err)
	}
	before := heapInUse()
	v.bulk(snap, n)
	if err := e.ImportState(snap); err != nil {
		b.Fatal(err)
	}
	snap = nil
	after := heapInUse()
	return e, float64(after-before) / float64(n)
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
