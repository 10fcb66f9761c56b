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

// BenchmarkChatUserAddManyChats is the load path of imbot.chat.user.add:
// 5,000 seeded chats the bot is in, each request adding a user not yet a
// member to the next chat, so that no two requests in a row touch the same
// chat and the decoded chats do not all fit a small cache.
func BenchmarkChatUserAddManyChats(b *testing.B) {
	const chats, users, firstChat, firstUser = 5000, 500, 1000, 100000
	emu := benchEmulator(b)
	var seed strings.Builder
	seed.WriteString(`{"bitrix24":{"portals":[{"name":"default","users":[`)
	for i := range users {
		if i > 0 {
			seed.WriteByte(',')
		}
		fmt.Fprintf(&seed, `{"id":%d,"name":"Load %d"}`, firstUser+i, i)
	}
	seed.WriteString(`],"chats":[`)
	for i := range chats {
		if i > 0 {
			seed.WriteByte(',')
		}
		fmt.Fprintf(&seed, `{"id":%d,"type":"CHAT","title":"Load chat %d","owner_id":39,"users":[39,1,2]}`, firstChat+i, i)
	}
	seed.WriteString(`]}]}}`)
	serveBench(b, emu, http.MethodPost, "/_emulator/seed", "application/json", seed.String(), http.StatusOK)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// the pair (chat, user) repeats only after chats*users requests
		chat, user := firstChat+i%chats, firstUser+(i/chats)%users
		serveBench(b, emu, http.MethodPost, "/rest/1/abc/imbot.chat.user.add", "application/x-www-form-urlencoded",
			fmt.Sprintf("CHAT_ID=%d&USERS[]=%d&CLIENT_ID=chatemu", chat, user), http.StatusOK)
		i++
	}
}
