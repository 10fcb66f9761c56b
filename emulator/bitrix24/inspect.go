package bitrix24

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// DefaultPortal is the portal of the default fixtures.
const DefaultPortal = "default"

// ChatView is a chat as tests and the control plane see it: what a bot
// did to it, without a Bitrix24 UI.
type ChatView struct {
	Portal       string      `json:"portal"`
	ID           int64       `json:"id"`
	Type         string      `json:"type"` // chat, open or lines
	Title        string      `json:"title"`
	Description  string      `json:"description"`
	Color        string      `json:"color"`     // palette code, "MINT"
	ColorHex     string      `json:"color_hex"` // "#4ba984"
	OwnerID      int64       `json:"owner_id"`
	Members      []int64     `json:"members"` // in joining order
	EntityType   string      `json:"entity_type"`
	EntityID     string      `json:"entity_id"`
	General      bool        `json:"general"`
	Avatar       *AvatarView `json:"avatar"`
	MessageCount int         `json:"message_count"`
	CreatedAt    time.Time   `json:"created_at"`
}

// AvatarView describes a chat's avatar; the image itself is served at
// /_emulator/bitrix24/portals/<portal>/chats/<id>/avatar.
type AvatarView struct {
	MIME      string    `json:"mime"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	Size      int       `json:"size"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MessageView is a message a bot, an open line or a person posted.
type MessageView struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`       // chat, welcome or network
	ChatID     int64           `json:"chat_id"`    // 0 for a message to a user
	ToUserID   int64           `json:"to_user_id"` // network messages
	AuthorID   int64           `json:"author_id"`
	Text       string          `json:"text"`
	Attach     json.RawMessage `json:"attach,omitempty"`
	Keyboard   json.RawMessage `json:"keyboard,omitempty"`
	URLPreview bool            `json:"url_preview"`
	Date       time.Time       `json:"date"`
	Menu       json.RawMessage `json:"menu,omitempty"`
	System     bool            `json:"system,omitempty"`
	Edited     bool            `json:"edited,omitempty"`
	Likes      []int64         `json:"likes,omitempty"`
}

// SessionView is an open-line session: who holds the dialog now.
type SessionView struct {
	ID       int64  `json:"id"`
	ChatID   int64  `json:"chat_id"`
	LineID   int64  `json:"line_id"`
	ClientID int64  `json:"client_id"`
	Status   string `json:"status"` // bot, transfer, queue, operator, finished
	// OperatorID holds the dialog (a bot or a user); 0 while it waits in a
	// queue (QueueID).
	OperatorID int64              `json:"operator_id"`
	QueueID    int64              `json:"queue_id"`
	BotID      int64              `json:"bot_id"`
	StartedAt  time.Time          `json:"started_at"`
	FinishedAt *time.Time         `json:"finished_at"`
	History    []SessionEventView `json:"history"`
}

// SessionEventView is one change of a session.
type SessionEventView struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"` // start, operator, transfer, answer, finish
	By     int64     `json:"by"`
	To     string    `json:"to,omitempty"`
}

// notFound answers a view of something that does not exist.
func notFound(format string, args ...any) *core.APIError {
	return core.VendorError(http.StatusNotFound, "NOT_FOUND", fmt.Sprintf(format, args...))
}

// view is the chat, whose members are members, as tests see it.
func (c *chat) view(members []int64) *ChatView {
	hex, _ := colorHex(c.Color)
	v := &ChatView{Portal: c.Portal, ID: c.ID, Type: c.Type, Title: c.Title, Description: c.Description, Color: c.Color,
		ColorHex: hex, OwnerID: c.OwnerID, Members: append([]int64{}, members...), EntityType: c.EntityType,
		EntityID: c.EntityID, General: c.General, MessageCount: c.MessageCount, CreatedAt: c.CreatedAt}
	if c.Avatar != nil {
		v.Avatar = &AvatarView{MIME: c.Avatar.MIME, Width: c.Avatar.Width, Height: c.Avatar.Height, Size: len(c.Avatar.Data),
			UpdatedAt: c.Avatar.UpdatedAt}
	}
	return v
}

