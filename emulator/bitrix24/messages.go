package bitrix24

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// editWindow is how long a bot may change its message
// (CIMMessenger::CheckPossibilityUpdateMessage: three days).
const editWindow = 72 * time.Hour

// maxLikes bounds a message's likes (only bots like through the API).
const maxLikes = 1000

func errNotAdded() *core.APIError { return methodError("WRONG_REQUEST", "Message isn't added") }

func errCantEdit() *core.APIError {
	return forbidden("CANT_EDIT_MESSAGE", "Time has expired for modification or you don't have access")
}

func errMessageID() *core.APIError {
	return methodError("MESSAGE_ID_ERROR", "Message ID can't be empty")
}

// isDialogID is Bitrix\Im\Common::isDialogId for the forms chatemu knows:
// a user id or chatNNN.
func isDialogID(v *core.Value) bool {
	_, isChat := chatDialogID(v)
	_, isUser := userDialogID(v)
	return isChat || isUser
}

// templateID is a message's client id (TEMPLATE_ID), a UUID from the
// instance's seeded random source.
func (s *Service) templateID() string {
	const hexDigits = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[s.deps.Random.IntN(16)])
	}
	return string(b)
}

// post records msg from its author into ch (stored), with the events it
// causes: ONIMBOTJOINCHAT when ch is a private dialog with a bot that
// this message opened (opened), then the message's own events.
func (s *Service) post(tx *state.Tx, ev *events, ch *chat, msg *message, opened bool) {
	prev := ch.LastMessageID
	msg.TemplateID = s.templateID()
	s.m.postMessage(tx, ch, msg, ev.now)
	s.m.chats.Put(tx, *ch)
	if opened {
		for _, id := range ch.Pair {
			if b, ok := s.m.bots.Get(scoped{ch.Portal, id}); ok {
				ev.joined(&b, ch, ch.other(id), false)
			}
		}
	}
	if !s.commandTyped(ev, ch, msg, prev) {
		ev.messageAdded(ch, msg, prev)
	}
	// an open-line client's "0" ends the bot's session (bot.php onMessageAdd)
	if ch.Type == chatTypeLines && strings.TrimSpace(msg.Text) == "0" && !s.m.bots.Has(scoped{ch.Portal, msg.AuthorID}) {
		if ss := s.m.currentSession(ch.Portal, ch.ID); ss != nil && ss.Status == sessionBot {
			finish(ss, ss.OperatorID, ev.now)
			s.m.sessions.Put(tx, *ss)
		}
	}
}

// botTarget is the chat a bot's DIALOG_ID names: a chat the bot is in, or
// its private dialog with an active user (opened when new). Anything else
// is WRONG_REQUEST "Message isn't added".
func (s *Service) botTarget(tx *state.Tx, b *bot, v *core.Value, now time.Time) (ch *chat, opened bool, err error) {
	if id, ok := chatDialogID(v); ok {
		ch := s.m.anyChat(b.Portal, id)
		if ch == nil || !s.m.isMember(ch, b.ID) {
			return nil, false, errNotAdded()
		}
		return ch, false, nil
	}
	to, _ := userDialogID(v)
	if m := s.m.lookupMember(b.Portal, to); !m.exists || !m.active || to == b.ID {
		return nil, false, errNotAdded()
	}
	ch, opened = s.m.openPrivate(tx, b.Portal, b.ID, to, now)
	return ch, opened, nil
}

// richMessage reads MESSAGE (trimmed; MESSAGE_EMPTY), ATTACH, KEYBOARD,
// MENU, SYSTEM and URL_PREVIEW into a message by author.
func richMessage(a args, p *portal, author int64) (*message, error) {
	text := strings.TrimSpace(a.str("MESSAGE"))
	if text == "" {
		return nil, errMessageEmpty()
	}
	m := &message{Kind: messageChat, AuthorID: author, Text: text, URLPreview: a.str("URL_PREVIEW") != "N",
		System: a.str("SYSTEM") == "Y"}
	var err error
	if m.Attach, err = attachParam.read(a, p); err != nil {
		return nil, err
	}
	if m.Keyboard, err = keyboardParam.read(a, p); err != nil {
		return nil, err
	}
	if m.Menu, err = menuParam.read(a, p); err != nil {
		return nil, err
	}
	return m, nil
}

