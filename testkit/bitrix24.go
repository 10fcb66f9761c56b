package testkit

import (
	"testing"

	"github.com/chatemu/chatemu/emulator/bitrix24"
	"github.com/chatemu/chatemu/internal/outbound"
)

// Bitrix24 reads and shapes an instance's Bitrix24 portals: what a bot did
// (a chat's members, owner, title, colour and messages, an open-line
// session's holder and status) and what people do in the Bitrix24 UI (a
// client writing to an open line, an operator accepting a dialog, a user
// writing to a bot, editing or deleting a message, pressing a button),
// each raising the bot events a portal raises.
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
// new open-line chat held by the line's bot, which gets ONIMBOTJOINCHAT
// and ONIMBOTMESSAGEADD. The session says which chat.
func (b *Bitrix24) StartSession(t testing.TB, lineID, clientID int64, text string) *bitrix24.SessionView {
	t.Helper()
	o := b.outbox()
	v, err := b.service(t).StartSession(o, b.portal, lineID, clientID, text)
	return must(t, "bitrix24 start session", v, b.submit(o, err))
}

// outbox collects the deliveries a helper's action causes; their
// endpoints point at the test server.
func (b *Bitrix24) outbox() *outbound.Outbox { return outbound.NewOutbox(b.s.URL()) }

// submit sends o's deliveries when the action succeeded, and passes err on.
func (b *Bitrix24) submit(o *outbound.Outbox, err error) error {
	if err == nil {
		b.s.emu.Deliveries().SubmitOutbox(o)
	}
	return err
}

// Write plays user from writing text in dialogID as from sees it
// (Bitrix24's DIALOG_ID): "chat13", or the id of a user or bot for their
// private dialog ("39" writes to bot 39). The bots the message reaches get
// ONIMBOTMESSAGEADD (ONIMCOMMANDADD for a registered command), a bot whose
// private dialog it opens ONIMBOTJOINCHAT first.
//
//	m := emu.Bitrix24().Write(t, "chat13", 1, "[USER=39]NewBot[/USER] hello")
func (b *Bitrix24) Write(t testing.TB, dialogID string, from int64, text string) bitrix24.MessageView {
	t.Helper()
	o := b.outbox()
	v, err := b.service(t).Write(o, b.portal, dialogID, from, text)
	return *must(t, "bitrix24 write", v, b.submit(o, err))
}

// Edit plays a message's author changing its text (ONIMBOTMESSAGEUPDATE).
func (b *Bitrix24) Edit(t testing.TB, messageID int64, text string) bitrix24.MessageView {
	t.Helper()
	o := b.outbox()
	v, err := b.service(t).EditMessage(o, b.portal, messageID, text)
	return *must(t, "bitrix24 edit", v, b.submit(o, err))
}

// Delete plays a message's author deleting it (ONIMBOTMESSAGEDELETE).
func (b *Bitrix24) Delete(t testing.TB, messageID int64) {
	t.Helper()
	o := b.outbox()
	must(t, "bitrix24 delete", 0, b.submit(o, b.service(t).DeleteMessage(o, b.portal, messageID)))
}

// Press plays user from pressing the keyboard button with COMMAND command
// of message messageID (ONIMCOMMANDADD, COMMAND_CONTEXT KEYBOARD, with the
// button's COMMAND_PARAMS).
func (b *Bitrix24) Press(t testing.TB, messageID, from int64, command string) *bitrix24.PressView {
	t.Helper()
	o := b.outbox()
	v, err := b.service(t).Press(o, b.portal, messageID, from, command, nil)
	return must(t, "bitrix24 press", v, b.submit(o, err))
}

// DialogMessages returns dialogID's messages as user from sees it, oldest
// first, the bots' replies included ("chat13", or a user or bot id for
// from's private dialog with it).
func (b *Bitrix24) DialogMessages(t testing.TB, dialogID string, from int64) []bitrix24.MessageView {
	t.Helper()
	v, err := b.service(t).DialogMessages(b.portal, dialogID, from)
	return must(t, "bitrix24 dialog messages", v, err)
}

// AnswerSession plays operator operatorID accepting the dialog of chatID.
func (b *Bitrix24) AnswerSession(t testing.TB, chatID, operatorID int64) *bitrix24.SessionView {
	t.Helper()
	v, err := b.service(t).AnswerSession(b.portal, chatID, operatorID)
	return must(t, "bitrix24 answer session", v, err)
}
