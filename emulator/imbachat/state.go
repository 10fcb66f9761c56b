package imbachat

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
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
	// UsersInfoURL is the site's "Users info URL": chatemu asks it for the
	// profiles of site users it meets (profiles.go). "" asks nothing.
	UsersInfoURL string `json:"users_info_url,omitempty"`
	// APIPassword is the password of the site's API (the "API login" and
	// "API password" ImbaChat calls the site with); "" uses SecretKey.
	APIPassword string `json:"api_password,omitempty"`
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
	// ProfileAt is when the site last answered for this user (or when a
	// fixture wrote it); nil: never, the user has no profile yet.
	ProfileAt *time.Time `json:"profile_at,omitempty"`
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

// Stored document kinds: keys "imbachat:<kind>:<zero-padded id>", and the
// id sequences "imbachat:<kind>".
const (
	kindWidget  = "widget"
	kindUser    = "user"
	kindRoom    = "room"
	kindMessage = "message"

	seqUser    = vendorName + ":" + kindUser
	seqRoom    = vendorName + ":" + kindRoom
	seqMessage = vendorName + ":" + kindMessage
)

// remoteKey names a widget's user by the external site's id.
type remoteKey struct {
	imbaID int64
	remote string
}

// pipeKey names a widget's room by its pipe (compared exactly: "Public_12"
// and "public_12" are different pipes).
type pipeKey struct {
	imbaID int64
	pipe   string
}

// model is one instance's ImbaChat state: a table per kind of document and
// the secondary maps every lookup and filter of the API reads, kept up to
// date by the tables' Index hooks. Everything is read under db.View and
// changed under db.Update.
type model struct {
	db       *state.DB
	widgets  *state.Table[int64, widget]
	users    *state.Table[int64, user]
	rooms    *state.Table[int64, room]
	messages *state.Table[int64, message]

	usersOf       map[int64]idList          // widget -> its users' ids
	usersByRemote map[remoteKey]idList      // (widget, remote id) -> user ids (deleted ones too)
	roomsOf       map[int64]idList          // widget -> its rooms' ids
	roomsByPipe   map[pipeKey]idList        // (widget, pipe) -> room ids (deleted ones too)
	memberSets    map[int64]map[int64]int32 // big rooms: how many times each user is listed
	messagesOf    map[int64]idList          // widget -> its messages' ids
	roomMessages  map[int64]idList          // room -> its messages' ids

	// fetch holds the users info calls under way (profiles.go); not
	// stored, forgotten with the model.
	fetch fetches
}

func newModel(log *state.Log) *model {
	m := &model{db: state.New(vendorName, log)}
	m.clear()
	m.db.OnClear(m.clear)
	m.widgets = state.NewTable(m.db, tableSpec(kindWidget, func(w *widget) int64 { return w.ImbaID }, nil, ""))
	m.users = state.NewTable(m.db, tableSpec(kindUser, func(u *user) int64 { return u.ID }, m.indexUser, seqUser))
	m.rooms = state.NewTable(m.db, tableSpec(kindRoom, func(r *room) int64 { return r.ID }, m.indexRoom, seqRoom))
	m.messages = state.NewTable(m.db, tableSpec(kindMessage, func(msg *message) int64 { return msg.ID }, m.indexMessage, seqMessage))
	return m
}

// tableSpec is the spec of a table of kind keyed by an id: documents under
// "imbachat:<kind>:<zero-padded id>", and with a sequence named, ids
// counted by it.
func tableSpec[V any](kind string, id func(*V) int64, index func(old, new *V), seq string) state.TableSpec[int64, V] {
	prefix := vendorName + ":" + kind + ":"
	spec := state.TableSpec[int64, V]{
		Owns:  func(key string) bool { return strings.HasPrefix(key, prefix) },
		ID:    id,
		Key:   func(id int64) string { return core.Key(vendorName, kind, id) },
		Index: index,
	}
	if seq != "" {
		spec.Seq = func(v *V) (string, int64) { return seq, id(v) }
	}
	return spec
}

// nextID is the next id of a sequence: the vendor's 500, naming the kind
// and the highest stored id, once the sequence stands at the top of int64
// (a snapshot or seed stored an id there), so that nothing is created
// with a reused or negative id.
func (m *model) nextID(tx *state.Tx, seq, kind string) (int64, error) {
	if top := m.db.Current(seq); top == math.MaxInt64 {
		return 0, errIDsExhausted(kind, top)
	}
	return tx.Next(seq), nil
}

// clear empties the secondary maps (the tables are emptied by the DB).
func (m *model) clear() {
	m.usersOf, m.usersByRemote = map[int64]idList{}, map[remoteKey]idList{}
	m.roomsOf, m.roomsByPipe = map[int64]idList{}, map[pipeKey]idList{}
	m.memberSets = map[int64]map[int64]int32{}
	m.messagesOf, m.roomMessages = map[int64]idList{}, map[int64]idList{}
	m.fetch.reset()
}

