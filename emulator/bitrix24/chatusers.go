package bitrix24

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/chatemu/chatemu/emulator/core"
)

// chatUserList implements imbot.chat.user.list ("Getting participants
// list"): the member ids of a chat the bot is in, as integers; [] for a
// chat the bot is not in or that does not exist. Order: CHAT_ID_EMPTY, the
// general chat (ACCESS_ERROR), the bot.
func (s *Service) chatUserList(c *call) (any, error) {
	id, err := chatIDOf(c.args())
	if err != nil {
		return nil, err
	}
	// The bot does not depend on stored state (the portal snapshot holds
	// its bots), so the answer is kept per chat and bot until the next
	// write: clients poll this method.
	b, botErr := botOf(nil, c)
	key := memberListKey{portal: c.p.Portal.Name, chat: id}
	if botErr == nil {
		key.bot = b.ID
	}
	l, err := s.memberLists.Get(key, loadMemberList)
	switch {
	case err != nil:
		return nil, err
	case l.general:
		return nil, errActionDenied()
	case botErr != nil:
		return nil, botErr
	}
	return l.members, nil
}

// memberListKey names one answer of imbot.chat.user.list in
// Service.memberLists: a chat as seen by a bot (0: none resolved).
type memberListKey struct {
	portal string
	chat   int64
	bot    int64
}

// memberList is what imbot.chat.user.list reads from the store: whether
// the chat is the general chat, else the members the bot may list (none
// when the chat does not exist or the bot is not in it). members is
// shared by every caller: it is only encoded, never changed.
type memberList struct {
	general bool
	members []int64
}

func loadMemberList(tx *core.Tx, k memberListKey) (memberList, error) {
	ch, err := loadChat(tx, k.portal, k.chat)
	if err != nil {
		return memberList{}, err
	}
	none := memberList{members: []int64{}}
	switch {
	case ch == nil:
		return none, nil
	case ch.General:
		return memberList{general: true}, nil
	case k.bot <= 0:
		return none, nil
	}
	if in, err := isMember(tx, ch, k.bot); err != nil || !in {
		return none, err
	}
	members, err := chatMembers(tx, ch)
	return memberList{members: members}, err
}

// chatUserAdd implements imbot.chat.user.add ("Participants invitation"):
// USERS (an array, one id, or a JSON array text) join a chat the bot is
// in. Users already in the chat and ids that are not active portal users
// are skipped; when nobody is left to add the answer is WRONG_REQUEST "You
// don't have access or user already member in chat", as it is when the
// chat does not exist or the bot is not in it. Order: CHAT_ID_EMPTY, the
// general chat, a chat closed to new members (ACCESS_ERROR "It is
// forbidden to add users to this chat", 403), the bot, the addition.
// HIDE_HISTORY (Y/N) is accepted; the emulator keeps no history to hide.
func (s *Service) chatUserAdd(c *call) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	users := []int64{a.intval("USERS")}
	if v := a.value("USERS"); v.IsTree() || (v != nil && !v.IsTree() && isJSONArrayText(v.String())) {
		users, _ = idList(v)
	}
	pre := s.readAhead(c.p.Portal.Name, id, users)
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		ch, err := pre.loadChat(tx)
		if err != nil {
			return err
		}
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Extend {
			return forbidden("ACCESS_ERROR", "It is forbidden to add users to this chat")
		}
		b, err := botOf(tx, c)
		if err != nil {
			return err
		}
		refused := methodError("WRONG_REQUEST", "You don't have access or user already member in chat")
		if ch == nil {
			return refused
		}
		if in, err := isMember(tx, ch, b.ID); err != nil || !in {
			return cmp.Or(err, error(refused))
		}
		added := 0
		for i, uid := range users {
			if uid <= 0 {
				continue
			}
			in, err := isMember(tx, ch, uid)
			if err != nil {
				return err
			}
			if in {
				continue
			}
			m, err := pre.lookupMember(tx, ch.Portal, i, uid)
			if err != nil {
				return err
			}
			if !m.exists || !m.active {
				continue
			}
			if err := addMember(tx, ch, uid); err != nil {
				return err
			}
			added++
		}
		if added == 0 {
			return refused
		}
		return nil
	})
}

// readAheadDocs are the chat and user documents an addition of members
// reads, decoded before the write transaction starts, together with the
// stored text each was decoded from. Every write holds the store's single
// writer lock, and so does, in effect, a read transaction (it excludes
// writers): decoding in either (a chat that misses the decoded-chat cache,
// each user) held up every write. So a short read transaction only copies
// the texts out, and they are decoded outside any transaction. The write
// transaction uses a decoded document only if the text stored then is the
// same text, so what it decides is what it would decide decoding itself;
// any other document it decodes as before.
type readAheadDocs struct {
	portal string
	chatID int64
	// chatKey, chatRaw and chat: the chat as read ahead; chatRaw is ""
	// when the chat was absent or not decoded.
	chatKey string
	chatRaw string
	chat    *chat
	// users holds the portal users read ahead, by their position in the
	// ids read ahead (bots and absent users are looked up in the write
	// transaction).
	users []readAheadUser
}

