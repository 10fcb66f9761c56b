package imbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
)

// benchEmulator is an instance with the default fixtures plus 200
// conversations of sid 1 in January 2020, each with a visit and two
// messages.
func benchEmulator(b *testing.B) *emulator.Emulator {
	b.Helper()
	var convs []string
	for i := 0; i < 200; i++ {
		day := 1 + i%31
		convs = append(convs, fmt.Sprintf(`{"sid":1,"conversationID":"V%d","date":"2020-01-%02dT10:00:00.000Z","messages":[`+
			`{"id":%d,"message":"{\"type\":\"visitorJoin\",\"currentPage\":\"https://example.org/p%d\"}","date":"2020-01-%02dT10:00:00.000Z","agentID":null},`+
			`{"id":%d,"message":"Hi","date":"2020-01-%02dT10:00:05.000Z","agentID":0},`+
			`{"id":%d,"message":"Hello","date":"2020-01-%02dT10:00:09.000Z","agentID":1}]}`,
			1000+i, day, 10000+3*i, i, day, 10001+3*i, day, 10002+3*i, day))
	}
	doc := `{"imbox":{"conversations":[` + strings.Join(convs, ",") + `]}}`
	emu, err := emulator.New(emulator.Config{SeedDocuments: [][]byte{[]byte(doc)}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { emu.Close() })
	return emu
}

func benchGet(b *testing.B, path string) {
	emu := benchEmulator(b)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkGrabAgents is the read path of a small list: auth, one index
// walk, encoding.
func BenchmarkGrabAgents(b *testing.B) { benchGet(b, "/message/grabAgents/apiKey/1") }

// BenchmarkListConversations lists one week (about 45 conversations of
// 202) through the date index.
func BenchmarkListConversations(b *testing.B) {
	benchGet(b, "/message/listConversations/apiKey/1/2020-01-08/2020-01-14")
}

// BenchmarkListConversationsPageFilter adds repeated pageFilterId.
func BenchmarkListConversationsPageFilter(b *testing.B) {
	benchGet(b, "/message/listConversations/apiKey/1/2020-01-01/2020-01-31?pageFilterId=1&pageFilterId=2")
}

// BenchmarkChatStatistics computes a month of rows from the messages.
func BenchmarkChatStatistics(b *testing.B) {
	benchGet(b, "/message/chatStatistics/apiKey/1?startTime=2020-01-01T00%3A00%3A00.000Z&endTime=2020-01-31T23%3A59%3A59.999Z")
}
