package testkit

import (
	"testing"

	"github.com/chatemu/chatemu/emulator/bitrix24"
)

// Bitrix24 reads and shapes an instance's Bitrix24 portals: what a bot did
// (a chat's members, owner, title, colour and messages, an open-line
// session's holder and status) and what people do in the Bitrix24 UI (a
// client writing to an open line, an operator accepting a dialog).
//
//	emu.Bitrix24().Chat(t, 13).Members            // [39 1 2 4]
//	emu.Bitrix24().Session(t, 12).Status          // "bot"
//	emu.Bitrix24().Portal("second").Chat(t, 1)
type Bitrix24 struct {
	s      *Server
	portal string
}

// Bitrix24 is the default portal of the instance.
func (s *Server) Bitrix24() *Bitrix24 { return &Bitrix24{s: s, portal: bitrix24.DefaultPortal} }

// Portal is another portal of the same instance.
func (b *Bitrix24) Portal(name string) *Bitrix24 { return &Bitrix24{s: b.s, portal: name} }

func (b *Bitrix24) service(t testing.TB) *bitrix24.Service {
	t.Helper()
	svc, ok := b.s.emu.Vendor("bitrix24").(*bitrix24.Service)
	if !ok {
		t.Fatal("testkit: the instance serves no Bitrix24")
	}
	return svc
}

func must[T any](t testing.TB, what string, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatalf("testkit: %s: %v", what, err)
	}
	return v
}

// Chat returns a chat; a missing chat fails the test.
func (b *Bitrix24) Chat(t testing.TB, id int64) *bitrix24.ChatView {
	t.Helper()
	v, err := b.service(t).Chat(b.portal, id)
	return must(t, "bitrix24 chat", v, err)
}

// Messages returns what was posted into a chat, oldest first.
func (b *Bitrix24) Messages(t testing.TB, chatID int64) []bitrix24.MessageView {
	t.Helper()
	v, err := b.service(t).Messages(b.portal, chatID)
	return must(t, "bitrix24 messages", v, err)
}

// NetworkMessages returns the open-channel messages sent to a user.
func (b *Bitrix24) NetworkMessages(t testing.TB, userID int64) []bitrix24.MessageView {
	t.Helper()
	v, err := b.service(t).NetworkMessages(b.portal, userID)
	return must(t, "bitrix24 network messages", v, err)
}

// Session returns a chat's open-line session; none fails the test.
func (b *Bitrix24) Session(t testing.TB, chatID int64) *bitrix24.SessionView {
	t.Helper()
	v, err := b.service(t).Session(b.portal, chatID)
	return must(t, "bitrix24 session", v, err)
}

// StartSession plays client clientID writing text to open line lineID: a
// new open-line chat held by the line's bot. The session says which chat.
func (b *Bitrix24) StartSession(t testing.TB, lineID, clientID int64, text string) *bitrix24.SessionView {
	t.Helper()
	v, err := b.service(t).StartSession(b.portal, lineID, clientID, text)
	return must(t, "bitrix24 start session", v, err)
}

// AnswerSession plays operator operatorID accepting the dialog of chatID.
func (b *Bitrix24) AnswerSession(t testing.TB, chatID, operatorID int64) *bitrix24.SessionView {
	t.Helper()
	v, err := b.service(t).AnswerSession(b.portal, chatID, operatorID)
	return must(t, "bitrix24 answer session", v, err)
}
