package bitrix24

import (
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// currentSession is a copy of a chat's latest open-line session (nil when
// none).
func (m *model) currentSession(portal string, chatID int64) *session {
	ids := m.chatSessions[scoped{portal, chatID}]
	if len(ids) == 0 {
		return nil
	}
	ss, ok := m.sessions.Get(scoped{portal, ids[len(ids)-1]})
	if !ok {
		return nil
	}
	return &ss
}

// sessionBots are the bots of the calling application (the Open Channels
// bot methods have no BOT_ID: the server takes the application's bots; a
// webhook names its application with CLIENT_ID). None: BOT_ID_ERROR.
func sessionBots(c *call, a args) ([]bot, error) {
	clientID := c.p.ClientID
	if c.p.Webhook {
		clientID = a.str("CLIENT_ID")
	}
	var out []bot
	for _, b := range c.p.Bots {
		if clientID != "" && b.ClientID == clientID {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, errBotNotFound()
	}
	return out, nil
}

// heldBy returns the bot of bots holding the session, or nil.
func heldBy(ss *session, bots []bot) *bot {
	if ss == nil || ss.Status != sessionBot {
		return nil
	}
	for i := range bots {
		if bots[i].ID == ss.OperatorID {
			return &bots[i]
		}
	}
	return nil
}

// record adds an event to the session's history (a new list: the stored
// row shares the old one).
func (ss *session) record(at time.Time, action string, by int64, to string) {
	h := make([]sessionEvent, len(ss.History), len(ss.History)+1)
	copy(h, ss.History)
	ss.History = append(h, sessionEvent{At: at, Action: action, By: by, To: to})
}

// handOver moves the open-line chat from the bot to an operator: the
// operator joins the chat, and the bot leaves it unless stay.
func (m *model) handOver(tx *state.Tx, ss *session, botID, operator int64, stay bool) {
	ch := m.chat(ss.Portal, ss.ChatID)
	if ch == nil {
		return
	}
	m.ownMembers(tx, ch)
	if !stay {
		m.dropMember(tx, ch, botID)
		if ch.OwnerID == botID {
			ch.OwnerID = operator
			m.chats.Put(tx, *ch)
		}
	}
	if operator > 0 && !m.isMember(ch, operator) {
		m.addMember(tx, ch, operator)
	}
}

func errWrongChat() *core.APIError { return methodError("WRONG_CHAT", "Operator is not a bot") }

// sessionOperator implements imopenlines.bot.session.operator ("Switch
// conversation to a free operator"): the bot hands the dialog to the first
// operator of the line's queue (it waits in the queue when the queue is
// empty) and leaves the chat. Errors: CHAT_ID_EMPTY, BOT_ID_ERROR (the
// application has no bot), WRONG_CHAT "Operator is not a bot" (no open
// session, or the application's bot does not hold it).
func (s *Service) sessionOperator(c *call) (any, error) {
	a := c.args()
	chatID := a.intval("CHAT_ID")
	if chatID <= 0 {
		return nil, errChatIDEmpty()
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		bots, err := sessionBots(c, a)
		if err != nil {
			return err
		}
		ss := s.m.currentSession(c.p.Portal.Name, chatID)
		b := heldBy(ss, bots)
		if b == nil {
			return errWrongChat()
		}
		var operator int64
		if l, ok := s.m.lines.Get(scoped{ss.Portal, ss.LineID}); ok {
			operator = s.m.freeOperator(ss.Portal, l.Queue)
		}
		ss.BotID = b.ID
		if operator > 0 {
			ss.Status, ss.OperatorID, ss.QueueID = sessionOperator, operator, 0
		} else {
			ss.Status, ss.OperatorID, ss.QueueID = sessionQueue, 0, ss.LineID
		}
		ss.record(c.now, "operator", b.ID, queueTarget(operator, ss.LineID))
		s.m.handOver(tx, ss, b.ID, operator, false)
		s.m.sessions.Put(tx, *ss)
		return nil
	})
}

// freeOperator is the first active employee of a queue.
func (m *model) freeOperator(portal string, queue []int64) int64 {
	for _, id := range queue {
		if u := m.lookupMember(portal, id); u.exists && u.active && !u.bot && !u.extranet && !u.connector {
			return id
		}
	}
	return 0
}

func queueTarget(operator, queue int64) string {
	if operator > 0 {
		return strconv.FormatInt(operator, 10)
	}
	return "queue" + strconv.FormatInt(queue, 10)
}

// sessionTransfer implements imopenlines.bot.session.transfer ("Switch
// conversation to a specific operator"): to USER_ID (an employee), or to
// QUEUE_ID (another open line's queue), or TRANSFER_ID ("queue<ID>" or a
// user id, which replaces both). Unlike the other methods it reads its
// parameter names exactly as sent. LEAVE=Y makes the bot leave the chat at
// once; with N (the default) it stays until the transfer is accepted.
// Errors in the server's order: CHAT_ID_EMPTY, USER_ID_EMPTY (USER_ID given
// but not above zero), QUEUE_ID_EMPTY, TRANSFER_ID_EMPTY (neither given),
// BOT_ID_ERROR, then WRONG_CHAT when the bot does not hold the dialog or
// the target cannot take it (a bot, an extranet or connector user, an
// unknown user, an unknown or inactive line); strict portals answer that
// last case as the server code does, OPERATOR_WRONG.
func (s *Service) sessionTransfer(c *call) (any, error) {
	a := exactArgs(c.params)
	chatID := a.intval("CHAT_ID")
	leave := a.str("LEAVE") == "Y"
	if chatID <= 0 {
		return nil, errChatIDEmpty()
	}
	userSet, queueSet := a.isSet("USER_ID"), a.isSet("QUEUE_ID")
	userID, queueID := a.intval("USER_ID"), a.intval("QUEUE_ID")
	if a.isSet("TRANSFER_ID") {
		t := a.str("TRANSFER_ID")
		if rest, ok := strings.CutPrefix(t, "queue"); ok {
			queueSet, queueID = true, intvalString(rest)
		} else {
			userSet, userID = true, intvalString(t)
		}
	}
	switch {
	case userSet && userID <= 0:
		return nil, errUserIDEmpty()
	case !userSet && queueSet && queueID <= 0:
		return nil, methodError("QUEUE_ID_EMPTY", "QUEUE ID can't be empty")
	case !userSet && !queueSet:
		return nil, methodError("TRANSFER_ID_EMPTY", "Queue ID or User ID can't be empty")
	}
	refuse := func(docText string) *core.APIError {
		if c.p.Portal.Strict {
			return methodError("OPERATOR_WRONG", "You can not redirect to this operator")
		}
		return methodError("WRONG_CHAT", docText)
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		bots, err := sessionBots(c, a)
		if err != nil {
			return err
		}
		ss := s.m.currentSession(c.p.Portal.Name, chatID)
		b := heldBy(ss, bots)
		if b == nil {
			return refuse("Operator is not a bot")
		}
		cantTake := refuse("You can not redirect to this operator")
		ss.BotID = b.ID
		if userSet {
			m := s.m.lookupMember(ss.Portal, userID)
			if !m.exists || !m.active || m.bot || m.extranet || m.connector {
				return cantTake
			}
			ss.Status, ss.OperatorID, ss.QueueID = sessionTransfer, userID, 0
			ss.record(c.now, "transfer", b.ID, strconv.FormatInt(userID, 10))
			s.m.handOver(tx, ss, b.ID, 0, !leave)
			s.m.sessions.Put(tx, *ss)
			return nil
		}
		if l, ok := s.m.lines.Get(scoped{ss.Portal, queueID}); !ok || !l.Active {
			return cantTake
		}
		ss.Status, ss.OperatorID, ss.QueueID, ss.LineID = sessionQueue, 0, queueID, queueID
		ss.record(c.now, "transfer", b.ID, queueTarget(0, queueID))
		s.m.handOver(tx, ss, b.ID, 0, !leave)
		s.m.sessions.Put(tx, *ss)
		return nil
	})
}