func (m *message) view() MessageView {
	return MessageView{ID: m.ID, Kind: m.Kind, ChatID: m.ChatID, ToUserID: m.ToUserID, AuthorID: m.AuthorID, Text: m.Text,
		Attach: m.Attach, Keyboard: m.Keyboard, URLPreview: m.URLPreview, Date: m.Date, Menu: m.Menu, System: m.System, Edited: m.Edited,
		Likes: m.Likes}
}

func (ss *session) view() *SessionView {
	v := &SessionView{ID: ss.ID, ChatID: ss.ChatID, LineID: ss.LineID, ClientID: ss.ClientID, Status: ss.Status,
		OperatorID: ss.OperatorID, QueueID: ss.QueueID, BotID: ss.BotID, StartedAt: ss.StartedAt, FinishedAt: ss.FinishedAt,
		History: []SessionEventView{}}
	for _, e := range ss.History {
		v.History = append(v.History, SessionEventView(e))
	}
	return v
}

// Portals lists the portals' names in fixture order.
func (s *Service) Portals() ([]string, error) {
	var names []string
	s.m.db.View(func() error {
		refs, _ := s.m.index.Get(struct{}{})
		for _, r := range refs {
			names = append(names, r.Name)
		}
		return nil
	})
	return names, nil
}

// Chat returns a chat of a portal; a missing chat is a not-found error.
func (s *Service) Chat(portal string, id int64) (*ChatView, error) {
	var out *ChatView
	err := s.m.db.View(func() error {
		c := s.m.anyChat(portal, id)
		if c == nil {
			return notFound("portal %s has no chat %d", portal, id)
		}
		out = c.view(s.m.chatMembers(c))
		return nil
	})
	return out, err
}

// ChatAvatar returns a chat's avatar image and its type.
func (s *Service) ChatAvatar(portal string, id int64) ([]byte, string, error) {
	var data []byte
	var mime string
	err := s.m.db.View(func() error {
		c := s.m.chat(portal, id)
		if c == nil || c.Avatar == nil {
			return notFound("portal %s has no avatar for chat %d", portal, id)
		}
		data, mime = c.Avatar.Data, c.Avatar.MIME
		return nil
	})
	return data, mime, err
}

// Messages returns the messages posted into a chat, oldest first.
func (s *Service) Messages(portal string, chatID int64) ([]MessageView, error) {
	return s.messages(portal, s.m.chatMessages, func(m *message) bool { return true }, chatID)
}

// NetworkMessages returns the open-channel messages sent to a user
// (imopenlines.network.message.add), oldest first.
func (s *Service) NetworkMessages(portal string, userID int64) ([]MessageView, error) {
	return s.messages(portal, s.m.userMessages, func(m *message) bool { return m.Kind == messageNetwork }, userID)
}

func (s *Service) messages(portal string, by map[scoped][]int64, keep func(*message) bool, id int64) ([]MessageView, error) {
	out := []MessageView{}
	s.m.db.View(func() error {
		for _, mid := range by[scoped{portal, id}] {
			if m, ok := s.m.messages.Get(scoped{portal, mid}); ok && keep(&m) {
				out = append(out, m.view())
			}
		}
		return nil
	})
	return out, nil
}

// Session returns a chat's latest open-line session.
func (s *Service) Session(portal string, chatID int64) (*SessionView, error) {
	var out *SessionView
	err := s.m.db.View(func() error {
		ss := s.m.currentSession(portal, chatID)
		if ss == nil {
			return notFound("portal %s has no open-line session in chat %d", portal, chatID)
		}
		out = ss.view()
		return nil
	})
	return out, err
}