// messageAdd implements imbot.message.add ("Send message from chatbot",
// reference §6.2): the bot (BOT_ID_ERROR, APP_ID_ERROR), DIALOG_ID (a user
// id or chatNNN, else DIALOG_ID_EMPTY), MESSAGE (MESSAGE_EMPTY), ATTACH,
// KEYBOARD and MENU (their _ERROR and _OVERSIZE), then the post:
// WRONG_REQUEST "Message isn't added" for a chat the bot is not in or a
// user who cannot get it. SYSTEM=Y in a chat prefixes the bot's name. The
// answer is the message id. A bot's message raises no bot events; a
// private dialog it opens raises ONIMBOTJOINCHAT for it.
func (s *Service) messageAdd(c *call) (any, error) {
	a := c.args()
	var id int64
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		b, err := botOf(c)
		if err != nil {
			return err
		}
		both := a.intval("FROM_USER_ID") != 0 && a.intval("TO_USER_ID") != 0
		if !both && !isDialogID(a.value("DIALOG_ID")) {
			return errDialogIDEmpty()
		}
		msg, err := richMessage(a, c.p.Portal, b.ID)
		if err != nil {
			return err
		}
		if both {
			return errNotAdded() // Bot::addMessage needs a DIALOG_ID
		}
		ch, opened, err := s.botTarget(tx, b, a.value("DIALOG_ID"), c.now)
		if err != nil {
			return err
		}
		if msg.System && ch.Type != chatTypePrivate {
			msg.Text = "[USER=" + strconv.FormatInt(b.ID, 10) + "]" + b.fullName() + "[/USER]\n" + msg.Text
		}
		ev = s.callEvents(tx, c)
		s.post(tx, ev, ch, msg, opened)
		id = msg.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(c.req.Outbox())
	return id, nil
}

// botMessageID is the bot a message method acts as, then its MESSAGE_ID
// (MESSAGE_ID_ERROR "Message ID can't be empty" when not above zero).
func botMessageID(c *call, a args) (*bot, int64, error) {
	b, err := botOf(c)
	if err != nil {
		return nil, 0, err
	}
	id := a.intval("MESSAGE_ID")
	if id <= 0 {
		return nil, 0, errMessageID()
	}
	return b, id, nil
}

// ownMessage finds message id for bot b to change: its own, not older than
// the edit window (else CANT_EDIT_MESSAGE, 403).
func (s *Service) ownMessage(b *bot, id int64, now time.Time) (*message, error) {
	m, ok := s.m.messages.Get(scoped{b.Portal, id})
	if !ok || m.AuthorID != b.ID || m.ChatID == 0 || now.Sub(m.Date) > editWindow {
		return nil, errCantEdit()
	}
	return &m, nil
}

// messageUpdate implements imbot.message.update ("Update bot message"):
// MESSAGE_ID (MESSAGE_ID_ERROR), then ATTACH, KEYBOARD and MENU (empty or
// "N" removes one), then MESSAGE (empty deletes the message), each on the
// bot's own message of the last three days (CANT_EDIT_MESSAGE, 403). The
// bot's own message raises no events.
func (s *Service) messageUpdate(c *call) (any, error) {
	a := c.args()
	return true, s.m.db.Update(func(tx *state.Tx) error {
		b, id, err := botMessageID(c, a)
		if err != nil {
			return err
		}
		touches := a.isSet("ATTACH") || a.isSet("KEYBOARD") || a.isSet("MENU") || a.isSet("MESSAGE")
		if !touches {
			return nil
		}
		m, err := s.ownMessage(b, id, c.now)
		if err != nil {
			return err
		}
		for _, u := range []struct {
			p   richParam
			dst *json.RawMessage
		}{{attachParam, &m.Attach}, {keyboardParam, &m.Keyboard}, {menuParam, &m.Menu}} {
			if err := u.p.update(a, c.p.Portal, u.dst); err != nil {
				return err
			}
		}
		if a.isSet("MESSAGE") {
			text := strings.TrimSpace(a.str("MESSAGE"))
			if text == "" {
				s.removeMessage(tx, m)
				return nil
			}
			m.Text, m.Edited = cutBytes(text, textBytes), true
			m.URLPreview = a.str("URL_PREVIEW") != "N"
		}
		s.m.messages.Put(tx, *m)
		return nil
	})
}

