package bitrix24

import (
	"slices"

	"github.com/chatemu/chatemu/internal/state"
)

// Chat membership is stored one document per member (chatMember), not as
// a list inside the chat document, so that adding or removing a member
// writes one small document whatever the chat's size. Each document's
// "order" (from a sequence) is its join order; the model keeps every
// chat's members in that order (model.chatMembers).
//
// A chat document written by an earlier version still holds its members
// as a list (chat.Members): the helpers below read that list as it is, and
// the first change of membership turns it into member documents.

// isMember reports whether user id is a member of ch (false for no chat).
func (m *model) isMember(ch *chat, id int64) bool {
	if ch == nil {
		return false
	}
	if ch.Members != nil {
		return containsID(ch.Members, id)
	}
	return id > 0 && m.members.Has(memberID{ch.Portal, ch.ID, id})
}

// chatMembers returns the members of ch in joining order (never nil): a
// copy, which the caller may keep.
func (m *model) chatMembers(ch *chat) []int64 {
	if ch.Members != nil {
		return append([]int64{}, ch.Members...)
	}
	return m.memberIDs(ch.Portal, ch.ID)
}

// memberIDs are the member documents' users of a chat in joining order.
func (m *model) memberIDs(portal string, chatID int64) []int64 {
	out := []int64{}
	if l := m.memberLists[scoped{portal, chatID}]; l != nil {
		out = append(make([]int64, 0, len(l.users)), l.users...)
	}
	return out
}

// ownMembers makes sure ch's members are member documents: a chat that
// still holds a list has it converted (and the chat rewritten without it).
func (m *model) ownMembers(tx *state.Tx, ch *chat) {
	if ch.Members == nil {
		return
	}
	legacy := ch.Members
	ch.Members = nil
	m.setMembers(tx, ch.Portal, ch.ID, legacy)
	m.chats.Put(tx, *ch)
}

// setMembers replaces a chat's members with ids, in that joining order
// (repeated ids join once).
func (m *model) setMembers(tx *state.Tx, portal string, chatID int64, ids []int64) {
	for _, id := range m.memberIDs(portal, chatID) {
		m.members.Delete(tx, memberID{portal, chatID, id})
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue
		}
		m.joinChat(tx, portal, chatID, id)
	}
}

// addMember makes user id, not a member yet, the newest member of ch (a
// member list ch still holds becomes member documents first).
func (m *model) addMember(tx *state.Tx, ch *chat, id int64) {
	m.ownMembers(tx, ch)
	m.joinChat(tx, ch.Portal, ch.ID, id)
}

func (m *model) joinChat(tx *state.Tx, portal string, chatID, id int64) {
	order := tx.Next(seqName(portal, kindChatUser))
	m.members.Put(tx, chatMember{Portal: portal, ChatID: chatID, UserID: id, Order: order})
}

// dropMember removes user id from ch's members (a non-member is no error).
func (m *model) dropMember(tx *state.Tx, ch *chat, id int64) {
	m.ownMembers(tx, ch)
	m.members.Delete(tx, memberID{ch.Portal, ch.ID, id})
}

// firstMember is ch's longest-standing member, 0 when it has none.
func (m *model) firstMember(ch *chat) int64 {
	if ch.Members != nil {
		if len(ch.Members) == 0 {
			return 0
		}
		return ch.Members[0]
	}
	if l := m.memberLists[scoped{ch.Portal, ch.ID}]; l != nil && len(l.users) > 0 {
		return l.users[0]
	}
	return 0
}
