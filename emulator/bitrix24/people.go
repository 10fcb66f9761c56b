package bitrix24

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// People in the chat: what users do in the Bitrix24 UI (write, edit,
// delete, press a keyboard button), played by the control plane and the
// testkit. Each raises the events a portal raises for it; the deliveries
// go to the caller's outbox.

// originOf is where o's deliveries point clients back to.
func originOf(o *outbound.Outbox) string {
	if o == nil || o.Origin == "" {
		return "http://127.0.0.1"
	}
	return o.Origin
}

func forbiddenAction(format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusForbidden, "FORBIDDEN", fmt.Sprintf(format, args...))
}

// person checks that portal exists and that id is one of its users or
// bots, returning the portal.
func (s *Service) person(portal string, id int64) (*portal, error) {
	p := s.m.portal(portal)
	if p == nil {
		return nil, notFound("portal %s is not defined", portal)
	}
	if !s.m.lookupMember(portal, id).exists {
		return nil, notFound("portal %s has no user %d", portal, id)
	}
	return p, nil
}

// dialogFor is the chat dialogID names for user from: chatN (from must be
// a member), or from's private dialog with user or bot N (opened when
// open, else nil when they never wrote).
func (s *Service) dialogFor(tx *state.Tx, portal, dialogID string, from int64, open bool) (ch *chat, opened bool, err error) {
	if id, ok := strings.CutPrefix(dialogID, "chat"); ok {
		n, perr := strconv.ParseInt(id, 10, 64)
		if perr != nil || n <= 0 {
			return nil, false, badRequest("a dialog is chat<id> or a user id, got " + strconv.Quote(dialogID))
		}
		ch := s.m.anyChat(portal, n)
		if ch == nil {
			return nil, false, notFound("portal %s has no chat %d", portal, n)
		}
		if !s.m.isMember(ch, from) {
			return nil, false, forbiddenAction("user %d is not a member of chat %d", from, n)
		}
		return ch, false, nil
	}
	to, perr := strconv.ParseInt(dialogID, 10, 64)
	if perr != nil || to <= 0 {
		return nil, false, badRequest("a dialog is chat<id> or a user id, got " + strconv.Quote(dialogID))
	}
	if to == from {
		return nil, false, badRequest("a private dialog needs two users")
	}
	if !s.m.lookupMember(portal, to).exists {
		return nil, false, notFound("portal %s has no user %d", portal, to)
	}
	if !open {
		return s.m.privateChat(portal, from, to), false, nil
	}
	ch, opened = s.m.openPrivate(tx, portal, from, to, s.deps.Clock.Now())
	return ch, opened, nil
}

// Write plays user from writing text in dialogID as from sees it
// (Bitrix24's DIALOG_ID): "chat<id>", a chat from is a member of, or the
// id of a user or bot, their private dialog (opened by the first message:
// a bot gets ONIMBOTJOINCHAT). The message raises ONIMBOTMESSAGEADD, or
// ONIMCOMMANDADD for a registered command, for the bots it reaches.
func (s *Service) Write(o *outbound.Outbox, portal, dialogID string, from int64, text string) (*MessageView, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, badRequest("text must not be empty")
	}
	var out MessageView
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		p, err := s.person(portal, from)
		if err != nil {
			return err
		}
		ch, opened, err := s.dialogFor(tx, portal, dialogID, from, true)
		if err != nil {
			return err
		}
		ev = s.newEvents(tx, p, originOf(o), s.deps.Clock.Now())
		msg := &message{Kind: messageChat, AuthorID: from, Text: text, URLPreview: true}
		s.post(tx, ev, ch, msg, opened)
		out = msg.view()
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(o)
	return &out, nil
}

// DialogMessages returns the messages of dialogID as user from sees it,
// oldest first: "chat<id>" (from may be 0), or from's private dialog with
// user or bot <id> (none yet: no messages).
func (s *Service) DialogMessages(portal, dialogID string, from int64) ([]MessageView, error) {
	var chatID int64
	err := s.m.db.View(func() error {
		if strings.HasPrefix(dialogID, "chat") {
			n, _ := strconv.ParseInt(strings.TrimPrefix(dialogID, "chat"), 10, 64)
			if s.m.anyChat(portal, n) == nil {
				return notFound("portal %s has no chat %d", portal, n)
			}
			chatID = n
			return nil
		}
		if from <= 0 {
			return badRequest("a private dialog is read as one of its users: add ?from=<user id>")
		}
		ch, _, err := s.dialogFor(nil, portal, dialogID, from, false)
		if err != nil {
			return err
		}
		if ch != nil {
			chatID = ch.ID
		}
		return nil
	})
	if err != nil || chatID == 0 {
		return []MessageView{}, err
	}
	return s.Messages(portal, chatID)
}

