package imbachat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
	"github.com/gorilla/mux"
)

// ControlRoutes implements core.ControlProvider: a room as ImbaChat holds
// it, and what a site user does in the widget (writing in a room), under
// /_emulator/imbachat/ (docs/control-api.md, "ImbaChat").
func (s *Service) ControlRoutes() []core.ControlRoute {
	return []core.ControlRoute{
		{Name: "room", Methods: []string{http.MethodGet}, Path: "/widgets/{imba_id}/rooms/{room_id}", Handler: s.controlRoom},
		{Name: "room.write", Methods: []string{http.MethodPost}, Path: "/widgets/{imba_id}/rooms/{room_id}/messages", Handler: s.controlWrite},
	}
}

// RoomMember is a member of a room with the ids both sides know.
type RoomMember struct {
	ID           int64  `json:"id"`             // internal user id
	RemoteUserID string `json:"remote_user_id"` // the external site's id
	Name         string `json:"name"`
	Role         string `json:"role"` // "admin" for the room's admin_id, else "user"
}

// RoomView is a room with its members and messages, oldest first.
type RoomView struct {
	Room     RoomObject      `json:"room"`
	Members  []RoomMember    `json:"members"`
	Messages []MessageObject `json:"messages"`
}

// Room reads a widget's room with its members and messages.
func (s *Service) Room(imbaID, roomID int64) (*RoomView, error) {
	var view *RoomView
	m := s.m
	err := m.db.View(func() error {
		r, ok := m.widgetRoom(imbaID, roomID)
		if !ok {
			return errNotFound("Room %d not found in widget %d", roomID, imbaID)
		}
		view = &RoomView{Room: r.object(), Members: []RoomMember{}, Messages: []MessageObject{}}
		for _, id := range r.Members {
			if u, ok := m.users.Get(id); ok {
				view.Members = append(view.Members, RoomMember{ID: u.ID, RemoteUserID: u.RemoteUserID, Name: u.Name, Role: r.roleOf(u.ID)})
			}
		}
		for _, id := range m.roomMessages[roomID] {
			if msg, ok := m.messages.Get(id); ok && msg.ImbaID == imbaID {
				view.Messages = append(view.Messages, msg.object())
			}
		}
		return nil
	})
	return view, err
}

// Write is a site user writing in a room through the widget: the message
// is stored at the given time (the emulator clock when zero) under the same
// rules as send_msg (member of the room, neither banned), and moves the
// room's and the user's last message dates.
func (s *Service) Write(imbaID, roomID int64, remoteUserID, text string, at time.Time) (*MessageObject, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errRequired("message")
	}
	if err := boundedParam("message", text, textColumn); err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = s.deps.Clock.Now()
	}
	var msg message
	err := s.m.db.Update(func(tx *state.Tx) error {
		var err error
		msg, err = s.postMessage(tx, imbaID, roomID, remoteUserID, text, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	obj := msg.object()
	return &obj, nil
}

func controlIDs(r *http.Request) (imbaID, roomID int64, err error) {
	vars := mux.Vars(r)
	for _, id := range []struct {
		name string
		dst  *int64
	}{{"imba_id", &imbaID}, {"room_id", &roomID}} {
		name, dst := id.name, id.dst
		v, _ := url.PathUnescape(vars[name])
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n <= 0 {
			return 0, 0, errInvalid(name, "expected a positive integer, got %q", v)
		}
		*dst = n
	}
	return imbaID, roomID, nil
}

func (s *Service) controlRoom(r *http.Request) (*core.Response, error) {
	imbaID, roomID, err := controlIDs(r)
	if err != nil {
		return nil, err
	}
	view, err := s.Room(imbaID, roomID)
	if err != nil {
		return nil, err
	}
	return core.OK(view), nil
}

// controlWrite takes {"user_id": "1", "message": "hi", "time": "2021-03-01 12:00:00"}
// (time optional, ImbaChat's format, UTC).
func (s *Service) controlWrite(r *http.Request) (*core.Response, error) {
	imbaID, roomID, err := controlIDs(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		UserID  json.Number `json:"user_id"`
		Message string      `json:"message"`
		Time    string      `json:"time"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return nil, errInvalid("body", "send {\"user_id\": ..., \"message\": ..., \"time\": \"YYYY-MM-DD HH:MM:SS\"}: %v", err)
	}
	if body.UserID == "" {
		return nil, errRequired("user_id")
	}
	var at time.Time
	if body.Time != "" {
		if at, err = time.Parse(dateLayout, body.Time); err != nil {
			return nil, errInvalid("time", "expected %q, got %q", dateLayout, body.Time)
		}
	}
	m, err := s.Write(imbaID, roomID, body.UserID.String(), body.Message, at)
	if err != nil {
		return nil, err
	}
	return core.JSON(http.StatusCreated, m), nil
}