// removeMessage deletes a message and moves its chat's counters.
func (s *Service) removeMessage(tx *state.Tx, m *message) {
	s.m.messages.Delete(tx, scoped{m.Portal, m.ID})
	ch := s.m.anyChat(m.Portal, m.ChatID)
	if ch == nil {
		return
	}
	ch.MessageCount = max(0, ch.MessageCount-1)
	if ch.LastMessageID == m.ID {
		ch.LastMessageID = 0
		if ids := s.m.chatMessages[scoped{ch.Portal, ch.ID}]; len(ids) > 0 {
			ch.LastMessageID = ids[len(ids)-1]
		}
	}
	s.m.chats.Put(tx, *ch)
}

// messageDelete implements imbot.message.delete ("Delete bot message"):
// MESSAGE_ID (MESSAGE_ID_ERROR), then the bot's own message of the last
// three days (CANT_EDIT_MESSAGE, 403) is removed. COMPLETE is accepted:
// chatemu removes the message either way.
func (s *Service) messageDelete(c *call) (any, error) {
	a := c.args()
	return true, s.m.db.Update(func(tx *state.Tx) error {
		b, id, err := botMessageID(c, a)
		if err != nil {
			return err
		}
		m, err := s.ownMessage(b, id, c.now)
		if err != nil {
			return err
		}
		s.removeMessage(tx, m)
		return nil
	})
}

// messageLike implements imbot.message.like ("Bot like"): ACTION plus,
// minus or auto (the default, and any other value) likes or unlikes a
// message of a chat the bot is in. A like that changes nothing, or a
// message the bot cannot see, is WITHOUT_CHANGES "Action completed
// without changes".
func (s *Service) messageLike(c *call) (any, error) {
	a := c.args()
	action := strings.ToLower(a.str("ACTION"))
	return true, s.m.db.Update(func(tx *state.Tx) error {
		b, id, err := botMessageID(c, a)
		if err != nil {
			return err
		}
		unchanged := methodError("WITHOUT_CHANGES", "Action completed without changes")
		m, ok := s.m.messages.Get(scoped{b.Portal, id})
		if !ok || !s.m.isMember(s.m.anyChat(b.Portal, m.ChatID), b.ID) {
			return unchanged
		}
		liked := slices.Contains(m.Likes, b.ID)
		switch {
		case action == "plus" && liked, action == "minus" && !liked:
			return unchanged
		case liked:
			m.Likes = slices.DeleteFunc(slices.Clone(m.Likes), func(x int64) bool { return x == b.ID })
		case len(m.Likes) >= maxLikes:
			return unchanged
		default:
			m.Likes = append(slices.Clone(m.Likes), b.ID)
		}
		s.m.messages.Put(tx, m)
		return nil
	})
}

// sendTyping implements imbot.chat.sendTyping ("Send typing indicator"):
// the bot, then DIALOG_ID (a user id or chatNNN, else DIALOG_ID_EMPTY
// "Dialog ID can't be empty"); true. The indicator itself shows in the
// portal's UI only: the call is in the request journal.
func (s *Service) sendTyping(c *call) (any, error) {
	if _, err := botOf(c); err != nil {
		return nil, err
	}
	if !isDialogID(c.args().value("DIALOG_ID")) {
		return nil, errDialogIDEmpty()
	}
	return true, nil
}
