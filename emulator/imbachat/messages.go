package imbachat

import (
	"fmt"
	"strconv"
	"strings"

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
	var m message
	err = s.deps.Store.Update(func(tx *core.Tx) error {
		var r room
		found, err := tx.Get(roomKey(roomID), &r)
		if err != nil {
			return err
		}
		if !found || r.ImbaID != w.ImbaID || r.DeletedAt != nil {
			return errNotFound("Room %d not found", roomID)
		}
		u, err := userByRemoteID(tx, w.ImbaID, remote)
		if err != nil {
			return err
		}
		switch {
		case u == nil:
			return errNotFound("User %s not found in widget %d", remote, w.ImbaID)
		case !r.hasMember(u.ID):
			return errForbidden(fmt.Sprintf("User %s is not a member of room %d", remote, roomID))
		case u.Banned:
			return errForbidden(fmt.Sprintf("User %s is banned", remote))
		case r.Banned:
			return errForbidden(fmt.Sprintf("Room %d is banned", roomID))
		}
		id, err := tx.NextID(seqName(kindMessage))
		if err != nil {
			return err
		}
		m = message{ID: id, ImbaID: w.ImbaID, RoomID: roomID, UserID: u.ID, Text: text, Time: req.Now.Truncate(1e9), Liked: "0",
			UUID: fmt.Sprintf("%d-%d-%s", roomID, req.Now.Unix(), s.deps.Random.Alphanumeric(6))}
		return recordMessage(tx, &m)
	})
	if err != nil {
		return nil, err
	}
	return core.OK(sendResult{Success: true, Message: m.object()}), nil
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
	for name, dst := range map[string]**int64{"id": &f.id, "room_type": &f.roomType, "room_id": &f.room} {
		v, ok, err := optionalInt(req, name)
		if err != nil {
			return nil, err
		}
		if ok {
			*dst = &v
		}
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
		var jwtUser int64 = -1
		for i := range users {
			userByID[users[i].ID] = &users[i]
			if p.JWTUser != "" && users[i].RemoteUserID == p.JWTUser {
				jwtUser = users[i].ID
			}
		}
		if p.JWTUser != "" && jwtUser < 0 {
			return nil
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