// sessionFinish implements imopenlines.bot.session.finish ("Current session
// finish"): the application's bot answers the dialog and finishes its
// session, whoever held it, as the server does. true also when the chat
// has no open session. Errors: CHAT_ID_EMPTY, BOT_ID_ERROR.
func (s *Service) sessionFinish(c *call) (any, error) {
	a := c.args()
	chatID := a.intval("CHAT_ID")
	if chatID <= 0 {
		return nil, errChatIDEmpty()
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		bots, err := sessionBots(c, a)
		if err != nil {
			return err
		}
		ss := s.m.currentSession(c.p.Portal.Name, chatID)
		if ss == nil || !ss.active() {
			return nil
		}
		b := &bots[0]
		if held := heldBy(ss, bots); held != nil {
			b = held
		}
		finish(ss, b.ID, c.now)
		s.m.sessions.Put(tx, *ss)
		return nil
	})
}

func finish(ss *session, by int64, at time.Time) {
	ss.Status, ss.OperatorID = sessionFinished, by
	ss.FinishedAt = &at
	ss.record(at, "finish", by, "")
}

// sessionMessageSend implements imopenlines.bot.session.message.send
// ("Sending chatbot automatic message"): NAME=WELCOME posts the line's
// greeting (MESSAGE is ignored), NAME=DEFAULT posts MESSAGE; other names,
// an empty message, a chat without an open session or a line without a
// greeting post nothing. The answer is true either way. Error:
// CHAT_ID_EMPTY.
func (s *Service) sessionMessageSend(c *call) (any, error) {
	a := c.args()
	chatID := a.intval("CHAT_ID")
	if chatID <= 0 {
		return nil, errChatIDEmpty()
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		ss := s.m.currentSession(portal, chatID)
		if ss == nil || !ss.active() {
			return nil
		}
		ch := s.m.chat(portal, chatID)
		if ch == nil {
			return nil
		}
		var l *openLine
		if v, ok := s.m.lines.Get(scoped{portal, ss.LineID}); ok {
			l = &v
		}
		author := ss.OperatorID
		if author == 0 && l != nil {
			author = l.BotID
		}
		m := &message{Kind: messageChat, AuthorID: author, URLPreview: true}
		switch a.str("NAME") {
		case "WELCOME":
			if l == nil || strings.TrimSpace(l.Greeting) == "" {
				return nil
			}
			m.Kind, m.Text = messageWelcome, l.Greeting
		case "DEFAULT":
			m.Text = strings.TrimSpace(a.str("MESSAGE"))
			if m.Text == "" {
				return nil
			}
		default:
			return nil
		}
		s.m.postMessage(tx, ch, m, c.now)
		s.m.chats.Put(tx, *ch)
		return nil
	})
}
