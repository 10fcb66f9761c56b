package imbachat

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// messageObject is a message as send_msg shows it ("time" unix seconds as a
// string, "liked" a string, "answer_to" a number), plus the author and the
// room.
type messageObject struct {
	ID       int64  `json:"id"`
	UUID     string `json:"uuid"`
	Message  string `json:"message"`
	Time     string `json:"time"`
	AnswerTo int64  `json:"answer_to"`
	Liked    string `json:"liked"`
	UserID   int64  `json:"user_id"`
	RoomID   int64  `json:"room_id"`
}

func (m *message) object() messageObject {
	return messageObject{ID: m.ID, UUID: m.UUID, Message: m.Text, Time: strconv.FormatInt(m.Time.Unix(), 10),
		AnswerTo: m.AnswerTo, Liked: m.Liked, UserID: m.UserID, RoomID: m.RoomID}
}

type sendResult struct {
	Success bool          `json:"success"`
	Message messageObject `json:"message"`
}

// sendMsg implements "API for sending messages (for chat bot)": a message
// from an external-site user (user_id) to a room (room_id). It shows up in
// get_messages and moves the room's and user's last message dates.
func (s *Service) sendMsg(req *core.Request) (*core.Response, error) {
	w := req.Principal.(*principal).Widget
	remote, err := required(req, "user_id")
	if err != nil {
		return nil, err
	}
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
	var m *message
	err = s.deps.Store.Update(func(tx *core.Tx) error {
		m, err = s.postMessage(tx, w.ImbaID, roomID, remote, text, req.Now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return core.OK(sendResult{Success: true, Message: m.object()}), nil
}

// postMessage stores a message from a site user (by the external site's
// id) in a room at a time: the room must be the widget's (404), the user
// known (404), a member and neither of them banned (403). It moves the
// room's and the user's last message dates. send_msg and the control
// plane's "a user writes in the widget" both post through it.
func (s *Service) postMessage(tx *core.Tx, imbaID, roomID int64, remote, text string, at time.Time) (*message, error) {
	var r room
	found, err := tx.Get(roomKey(roomID), &r)
	if err != nil {
		return nil, err
	}
	if !found || r.ImbaID != imbaID || r.DeletedAt != nil {
		return nil, errNotFound("Room %d not found", roomID)
	}
	u, err := userByRemoteID(tx, imbaID, remote)
	if err != nil {
		return nil, err
	}
	switch {
	case u == nil:
		return nil, errNotFound("User %s not found in widget %d", remote, imbaID)
	case !r.hasMember(u.ID):
		return nil, errForbidden(fmt.Sprintf("User %s is not a member of room %d", remote, roomID))
	case u.Banned:
		return nil, errForbidden(fmt.Sprintf("User %s is banned", remote))
	case r.Banned:
		return nil, errForbidden(fmt.Sprintf("Room %d is banned", roomID))
	}
	id, err := tx.NextID(seqName(kindMessage))
	if err != nil {
		return nil, err
	}
	at = at.UTC().Truncate(time.Second)
	m := &message{ID: id, ImbaID: imbaID, RoomID: roomID, UserID: u.ID, Text: text, Time: at, Liked: "0",
		UUID: fmt.Sprintf("%d-%d-%s", roomID, at.Unix(), s.deps.Random.Alphanumeric(6))}
	return m, recordMessage(tx, m)
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
	if v, ok := param(req, "user_role"); ok {
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
	out := []messageObject{}
	err = s.deps.Store.View(func(tx *core.Tx) error {
		rooms, err := widgetRooms(tx, p.Widget.ImbaID)
		if err != nil {
			return err
		}
		byID := make(map[int64]*room, len(rooms))
		for i := range rooms {
			byID[rooms[i].ID] = &rooms[i]
		}
		users, err := widgetUsers(tx, p.Widget.ImbaID)
		if err != nil {
			return err
		}
		userByID := make(map[int64]*user, len(users))
		for i := range users {
			userByID[users[i].ID] = &users[i]
		}
		var jwtUser int64 = -1
		if p.JWTUser != "" {
			u, err := userByRemoteID(tx, p.Widget.ImbaID, p.JWTUser)
			if err != nil || u == nil {
				return err // a user ImbaChat has not seen (or deleted) is in no room
			}
			jwtUser = u.ID
		}
		return core.EachEqual(tx, idxMessageWidget, map[string]any{"imba_id": p.Widget.ImbaID}, func(m *message) bool {
			r := byID[m.RoomID]
			if r == nil || r.DeletedAt != nil || (jwtUser >= 0 && !r.hasMember(jwtUser)) {
				return true
			}
			if f.matches(m, r, userByID[m.UserID]) {
				out = append(out, m.object())
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return core.OK(v2Envelope{Success: "true", Data: out, Code: 200}), nil
}

func (f *messageFilter) matches(m *message, r *room, author *user) bool {
	if !f.date.match(&m.Time) || (f.id != nil && *f.id != m.ID) ||
		(f.roomType != nil && *f.roomType != int64(r.Type)) || (f.room != nil && *f.room != r.ID) {
		return false
	}
	if f.userName != nil && (author == nil || !strings.EqualFold(author.Name, *f.userName)) {
		return false
	}
	return f.userRole == nil || *f.userRole == r.roleOf(m.UserID)
}
