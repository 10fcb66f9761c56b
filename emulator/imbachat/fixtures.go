package imbachat

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/chatemu/chatemu/internal/core"
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

// sectionPath is the JSON pointer of a fixture section's row.
func sectionPath(list string, i int) string { return fmt.Sprintf("/imbachat/%s/%d", list, i) }

// earliestDate is the first instant ImbaChat can store: its dates are unix
// timestamps (MySQL TIMESTAMP columns, send_msg's "time" in unix seconds).
var earliestDate = time.Unix(0, 0).UTC()

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
// derived from the messages. What a schema cannot see is checked first,
// and every problem of the section is reported at once as a
// *core.ValidationError, nothing written: ids defined twice, a widget, user,
// room or message referred to that neither the section nor the state
// holds, a user of another widget, a date ImbaChat cannot store, a string
// longer than its column. A missing created_at is the emulator clock's now.
func (s *Service) ApplyFixtures(tx *state.Tx, raw json.RawMessage) error {
	var sec fixtureSection
	if err := json.Unmarshal(raw, &sec); err != nil {
		return fmt.Errorf("imbachat fixtures: %w", err)
	}
	c := newFixtureCheck(s.m, s.deps.Clock.Now().UTC().Truncate(time.Second))
	rows := c.section(&sec)
	if len(c.problems) > 0 {
		return &core.ValidationError{Problems: c.problems}
	}
	m := s.m
	for _, w := range rows.widgets {
		m.widgets.Put(tx, w)
	}
	for _, u := range rows.users {
		m.users.Put(tx, u)
	}
	for _, r := range rows.rooms {
		m.rooms.Put(tx, r)
	}
	for _, msg := range rows.messages {
		m.recordMessage(tx, msg)
	}
	return nil
}

// fixtureRows are a section's rows, built and checked, ready to be stored.
type fixtureRows struct {
	widgets  []widget
	users    []user
	rooms    []room
	messages []message
}

// fixtureCheck builds a section's rows and collects its problems. A
// reference is good when the section or the current state holds what it
// names (the section's row first: it replaces the stored one).
type fixtureCheck struct {
	m        *model
	now      time.Time
	problems []core.Problem
	// Where each id of a list is first defined (id -> index).
	widgets, userAt, roomAt, messages map[int64]int
	// The section's users and rooms built so far, by id.
	users map[int64]*user
	rooms map[int64]*room
	// Every message id of the section: an answer may precede its message.
	answers map[int64]bool
}

func newFixtureCheck(m *model, now time.Time) *fixtureCheck {
	return &fixtureCheck{m: m, now: now, widgets: map[int64]int{}, users: map[int64]*user{}, rooms: map[int64]*room{},
		messages: map[int64]int{}, answers: map[int64]bool{}, userAt: map[int64]int{}, roomAt: map[int64]int{}}
}

