package imbachat

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
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

type v1Envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    []any  `json:"data"`
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
		for _, k := range keys {
			v := ids
			name := "users_ids"
			if k != "" {
				v, name = ids.Lookup(k), "users_ids["+k+"]"
			}
			if v.IsTree() {
				return nil, errInvalid(name, "expected a user id, got an array")
			}
			s := v.String()
			if s == "" && k == "" {
				continue // users_ids= sent empty: no members
			}
			if n, err := strconv.ParseInt(s, 10, 64); err != nil || n < 0 {
				return nil, errInvalid(name, "expected the id of a user of the external site, got %q", s)
			}
			rr.remoteIDs = append(rr.remoteIDs, s)
		}
	}
	return rr, nil
}

// imbaRooms implements spec 1.1 "Create a new group with members" and 1.2
// "Adding new members to the group": a room found by room_id, else by
// room_pipe, gets the users_ids as members; otherwise a new room is created.
func (s *Service) imbaRooms(req *core.Request) (*core.Response, error) {
	w := req.Principal.(*principal).Widget
	rr, err := parseRoomRequest(req)
	if err != nil {
		return nil, err
	}
	var result any
	err = s.deps.Store.Update(func(tx *core.Tx) error {
		r, err := findRoom(tx, w.ImbaID, rr)
		if err != nil {
			return err
		}
		members, err := ensureUsers(tx, w.ImbaID, rr.remoteIDs, req.Now)
		if err != nil {
			return err
		}
		if r != nil {
			for _, m := range members {
				if !r.hasMember(m) {
					r.Members = append(r.Members, m)
				}
			}
			r.UpdatedAt = req.Now
			result = updatedRoom{Error: false, Success: true, RoomID: strconv.FormatInt(r.ID, 10)}
			return storeRoom(tx, r)
		}
		r, err = newRoom(tx, w.ImbaID, rr, members, req.Now)
		if err != nil {
			return err
		}
		result = createdRoom{Success: true, RoomID: r.ID, RoomID2: r.ID}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return core.OK(v1Envelope{Code: 200, Message: "Success", Data: []any{result}}), nil
}

// findRoom locates the room a request names: by room_id (unknown: 404),
// else by room_pipe (unknown: nil, a room with that pipe will be created).
func findRoom(tx *core.Tx, imbaID int64, rr *roomRequest) (*room, error) {
	if rr.roomID != 0 {
		var r room
		found, err := tx.Get(roomKey(rr.roomID), &r)
		if err != nil {
			return nil, err
		}
		if !found || r.ImbaID != imbaID || r.DeletedAt != nil {
			return nil, errNotFound("Room %d not found", rr.roomID)
		}
		return &r, nil
	}
	if rr.pipe == "" {
		return nil, nil
	}
	return roomByPipe(tx, imbaID, rr.pipe)
}

func roomByPipe(tx *core.Tx, imbaID int64, pipe string) (*room, error) {
	var out *room
	err := core.EachEqual(tx, idxRoomPipe, pipePivot(imbaID, pipe), func(r *room) bool {
		if r.DeletedAt == nil {
			out = r
		}
		return out == nil
	})
	return out, err
}

// pipePivot is the pivot of idxRoomPipe, {"imba_id":…,"pipe":…}, built by
// hand: a new room looks its pipe up inside the write transaction.
func pipePivot(imbaID int64, pipe string) json.RawMessage {
	pivot := strconv.AppendInt(append(make([]byte, 0, 64), `{"imba_id":`...), imbaID, 10)
	return append(core.AppendJSONString(append(pivot, `,"pipe":`...), pipe), '}')
}

func newRoom(tx *core.Tx, imbaID int64, rr *roomRequest, members []int64, now time.Time) (*room, error) {
	id, err := tx.NextID(seqName(kindRoom))
	if err != nil {
		return nil, err
	}
	pipe := rr.pipe
	// The room id makes the microseconds unique server-wide; a client-chosen
	// pipe that happens to look the same is stepped over.
	for bump := id; pipe == ""; bump++ {
		candidate := uniqidPipe(now, bump)
		existing, err := roomByPipe(tx, imbaID, candidate)
		if err != nil {
			return nil, err
		}
		if existing == nil {
			pipe = candidate
		}
	}
	r := &room{ID: id, ImbaID: imbaID, Pipe: pipe, Name: rr.title, Type: rr.roomType, IsPublic: rr.isPublic,
		Members: members, CreatedAt: now, UpdatedAt: now}
	if len(members) > 0 {
		r.AdminID = members[0]
	}
	return r, storeRoom(tx, r)
}

// ensureUsers maps external-site ids to internal user ids, creating the
// users the widget does not know yet. Repeated ids appear once.
func ensureUsers(tx *core.Tx, imbaID int64, remoteIDs []string, now time.Time) ([]int64, error) {
	out := make([]int64, 0, len(remoteIDs))
	seen := map[int64]bool{}
	for _, remote := range remoteIDs {
		u, err := userByRemoteID(tx, imbaID, remote)
		if err != nil {
			return nil, err
		}
		if u == nil {
			id, err := tx.NextID(seqName(kindUser))
			if err != nil {
				return nil, err
			}
			u = &user{ID: id, ImbaID: imbaID, RemoteUserID: remote, Name: "User " + remote, Login: "NULL",
				Password: "NULL", Status: "user", UserData: json.RawMessage("null"),
				AvatarURL: avatarURL(imbaID, remote), CreatedAt: now, UpdatedAt: now}
			if err := tx.Put(userKey(id), u); err != nil {
				return nil, err
			}
		}
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// roomObject is a room as get_rooms shows it.
type roomObject struct {
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

func (r *room) object() roomObject {
	return roomObject{ID: r.ID, Pipe: r.Pipe, Name: r.Name, AdminID: r.AdminID, Type: r.Type, Tab: r.Tab,
		IsPublic: r.IsPublic, CreatedAt: formatDate(&r.CreatedAt), UpdatedAt: formatDate(&r.UpdatedAt),
		DeletedAt: formatDate(r.DeletedAt), Status: r.Status, ImbaID: r.ImbaID}
}

// v2Envelope is the v2 list envelope: "success" is the string "true".
type v2Envelope struct {
	Success string `json:"success"`
	Data    any    `json:"data"`
	Code    int    `json:"code"`
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

func (f *roomFilter) match(r *room) bool {
	eq := func(p *int64, v int64) bool { return p == nil || *p == v }
	return r.DeletedAt == nil &&
		eq(f.roomType, int64(r.Type)) && eq(f.status, int64(r.Status)) && eq(f.imbaID, r.ImbaID) &&
		eq(f.countUsers, int64(len(r.Members))) && f.lastMessage.match(r.LastMessageAt) &&
		(f.banned == nil || *f.banned == r.Banned) &&
		(f.member < 0 || r.hasMember(f.member))
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
	out := []roomObject{}
	err = s.deps.Store.View(func(tx *core.Tx) error {
		if p.JWTUser != "" {
			u, err := userByRemoteID(tx, p.Widget.ImbaID, p.JWTUser)
			if err != nil {
				return err
			}
			if u == nil {
				return nil // a user ImbaChat has not seen yet is in no room
			}
			f.member = u.ID
		}
		rooms, err := widgetRooms(tx, p.Widget.ImbaID)
		if err != nil {
			return err
		}
		for i := len(rooms) - 1; i >= 0; i-- {
			if f.match(&rooms[i]) {
				out = append(out, rooms[i].object())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return core.OK(v2Envelope{Success: "true", Data: out, Code: 200}), nil
}

// widgetRooms returns a widget's rooms in id order.
func widgetRooms(tx *core.Tx, imbaID int64) ([]room, error) {
	return core.AllEqual[room](tx, idxRoomWidget, map[string]any{"imba_id": imbaID})
}
