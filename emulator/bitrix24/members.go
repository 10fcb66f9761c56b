package bitrix24

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/chatemu/chatemu/emulator/core"
)

// Chat membership is stored one document per member (chatMember), not as
// a list inside the chat document, so that adding or removing a member
// writes one small document whatever the chat's size. A chat's member keys
// share a prefix, so its members are a key range; each document's "order"
// (from a sequence) is its join order.
//
// A chat document written by an earlier version still holds its members
// as a list (chat.Members): the helpers below read that list as it is, and
// the first change of membership turns it into member documents.

// isMember reports whether user id is a member of ch (false for no chat).
func isMember(tx *core.Tx, ch *chat, id int64) (bool, error) {
	if ch == nil {
		return false, nil
	}
	if ch.Members != nil {
		return containsID(ch.Members, id), nil
	}
	if id <= 0 {
		return false, nil
	}
	_, found, err := tx.GetRaw(memberKey(ch.Portal, ch.ID, id))
	return found, err
}

// chatMembers returns the members of ch in joining order (never nil).
func chatMembers(tx *core.Tx, ch *chat) ([]int64, error) {
	if ch.Members != nil {
		return append([]int64{}, ch.Members...), nil
	}
	return memberIDs(tx, ch.Portal, ch.ID)
}

// memberIDs reads the member documents of a chat in joining order. A
// chat's member keys share one prefix (memberKey), so they are found by a
// key range, and sorted by their join order here: chats are small, and
// no index has to be kept up to date on every join.
func memberIDs(tx *core.Tx, portal string, chatID int64) ([]int64, error) {
	prefix := memberKeyPrefix(portal, chatID)
	type joined struct{ order, id int64 }
	var members []joined
	var decodeErr error
	// ';' follows ':', so the range holds exactly the keys under prefix.
	err := tx.ScanKeyRange(prefix+":", prefix+";", func(key, raw string) bool {
		// Only two fields are needed: read them without decoding the rest.
		f := gjson.GetMany(raw, "user_id", "order")
		if f[0].Type != gjson.Number || (f[1].Exists() && f[1].Type != gjson.Number) {
			decodeErr = fmt.Errorf("decoding %s: user_id and order must be numbers in %.100q", key, raw)
			return false
		}
		members = append(members, joined{order: f[1].Int(), id: f[0].Int()})
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, err
	}
	// Stable: equal orders keep key (user id) order.
	slices.SortStableFunc(members, func(a, b joined) int { return cmp.Compare(a.order, b.order) })
	out := make([]int64, len(members))
	for i, m := range members {
		out[i] = m.id
	}
	return out, nil
}

// ownMembers makes sure ch's members are member documents: a chat that
// still holds a list has it converted (and the chat rewritten without it).
func ownMembers(tx *core.Tx, ch *chat) error {
	if ch.Members == nil {
		return nil
	}
	legacy := ch.Members
	ch.Members = nil
	if err := setMembers(tx, ch.Portal, ch.ID, legacy); err != nil {
		return err
	}
	return putChat(tx, ch)
}

// setMembers replaces a chat's members with ids, in that joining order
// (repeated ids join once).
func setMembers(tx *core.Tx, portal string, chatID int64, ids []int64) error {
	old, err := memberIDs(tx, portal, chatID)
	if err != nil {
		return err
	}
	for _, id := range old {
		if err := tx.Delete(memberKey(portal, chatID, id)); err != nil {
			return err
		}
	}
	for i, id := range ids {
		if containsID(ids[:i], id) {
			continue
		}
		if err := joinChat(tx, portal, chatID, id); err != nil {
			return err
		}
	}
	return nil
}

// addMember makes user id, not a member yet, the newest member of ch (a
// member list ch still holds becomes member documents first).
func addMember(tx *core.Tx, ch *chat, id int64) error {
	if err := ownMembers(tx, ch); err != nil {
		return err
	}
	return joinChat(tx, ch.Portal, ch.ID, id)
}

func joinChat(tx *core.Tx, portal string, chatID, id int64) error {
	order, err := tx.NextID(seqName(portal, kindChatUser))
	if err != nil {
		return err
	}
	m := chatMember{Portal: portal, ChatID: chatID, UserID: id, Order: order}
	return tx.PutRaw(memberKey(portal, chatID, id), string(m.appendJSON(make([]byte, 0, 96))))
}

// appendJSON appends m encoded exactly as encoding/json encodes it. Every
// membership change writes one inside the write transaction, where the
// reflection-driven encoder cost more than the rest of the document's
// preparation; a portal name needing escapes (never one the fixture schema
// allows) is encoded by encoding/json itself.
func (m *chatMember) appendJSON(b []byte) []byte {
	if !plainJSONString(m.Portal) {
		raw, _ := json.Marshal(m) // four plain fields always encode
		return append(b, raw...)
	}
	b = append(b, `{"portal":"`...)
	b = append(b, m.Portal...)
	b = append(b, `","chat_id":`...)
	b = strconv.AppendInt(b, m.ChatID, 10)
	b = append(b, `,"user_id":`...)
	b = strconv.AppendInt(b, m.UserID, 10)
	b = append(b, `,"order":`...)
	b = strconv.AppendInt(b, m.Order, 10)
	return append(b, '}')
}

// plainJSONString reports whether encoding/json writes s between quotes as
// it is: printable ASCII without the characters it escapes (the quote, the
// backslash and, as HTML escaping, <, > and &).
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// dropMember removes user id from ch's members (a non-member is no error).
func dropMember(tx *core.Tx, ch *chat, id int64) error {
	if err := ownMembers(tx, ch); err != nil {
		return err
	}
	return tx.Delete(memberKey(ch.Portal, ch.ID, id))
}

// firstMember is ch's longest-standing member, 0 when it has none.
func firstMember(tx *core.Tx, ch *chat) (int64, error) {
	ids, err := chatMembers(tx, ch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