// StartSession plays a person writing to an open line: a new open-line
// chat with the client and the line's bot, and a session the bot holds.
// text, when not empty, is the client's first message. The line's bot gets
// ONIMBOTJOINCHAT, then ONIMBOTMESSAGEADD for the first message; the
// deliveries go to o (its origin is where their endpoints point), which
// the caller submits.
func (s *Service) StartSession(o *outbound.Outbox, portal string, lineID, clientID int64, text string) (*SessionView, error) {
	now := s.deps.Clock.Now()
	var out *SessionView
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		l, ok := s.m.lines.Get(scoped{portal, lineID})
		if !ok {
			return notFound("portal %s has no open line %d", portal, lineID)
		}
		if !l.Active {
			return core.VendorError(http.StatusConflict, "INACTIVE", fmt.Sprintf("open line %d is inactive", lineID))
		}
		client := s.m.lookupMember(portal, clientID)
		if !client.exists || client.bot {
			return notFound("portal %s has no user %d", portal, clientID)
		}
		chatID := tx.Next(seqName(portal, kindChat))
		ch := &chat{ID: chatID, Portal: portal, Type: chatTypeLines, Title: cutChars(client.name+" - "+l.Name, titleChars), OwnerID: l.BotID,
			Color: defaultColor(chatID), EntityType: "LINES",
			EntityID:  "livechat|" + strconv.FormatInt(l.ID, 10) + "|" + strconv.FormatInt(chatID, 10) + "|" + strconv.FormatInt(clientID, 10),
			CreatedAt: now}
		members := []int64{clientID}
		if l.BotID > 0 {
			members = []int64{l.BotID, clientID}
		}
		s.m.setMembers(tx, portal, chatID, members)
		s.m.chats.Put(tx, *ch)
		p := s.m.portal(portal)
		ev = s.newEvents(tx, p, originOf(o), now)
		s.botsJoined(ev, ch, members, clientID, false)
		id := tx.Next(seqName(portal, kindSession))
		ss := &session{ID: id, Portal: portal, ChatID: chatID, LineID: l.ID, ClientID: clientID, Status: sessionBot,
			OperatorID: l.BotID, BotID: l.BotID, StartedAt: now}
		if l.BotID == 0 {
			ss.Status, ss.QueueID = sessionQueue, l.ID
		}
		ss.record(now, "start", clientID, "")
		s.m.sessions.Put(tx, *ss)
		if text != "" {
			s.post(tx, ev, ch, &message{Kind: messageChat, AuthorID: clientID, Text: text, URLPreview: true}, false)
		}
		if cur := s.m.currentSession(portal, chatID); cur != nil {
			out = cur.view()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(o)
	return out, nil
}

// AnswerSession plays an operator accepting a dialog (after a transfer, or
// one waiting in a queue): the operator holds it and the bot leaves the
// chat if it stayed.
func (s *Service) AnswerSession(portal string, chatID, operatorID int64) (*SessionView, error) {
	now := s.deps.Clock.Now()
	var out *SessionView
	err := s.m.db.Update(func(tx *state.Tx) error {
		ss := s.m.currentSession(portal, chatID)
		if ss == nil || !ss.active() {
			return notFound("portal %s has no open session in chat %d", portal, chatID)
		}
		m := s.m.lookupMember(portal, operatorID)
		if !m.exists || m.bot {
			return notFound("portal %s has no employee %d", portal, operatorID)
		}
		if ss.Status == sessionTransfer && ss.OperatorID != operatorID {
			return core.VendorError(http.StatusConflict, "OPERATOR_WRONG",
				fmt.Sprintf("the dialog was transferred to user %d, not %d", ss.OperatorID, operatorID))
		}
		ss.Status, ss.OperatorID, ss.QueueID = sessionOperator, operatorID, 0
		ss.record(now, "answer", operatorID, "")
		s.m.handOver(tx, ss, ss.BotID, operatorID, false)
		out = ss.view()
		s.m.sessions.Put(tx, *ss)
		return nil
	})
	return out, err
}
