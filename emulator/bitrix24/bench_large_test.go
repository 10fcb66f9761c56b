package bitrix24_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkChatUserAddLargeChat is BenchmarkChatUserAdd on chat 13 after
// 5,000 more users joined it: the cost of an addition must not grow with
// the members already there.
func BenchmarkChatUserAddLargeChat(b *testing.B) {
	const n, first = 5000, 100000
	emu := benchEmulator(b)
	users := make([]string, n)
	form := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf(`{"id":%d,"name":"Load %d"}`, first+i, i)
		form[i] = fmt.Sprintf("USERS[]=%d", first+i)
	}
	serveBench(b, emu, http.MethodPost, "/_emulator/seed", "application/json",
		`{"bitrix24":{"portals":[{"name":"default","users":[`+strings.Join(users, ",")+`]}]}}`, http.StatusOK)
	serveBench(b, emu, http.MethodPost, "/rest/1/abc/imbot.chat.user.add", "application/x-www-form-urlencoded",
		"CHAT_ID=13&CLIENT_ID=chatemu&"+strings.Join(form, "&"), http.StatusOK)
	b.ReportAllocs()
	for b.Loop() {
		serveBench(b, emu, http.MethodPost, "/rest/1/abc/imbot.chat.user.add", "application/x-www-form-urlencoded",
			"CHAT_ID=13&USERS[]=3&CLIENT_ID=chatemu", http.StatusOK)
		serveBench(b, emu, http.MethodPost, "/rest/1/abc/imbot.chat.user.delete", "application/x-www-form-urlencoded",
			"CHAT_ID=13&USER_ID=3&CLIENT_ID=chatemu", http.StatusOK)
	}
}
