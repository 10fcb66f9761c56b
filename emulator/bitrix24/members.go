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
// no index has to be kept up to date on every join. Each document is read
// as encoding/json decodes a chatMember: through gjson when its two fields
// are plainly there, else decoded whole.
func memberIDs(tx *core.Tx, portal string, chatID int64) ([]int64, error) {
	prefix := memberKeyPrefix(portal, chatID)
	var members []chatMember
	var decodeErr error
	// ';' follows ':', so the range holds exactly the keys under prefix.
	err := tx.ScanKeyRange(prefix+":", prefix+";", func(key, raw string) bool {
		m, ok := memberOf(raw)
		if !ok {
			if decodeErr = json.Unmarshal([]byte(raw), &m); decodeErr != nil {
				decodeErr = fmt.Errorf("decoding %s: %w", key, decodeErr)
				return false
			}
		}
		members = append(members, m)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, err
	}
	// Stable: equal orders keep key (user id) order.
	slices.SortStableFunc(members, func(a, b chatMember) int { return cmp.Compare(a.Order, b.Order) })
	out := make([]int64, len(members))
	for i, m := range members {
		out[i] = m.UserID
	}
	return out, nil
}

// memberOf reads a member document's user id and order without decoding
// the rest; ok is false when encoding/json might read them otherwise
// (invalid JSON, another type, a name in another case or repeated).
func memberOf(raw string) (m chatMember, ok bool) {
	if !gjson.Valid(raw) || !exactFields(gjson.Parse(raw), "user_id", "order") {
		return m, false
	}
	f := gjson.GetMany(raw, "user_id", "order")
	id, err1 := strconv.ParseInt(f[0].Raw, 10, 64)
	order, err2 := strconv.ParseInt(f[1].Raw, 10, 64)
	switch {
	case f[0].Type != gjson.Number || err1 != nil:
		return m, false
	case f[1].Type == gjson.Null || !f[1].Exists():
		order = 0
	case f[1].Type != gjson.Number || err2 != nil:
		return m, false
	}
	return chatMember{UserID: id, Order: order}, true
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
// preparation.
func (m *chatMember) appendJSON(b []byte) []byte {
	b = append(b, `{"portal":`...)
	b = core.AppendJSONString(b, m.Portal)
	b = append(b, `,"chat_id":`...)
	b = strconv.AppendInt(b, m.ChatID, 10)
	b = append(b, `,"user_id":`...)
	b = strconv.AppendInt(b, m.UserID, 10)
	b = append(b, `,"order":`...)
	b = strconv.AppendInt(b, m.Order, 10)
	return append(b, '}')
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