type readAheadUser struct {
	key, raw string // raw is "" when the user was not read ahead
	m        member
}

// readAhead reads and decodes the chat and the users ids names. It never
// fails: a document it cannot read or decode is simply not read ahead, so
// that the write transaction meets the same error in the same place.
func (s *Service) readAhead(portal string, chatID int64, ids []int64) *readAheadDocs {
	pre := &readAheadDocs{portal: portal, chatID: chatID, chatKey: scopedKey(portal, kindChat, chatID)}
	s.deps.Store.View(func(tx *core.Tx) error {
		raw, found, err := tx.GetRaw(pre.chatKey)
		if err != nil || !found {
			return nil // nothing to add members to: users are not needed
		}
		pre.chatRaw = raw
		pre.users = make([]readAheadUser, len(ids))
		for i, id := range ids {
			if id > 0 {
				u := &pre.users[i]
				u.key = scopedKey(portal, kindUser, id)
				u.raw, _, _ = tx.GetRaw(u.key)
			}
		}
		return nil
	})
	if pre.chatRaw == "" {
		return pre
	}
	// Stored values are immutable strings: they stay what they were read
	// as after the transaction, whatever is written since.
	// Adding members needs five fields of the chat: they are read without
	// decoding the rest (reflection-driven decoding was the largest cost of
	// the method), unless the chat still holds a member list of its own,
	// which is then converted and the whole chat rewritten.
	if pre.chat = chatGate(pre.chatRaw); pre.chat == nil {
		if pre.chat, _ = chatDocs.Decode(pre.chatRaw); pre.chat == nil {
			pre.chatRaw = ""
		}
	}
	for i := range pre.users {
		u := &pre.users[i]
		if u.raw == "" {
			continue
		}
		m, ok := userMemberOf(u.raw)
		if !ok {
			u.raw = "" // decoded, or refused, in the write transaction
			continue
		}
		u.m = m
	}
	return pre
}

// chatGate is the part of a stored chat imbot.chat.user.add reads: its id,
// portal, whether it is the general chat and whether it is closed to new
// members. It is nil when the document is not valid JSON, a field has
// another type than encoding/json would accept, or the chat still holds a
// member list (chat.Members), or when a field's name is spelt in another
// case or repeated (see exactFields): the caller then decodes it whole, and
// meets any error as before. The chat it returns is marked partial and cannot be
// stored.
func chatGate(raw string) *chat {
	if !gjson.Valid(raw) {
		return nil
	}
	doc := gjson.Parse(raw)
	if !exactFields(doc, "id", "portal", "general", "locks", "members") ||
		!exactFields(doc.Get("locks"), "extend") {
		return nil
	}
	f := gjson.GetMany(raw, "id", "portal", "general", "locks.extend", "members")
	general, ok1 := jsonBool(f[2])
	extend, ok2 := jsonBool(f[3])
	if f[0].Type != gjson.Number || f[1].Type != gjson.String || !ok1 || !ok2 || (f[4].Exists() && f[4].Type != gjson.Null) {
		return nil
	}
	id, err := strconv.ParseInt(f[0].Raw, 10, 64)
	if err != nil {
		return nil // not an integer: encoding/json would refuse it too
	}
	return &chat{ID: id, Portal: f[1].Str, General: general, Locks: locks{Extend: extend}, partial: true}
}

// userMemberOf is userMember of the stored user raw, read without decoding
// it whole; ok is false when encoding/json might decode it otherwise than
// it is read here (not valid JSON, a field of another type, a field's name
// in another case or repeated).
func userMemberOf(raw string) (m member, ok bool) {
	if !gjson.Valid(raw) || !exactFields(gjson.Parse(raw), "name", "last_name", "active", "extranet", "connector") {
		return member{}, false
	}
	f := gjson.GetMany(raw, "name", "last_name", "active", "extranet", "connector")
	name, ok1 := jsonString(f[0])
	last, ok2 := jsonString(f[1])
	active, ok3 := jsonBool(f[2])
	extranet, ok4 := jsonBool(f[3])
	connector, ok5 := jsonBool(f[4])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return member{}, false
	}
	return userMember(&user{Name: name, LastName: last, Active: active, Extranet: extranet, Connector: connector}), true
}

// exactFields reports whether gjson reads the fields names of the JSON
// object obj as encoding/json decodes them: each is spelt exactly as given,
// at most once, and no other key is another case of one of them.
// encoding/json matches names case-insensitively and keeps the last of
// repeated keys, gjson matches exactly and takes the first, so a document
// with "General" or two "general" keys must be decoded whole. A value that
// is not an object has no fields to disagree on.
func exactFields(obj gjson.Result, names ...string) bool {
	if !obj.IsObject() {
		return true
	}
	var seen uint64 // bit i: names[i] met
	ok := true
	obj.ForEach(func(k, _ gjson.Result) bool {
		for i, n := range names {
			switch {
			case k.Str == n && seen&(1<<i) == 0:
				seen |= 1 << i
			case strings.EqualFold(k.Str, n):
				ok = false
			default:
				continue
			}
			return ok
		}
		return true
	})
	return ok
}

