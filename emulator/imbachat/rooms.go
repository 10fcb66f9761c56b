package imbachat

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// defaultRoomTitle is what a room is called when room_title is not sent.
const defaultRoomTitle = "new room"

// defaultRoomType is used when room_type is not sent: the endpoint creates
// "a new group", so a conference (docs/fidelity.md).
const defaultRoomType = 1

// uniqidPipe is the server-generated pipe: PHP uniqid() of the creation
// time (8 hex digits of seconds, 5 of microseconds), "_", unix seconds.
// bump shifts the microseconds: rooms created in the same microsecond (a
// frozen emulator clock) still get distinct pipes, as uniqid guarantees
// across the whole server.
func uniqidPipe(t time.Time, bump int64) string {
	usec := (int64(t.Nanosecond()/1000) + bump) % 0x100000
	return fmt.Sprintf("%08x%05x_%d", t.Unix(), usec, t.Unix())
}

type createdRoom struct {
	Success bool  `json:"success"`
	RoomID  int64 `json:"roomId"`
	RoomID2 int64 `json:"room_id"`
}

type updatedRoom struct {
	Error   bool   `json:"error"`
	Success bool   `json:"success"`
	RoomID  string `json:"room_id"`
}

// roomRequest is a validated imba_rooms request.
type roomRequest struct {
	title     string
	pipe      string
	isPublic  int
	roomType  int
	roomID    int64 // 0: not sent
	remoteIDs []string
}

func parseRoomRequest(req *core.Request) (*roomRequest, error) {
	rr := &roomRequest{title: defaultRoomTitle, roomType: defaultRoomType}
	if v, ok := param(req, "room_title"); ok {
		rr.title = v
	}
	rr.pipe, _ = param(req, "room_pipe")
	if err := boundedParam("room_title", rr.title, varcharColumn); err != nil {
		return nil, err
	}
	if err := boundedParam("room_pipe", rr.pipe, varcharColumn); err != nil {
		return nil, err
	}
	if v, ok, err := optionalInt(req, "room_type"); err != nil {
		return nil, err
	} else if ok {
		if v != 0 && v != 1 && v != 3 {
			return nil, errInvalid("room_type", "possible values are 0 (dialogue), 1 (conference) and 3 (technical support room), got %d", v)
		}
		rr.roomType = int(v)
	}
	if v, ok, err := optionalInt(req, "room_is_public"); err != nil {
		return nil, err
	} else if ok {
		if v != 0 && v != 1 {
			return nil, errInvalid("room_is_public", "possible values are 0 (closed) and 1 (public), got %d", v)
		}
		rr.isPublic = int(v)
	}
	if v, ok, err := optionalInt(req, "room_id"); err != nil {
		return nil, err
	} else if ok {
		rr.roomID = v
	}
	ids := req.Params.Lookup("users_ids")
	if ids != nil {
		keys := []string{""}
		if ids.IsTree() {
			keys = ids.SortedKeys()
		}
		rr.remoteIDs = make([]string, 0, len(keys))
		for _, k := range keys {
			v := ids
			if k != "" {
				v = ids.Lookup(k)
			}
			if v.IsTree() {
				return nil, errInvalid(usersIDsName(k), "expected a user id, got an array")
			}
			s := strings.TrimSpace(v.String()) // a number, read as PHP reads one
			if s == "" && k == "" {
				continue // users_ids= sent empty: no members
			}
			if err := boundedParam(usersIDsName(k), s, varcharColumn); err != nil {
				return nil, err // leading zeros: a number, yet too long to store
			}
			if n, err := strconv.ParseInt(s, 10, 64); err != nil || n < 0 {
				return nil, errInvalid(usersIDsName(k), "expected the id of a user of the external site, got %q", s)
			}
			rr.remoteIDs = append(rr.remoteIDs, s)
		}
	}
	return rr, nil
}

// usersIDsName is how an error names the users_ids element under key k.
func usersIDsName(k string) string {
	if k == "" {
		return "users_ids"
	}
	return "users_ids[" + k + "]"
}

