package bitrix24

import (
	"time"

	"github.com/chatemu/chatemu/internal/state"
)

// Private dialogs. On a portal a dialog of two users is a chat of type P
// with a chat id of its own (the events' TO_CHAT_ID); chatemu keeps it as a
// chat row of type "private" holding its two users (chat.Pair), found by
// that pair (model.privateChats), with the two as member documents. The
// imbot.chat.* methods and imbot.dialog.get work on group chats: for them a
// private dialog's chat id is a chat that does not exist (model.chat), as
// the server's group-chat queries do not find a private chat. Views and
// the people's routes see every chat (model.anyChat).

// indexPrivate keeps privateChats up to date (the chats table's hook).
func (m *model) indexPrivate(old, nv *chat) {
	if old != nil && old.Type == chatTypePrivate && len(old.Pair) == 2 {
		k := pairOf(old.Portal, old.Pair[0], old.Pair[1])
		if m.privateChats[k] == old.ID {
			delete(m.privateChats, k)
		}
	}
	if nv != nil && nv.Type == chatTypePrivate && len(nv.Pair) == 2 {
		m.privateChats[pairOf(nv.Portal, nv.Pair[0], nv.Pair[1])] = nv.ID
	}
}

// anyChat returns a copy of a portal's chat of any type (private dialogs
// included), nil when there is none.
func (m *model) anyChat(portal string, id int64) *chat {
	if id <= 0 {
		return nil
	}
	c, ok := m.chats.Get(scoped{portal, id})
	if !ok {
		return nil
	}
	return &c
}

// privateChat returns the private dialog of users a and b, nil when they
// never wrote to each other.
func (m *model) privateChat(portal string, a, b int64) *chat {
	id, ok := m.privateChats[pairOf(portal, a, b)]
	if !ok {
		return nil
	}
	return m.anyChat(portal, id)
}

// openPrivate returns the private dialog of from and to, creating it when
// it does not exist yet (created reports that). The caller stores the chat
// after changing it.
func (m *model) openPrivate(tx *state.Tx, portal string, from, to int64, now time.Time) (ch *chat, created bool) {
	if ch := m.privateChat(portal, from, to); ch != nil {
		return ch, false
	}
	id := tx.Next(seqName(portal, kindChat))
	ch = &chat{ID: id, Portal: portal, Type: chatTypePrivate, OwnerID: from, Color: defaultColor(id), CreatedAt: now,
		Pair: []int64{from, to}}
	m.setMembers(tx, portal, id, []int64{from, to})
	m.chats.Put(tx, *ch)
	return ch, true
}

// other is the user of a private dialog who is not id.
func (c *chat) other(id int64) int64 {
	if len(c.Pair) != 2 {
		return 0
	}
	if c.Pair[0] == id {
		return c.Pair[1]
	}
	return c.Pair[0]
}

// dropPrivateChats deletes the private dialogs of user id (a bot being
// unregistered), with their members and messages.
func (m *model) dropPrivateChats(tx *state.Tx, portal string, id int64) {
	var ids []int64
	for k, chatID := range m.privateChats {
		if k.portal == portal && (k.lo == id || k.hi == id) {
			ids = append(ids, chatID)
		}
	}
	for _, chatID := range ids {
		for _, u := range m.memberIDs(portal, chatID) {
			m.members.Delete(tx, memberID{portal, chatID, u})
		}
		for _, mid := range append([]int64(nil), m.chatMessages[scoped{portal, chatID}]...) {
			m.messages.Delete(tx, scoped{portal, mid})
		}
		m.chats.Delete(tx, scoped{portal, chatID})
	}
}
