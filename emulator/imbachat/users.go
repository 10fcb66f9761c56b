package imbachat

import (
	"encoding/json"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// userObject is a user as get_users shows it: "remote_user_id" a string,
// "login"/"password" the string "NULL" when unset, "user_data" and
// "deleted_at" real nulls.
type userObject struct {
	ID           int64           `json:"id"`
	DeletedAt    any             `json:"deleted_at"`
	CreatedAt    any             `json:"created_at"`
	UpdatedAt    any             `json:"updated_at"`
	RemoteUserID string          `json:"remote_user_id"`
	UserData     json.RawMessage `json:"user_data"`
	ImbaID       int64           `json:"imba_id"`
	Login        string          `json:"login"`
	Password     string          `json:"password"`
	Status       string          `json:"status"`
	AvatarURL    string          `json:"avatar_url"`
}

func (u *user) object() userObject {
	data := u.UserData
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return userObject{ID: u.ID, DeletedAt: formatDate(u.DeletedAt), CreatedAt: formatDate(&u.CreatedAt),
		UpdatedAt: formatDate(&u.UpdatedAt), RemoteUserID: u.RemoteUserID, UserData: data, ImbaID: u.ImbaID,
		Login: u.Login, Password: u.Password, Status: u.Status, AvatarURL: u.AvatarURL}
}

type userFilter struct {
	login, status *string
	id, imbaID    *int64
	lastMessage   *dateFilter
	banned        *bool
}

func parseUserFilter(req *core.Request) (*userFilter, error) {
	f := &userFilter{}
	if v, ok := param(req, "login"); ok {
		f.login = &v
	}
	if v, ok := wordParam(req, "status"); ok {
		v = strings.ToLower(v)
		switch v {
		case "administrator":
			v = "admin" // the filter doc's word for the "admin" status users carry
		case "user", "admin":
		default:
			return nil, errInvalid("status", "possible values are user and admin (administrator), got %q", v)
		}
		f.status = &v
	}
	if err := parseIntFilters(req, intFilter{"id", &f.id}, intFilter{"imba_id", &f.imbaID}); err != nil {
		return nil, err
	}
	var err error
	if f.lastMessage, err = optionalDate(req, "last_message_date"); err != nil {
		return nil, err
	}
	if b, ok, err := optionalBool(req, "banned"); err != nil {
		return nil, err
	} else if ok {
		f.banned = &b
	}
	return f, nil
}

func (f *userFilter) match(u *user) bool {
	return u.DeletedAt == nil &&
		(f.login == nil || *f.login == u.Login) && (f.status == nil || *f.status == u.Status) &&
		(f.id == nil || *f.id == u.ID) && (f.imbaID == nil || *f.imbaID == u.ImbaID) &&
		f.lastMessage.match(u.LastMessageAt) && (f.banned == nil || *f.banned == u.Banned)
}

// getUsers implements "API for getting a list of users with filters
// applied": the widget's users in id order, narrowed by login, id, imba_id,
// status, last_message_date and banned.
func (s *Service) getUsers(req *core.Request) (*core.Response, error) {
	w := req.Principal.(*principal).Widget
	f, err := parseUserFilter(req)
	if err != nil {
		return nil, err
	}
	out := []userObject{}
	m := s.m
	m.db.View(func() error {
		for _, id := range m.usersOf[w.ImbaID] {
			if u, ok := m.users.Get(id); ok && f.match(&u) {
				out = append(out, u.object())
			}
		}
		return nil
	})
	return v2OK(out), nil
}
