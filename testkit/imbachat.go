package testkit

import (
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator/imbachat"
)

// ImbaChat reads and shapes an instance's ImbaChat data: a room as ImbaChat
// holds it (members with both ids and roles, messages) and what a site user
// does in the widget.
//
//	emu.ImbaChat().Room(t, 627, 1536).Messages
//	emu.ImbaChat().Write(t, 627, 1314, "2", "hello from the widget")
type ImbaChat struct{ s *Server }

// ImbaChat is the instance's ImbaChat.
func (s *Server) ImbaChat() *ImbaChat { return &ImbaChat{s: s} }

func (c *ImbaChat) service(t testing.TB) *imbachat.Service {
	t.Helper()
	svc, ok := c.s.emu.Vendor("imbachat").(*imbachat.Service)
	if !ok {
		t.Fatal("testkit: the instance serves no ImbaChat")
	}
	return svc
}

// Room reads a widget's room with its members and messages.
func (c *ImbaChat) Room(t testing.TB, imbaID, roomID int64) *imbachat.RoomView {
	t.Helper()
	v, err := c.service(t).Room(imbaID, roomID)
	if err != nil {
		t.Fatalf("testkit: ImbaChat room %d of widget %d: %v", roomID, imbaID, err)
	}
	return v
}

// Write makes a site user (by the external site's id) write in a room now,
// by the emulator clock.
func (c *ImbaChat) Write(t testing.TB, imbaID, roomID int64, remoteUserID, text string) {
	t.Helper()
	c.WriteAt(t, imbaID, roomID, remoteUserID, text, time.Time{})
}

// WriteAt makes a site user write in a room at a given time.
func (c *ImbaChat) WriteAt(t testing.TB, imbaID, roomID int64, remoteUserID, text string, at time.Time) {
	t.Helper()
	if _, err := c.service(t).Write(imbaID, roomID, remoteUserID, text, at); err != nil {
		t.Fatalf("testkit: user %s writing in ImbaChat room %d: %v", remoteUserID, roomID, err)
	}
}