// jsonBool reads a field encoding/json decodes into a bool: absent or null
// is false; ok is false for any other type.
func jsonBool(r gjson.Result) (v, ok bool) {
	switch r.Type {
	case gjson.True:
		return true, true
	case gjson.False, gjson.Null:
		return false, true
	}
	return false, !r.Exists()
}

// jsonString reads a field encoding/json decodes into a string: absent or
// null is ""; ok is false for any other type.
func jsonString(r gjson.Result) (string, bool) {
	switch {
	case r.Type == gjson.String:
		return r.Str, true
	case r.Type == gjson.Null || !r.Exists():
		return "", true
	}
	return "", false
}

// loadChat is loadChat(tx, portal, chatID), using the chat read ahead when
// it is still what the store holds.
func (pre *readAheadDocs) loadChat(tx *core.Tx) (*chat, error) {
	if pre.chatRaw == "" {
		return loadChat(tx, pre.portal, pre.chatID)
	}
	raw, found, err := tx.GetRaw(pre.chatKey)
	switch {
	case err != nil || !found:
		return nil, err
	case raw == pre.chatRaw:
		ch := pre.chat
		pre.chat, pre.chatRaw = nil, "" // handed out once: the caller may change it
		return ch, nil
	}
	ch, err := chatDocs.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", pre.chatKey, err)
	}
	return ch, nil
}

// lookupMember is lookupMember(tx, portal, id) for the user at position i
// of the ids read ahead, using the user read ahead when it is still what
// the store holds. portal is the chat's: a chat document naming another
// portal than its key's (only an edited state holds one) is not read
// ahead.
func (pre *readAheadDocs) lookupMember(tx *core.Tx, portal string, i int, id int64) (member, error) {
	if portal == pre.portal && i < len(pre.users) && pre.users[i].raw != "" {
		u := &pre.users[i]
		raw, found, err := tx.GetRaw(u.key)
		if err != nil {
			return member{}, err
		}
		if found && raw == u.raw {
			return u.m, nil
		}
	}
	return lookupMember(tx, portal, id)
}

func isJSONArrayText(s string) bool {
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
			continue
		case '[':
			return true
		}
		return false
	}
	return false
}

// chatUserDelete implements imbot.chat.user.delete ("Removal of
// participants"): the bot removes USER_ID from a chat; only the chat's owner
// may remove others. Order: CHAT_ID_EMPTY, the general chat, a chat that
// forbids removing members (ACCESS_ERROR "It is forbidden to delete users
// of this chat", 403), the bot, USER_ID_EMPTY, the removal.
func (s *Service) chatUserDelete(c *call) (any, error) {
	return s.removeMember(c, true)
}

// chatLeave implements imbot.chat.leave ("Chatbot exit from specified
// chat"): the bot leaves the chat. It shares the server's handler with
// imbot.chat.user.delete, so a USER_ID above zero removes that user
// instead, and the same errors apply, USER_ID_EMPTY aside.
func (s *Service) chatLeave(c *call) (any, error) {
	return s.removeMember(c, false)
}

func (s *Service) removeMember(c *call, needUser bool) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	target := a.intval("USER_ID")
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		ch, err := loadChat(tx, c.p.Portal.Name, id)
		if err != nil {
			return err
		}
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Leave {
			return forbidden("ACCESS_ERROR", "It is forbidden to delete users of this chat")
		}
		b, err := botOf(tx, c)
		if err != nil {
			return err
		}
		if needUser && target <= 0 {
			return errUserIDEmpty()
		}
		if target <= 0 {
			target = b.ID
		}
		refused := methodError("WRONG_REQUEST", "You don't have access or user isn't member in chat")
		if ch == nil {
			return refused
		}
		for _, id := range []int64{b.ID, target} {
			if in, err := isMember(tx, ch, id); err != nil || !in {
				return cmp.Or(err, error(refused))
			}
		}
		switch {
		case target != b.ID && ch.OwnerID != b.ID:
			return refused // only the owner removes others
		case target == ch.OwnerID && ch.Locks.LeaveOwner:
			return forbidden("ACCESS_ERROR", "LEAVE_OWNER_FORBIDDEN")
		}
		if err := dropMember(tx, ch, target); err != nil {
			return err
		}
		if target != ch.OwnerID {
			return nil
		}
		// ownership passes to the longest-standing member
		if ch.OwnerID, err = firstMember(tx, ch); err != nil {
			return err
		}
		return putChat(tx, ch)
	})
}