// imbaRooms implements spec 1.1 "Create a new group with members" and 1.2
// "Adding new members to the group": a room found by room_id, else by
// room_pipe, gets the users_ids as members; otherwise a new room is created.
// The site is then asked about the users_ids without a fresh profile
// (profiles.go).
func (s *Service) imbaRooms(req *core.Request) (*core.Response, error) {
	w := req.Principal.(*principal).Widget
	rr, err := parseRoomRequest(req)
	if err != nil {
		return nil, err
	}
	var result any
	var ask *profileAsk
	m := s.m
	err = m.db.Update(func(tx *state.Tx) error {
		r, found, err := m.findRoom(w.ImbaID, rr)
		if err != nil {
			return err
		}
		members, err := m.ensureUsers(tx, w.ImbaID, rr.remoteIDs, req.Now)
		if err != nil {
			return err
		}
		ask = m.profileAsk(w.ImbaID, members, req.Now)
		if found {
			// A new slice: the stored row keeps the members it had.
			list := r.Members[:len(r.Members):len(r.Members)]
			for _, id := range members {
				if !m.isMember(&r, id) {
					list = append(list, id)
				}
			}
			r.Members, r.UpdatedAt = list, req.Now
			m.rooms.Put(tx, r)
			result = updatedRoom{Error: false, Success: true, RoomID: strconv.FormatInt(r.ID, 10)}
			return nil
		}
		id, err := m.newRoom(tx, w.ImbaID, rr, members, req.Now)
		if err != nil {
			return err
		}
		result = createdRoom{Success: true, RoomID: id, RoomID2: id}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.askProfiles(req.Outbox(), ask)
	return v1OK(result), nil
}

// findRoom locates the room a request names: by room_id (unknown: 404),
// else by room_pipe (unknown: not found, a room with that pipe will be
// created).
func (m *model) findRoom(imbaID int64, rr *roomRequest) (room, bool, error) {
	if rr.roomID != 0 {
		r, ok := m.widgetRoom(imbaID, rr.roomID)
		if !ok || r.DeletedAt != nil {
			return room{}, false, errNotFound("Room %d not found", rr.roomID)
		}
		return r, true, nil
	}
	if rr.pipe == "" {
		return room{}, false, nil
	}
	r, ok := m.roomByPipe(imbaID, rr.pipe)
	return r, ok, nil
}

// newRoom creates a room and returns its id.
func (m *model) newRoom(tx *state.Tx, imbaID int64, rr *roomRequest, members []int64, now time.Time) (int64, error) {
	id, err := m.nextID(tx, seqRoom, kindRoom)
	if err != nil {
		return 0, err
	}
	pipe := rr.pipe
	// The room id makes the microseconds unique server-wide; a client-chosen
	// pipe that happens to look the same is stepped over.
	for bump := id; pipe == ""; bump++ {
		candidate := uniqidPipe(now, bump)
		if _, taken := m.roomByPipe(imbaID, candidate); !taken {
			pipe = candidate
		}
	}
	r := room{ID: id, ImbaID: imbaID, Pipe: pipe, Name: rr.title, Type: rr.roomType, IsPublic: rr.isPublic,
		Members: members, CreatedAt: now, UpdatedAt: now}
	if len(members) > 0 {
		r.AdminID = members[0]
	}
	m.rooms.Put(tx, r)
	return id, nil
}

// ensureUsers maps external-site ids to internal user ids, creating the
// users the widget does not know yet. Repeated ids appear once.
func (m *model) ensureUsers(tx *state.Tx, imbaID int64, remoteIDs []string, now time.Time) ([]int64, error) {
	out := make([]int64, 0, len(remoteIDs))
	var seen map[int64]bool // only for long lists
	if len(remoteIDs) > 16 {
		seen = make(map[int64]bool, len(remoteIDs))
	}
	for _, remote := range remoteIDs {
		u, ok := m.userByRemoteID(imbaID, remote)
		if !ok {
			id, err := m.nextID(tx, seqUser, kindUser)
			if err != nil {
				return nil, err
			}
			u = user{ID: id, ImbaID: imbaID, RemoteUserID: remote, Name: "User " + remote,
				Login: "NULL", Password: "NULL", Status: "user", UserData: json.RawMessage("null"),
				AvatarURL: avatarURL(imbaID, remote), CreatedAt: now, UpdatedAt: now}
			m.users.Put(tx, u)
		}
		switch {
		case seen != nil:
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
		case slices.Contains(out, u.ID):
			continue
		}
		out = append(out, u.ID)
	}
	return out, nil
}

// RoomObject is a room as get_rooms shows it.
type RoomObject struct {
	ID        int64  `json:"id"`
	Pipe      string `json:"pipe"`
	Name      string `json:"name"`
	AdminID   int64  `json:"admin_id"`
	Type      int    `json:"type"`
	Tab       int    `json:"tab"`
	IsPublic  int    `json:"is_public"`
	CreatedAt any    `json:"created_at"`
	UpdatedAt any    `json:"updated_at"`
	DeletedAt any    `json:"deleted_at"`
	Status    int    `json:"status"`
	ImbaID    int64  `json:"imba_id"`
}

func (r *room) object() RoomObject {
	return RoomObject{ID: r.ID, Pipe: r.Pipe, Name: r.Name, AdminID: r.AdminID, Type: r.Type, Tab: r.Tab,
		IsPublic: r.IsPublic, CreatedAt: formatDate(&r.CreatedAt), UpdatedAt: formatDate(&r.UpdatedAt),
		DeletedAt: formatDate(r.DeletedAt), Status: r.Status, ImbaID: r.ImbaID}
}

type roomFilter struct {
	roomType, status, imbaID, countUsers *int64
	lastMessage                          *dateFilter
	banned                               *bool
	member                               int64 // JWT user's internal id; -1: none
}

func parseRoomFilter(req *core.Request) (*roomFilter, error) {
	f := &roomFilter{member: -1}
	if err := parseIntFilters(req, intFilter{"room_type", &f.roomType}, intFilter{"status", &f.status}, intFilter{"imba_id", &f.imbaID}, intFilter{"count_users", &f.countUsers}); err != nil {
		return nil, err
	}
	if f.roomType != nil && *f.roomType != 0 && *f.roomType != 1 && *f.roomType != 3 {
		return nil, errInvalid("room_type", "possible values are 0, 1 and 3, got %d", *f.roomType)
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

func (f *roomFilter) match(m *model, r *room) bool {
	eq := func(p *int64, v int64) bool { return p == nil || *p == v }
	return r.DeletedAt == nil &&
		eq(f.roomType, int64(r.Type)) && eq(f.status, int64(r.Status)) && eq(f.imbaID, r.ImbaID) &&
		eq(f.countUsers, int64(len(r.Members))) && f.lastMessage.match(r.LastMessageAt) &&
		(f.banned == nil || *f.banned == r.Banned) &&
		(f.member < 0 || m.isMember(r, f.member))
}

// getRooms implements "API for getting a list of rooms with filters
// applied": the widget's rooms, newest first, narrowed by every documented
// filter; with a JWT, only the rooms the token's user is a member of.
func (s *Service) getRooms(req *core.Request) (*core.Response, error) {
	p := req.Principal.(*principal)
	f, err := parseRoomFilter(req)
	if err != nil {
		return nil, err
	}
	out := []RoomObject{}
	m := s.m
	m.db.View(func() error {
		if p.JWTUser != "" {
			u, ok := m.userByRemoteID(p.Widget.ImbaID, p.JWTUser)
			if !ok {
				return nil // a user ImbaChat has not seen yet is in no room
			}
			f.member = u.ID
		}
		ids := m.roomsOf[p.Widget.ImbaID]
		for i := len(ids) - 1; i >= 0; i-- {
			if r, ok := m.rooms.Get(ids[i]); ok && f.match(m, &r) {
				out = append(out, r.object())
			}
		}
		return nil
	})
	return v2OK(out), nil
}
