package imbox

import (
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// conversationItem is a conversation as listConversations shows it.
type conversationItem struct {
	SID     int64  `json:"sid"`
	Channel string `json:"conversationID"`
	Date    string `json:"date"`
}

func (c *conversation) item() conversationItem {
	return conversationItem{SID: c.SID, Channel: c.Channel, Date: formatDate(c.Date)}
}

// listConversations implements "listConversations": the account's
// conversations created from fromDate to toDate (whole UTC days, both
// included), oldest first. Each pageFilterId narrows them to conversations
// whose visitor visited a page the filter matches (any of the filters).
func (s *Service) listConversations(req *core.Request) (*core.Response, error) {
	sid := sidOf(req)
	from, to, err := dayRange(req)
	if err != nil {
		return nil, err
	}
	filterIDs, err := numericList(req, "pageFilterId")
	if err != nil {
		return nil, err
	}
	var out []conversationItem
	_ = s.view(func(m *model) error {
		filters := s.pageFilterSet(m, sid, filterIDs)
		m.eachConversation(sid, from, to.AddDate(0, 0, 1), func(c *conversation) bool {
			if filters.match(c.Pages) {
				out = append(out, conversationItem{SID: c.SID, Channel: c.Channel, Date: formatDate(time.UnixMilli(c.DateMs))})
			}
			return true
		})
		return nil
	})
	return success(out), nil
}

// dayRange reads listConversations' {fromDate} and {toDate}.
func dayRange(req *core.Request) (from, to time.Time, err error) {
	fromS, err := pathVar(req, "fromDate")
	if err != nil {
		return from, to, err
	}
	toS, err := pathVar(req, "toDate")
	if err != nil {
		return from, to, err
	}
	if from, err = parseDay("fromDate", fromS); err != nil {
		return from, to, err
	}
	if to, err = parseDay("toDate", toS); err != nil {
		return from, to, err
	}
	if from.After(to) {
		return from, to, errBadRequest("fromDate %s is after toDate %s", fromS, toS)
	}
	return from, to, nil
}

// messageItem is a message as grabConversation shows it: agentID a number
// for agents, 0 for the visitor, null for the system.
type messageItem struct {
	ID      int64  `json:"id"`
	SID     int64  `json:"sid"`
	Channel string `json:"conversationID"`
	From    string `json:"from"`
	Message string `json:"message"`
	Date    string `json:"date"`
	AgentID *int64 `json:"agentID"`
}

func (m *message) item() messageItem {
	return messageItem{ID: m.ID, SID: m.SID, Channel: m.Channel, From: m.From, Message: m.Text,
		Date: formatDate(m.Date), AgentID: m.AgentID}
}

// grabConversation implements "grabConversation": every message of one
// conversation, by date (messages of the same date in the order they were
// recorded).
func (s *Service) grabConversation(req *core.Request) (*core.Response, error) {
	var out []messageItem
	err := s.withConversation(req, func(m *model, c *conversation) error {
		ms := m.messagesOf(c.ID)
		out = make([]messageItem, 0, len(ms))
		for _, msg := range ms {
			out = append(out, msg.item())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return success(out), nil
}

// withConversation runs fn, with the model locked for reading, on a copy
// of the conversation the {conversationId} path segment names; an id the
// account does not have is 404.
func (s *Service) withConversation(req *core.Request, fn func(*model, *conversation) error) error {
	id, err := pathVar(req, "conversationId")
	if err != nil {
		return err
	}
	sid := sidOf(req)
	return s.view(func(m *model) error {
		c, ok := m.conversationByChannel(sid, id)
		if !ok {
			return errConversationNotFound(id)
		}
		return fn(m, &c)
	})
}
