package main

import (
	"fmt"
	"strconv"
	"strings"
)

// scenario is one request path measured against the bare server.
type scenario struct {
	name string
	// write marks a write path (target 0.60x) rather than a read path (0.90x).
	write bool
	// build makes request n.
	build requestFunc
	// prepare runs before every chatemu round (state reset and seeding),
	// outside the measured window.
	prepare func(addr string) error
}

// Bitrix24 write-path state: chats × users distinct (chat, user) pairs,
// more than one round can use at the throughputs of this machine class.
const (
	b24Chats     = 5000
	b24Users     = 100
	b24FirstChat = 100000
	b24FirstUser = 100000
)

func get(path string) requestFunc {
	return func(buf []byte, host string, _ uint64) []byte {
		buf = append(buf, "GET "...)
		buf = append(buf, path...)
		buf = append(buf, " HTTP/1.1\r\nHost: "...)
		buf = append(buf, host...)
		return append(buf, "\r\nUser-Agent: chatemu-load\r\n\r\n"...)
	}
}

func postForm(path string, body func(buf []byte, n uint64) []byte) requestFunc {
	return func(buf []byte, host string, n uint64) []byte {
		buf = append(buf, "POST "...)
		buf = append(buf, path...)
		buf = append(buf, " HTTP/1.1\r\nHost: "...)
		buf = append(buf, host...)
		buf = append(buf, "\r\nUser-Agent: chatemu-load\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "...)
		// The body goes after a fixed-width length so that it is built once.
		lenAt := len(buf)
		buf = append(buf, "00000\r\n\r\n"...)
		bodyAt := len(buf)
		buf = body(buf, n)
		l := strconv.Itoa(len(buf) - bodyAt)
		copy(buf[lenAt:lenAt+5], strings.Repeat("0", 5-len(l))+l)
		return buf
	}
}

func scenarios() []*scenario {
	return []*scenario{
		{
			name:    "imbox grabAgents",
			build:   get("/message/grabAgents/apiKey/1"),
			prepare: resetState,
		},
		{
			name:    "bitrix24 imbot.chat.user.list",
			build:   get("/rest/1/abc/imbot.chat.user.list?CHAT_ID=13&CLIENT_ID=chatemu"),
			prepare: resetState,
		},
		{
			name:  "bitrix24 imbot.chat.user.add",
			write: true,
			// Request n adds user n/chats to chat n%chats: consecutive
			// requests go to different chats, and every pair is new.
			build: postForm("/rest/1/abc/imbot.chat.user.add", func(buf []byte, n uint64) []byte {
				chat := b24FirstChat + n%b24Chats
				user := b24FirstUser + (n/b24Chats)%b24Users
				buf = append(buf, "CHAT_ID="...)
				buf = strconv.AppendUint(buf, chat, 10)
				buf = append(buf, "&USERS%5B%5D="...)
				buf = strconv.AppendUint(buf, user, 10)
				return append(buf, "&CLIENT_ID=chatemu"...)
			}),
			prepare: seedBitrix24,
		},
		{
			name:  "imbachat imba_rooms create",
			write: true,
			build: postForm("/imbachat/v1/widget/imba_rooms", func(buf []byte, n uint64) []byte {
				buf = append(buf, "imba_id=209&login=admin&password=admin&room_type=1&room_title=Load&users_ids%5B0%5D=3&users_ids%5B1%5D="...)
				return strconv.AppendUint(buf, 100+n%500, 10)
			}),
			prepare: resetState,
		},
	}
}

func control(addr, method, path, body string) error {
	req := method + " " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n"
	if body != "" {
		req += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	req += "\r\n" + body
	status, _, resp, err := fetch(addr, []byte(req))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status != 200 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, status, resp)
	}
	return nil
}

// resetState reloads the fixtures and clears the journal.
func resetState(addr string) error { return control(addr, "POST", "/_emulator/reset", "") }

// seedBitrix24 resets, then adds b24Chats chats with the bot and user 1 and
// b24Users users to the default portal.
func seedBitrix24(addr string) error {
	if err := resetState(addr); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`{"bitrix24":{"portals":[{"name":"default","users":[`)
	for i := 0; i < b24Users; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"Load","last_name":"User %d"}`, b24FirstUser+i, i)
	}
	b.WriteString(`],"chats":[`)
	for i := 0; i < b24Chats; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"type":"CHAT","title":"Load %d","owner_id":39,"users":[39,1]}`, b24FirstChat+i, i)
	}
	b.WriteString(`]}]}}`)
	return control(addr, "POST", "/_emulator/seed", b.String())
}
