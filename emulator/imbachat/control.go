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
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
	"github.com/gorilla/mux"
)

// ControlRoutes implements core.ControlProvider: a room and a user as
// ImbaChat holds them, and what a site user does in the widget (writing in
// a room), under /_emulator/imbachat/ (docs/control-api.md, "ImbaChat").
func (s *Service) ControlRoutes() []core.ControlRoute {
	return []core.ControlRoute{
		{Name: "room", Methods: []string{http.MethodGet}, Path: "/widgets/{imba_id}/rooms/{room_id}", Handler: s.controlRoom},
		{Name: "user", Methods: []string{http.MethodGet}, Path: "/widgets/{imba_id}/users/{remote_user_id}", Handler: s.controlUser},
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
// room's and the user's last message dates. A users info call about a
// writer without a fresh profile goes to out, or straight to the delivery
// engine when out is nil.
func (s *Service) Write(out *outbound.Outbox, imbaID, roomID int64, remoteUserID, text string, at time.Time) (*MessageObject, error) {
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
	var ask *profileAsk
	err := s.m.db.Update(func(tx *state.Tx) error {
		var err error
		msg, ask, err = s.postMessage(tx, imbaID, roomID, remoteUserID, text, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.submitAsk(out, ask)
	obj := msg.object()
	return &obj, nil
}

func controlIDs(r *http.Request) (imbaID, roomID int64, err error) {
	if imbaID, err = positiveVar(r, "imba_id"); err != nil {
		return 0, 0, err
	}
	if roomID, err = positiveVar(r, "room_id"); err != nil {
		return 0, 0, err
	}
	return imbaID, roomID, nil
}

// positiveVar reads a path variable that must be a positive integer.
func positiveVar(r *http.Request, name string) (int64, error) {
	v, _ := url.PathUnescape(mux.Vars(r)[name])
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, errInvalid(name, "expected a positive integer, got %q", v)
	}
	return n, nil
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
	m, err := s.Write(outbound.FromContext(r.Context()), imbaID, roomID, body.UserID.String(), body.Message, at)
	if err != nil {
		return nil, err
	}
	return core.JSON(http.StatusCreated, m), nil
}

// UserView is a widget's user as ImbaChat holds it: what get_users shows,
// and the name and profile state the API does not show.
type UserView struct {
	ID           int64           `json:"id"`             // internal user id
	RemoteUserID string          `json:"remote_user_id"` // the external site's id
	Name         string          `json:"name"`
	Status       string          `json:"status"`
	AvatarURL    string          `json:"avatar_url"`
	UserData     json.RawMessage `json:"user_data"` // the profile as the site sent it, or null
	// ProfileAt is when the site last answered for the user (or a fixture
	// wrote it), in ImbaChat's date format; null: never.
	ProfileAt any `json:"profile_at"`
	// ProfilePending: a users info call about the user is under way.
	ProfilePending bool `json:"profile_pending"`
}

// User reads a widget's user (not deleted) by the external site's id.
func (s *Service) User(imbaID int64, remoteUserID string) (*UserView, error) {
	var view *UserView
	m := s.m
	err := m.db.View(func() error {
		u, ok := m.userByRemoteID(imbaID, remoteUserID)
		if !ok {
			return errNotFound("User %s not found in widget %d", remoteUserID, imbaID)
		}
		data := u.UserData
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		view = &UserView{ID: u.ID, RemoteUserID: u.RemoteUserID, Name: u.Name, Status: u.Status, AvatarURL: u.AvatarURL,
			UserData: data, ProfileAt: formatDate(u.ProfileAt), ProfilePending: m.fetch.pendingFor(imbaID, u.RemoteUserID)}
		return nil
	})
	return view, err
}

func (s *Service) controlUser(r *http.Request) (*core.Response, error) {
	imbaID, err := positiveVar(r, "imba_id")
	if err != nil {
		return nil, err
	}
	remote, _ := url.PathUnescape(mux.Vars(r)["remote_user_id"])
	view, err := s.User(imbaID, remote)
	if err != nil {
		return nil, err
	}
	return core.OK(view), nil
}
