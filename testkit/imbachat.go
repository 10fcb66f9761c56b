package testkit

import (
	"strconv"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/imbachat"
	"github.com/chatemu/chatemu/internal/outbound"
)

// ImbaChat reads and shapes an instance's ImbaChat data: a room and a user
// as ImbaChat holds them (members with both ids and roles, messages; a
// user's profile from the site) and what a site user does in the widget.
//
//	emu.ImbaChat().Room(t, 627, 1536).Messages
//	emu.ImbaChat().Write(t, 627, 1314, "2", "hello from the widget")
//	emu.ImbaChat().User(t, 627, "2").Name
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

// WriteAt makes a site user write in a room at a given time. A writer
// ImbaChat holds no fresh profile of is asked about at the widget's users
// info URL, as a request would.
func (c *ImbaChat) WriteAt(t testing.TB, imbaID, roomID int64, remoteUserID, text string, at time.Time) {
	t.Helper()
	out := outbound.NewOutbox(c.s.URL())
	if _, err := c.service(t).Write(out, imbaID, roomID, remoteUserID, text, at); err != nil {
		t.Fatalf("testkit: user %s writing in ImbaChat room %d: %v", remoteUserID, roomID, err)
	}
	c.s.emu.Deliveries().SubmitOutbox(out)
}

// User reads a widget's user by the external site's id: the name, status,
// avatar and user_data ImbaChat holds (those the site's users info URL
// answered, once it has), and when the profile was last answered.
//
//	emu.ImbaChat().User(t, 627, "3").Name
func (c *ImbaChat) User(t testing.TB, imbaID int64, remoteUserID string) *imbachat.UserView {
	t.Helper()
	v, err := c.service(t).User(imbaID, remoteUserID)
	if err != nil {
		t.Fatalf("testkit: ImbaChat user %s of widget %d: %v", remoteUserID, imbaID, err)
	}
	return v
}

// UsersInfoCalls is the filter of the calls ImbaChat made to a widget's
// users info URL, for Deliveries and WaitDelivery:
//
//	d := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(627))
func (c *ImbaChat) UsersInfoCalls(imbaID int64) emulator.DeliveryFilter {
	return emulator.DeliveryFilter{Vendor: "imbachat", Event: imbachat.EventUsersInfo, Tenant: "widget:" + strconv.FormatInt(imbaID, 10)}
}
