package imbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// startConversation is the widget opening a chat: POST
// /_emulator/imbox/{sid}/conversations {"conversationID", "at", "page",
// "visitor"}. Without an id one is generated ("V" and 20 digits); with a
// page, the visitor joins from it (a visitorJoin system message).
func (s *Service) startConversation(r *http.Request) (*core.Response, error) {
	var body struct {
		ConversationID string       `json:"conversationID"`
		At             string       `json:"at"`
		Page           string       `json:"page"`
		Visitor        visitorPatch `json:"visitor"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	at, err := s.deskTime(nil, body.At)
	if err != nil {
		return nil, err
	}
	if err := checkLen("page", body.Page, maxPage); err != nil {
		return nil, err
	}
	if id := body.ConversationID; id != "" && (len(id) > 100 || strings.ContainsAny(id, "/?#% \t\r\n")) {
		return nil, errInvalid("conversationID", id, "up to 100 characters without /, ?, #, % or white space")
	}
	var c conversation
	err = s.m.db.Update(func(tx *state.Tx) error {
		sid, err := deskAccount(s.m, r)
		if err != nil {
			return err
		}
		id := body.ConversationID
		if id == "" {
			id = s.newChannel(sid)
		} else if _, exists := s.m.conversationByChannel(sid, id); exists {
			return errConflict("Conversation %s already exists", id)
		}
		c = s.m.replaceConversation(tx, sid, id)
		c.Date, c.DateMs = at, at.UnixMilli()
		if err := body.Visitor.apply(&c.Visitor); err != nil {
			return err
		}
		if body.Page != "" {
			if _, err := s.m.addMessage(tx, &c, systemMessage(visitorJoin, body.Page), nil, at); err != nil {
				return err
			}
		}
		s.m.conversations.Put(tx, c)
		return nil
	})
	if err := deskError(err); err != nil {
		return nil, err
	}
	return core.JSON(http.StatusCreated, c.item()), nil
}

// newChannel draws an unused conversation id: "V" and 20 digits, like the
// documentation's V18751500044654323221 (too big for a 64-bit integer).
func (s *Service) newChannel(sid int64) string {
	for {
		var b strings.Builder
		b.WriteByte('V')
		b.WriteByte(byte('1' + s.deps.Random.IntN(9)))
		for i := 0; i < 19; i++ {
			b.WriteByte(byte('0' + s.deps.Random.IntN(10)))
		}
		if _, exists := s.m.conversationByChannel(sid, b.String()); !exists {
			return b.String()
		}
	}
}

// systemMessage encodes a system event the way ImBox stores it: a
// JSON-encoded string, URLs unescaped.
func systemMessage(kind, page string) string {
	return string(compactJSON(systemEvent{Type: kind, CurrentPage: page}))
}

// addMessage records a message from agentID (nil: the system) in c; the
// caller stores c.
func (m *model) addMessage(tx *state.Tx, c *conversation, text string, agentID *int64, at time.Time) (*message, error) {
	msg := &message{SID: c.SID, Conversation: c.ID, Channel: c.Channel, Text: text, Date: at, AgentID: agentID, From: "system"}
	switch {
	case msg.fromVisitor():
		msg.From = c.Channel
	case msg.fromAgent():
		a, ok := m.accountAgent(c.SID, *agentID)
		if !ok {
			return nil, errAgentNotFound(strconv.FormatInt(*agentID, 10))
		}
		msg.From = a.DisplayName
		m.touchAgent(tx, a, at)
	}
	msg.ID = tx.Next(seqMessage)
	m.recordMessage(tx, c, msg)
	return msg, nil
}

// Senders of a posted message.
const (
	senderVisitor = "visitor"
	senderAgent   = "agent"
	senderSystem  = "system"
)

// postMessage is a visitor writing in the widget, an agent answering from
// the desk, or a system event: POST .../conversations/{id}/messages
// {"sender": "visitor"|"agent"|"system", "agentID", "message", "event", "at"}.
func (s *Service) postMessage(r *http.Request) (*core.Response, error) {
	var body struct {
		Sender  string          `json:"sender"`
		AgentID int64           `json:"agentID"`
		Message string          `json:"message"`
		Event   json.RawMessage `json:"event"`
		At      string          `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	var agentID *int64
	text := body.Message
	switch body.Sender {
	case senderVisitor, senderAgent:
		if strings.TrimSpace(text) == "" {
			return nil, errRequired("message")
		}
		if err := checkLen("message", text, maxLongText); err != nil {
			return nil, err
		}
		if len(body.Event) > 0 {
			return nil, errBadRequest("event is for system messages only")
		}
		id := int64(0)
		if body.Sender == senderAgent {
			if body.AgentID <= 0 {
				return nil, errRequired("agentID")
			}
			id = body.AgentID
		} else if body.AgentID != 0 {
			return nil, errBadRequest("agentID is for agent messages only")
		}
		agentID = &id
	case senderSystem:
		if text != "" || body.AgentID != 0 {
			return nil, errBadRequest("a system message takes an event object, not message or agentID")
		}
		var err error
		if text, err = eventText(body.Event); err != nil {
			return nil, err
		}
	default:
		return nil, errInvalid("sender", body.Sender, "visitor, agent or system")
	}
	var hook []outbound.Delivery
	resp, err := s.deskChange(r, func(tx *state.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		m, err := s.m.addMessage(tx, c, text, agentID, at)
		if err != nil {
			return nil, err
		}
		if ev, ok := s.m.messageEvent(c, m); ok {
			hook = s.m.webhooks(c.SID, ev, s.deps.Clock.Now())
		}
		return core.JSON(http.StatusCreated, m.item()), nil
	})
	if err == nil {
		s.deliver(r, hook)
	}
	return resp, err
}

// eventText checks a system event (an object with a string "type"; a
// visitorJoin's currentPage a string) and keeps it compact, in the order
// it was sent.
func eventText(raw json.RawMessage) (string, error) {
	var ev map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &ev) != nil || ev == nil {
		return "", errBadRequest(`event must be an object such as {"type":"visitorJoin","currentPage":"https://example.org/"}`)
	}
	if t, ok := ev["type"].(string); !ok || t == "" {
		return "", errRequired("event.type")
	} else if _, isString := ev["currentPage"].(string); t == visitorJoin && !isString {
		return "", errBadRequest("a visitorJoin event needs a currentPage string")
	}
	if page, ok := ev["currentPage"].(string); ok {
		if err := checkLen("event.currentPage", page, maxPage); err != nil {
			return "", err
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", errBadRequest("event: %v", err)
	}
	if err := checkLen("event (JSON-encoded)", buf.String(), maxLongText); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// visit is the visitor (re)joining the chat from a page: POST
// .../conversations/{id}/visits {"page", "at"}, a visitorJoin system
// message. Page filters match these pages.
func (s *Service) visit(r *http.Request) (*core.Response, error) {
	var body struct {
		Page string `json:"page"`
		At   string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.Page) == "" {
		return nil, errRequired("page")
	}
	if err := checkLen("page", body.Page, maxPage); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(tx *state.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		m, err := s.m.addMessage(tx, c, systemMessage(visitorJoin, body.Page), nil, at)
		if err != nil {
			return nil, err
		}
		return core.JSON(http.StatusCreated, m.item()), nil
	})
}
