package imbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// BenchmarkListConversationsScale lists the week of
// BenchmarkListConversations with 1k and 100k more conversations of the
// account stored outside it (started through the control plane): the
// range is found in the model's date order, so the cost stays flat.
func BenchmarkListConversationsScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			emu := benchEmulator(b)
			start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; i < n; i++ {
				at := start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
				body := fmt.Sprintf(`{"conversationID":"S%d","at":%q}`, i, at)
				req := httptest.NewRequest(http.MethodPost, "/_emulator/imbox/1/conversations", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				emu.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
			}
			req := httptest.NewRequest(http.MethodGet, "/message/listConversations/apiKey/1/2020-01-08/2020-01-14", nil)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				emu.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkPostMessage is the write path: a visitor message recorded in a
// conversation through the control plane.
func BenchmarkPostMessage(b *testing.B) {
	emu := benchEmulator(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/_emulator/imbox/1/conversations/V1/messages",
			strings.NewReader(`{"sender":"visitor","message":"Hi","at":"2021-01-01T00:00:00Z"}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}
