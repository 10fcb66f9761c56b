package bitrix24_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatemu/chatemu/emulator"
)

// benchEmulator is an in-process instance; requests go straight to its
// handler, so the numbers are the request path without the network.
func benchEmulator(b *testing.B) *emulator.Emulator {
	b.Helper()
	emu, err := emulator.New(emulator.Config{Clock: fixedNow, FreezeClock: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { emu.Close() })
	return emu
}

func serveBench(b *testing.B, emu *emulator.Emulator, method, target, ctype, body string, want int) {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, r)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body.String())
	}
}

// BenchmarkChatUserList is the read path: a webhook GET (2bad's shape) and
// an OAuth POST with a JSON body (b24jssdk's).
func BenchmarkChatUserList(b *testing.B) {
	b.Run("webhook GET", func(b *testing.B) {
		emu := benchEmulator(b)
		b.ReportAllocs()
		for b.Loop() {
			serveBench(b, emu, http.MethodGet, "/rest/1/abc/imbot.chat.user.list?CHAT_ID=13&CLIENT_ID=chatemu", "", "", http.StatusOK)
		}
	})
	b.Run("OAuth POST JSON", func(b *testing.B) {
		emu := benchEmulator(b)
		b.ReportAllocs()
		for b.Loop() {
			serveBench(b, emu, http.MethodPost, "/rest//imbot.chat.user.list", "application/json",
				`{"auth":"test-access-token","CHAT_ID":13,"BOT_ID":39}`, http.StatusOK)
		}
	})
}

// BenchmarkChatUserAdd is the write path: each iteration adds user 3 to
// chat 13 and removes it again (two writes), so every add succeeds.
func BenchmarkChatUserAdd(b *testing.B) {
	emu := benchEmulator(b)
	b.ReportAllocs()
	for b.Loop() {
		serveBench(b, emu, http.MethodPost, "/rest/1/abc/imbot.chat.user.add", "application/x-www-form-urlencoded",
			"CHAT_ID=13&USERS[]=3&CLIENT_ID=chatemu", http.StatusOK)
		serveBench(b, emu, http.MethodPost, "/rest/1/abc/imbot.chat.user.delete", "application/x-www-form-urlencoded",
			"CHAT_ID=13&USER_ID=3&CLIENT_ID=chatemu", http.StatusOK)
	}
}
