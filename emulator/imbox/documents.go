package imbox

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// This file holds the documents ImBox stores, in the JSON the data files
// and state snapshots have always had, and the check of a stored one.

// dateLayout is ImBox's date format: ISO 8601 with milliseconds, in UTC
// "2020-01-01T00:00:00.000Z".
const dateLayout = "2006-01-02T15:04:05.000Z07:00"

// formatDate renders t as ImBox does.
func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }

// instant is how ImBox keeps time: UTC, to the millisecond.
func instant(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// account is one ImBox customer (the "sid" / userId), its API key and
// where its chat webhooks go (none when the URL is empty).
type account struct {
	SID    int64  `json:"sid"`
	APIKey string `json:"apiKey"`
	Name   string `json:"name"`
	webhookConfig
}

// agent is an agent of an account, as grabAgent shows it once rendered.
type agent struct {
	ID   int64  `json:"agentID"`
	SID  int64  `json:"sid"`
	Name string `json:"agentName"`
	// DisplayName is how the agent signs chat messages ("from"); the
	// documentation's agent 1 is "John Doe" but writes as "John".
	DisplayName string    `json:"displayName"`
	Email       string    `json:"agentEmail"`
	Picture     string    `json:"agentPicture"`
	LastActive  time.Time `json:"agentLastActive"`
	Department  string    `json:"department"`
	BackOffice  bool      `json:"isBackOffice"`
	Groups      []string  `json:"groups"`
}

// pageFilter is a named pattern over the pages visitors visit.
type pageFilter struct {
	ID           int64  `json:"id"`
	SID          int64  `json:"sid"`
	SearchFilter string `json:"searchFilter"`
	SearchName   string `json:"searchName"`
	MatchType    string `json:"matchType"`
}

// visitorInfo holds what was set explicitly about a conversation's visitor
// (by the widget or a seed); nil fields fall back to defaults or to what
// the messages show (see conversation.info).
type visitorInfo struct {
	TrafficType *string    `json:"trafficType,omitempty"`
	SEType      *string    `json:"se_type,omitempty"`
	LastVisit   *time.Time `json:"last_visit,omitempty"`
	Browser     *string    `json:"browser,omitempty"`
	OS          *string    `json:"os,omitempty"`
	City        *string    `json:"user_city,omitempty"`
	Country     *string    `json:"user_country,omitempty"`
	ExitPage    *string    `json:"exitPage,omitempty"`
}

// tag is a tag on a conversation: type 0 is the visitor's name (changeName),
// type 1 a regular tag.
type tag struct {
	Tag     string    `json:"tag"`
	Type    int       `json:"type"`
	Created time.Time `json:"createdDate"`
}

// Tag types.
const (
	tagName    = 0
	tagRegular = 1
)

// label is a label set on a conversation by an agent.
type label struct {
	Label   string    `json:"label"`
	Created time.Time `json:"createdDate"`
}

// card is data the widget stored with insertCard.
type card struct {
	DataID  string    `json:"dataID"`
	Data    string    `json:"data"`
	Created time.Time `json:"createdDate"`
	Updated time.Time `json:"updatedDate"`
}

// conversation is one visitor conversation (a channel, "V1") of an account,
// with everything the visitor grabs show. Messages are stored apart.
type conversation struct {
	ID      int64       `json:"id"` // internal, the store key
	SID     int64       `json:"sid"`
	Channel string      `json:"conversationID"`
	Date    time.Time   `json:"date"`
	DateMs  int64       `json:"dateMs"` // Date in unix ms, for the date index
	Visitor visitorInfo `json:"visitor"`
	Tags    []tag       `json:"tags"`
	Labels  []label     `json:"labels"`
	Cards   []card      `json:"cards"`
	Rating  *int        `json:"rating"`
	// Derived from the messages as they are recorded:
	Pages      []string   `json:"pages"`                // pages of visitorJoin messages, first visit order
	LastPage   string     `json:"lastPage"`             // page of the latest visitorJoin
	LastPageAt *time.Time `json:"lastPageAt,omitempty"` // its date
	LastVisit  *time.Time `json:"lastVisit,omitempty"`  // latest visitor message or visitorJoin
	// Identity is who the visitor was last identified as, nil before.
	Identity *identity `json:"identity,omitempty"`
}

// identity is a visitor's identification and when it happened.
type identity struct {
	identityUser
	Date time.Time `json:"date"`
}

// message is one message of a conversation.
type message struct {
	ID           int64     `json:"id"`
	SID          int64     `json:"sid"`
	Conversation int64     `json:"conversation"` // internal conversation id, indexed
	Channel      string    `json:"conversationID"`
	From         string    `json:"from"`
	Text         string    `json:"message"`
	Date         time.Time `json:"date"`
	// AgentID is the sender: an agent's id, 0 for the visitor, nil for
	// the system.
	AgentID *int64 `json:"agentID"`
	// Pos orders messages recorded with the same date: the order they
	// were recorded in.
	Pos int64 `json:"pos"`
}

func (m *message) fromVisitor() bool { return m.AgentID != nil && *m.AgentID == 0 }
func (m *message) fromAgent() bool   { return m.AgentID != nil && *m.AgentID > 0 }

// systemEvent is the JSON object a system message's text encodes.
type systemEvent struct {
	Type        string `json:"type"`
	CurrentPage string `json:"currentPage"`
}

// visitorJoin is the system event naming the page a visitor joined from.
const visitorJoin = "visitorJoin"

// event decodes a system message's text; ok is false for other messages
// or text that is not a JSON object.
func (m *message) event() (systemEvent, bool) {
	var ev systemEvent
	if m.AgentID != nil || json.Unmarshal([]byte(m.Text), &ev) != nil {
		return ev, false
	}
	return ev, true
}

// observe updates what a conversation derives from its messages: visited
// pages, the latest page and the latest visitor activity.
func (c *conversation) observe(m *message) {
	at := m.Date
	later := func(t *time.Time) bool { return t == nil || !at.Before(*t) }
	if m.fromVisitor() && later(c.LastVisit) {
		c.LastVisit = &at
	}
	ev, ok := m.event()
	if !ok || ev.Type != visitorJoin || ev.CurrentPage == "" {
		return
	}
	if later(c.LastVisit) {
		c.LastVisit = &at
	}
	if later(c.LastPageAt) {
		c.LastPage, c.LastPageAt = ev.CurrentPage, &at
	}
	for _, p := range c.Pages {
		if p == ev.CurrentPage {
			return
		}
	}
	c.Pages = append(c.Pages, ev.CurrentPage)
}

// CheckDocument implements core.DocumentChecker: "imbox:<kind>:<id>"
// holding an account, an agent, a page filter, a conversation or a
// message.
func (s *Service) CheckDocument(key string, raw []byte) error {
	kind, id, ok := strings.Cut(strings.TrimPrefix(key, vendorName+":"), ":")
	if _, isID := core.KeyID(id); !ok || !isID {
		return core.ErrUnknownDocument
	}
	switch kind {
	case kindAccount:
		return core.DocumentAs[account](raw)
	case kindAgent:
		return core.DocumentAs[agent](raw)
	case kindPageFilter:
		return core.DocumentAs[pageFilter](raw)
	case kindConversation:
		return core.DocumentAs[conversation](raw)
	case kindMessage:
		return core.DocumentAs[message](raw)
	}
	return core.ErrUnknownDocument
}
