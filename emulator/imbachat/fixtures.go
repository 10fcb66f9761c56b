package imbachat

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/chatemu/chatemu/internal/state"
)

// fixtureSection is the "imbachat" section of a fixture or seed document
// (schemas/imbachat/fixtures.schema.json). Dates use ImbaChat's own format.
type fixtureSection struct {
	Widgets  []widget         `json:"widgets"`
	Users    []fixtureUser    `json:"users"`
	Rooms    []fixtureRoom    `json:"rooms"`
	Messages []fixtureMessage `json:"messages"`
}

type fixtureUser struct {
	ID           int64           `json:"id"`
	ImbaID       int64           `json:"imba_id"`
	RemoteUserID json.Number     `json:"remote_user_id"`
	Name         string          `json:"name"`
	Login        *string         `json:"login"`
	Password     *string         `json:"password"`
	Status       string          `json:"status"`
	UserData     json.RawMessage `json:"user_data"`
	AvatarURL    string          `json:"avatar_url"`
	Banned       bool            `json:"banned"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
	DeletedAt    *string         `json:"deleted_at"`
}

type fixtureRoom struct {
	ID        int64   `json:"id"`
	ImbaID    int64   `json:"imba_id"`
	Pipe      string  `json:"pipe"`
	Name      string  `json:"name"`
	AdminID   int64   `json:"admin_id"`
	Type      int     `json:"type"`
	Tab       int     `json:"tab"`
	IsPublic  int     `json:"is_public"`
	Status    int     `json:"status"`
	Banned    bool    `json:"banned"`
	Members   []int64 `json:"members"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	DeletedAt *string `json:"deleted_at"`
}

type fixtureMessage struct {
	ID       int64  `json:"id"`
	RoomID   int64  `json:"room_id"`
	UserID   int64  `json:"user_id"`
	UUID     string `json:"uuid"`
	Message  string `json:"message"`
	Time     string `json:"time"`
	AnswerTo int64  `json:"answer_to"`
	Liked    string `json:"liked"`
}

func parseDate(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: expected %q, got %q", field, dateLayout, s)
	}
	return t, nil
}

func parseOptionalDate(field string, s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := parseDate(field, *s, time.Time{})
	return &t, err
}

func orNULL(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}

// avatarURL is the gravatar identicon ImbaChat gives users without one.
func avatarURL(imbaID int64, remote string) string {
	sum := md5.Sum([]byte(strconv.FormatInt(imbaID, 10) + ":" + remote))
	return "https://secure.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=48&d=identicon"
}

// ApplyFixtures implements core.ModeledVendor: it writes a validated
// section into the model. Rows with an existing id are replaced, sequences
// move above every id (the tables see to that), and last-message dates are
// derived from the messages.
func (s *Service) ApplyFixtures(tx *state.Tx, raw json.RawMessage) error {
	m := s.m
	var sec fixtureSection
	if err := json.Unmarshal(raw, &sec); err != nil {
		return fmt.Errorf("imbachat fixtures: %w", err)
	}
	for _, w := range sec.Widgets {
		m.widgets.Put(tx, w)
	}
	for i, fu := range sec.Users {
		created, err := parseDate(fmt.Sprintf("users/%d/created_at", i), fu.CreatedAt, time.Time{})
		if err != nil {
			return err
		}
		updated, err := parseDate(fmt.Sprintf("users/%d/updated_at", i), fu.UpdatedAt, created)
		if err != nil {
			return err
		}
		deleted, err := parseOptionalDate(fmt.Sprintf("users/%d/deleted_at", i), fu.DeletedAt)
		if err != nil {
			return err
		}
		u := user{ID: fu.ID, ImbaID: fu.ImbaID, RemoteUserID: fu.RemoteUserID.String(), Name: fu.Name,
			Login: orNULL(fu.Login), Password: orNULL(fu.Password), Status: fu.Status, UserData: fu.UserData,
			AvatarURL: fu.AvatarURL, Banned: fu.Banned, CreatedAt: created, UpdatedAt: updated, DeletedAt: deleted}
		if u.Status == "" {
			u.Status = "user"
		}
		if u.Name == "" {
			u.Name = "User " + u.RemoteUserID
		}
		if u.AvatarURL == "" {
			u.AvatarURL = avatarURL(u.ImbaID, u.RemoteUserID)
		}
		if len(u.UserData) == 0 {
			u.UserData = json.RawMessage("null")
		}
		m.users.Put(tx, u)
	}
	for i, fr := range sec.Rooms {
		created, err := parseDate(fmt.Sprintf("rooms/%d/created_at", i), fr.CreatedAt, time.Time{})
		if err != nil {
			return err
		}
		updated, err := parseDate(fmt.Sprintf("rooms/%d/updated_at", i), fr.UpdatedAt, created)
		if err != nil {
			return err
		}
		deleted, err := parseOptionalDate(fmt.Sprintf("rooms/%d/deleted_at", i), fr.DeletedAt)
		if err != nil {
			return err
		}
		r := room{ID: fr.ID, ImbaID: fr.ImbaID, Pipe: fr.Pipe, Name: fr.Name, AdminID: fr.AdminID, Type: fr.Type,
			Tab: fr.Tab, IsPublic: fr.IsPublic, Status: fr.Status, Banned: fr.Banned, Members: fr.Members,
			CreatedAt: created, UpdatedAt: updated, DeletedAt: deleted}
		if r.Members == nil {
			r.Members = []int64{}
		}
		if r.Pipe == "" {
			r.Pipe = uniqidPipe(created, r.ID)
		}
		m.rooms.Put(tx, r)
	}
	for i, fm := range sec.Messages {
		at, err := parseDate(fmt.Sprintf("messages/%d/time", i), fm.Time, time.Time{})
		if err != nil {
			return err
		}
		r, found := m.rooms.Get(fm.RoomID)
		if !found {
			return fmt.Errorf("imbachat fixtures: messages/%d: room %d is not defined", i, fm.RoomID)
		}
		msg := message{ID: fm.ID, ImbaID: r.ImbaID, RoomID: fm.RoomID, UserID: fm.UserID, UUID: fm.UUID,
			Text: fm.Message, Time: at, AnswerTo: fm.AnswerTo, Liked: fm.Liked}
		if msg.Liked == "" {
			msg.Liked = "0"
		}
		if msg.UUID == "" {
			msg.UUID = fmt.Sprintf("%d-%d-%s", msg.RoomID, at.Unix(), "fixtur")
		}
		m.recordMessage(tx, msg)
	}
	return nil
}

// recordMessage stores a message and moves its room's and author's last
// message dates forward.
func (m *model) recordMessage(tx *state.Tx, msg message) {
	m.messages.Put(tx, msg)
	at := msg.Time
	if r, ok := m.rooms.Get(msg.RoomID); ok && (r.LastMessageAt == nil || at.After(*r.LastMessageAt)) {
		r.LastMessageAt = &at
		m.rooms.Put(tx, r)
	}
	if u, ok := m.users.Get(msg.UserID); ok && (u.LastMessageAt == nil || at.After(*u.LastMessageAt)) {
		u.LastMessageAt = &at
		m.users.Put(tx, u)
	}
}
