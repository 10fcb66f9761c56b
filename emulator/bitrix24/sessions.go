package bitrix24

import (
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// currentSession is a chat's latest open-line session (nil when none).
func currentSession(tx *core.Tx, portal string, chatID int64) (*session, error) {
	all, err := scanIndex[session](tx, idxSessionChat, map[string]any{"portal": portal, "chat_id": chatID})
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return &all[len(all)-1], nil
}

func putSession(tx *core.Tx, ss *session) error {
	return tx.Put(scopedKey(ss.Portal, kindSession, ss.ID), ss)
}

// sessionBots are the bots of the calling application (the Open Channels
// bot methods have no BOT_ID: the server takes the application's bots; a
// webhook names its application with CLIENT_ID). None: BOT_ID_ERROR.
func sessionBots(_ *core.Tx, c *call, a args) ([]bot, error) {
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

func (ss *session) record(at time.Time, action string, by int64, to string) {
	ss.History = append(ss.History, sessionEvent{At: at, Action: action, By: by, To: to})
}

// handOver moves the open-line chat from the bot to an operator: the
// operator joins the chat, and the bot leaves it unless stay.
func handOver(tx *core.Tx, ss *session, botID, operator int64, stay bool) error {
	ch, err := loadChat(tx, ss.Portal, ss.ChatID)
	if err != nil || ch == nil {
		return err
	}
	if err := ownMembers(tx, ch); err != nil {
		return err
	}
	if !stay {
		if err := dropMember(tx, ch, botID); err != nil {
			return err
		}
		if ch.OwnerID == botID {
			ch.OwnerID = operator
			if err := putChat(tx, ch); err != nil {
				return err
			}
		}
	}
	if operator <= 0 {
		return nil
	}
	in, err := isMember(tx, ch, operator)
	if err != nil || in {
		return err
	}
	return addMember(tx, ch, operator)
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		bots, err := sessionBots(tx, c, a)
		if err != nil {
			return err
		}
		ss, err := currentSession(tx, c.p.Portal.Name, chatID)
		if err != nil {
			return err
		}
		b := heldBy(ss, bots)
		if b == nil {
			return errWrongChat()
		}
		l, err := getDoc[openLine](tx, scopedKey(ss.Portal, kindLine, ss.LineID))
		if err != nil {
			return err
		}
		var operator int64
		if l != nil {
			operator, err = freeOperator(tx, ss.Portal, l.Queue)
			if err != nil {
				return err
			}
		}
		ss.BotID = b.ID
		if operator > 0 {
			ss.Status, ss.OperatorID, ss.QueueID = sessionOperator, operator, 0
		} else {
			ss.Status, ss.OperatorID, ss.QueueID = sessionQueue, 0, ss.LineID
		}
		ss.record(c.now, "operator", b.ID, queueTarget(operator, ss.LineID))
		if err := handOver(tx, ss, b.ID, operator, false); err != nil {
			return err
		}
		return putSession(tx, ss)
	})
}

// freeOperator is the first active employee of a queue.
func freeOperator(tx *core.Tx, portal string, queue []int64) (int64, error) {
	for _, id := range queue {
		m, err := lookupMember(tx, portal, id)
		if err != nil {
			return 0, err
		}
		if m.exists && m.active && !m.bot && !m.extranet && !m.connector {
			return id, nil
		}
	}
	return 0, nil
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		bots, err := sessionBots(tx, c, a)
		if err != nil {
			return err
		}
		ss, err := currentSession(tx, c.p.Portal.Name, chatID)
		if err != nil {
			return err
		}
		b := heldBy(ss, bots)
		if b == nil {
			return refuse("Operator is not a bot")
		}
		cantTake := refuse("You can not redirect to this operator")
		ss.BotID = b.ID
		if userSet {
			m, err := lookupMember(tx, ss.Portal, userID)
			if err != nil {
				return err
			}
			if !m.exists || !m.active || m.bot || m.extranet || m.connector {
				return cantTake
			}
			ss.Status, ss.OperatorID, ss.QueueID = sessionTransfer, userID, 0
			ss.record(c.now, "transfer", b.ID, strconv.FormatInt(userID, 10))
			if err := handOver(tx, ss, b.ID, 0, !leave); err != nil {
				return err
			}
			return putSession(tx, ss)
		}
		l, err := getDoc[openLine](tx, scopedKey(ss.Portal, kindLine, queueID))
		if err != nil {
			return err
		}
		if l == nil || !l.Active {
			return cantTake
		}
		ss.Status, ss.OperatorID, ss.QueueID, ss.LineID = sessionQueue, 0, queueID, queueID
		ss.record(c.now, "transfer", b.ID, queueTarget(0, queueID))
		if err := handOver(tx, ss, b.ID, 0, !leave); err != nil {
			return err
		}
		return putSession(tx, ss)
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		bots, err := sessionBots(tx, c, a)
		if err != nil {
			return err
		}
		ss, err := currentSession(tx, c.p.Portal.Name, chatID)
		if err != nil || ss == nil || !ss.active() {
			return err
		}
		b := &bots[0]
		if held := heldBy(ss, bots); held != nil {
			b = held
		}
		finish(ss, b.ID, c.now)
		return putSession(tx, ss)
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		portal := c.p.Portal.Name
		ss, err := currentSession(tx, portal, chatID)
		if err != nil || ss == nil || !ss.active() {
			return err
		}
		ch, err := loadChat(tx, portal, chatID)
		if err != nil || ch == nil {
			return err
		}
		l, err := getDoc[openLine](tx, scopedKey(portal, kindLine, ss.LineID))
		if err != nil {
			return err
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
		if err := postMessage(tx, ch, m, c.now); err != nil {
			return err
		}
		return putChat(tx, ch)
	})
}