func (m *model) indexUser(old, nu *user) {
	if old != nil && nu != nil && old.ImbaID == nu.ImbaID && old.RemoteUserID == nu.RemoteUserID {
		return
	}
	if old != nil {
		removeID(m.usersOf, old.ImbaID, old.ID)
		removeID(m.usersByRemote, remoteKey{old.ImbaID, old.RemoteUserID}, old.ID)
	}
	if nu != nil {
		m.usersOf[nu.ImbaID] = m.usersOf[nu.ImbaID].insert(nu.ID)
		k := remoteKey{nu.ImbaID, nu.RemoteUserID}
		m.usersByRemote[k] = m.usersByRemote[k].insert(nu.ID)
	}
}

func (m *model) indexRoom(old, nr *room) {
	if old == nil || nr == nil || old.ImbaID != nr.ImbaID || old.Pipe != nr.Pipe {
		if old != nil {
			removeID(m.roomsOf, old.ImbaID, old.ID)
			removeID(m.roomsByPipe, pipeKey{old.ImbaID, old.Pipe}, old.ID)
		}
		if nr != nil {
			m.roomsOf[nr.ImbaID] = m.roomsOf[nr.ImbaID].insert(nr.ID)
			k := pipeKey{nr.ImbaID, nr.Pipe}
			m.roomsByPipe[k] = m.roomsByPipe[k].insert(nr.ID)
		}
	}
	var before, after []int64
	var id int64
	if old != nil {
		before, id = old.Members, old.ID
	}
	if nr != nil {
		after, id = nr.Members, nr.ID
	}
	if sameSlice(before, after) {
		return // a change of anything but the members (a message's date)
	}
	if len(after) <= memberScan {
		delete(m.memberSets, id)
		return
	}
	set := m.memberSets[id] // the set of before, if it had one
	if set == nil {
		set = make(map[int64]int32, len(after))
		for _, u := range after {
			set[u]++
		}
		m.memberSets[id] = set
		return
	}
	// Members are only ever appended: what both lists start with stays.
	common := 0
	for common < len(before) && common < len(after) && before[common] == after[common] {
		common++
	}
	for _, u := range before[common:] {
		if set[u]--; set[u] <= 0 {
			delete(set, u)
		}
	}
	for _, u := range after[common:] {
		set[u]++
	}
}

// memberScan is the most members a room has for a membership check to
// scan its list; a room with more keeps them as a set too (memberSets).
const memberScan = 32

// sameSlice reports whether a and b are the same slice (a row copied with
// its members left as they were).
func sameSlice(a, b []int64) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (m *model) indexMessage(old, nm *message) {
	if old != nil && nm != nil && old.ImbaID == nm.ImbaID && old.RoomID == nm.RoomID {
		return
	}
	if old != nil {
		removeID(m.messagesOf, old.ImbaID, old.ID)
		removeID(m.roomMessages, old.RoomID, old.ID)
	}
	if nm != nil {
		m.messagesOf[nm.ImbaID] = m.messagesOf[nm.ImbaID].insert(nm.ID)
		m.roomMessages[nm.RoomID] = m.roomMessages[nm.RoomID].insert(nm.ID)
	}
}

// idList is a set of ids in ascending order. New rows have the highest
// ids, so inserting one is an append.
type idList []int64

func (l idList) insert(id int64) idList {
	if n := len(l); n == 0 || l[n-1] < id {
		return append(l, id)
	}
	i, found := slices.BinarySearch(l, id)
	if found {
		return l
	}
	return slices.Insert(l, i, id)
}

func (l idList) remove(id int64) idList {
	if n := len(l); n > 0 && l[n-1] == id {
		return l[:n-1]
	}
	if i, found := slices.BinarySearch(l, id); found {
		return slices.Delete(l, i, i+1)
	}
	return l
}

// removeID takes id out of the list at k, dropping the list once empty.
func removeID[K comparable](lists map[K]idList, k K, id int64) {
	l := lists[k].remove(id)
	if len(l) == 0 {
		delete(lists, k)
		return
	}
	lists[k] = l
}

// userByRemoteID is a widget's user (not deleted) by the external site's
// id: the one with the lowest id if several share it.
func (m *model) userByRemoteID(imbaID int64, remote string) (user, bool) {
	for _, id := range m.usersByRemote[remoteKey{imbaID, remote}] {
		if u, ok := m.users.Get(id); ok && u.DeletedAt == nil {
			return u, true
		}
	}
	return user{}, false
}

// roomByPipe is a widget's room (not deleted) by its pipe.
func (m *model) roomByPipe(imbaID int64, pipe string) (room, bool) {
	for _, id := range m.roomsByPipe[pipeKey{imbaID, pipe}] {
		if r, ok := m.rooms.Get(id); ok && r.DeletedAt == nil {
			return r, true
		}
	}
	return room{}, false
}

// widgetRoom is a widget's room by id, deleted or not.
func (m *model) widgetRoom(imbaID, roomID int64) (room, bool) {
	r, ok := m.rooms.Get(roomID)
	return r, ok && r.ImbaID == imbaID
}

// isMember reports whether a stored room lists a user among its members.
func (m *model) isMember(r *room, userID int64) bool {
	if set, ok := m.memberSets[r.ID]; ok {
		return set[userID] > 0
	}
	return slices.Contains(r.Members, userID)
}

// formatDate renders t as ImbaChat does; nil stays null.
func formatDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(dateLayout)
}

// roleOf is a member's role in the room: the room's admin is "admin".
func (r *room) roleOf(userID int64) string {
	if r.AdminID == userID {
		return "admin"
	}
	return "user"
}