func (c *fixtureCheck) add(path, format string, args ...any) {
	c.problems = append(c.problems, core.Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// duplicate reports an id (in the field idName) defined before in the
// same list.
func (c *fixtureCheck) duplicate(seen map[int64]int, list string, i int, idName, what string, id int64) bool {
	if first, ok := seen[id]; ok {
		c.add(sectionPath(list, i)+"/"+idName, "%s %d is defined twice in the section, first at %s", what, id, sectionPath(list, first))
		return true
	}
	seen[id] = i
	return false
}

// date reads a fixture date: def when it is missing, a problem when it is
// not a date or one ImbaChat cannot store.
func (c *fixtureCheck) date(path, s string, def time.Time) time.Time {
	if s == "" {
		return def
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		c.add(path, "not a date: expected %q, got %q", dateLayout, s)
		return def
	}
	if t.Before(earliestDate) {
		c.add(path, "%s is before %s: ImbaChat's dates are unix timestamps", s, earliestDate.Format(dateLayout))
	}
	return t
}

func (c *fixtureCheck) optionalDate(path string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := c.date(path, *s, time.Time{})
	return &t
}

func (c *fixtureCheck) widgetKnown(id int64) bool {
	if _, ok := c.widgets[id]; ok {
		return true
	}
	return c.m.widgets.Has(id)
}

func (c *fixtureCheck) user(id int64) (*user, bool) {
	if u, ok := c.users[id]; ok {
		return u, true
	}
	u, ok := c.m.users.Get(id)
	return &u, ok
}

func (c *fixtureCheck) room(id int64) (*room, bool) {
	if r, ok := c.rooms[id]; ok {
		return r, true
	}
	r, ok := c.m.rooms.Get(id)
	return &r, ok
}

// widgetUser checks that path names a user, of widget imbaID when that is
// known (not 0).
func (c *fixtureCheck) widgetUser(path string, id, imbaID int64) {
	u, ok := c.user(id)
	switch {
	case !ok:
		c.add(path, "no user %d: neither the section nor the state holds one", id)
	case imbaID != 0 && u.ImbaID != imbaID:
		c.add(path, "user %d is a user of widget %d, not of widget %d", id, u.ImbaID, imbaID)
	}
}

// section builds every row of a section, checking each as it goes.
func (c *fixtureCheck) section(sec *fixtureSection) *fixtureRows {
	rows := &fixtureRows{}
	for i, w := range sec.Widgets {
		if c.duplicate(c.widgets, "widgets", i, "imba_id", "widget", w.ImbaID) {
			continue
		}
		c.problems = append(c.problems, fieldProblems(sectionPath("widgets", i), w.boundedFields()...)...)
		if w.UsersInfoURL != "" {
			if why := checkUsersInfoURL(w.UsersInfoURL); why != "" {
				c.add(sectionPath("widgets", i)+"/users_info_url", "%s", why)
			}
		}
		rows.widgets = append(rows.widgets, w)
	}
	for i := range sec.Users {
		if u, ok := c.fixtureUser(i, &sec.Users[i]); ok {
			rows.users = append(rows.users, *u)
		}
	}
	for i := range sec.Rooms {
		if r, ok := c.fixtureRoom(i, &sec.Rooms[i]); ok {
			rows.rooms = append(rows.rooms, *r)
		}
	}
	c.unique(rows)
	for _, fm := range sec.Messages {
		c.answers[fm.ID] = true
	}
	for i := range sec.Messages {
		if c.duplicate(c.messages, "messages", i, "id", "message", sec.Messages[i].ID) {
			continue
		}
		rows.messages = append(rows.messages, c.fixtureMessage(i, &sec.Messages[i]))
	}
	return rows
}

// unique reports two live rooms of a widget with one pipe, and two live
// users of a widget with one external id, within the section or against
// the state (a stored row the section replaces does not count): the pipe
// and the external id are how the API finds them.
func (c *fixtureCheck) unique(rows *fixtureRows) {
	pipes := map[pipeKey]int64{}
	for _, r := range rows.rooms {
		if r.DeletedAt == nil {
			stored, ok := c.m.roomByPipe(r.ImbaID, r.Pipe)
			uniqueIn(c, pipes, pipeKey{r.ImbaID, r.Pipe}, r.ID, stored.ID, ok, c.roomAt,
				sectionPath("rooms", c.roomAt[r.ID])+"/pipe", fmt.Sprintf("pipe %q", r.Pipe), "room", r.ImbaID)
		}
	}
	remotes := map[remoteKey]int64{}
	for _, u := range rows.users {
		if u.DeletedAt == nil {
			stored, ok := c.m.userByRemoteID(u.ImbaID, u.RemoteUserID)
			uniqueIn(c, remotes, remoteKey{u.ImbaID, u.RemoteUserID}, u.ID, stored.ID, ok, c.userAt,
				sectionPath("users", c.userAt[u.ID])+"/remote_user_id", fmt.Sprintf("external id %q", u.RemoteUserID), "user", u.ImbaID)
		}
	}
}

// uniqueIn reports a row whose key (what) another row of the section has
// already taken (seen), or a stored row the section does not replace
// (replaced: the section's ids of that list) holds.
func uniqueIn[K comparable](c *fixtureCheck, seen map[K]int64, k K, id, storedID int64, stored bool, replaced map[int64]int, path, what, kind string, imbaID int64) {
	if other, ok := seen[k]; ok {
		c.add(path, "%s is %s %d's too, in widget %d", what, kind, other, imbaID)
		return
	}
	seen[k] = id
	if _, isReplaced := replaced[storedID]; stored && storedID != id && !isReplaced {
		c.add(path, "%s is stored %s %d's, in widget %d", what, kind, storedID, imbaID)
	}
}

func (c *fixtureCheck) fixtureUser(i int, fu *fixtureUser) (*user, bool) {
	path := sectionPath("users", i)
	if c.duplicate(c.userAt, "users", i, "id", "user", fu.ID) {
		return nil, false
	}
	created := c.date(path+"/created_at", fu.CreatedAt, c.now)
	u := &user{ID: fu.ID, ImbaID: fu.ImbaID, RemoteUserID: fu.RemoteUserID.String(), Name: fu.Name,
		Login: orNULL(fu.Login), Password: orNULL(fu.Password), Status: fu.Status, UserData: fu.UserData,
		AvatarURL: fu.AvatarURL, Banned: fu.Banned, CreatedAt: created,
		UpdatedAt: c.date(path+"/updated_at", fu.UpdatedAt, created), DeletedAt: c.optionalDate(path+"/deleted_at", fu.DeletedAt)}
	if !c.widgetKnown(u.ImbaID) {
		c.add(path+"/imba_id", "no widget %d: neither the section nor the state holds one", u.ImbaID)
	}
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
	// The row is the profile as ImbaChat holds it, as of updated_at.
	profileAt := u.UpdatedAt
	u.ProfileAt = &profileAt
	c.problems = append(c.problems, fieldProblems(path, u.boundedFields()...)...)
	c.users[u.ID] = u
	return u, true
}

func (c *fixtureCheck) fixtureRoom(i int, fr *fixtureRoom) (*room, bool) {
	path := sectionPath("rooms", i)
	if c.duplicate(c.roomAt, "rooms", i, "id", "room", fr.ID) {
		return nil, false
	}
	created := c.date(path+"/created_at", fr.CreatedAt, c.now)
	r := &room{ID: fr.ID, ImbaID: fr.ImbaID, Pipe: fr.Pipe, Name: fr.Name, AdminID: fr.AdminID, Type: fr.Type,
		Tab: fr.Tab, IsPublic: fr.IsPublic, Status: fr.Status, Banned: fr.Banned, Members: fr.Members,
		CreatedAt: created, UpdatedAt: c.date(path+"/updated_at", fr.UpdatedAt, created),
		DeletedAt: c.optionalDate(path+"/deleted_at", fr.DeletedAt)}
	usersOf := r.ImbaID
	if !c.widgetKnown(r.ImbaID) {
		c.add(path+"/imba_id", "no widget %d: neither the section nor the state holds one", r.ImbaID)
		usersOf = 0 // users are checked for existence only
	}
	if r.AdminID != 0 {
		c.widgetUser(path+"/admin_id", r.AdminID, usersOf)
	}
	for j, id := range r.Members {
		c.widgetUser(fmt.Sprintf("%s/members/%d", path, j), id, usersOf)
	}
	if r.Members == nil {
		r.Members = []int64{}
	}
	if r.Pipe == "" {
		r.Pipe = uniqidPipe(created, r.ID)
	}
	c.problems = append(c.problems, fieldProblems(path, r.boundedFields()...)...)
	c.rooms[r.ID] = r
	return r, true
}

func (c *fixtureCheck) fixtureMessage(i int, fm *fixtureMessage) message {
	path := sectionPath("messages", i)
	at := c.date(path+"/time", fm.Time, time.Time{})
	msg := message{ID: fm.ID, RoomID: fm.RoomID, UserID: fm.UserID, UUID: fm.UUID,
		Text: fm.Message, Time: at, AnswerTo: fm.AnswerTo, Liked: fm.Liked}
	if r, ok := c.room(fm.RoomID); ok {
		msg.ImbaID = r.ImbaID
		c.widgetUser(path+"/user_id", fm.UserID, r.ImbaID)
	} else {
		c.add(path+"/room_id", "no room %d: neither the section nor the state holds one", fm.RoomID)
		c.widgetUser(path+"/user_id", fm.UserID, 0)
	}
	if fm.AnswerTo != 0 {
		if !c.answers[fm.AnswerTo] && !c.m.messages.Has(fm.AnswerTo) {
			c.add(path+"/answer_to", "no message %d: neither the section nor the state holds one", fm.AnswerTo)
		}
	}
	if msg.Liked == "" {
		msg.Liked = "0"
	}
	if msg.UUID == "" {
		msg.UUID = fmt.Sprintf("%d-%d-%s", msg.RoomID, at.Unix(), "fixtur")
	}
	c.problems = append(c.problems, fieldProblems(path, msg.boundedFields()...)...)
	return msg
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