// chatMessage is message id of a portal and its chat.
func (s *Service) chatMessage(portal string, id int64) (*message, *chat, error) {
	m, ok := s.m.messages.Get(scoped{portal, id})
	if !ok || m.ChatID == 0 {
		return nil, nil, notFound("portal %s has no chat message %d", portal, id)
	}
	ch := s.m.anyChat(portal, m.ChatID)
	if ch == nil {
		return nil, nil, notFound("portal %s has no chat %d", portal, m.ChatID)
	}
	return &m, ch, nil
}

// EditMessage plays the author of message id changing its text: the bots
// it reaches with a bound handler get ONIMBOTMESSAGEUPDATE.
func (s *Service) EditMessage(o *outbound.Outbox, portal string, id int64, text string) (*MessageView, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, badRequest("text must not be empty (DELETE removes a message)")
	}
	var out MessageView
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		m, ch, err := s.chatMessage(portal, id)
		if err != nil {
			return err
		}
		m.Text, m.Edited = cutBytes(text, textBytes), true
		s.m.messages.Put(tx, *m)
		ev = s.newEvents(tx, s.m.portal(portal), originOf(o), s.deps.Clock.Now())
		ev.messageChanged(ch, m, false)
		out = m.view()
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(o)
	return &out, nil
}

// DeleteMessage plays the author of message id deleting it: the bots it
// reached with a bound handler get ONIMBOTMESSAGEDELETE.
func (s *Service) DeleteMessage(o *outbound.Outbox, portal string, id int64) error {
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		m, ch, err := s.chatMessage(portal, id)
		if err != nil {
			return err
		}
		s.removeMessage(tx, m)
		ev = s.newEvents(tx, s.m.portal(portal), originOf(o), s.deps.Clock.Now())
		ev.messageChanged(ch, m, true)
		return nil
	})
	if err != nil {
		return err
	}
	ev.flush(o)
	return nil
}

// PressView is what pressing a keyboard button ran: the registered
// commands of the keyboard's bot that got ONIMCOMMANDADD (none when the
// bot registered no such command).
type PressView struct {
	MessageID  int64   `json:"message_id"`
	Command    string  `json:"command"`
	Params     string  `json:"params"`
	CommandIDs []int64 `json:"command_ids"`
}

// Press plays user from pressing the button with COMMAND cmd of message
// id's keyboard: no message is posted; the keyboard bot's registered
// command cmd gets ONIMCOMMANDADD with COMMAND_CONTEXT KEYBOARD and
// MESSAGE_ID id. params replaces the button's COMMAND_PARAMS when not nil.
func (s *Service) Press(o *outbound.Outbox, portal string, id, from int64, cmd string, params *string) (*PressView, error) {
	var out *PressView
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		p, err := s.person(portal, from)
		if err != nil {
			return err
		}
		m, ch, err := s.chatMessage(portal, id)
		if err != nil {
			return err
		}
		if !s.m.isMember(ch, from) {
			return forbiddenAction("user %d is not a member of chat %d", from, ch.ID)
		}
		given, ok := keyboardCommand(m.Keyboard, cmd)
		if !ok {
			return notFound("message %d has no button with command %q", id, cmd)
		}
		if params != nil {
			given = *params
		}
		out = &PressView{MessageID: id, Command: cmd, Params: given, CommandIDs: []int64{}}
		k := s.m.botCommand(portal, m.AuthorID, cmd)
		if k == nil {
			return nil
		}
		out.CommandIDs = append(out.CommandIDs, k.ID)
		ev = s.newEvents(tx, p, originOf(o), s.deps.Clock.Now())
		text := "/" + k.Command
		if given != "" {
			text += " " + given
		}
		pressed := &message{ID: id, AuthorID: from, Text: text, TemplateID: s.templateID()}
		ev.commandAdded(ch, pressed, 0, []command{*k}, given, "KEYBOARD")
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(o)
	return out, nil
}
