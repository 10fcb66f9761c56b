package imbachat

import (
	"encoding/json"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// dateLayout is ImbaChat's date format: "2020-12-19 20:42:07", UTC.
const dateLayout = "2006-01-02 15:04:05"

// widget is one ImbaChat widget (imba_id) and its credentials.
type widget struct {
	ImbaID    int64  `json:"imba_id"`
	Name      string `json:"name"`
	SecretKey string `json:"secret_key"` // v2 Basic password; signs user JWTs
	// APILogin is accepted as the Basic login besides the widget id.
	APILogin string `json:"api_login,omitempty"`
	// Login and Password are the site user's credentials that v1
	// imba_rooms takes as form fields.
	Login    string `json:"login"`
	Password string `json:"password"`
}

// user is a user of a widget: an external-site user known to ImbaChat.
type user struct {
	ID            int64           `json:"id"` // internal id
	ImbaID        int64           `json:"imba_id"`
	RemoteUserID  string          `json:"remote_user_id"` // the external site's id
	Name          string          `json:"name"`
	Login         string          `json:"login"`
	Password      string          `json:"password"`
	Status        string          `json:"status"` // "user" or "admin"
	UserData      json.RawMessage `json:"user_data"`
	AvatarURL     string          `json:"avatar_url"`
	Banned        bool            `json:"banned"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	DeletedAt     *time.Time      `json:"deleted_at"`
	LastMessageAt *time.Time      `json:"last_message_at"`
}

// room is a dialogue (type 0), conference (1) or support room (3).
type room struct {
	ID            int64      `json:"id"`
	ImbaID        int64      `json:"imba_id"`
	Pipe          string     `json:"pipe"`
	Name          string     `json:"name"`
	AdminID       int64      `json:"admin_id"` // internal user id
	Type          int        `json:"type"`
	Tab           int        `json:"tab"`
	IsPublic      int        `json:"is_public"`
	Status        int        `json:"status"`
	Banned        bool       `json:"banned"`
	Members       []int64    `json:"members"` // internal user ids, in joining order
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	DeletedAt     *time.Time `json:"deleted_at"`
	LastMessageAt *time.Time `json:"last_message_at"`
}

// message is one chat message in a room.
type message struct {
	ID       int64     `json:"id"`
	ImbaID   int64     `json:"imba_id"`
	RoomID   int64     `json:"room_id"`
	UserID   int64     `json:"user_id"` // internal user id of the author
	UUID     string    `json:"uuid"`    // "{room_id}-{unix seconds}-{6 alphanumerics}"
	Text     string    `json:"message"`
	Time     time.Time `json:"time"`
	AnswerTo int64     `json:"answer_to"`
	Liked    string    `json:"liked"`
}

// Stored document keys and sequences.
const (
	kindWidget  = "widget"
	kindUser    = "user"
	kindRoom    = "room"
	kindMessage = "message"
)

func widgetKey(id int64) string  { return core.Key(vendorName, kindWidget, id) }
func userKey(id int64) string    { return core.Key(vendorName, kindUser, id) }
func roomKey(id int64) string    { return core.Key(vendorName, kindRoom, id) }
func messageKey(id int64) string { return core.Key(vendorName, kindMessage, id) }
func seqName(kind string) string { return vendorName + ":" + kind }

// Index names.
const (
	idxUserWidget    = "imbachat_user_widget"    // users by imba_id
	idxUserRemote    = "imbachat_user_remote"    // users by imba_id, remote_user_id
	idxRoomWidget    = "imbachat_room_widget"    // rooms by imba_id
	idxRoomPipe      = "imbachat_room_pipe"      // rooms by imba_id, pipe
	idxMessageWidget = "imbachat_message_widget" // messages by imba_id
)

func indexes() []core.Index {
	return []core.Index{
		{Name: idxUserWidget, Pattern: vendorName + ":" + kindUser + ":*", Fields: []string{"imba_id"}},
		{Name: idxUserRemote, Pattern: vendorName + ":" + kindUser + ":*", Fields: []string{"imba_id", "remote_user_id"}},
		{Name: idxRoomWidget, Pattern: vendorName + ":" + kindRoom + ":*", Fields: []string{"imba_id"}},
		{Name: idxRoomPipe, Pattern: vendorName + ":" + kindRoom + ":*", Fields: []string{"imba_id", "pipe"}},
		{Name: idxMessageWidget, Pattern: vendorName + ":" + kindMessage + ":*", Fields: []string{"imba_id"}},
	}
}

// formatDate renders t as ImbaChat does; nil stays null.
func formatDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(dateLayout)
}

func (r *room) hasMember(userID int64) bool {
	for _, m := range r.Members {
		if m == userID {
			return true
		}
	}
	return false
}

// roleOf is a member's role in the room: the room's admin is "admin".
func (r *room) roleOf(userID int64) string {
	if r.AdminID == userID {
		return "admin"
	}
	return "user"
}
