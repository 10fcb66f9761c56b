package imbachat

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// MessageObject is a message as send_msg shows it ("time" unix seconds as a
// string, "liked" a string, "answer_to" a number), plus the author and the
// room.
type MessageObject struct {
	ID       int64  `json:"id"`
	UUID     string `json:"uuid"`
	Message  string `json:"message"`
	Time     string `json:"time"`
	AnswerTo int64  `json:"answer_to"`
	Liked    string `json:"liked"`
	UserID   int64  `json:"user_id"`
	RoomID   int64  `json:"room_id"`
}

func (m *message) object() MessageObject {
	return MessageObject{ID: m.ID, UUID: m.UUID, Message: m.Text, Time: strconv.FormatInt(m.Time.Unix(), 10),
		AnswerTo: m.AnswerTo, Liked: m.Liked, UserID: m.UserID, RoomID: m.RoomID}
}

// sendMsg implements "API for sending messages (for chat bot)": a message
// from an external-site user (user_id) to a room (room_id). It shows up in
// get_messages and moves the room's and user's last message dates; the
// site is asked about a sender without a fresh profile (profiles.go).
func (s *Service) sendMsg(req *core.Request) (*core.Response, error) {
	w := req.Principal.(*principal).Widget
	remote, err := required(req, "user_id")
	if err != nil {
		return nil, err
	}
	remote = strings.TrimSpace(remote) // a number, read as PHP reads one
	if _, err := strconv.ParseInt(remote, 10, 64); err != nil {
		return nil, errInvalid("user_id", "expected the id of a user of the external site, got %q", remote)
	}
	roomID, err := intParam(req, "room_id")
	if err != nil {
		return nil, err
	}
	if _, err := required(req, "message"); err != nil {
		return nil, err
	}
	text, _ := req.Params.String("message") // as sent, white space kept
	if err := boundedParam("message", text, textColumn); err != nil {
		return nil, err
	}
	var msg message
	var ask *profileAsk
	err = s.m.db.Update(func(tx *state.Tx) error {
		msg, ask, err = s.postMessage(tx, w.ImbaID, roomID, remote, text, req.Now)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.askProfiles(req.Outbox(), ask)
	return sentOK(msg.object()), nil
}

// postMessage stores a message from a site user (by the external site's
// id) in a room at a time: the room must be the widget's (404), the user
// known (404), a member and neither of them banned (403). It moves the
// room's and the user's last message dates. send_msg and the control
// plane's "a user writes in the widget" both post through it. It returns
// the sender for the site to be asked about when ImbaChat holds no fresh
// profile of them.
func (s *Service) postMessage(tx *state.Tx, imbaID, roomID int64, remote, text string, at time.Time) (message, *profileAsk, error) {
	m := s.m
	r, ok := m.widgetRoom(imbaID, roomID)
	if !ok || r.DeletedAt != nil {
		return message{}, nil, errNotFound("Room %d not found", roomID)
	}
	u, ok := m.userByRemoteID(imbaID, remote)
	switch {
	case !ok:
		return message{}, nil, errNotFound("User %s not found in widget %d", remote, imbaID)
	case !m.isMember(&r, u.ID):
		return message{}, nil, errForbidden(fmt.Sprintf("User %s is not a member of room %d", remote, roomID))
	case u.Banned:
		return message{}, nil, errForbidden(fmt.Sprintf("User %s is banned", remote))
	case r.Banned:
		return message{}, nil, errForbidden(fmt.Sprintf("Room %d is banned", roomID))
	}
	id, err := m.nextID(tx, seqMessage, kindMessage)
	if err != nil {
		return message{}, nil, err
	}
	at = at.UTC().Truncate(time.Second)
	msg := message{ID: id, ImbaID: imbaID, RoomID: roomID, UserID: u.ID, Text: text, Time: at, Liked: "0",
		UUID: fmt.Sprintf("%d-%d-%s", roomID, at.Unix(), s.deps.Random.Alphanumeric(6))}
	m.recordMessage(tx, msg)
	return msg, m.profileAsk(imbaID, []int64{u.ID}, s.deps.Clock.Now()), nil
}

type messageFilter struct {
	date               *dateFilter
	id, roomType, room *int64
	userName, userRole *string
}

func parseMessageFilter(req *core.Request) (*messageFilter, error) {
	f := &messageFilter{}
	var err error
	if f.date, err = optionalDate(req, "date"); err != nil {
		return nil, err
	}
	if err := parseIntFilters(req, intFilter{"id", &f.id}, intFilter{"room_type", &f.roomType}, intFilter{"room_id", &f.room}); err != nil {
		return nil, err
	}
	if v, ok := param(req, "user_name"); ok {
		f.userName = &v
	}
	if v, ok := wordParam(req, "user_role"); ok {
		v = strings.ToLower(v)
		if v == "administrator" {
			v = "admin"
		}
		if v != "admin" && v != "user" {
			return nil, errInvalid("user_role", "possible values are user and admin, got %q", v)
		}
		f.userRole = &v
	}
	return f, nil
}

// getMessages implements "API for getting a list of messages with filters
// applied" (date, id, room_type, user_name, user_role, and room_id). The
// vendor gives no URL for it; the emulator serves it beside the other v2
// lists (docs/fidelity.md). With a JWT, only the token user's rooms count.
func (s *Service) getMessages(req *core.Request) (*core.Response, error) {
	p := req.Principal.(*principal)
	f, err := parseMessageFilter(req)
	if err != nil {
		return nil, err
	}
	out := []MessageObject{}
	m := s.m
	m.db.View(func() error {
		imbaID := p.Widget.ImbaID
		var jwtUser int64 = -1
		if p.JWTUser != "" {
			u, ok := m.userByRemoteID(imbaID, p.JWTUser)
			if !ok {
				return nil // a user ImbaChat has not seen (or deleted) is in no room
			}
			jwtUser = u.ID
		}
		// The widget's messages in id order, or fewer to look at when a
		// filter names one message or one room.
		ids := m.messagesOf[imbaID]
		switch {
		case f.id != nil:
			ids = []int64{*f.id}
		case f.room != nil:
			ids = m.roomMessages[*f.room]
		}
		// The room of the message before, often the same one.
		var r room
		var roomID int64
		var roomOK, looked bool
		for _, id := range ids {
			msg, ok := m.messages.Get(id)
			if !ok || msg.ImbaID != imbaID {
				continue
			}
			if !looked || roomID != msg.RoomID {
				roomID, looked = msg.RoomID, true
				r, roomOK = m.widgetRoom(imbaID, roomID)
			}
			if !roomOK || r.DeletedAt != nil || (jwtUser >= 0 && !m.isMember(&r, jwtUser)) {
				continue
			}
			if f.matches(m, &msg, &r) {
				out = append(out, msg.object())
			}
		}
		return nil
	})
	return v2OK(out), nil
}

// matches reports whether a message in room r passes the filter; the
// author is looked up among the widget's users when a name is asked for.
func (f *messageFilter) matches(m *model, msg *message, r *room) bool {
	if !f.date.match(&msg.Time) || (f.id != nil && *f.id != msg.ID) ||
		(f.roomType != nil && *f.roomType != int64(r.Type)) || (f.room != nil && *f.room != r.ID) {
		return false
	}
	if f.userRole != nil && *f.userRole != r.roleOf(msg.UserID) {
		return false
	}
	if f.userName != nil {
		author, ok := m.users.Get(msg.UserID)
		if !ok || author.ImbaID != r.ImbaID || !strings.EqualFold(author.Name, *f.userName) {
			return false
		}
	}
	return true
}
