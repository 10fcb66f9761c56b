package bitrix24

import (
	"github.com/chatemu/chatemu/internal/state"
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
	b, botErr := botOf(c)
	members := []int64{}
	general := false
	s.m.db.View(func() error {
		ch := s.m.chat(c.p.Portal.Name, id)
		switch {
		case ch == nil:
		case ch.General:
			general = true
		case botErr == nil && s.m.isMember(ch, b.ID):
			members = s.m.chatMembers(ch)
		}
		return nil
	})
	switch {
	case general:
		return nil, errActionDenied()
	case botErr != nil:
		return nil, botErr
	}
	return members, nil
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
// Bots added get ONIMBOTJOINCHAT (ACCESS_HISTORY 0 with HIDE_HISTORY=Y).
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
	var ev *events
	err = s.m.db.Update(func(tx *state.Tx) error {
		ch := s.m.chat(c.p.Portal.Name, id)
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Extend {
			return forbidden("ACCESS_ERROR", "It is forbidden to add users to this chat")
		}
		b, err := botOf(c)
		if err != nil {
			return err
		}
		refused := methodError("WRONG_REQUEST", "You don't have access or user already member in chat")
		if !s.m.isMember(ch, b.ID) {
			return refused
		}
		var added []int64
		for _, uid := range users {
			if uid <= 0 || s.m.isMember(ch, uid) {
				continue
			}
			if m := s.m.lookupMember(ch.Portal, uid); !m.exists || !m.active {
				continue
			}
			s.m.addMember(tx, ch, uid)
			added = append(added, uid)
		}
		if len(added) == 0 {
			return refused
		}
		ev = s.callEvents(tx, c)
		s.botsJoined(ev, ch, added, c.p.UserID, a.str("HIDE_HISTORY") == "Y")
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(c.req.Outbox())
	return true, nil
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
	return true, s.m.db.Update(func(tx *state.Tx) error {
		ch := s.m.chat(c.p.Portal.Name, id)
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Leave {
			return forbidden("ACCESS_ERROR", "It is forbidden to delete users of this chat")
		}
		b, err := botOf(c)
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
		if !s.m.isMember(ch, b.ID) || !s.m.isMember(ch, target) {
			return refused
		}
		switch {
		case target != b.ID && ch.OwnerID != b.ID:
			return refused // only the owner removes others
		case target == ch.OwnerID && ch.Locks.LeaveOwner:
			return forbidden("ACCESS_ERROR", "LEAVE_OWNER_FORBIDDEN")
		}
		s.m.dropMember(tx, ch, target)
		if target != ch.OwnerID {
			return nil
		}
		// ownership passes to the longest-standing member
		ch.OwnerID = s.m.firstMember(ch)
		s.m.chats.Put(tx, *ch)
		return nil
	})
}
