package imbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
	"github.com/tidwall/gjson"
)

// dateLayout is ImBox's date format: ISO 8601 with milliseconds, in UTC
// "2020-01-01T00:00:00.000Z".
const dateLayout = "2006-01-02T15:04:05.000Z07:00"

// formatDate renders t as ImBox does.
func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }

// instant is how ImBox keeps time: UTC, to the millisecond.
func instant(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// account is one ImBox customer (the "sid" / userId) and its API key.
type account struct {
	SID    int64  `json:"sid"`
	APIKey string `json:"apiKey"`
	Name   string `json:"name"`
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

// Stored document kinds and sequences.
const (
	kindAccount      = "account"
	kindAgent        = "agent"
	kindPageFilter   = "pagefilter"
	kindConversation = "conversation"
	kindMessage      = "message"
	seqMessagePos    = vendorName + ":messagepos"
)

func accountKey(sid int64) string     { return core.Key(vendorName, kindAccount, sid) }
func agentKey(id int64) string        { return core.Key(vendorName, kindAgent, id) }
func pageFilterKey(id int64) string   { return core.Key(vendorName, kindPageFilter, id) }
func conversationKey(id int64) string { return core.Key(vendorName, kindConversation, id) }
func messageKey(id int64) string      { return core.Key(vendorName, kindMessage, id) }
func seqName(kind string) string      { return vendorName + ":" + kind }
func pattern(kind string) string      { return vendorName + ":" + kind + ":*" }

// Index names.
const (
	idxAccountKey          = "imbox_account_key"          // accounts by apiKey
	idxAgentAccount        = "imbox_agent_account"        // agents by sid
	idxPageFilterAccount   = "imbox_pagefilter_account"   // page filters by sid
	idxConversationChannel = "imbox_conversation_channel" // conversations by sid, conversationID
	idxConversationDate    = "imbox_conversation_date"    // conversations by sid, date
	idxMessageConversation = "imbox_message_conversation" // messages by internal conversation id
)

// indexes are ImBox's store indexes. Index lookups compare exactly; the
// lookups by apiKey and conversationID check the value they find again all
// the same, so that a change of index comparison cannot leak data across keys.
func indexes() []core.Index {
	return []core.Index{
		{Name: idxAccountKey, Pattern: pattern(kindAccount), Fields: []string{"apiKey"}},
		{Name: idxAgentAccount, Pattern: pattern(kindAgent), Fields: []string{"sid"}},
		{Name: idxPageFilterAccount, Pattern: pattern(kindPageFilter), Fields: []string{"sid"}},
		{Name: idxConversationChannel, Pattern: pattern(kindConversation), Fields: []string{"sid", "conversationID"}},
		{Name: idxConversationDate, Pattern: pattern(kindConversation), Fields: []string{"sid", "dateMs"}},
		{Name: idxMessageConversation, Pattern: pattern(kindMessage), Fields: []string{"conversation"}},
	}
}

func sidPivot(sid int64) json.RawMessage {
	return json.RawMessage(`{"sid":` + strconv.FormatInt(sid, 10) + `}`)
}

// accountByKey finds the account of an API key (exact match). It runs on
// every request, so it reads the documents without decoding them whole.
func accountByKey(tx *core.Tx, apiKey string) (*account, error) {
	key, _ := json.Marshal(apiKey) // a string always encodes
	pivot := `{"apiKey":` + string(key) + `}`
	var out *account
	err := tx.ScanIndexEqual(idxAccountKey, pivot, func(_, raw string) bool {
		f := gjson.GetMany(raw, "apiKey", "sid", "name")
		if f[0].Str == apiKey {
			out = &account{APIKey: apiKey, SID: f[1].Int(), Name: f[2].Str}
			return false
		}
		return true
	})
	return out, err
}

// conversationByChannel finds an account's conversation by its id
// (exact match); nil when there is none.
func conversationByChannel(tx *core.Tx, sid int64, channel string) (*conversation, error) {
	pivot, _ := json.Marshal(struct {
		SID     int64  `json:"sid"`
		Channel string `json:"conversationID"`
	}{sid, channel})
	var out *conversation
	err := core.EachEqual(tx, idxConversationChannel, json.RawMessage(pivot), func(c *conversation) bool {
		if c.Channel == channel {
			out = c
			return false
		}
		return true
	})
	return out, err
}

// conversationHead is what listConversations needs of a stored
// conversation, read without decoding the whole document.
type conversationHead struct {
	SID     int64
	Channel string
	Date    time.Time
	Pages   []string
}

// headsBetween lists the heads of an account's conversations created in
// [from, to), oldest first; pages are read only when withPages is set.
func headsBetween(tx *core.Tx, sid int64, from, to time.Time, withPages bool) ([]conversationHead, error) {
	ge := fmt.Sprintf(`{"sid":%d,"dateMs":%d}`, sid, from.UnixMilli())
	lt := fmt.Sprintf(`{"sid":%d,"dateMs":%d}`, sid, to.UnixMilli())
	var out []conversationHead
	err := tx.ScanIndexRange(idxConversationDate, ge, lt, func(_, raw string) bool {
		f := gjson.GetMany(raw, "sid", "conversationID", "dateMs", "pages")
		h := conversationHead{SID: f[0].Int(), Channel: f[1].Str, Date: time.UnixMilli(f[2].Int()).UTC()}
		if withPages {
			for _, p := range f[3].Array() {
				h.Pages = append(h.Pages, p.Str)
			}
		}
		out = append(out, h)
		return true
	})
	return out, err
}

// conversationsBetween lists an account's conversations created in
// [from, to), oldest first.
func conversationsBetween(tx *core.Tx, sid int64, from, to time.Time) ([]conversation, error) {
	ge := fmt.Sprintf(`{"sid":%d,"dateMs":%d}`, sid, from.UnixMilli())
	lt := fmt.Sprintf(`{"sid":%d,"dateMs":%d}`, sid, to.UnixMilli())
	var out []conversation
	err := core.EachInRange(tx, idxConversationDate, json.RawMessage(ge), json.RawMessage(lt), func(c *conversation) bool {
		out = append(out, *c)
		return true
	})
	return out, err
}

// messagesOf lists a conversation's messages by date, then in the order
// they were recorded.
func messagesOf(tx *core.Tx, conversationID int64) ([]message, error) {
	var out []message
	err := core.EachEqual(tx, idxMessageConversation, map[string]any{"conversation": conversationID}, func(m *message) bool {
		out = append(out, *m)
		return true
	})
	sortMessages(out)
	return out, err
}

// accountAgents lists an account's agents by id.
func accountAgents(tx *core.Tx, sid int64) ([]agent, error) {
	var out []agent
	err := core.EachEqual(tx, idxAgentAccount, sidPivot(sid), func(a *agent) bool {
		out = append(out, *a)
		return true
	})
	return out, err
}

// accountAgent loads one agent of an account; nil when the id is unknown
// or belongs to another account.
func accountAgent(tx *core.Tx, sid, id int64) (*agent, error) {
	var a agent
	found, err := tx.Get(agentKey(id), &a)
	if err != nil || !found || a.SID != sid {
		return nil, err
	}
	return &a, nil
}

// envelope is ImBox's success envelope: {"result":"success","json":[...],
// "length":N}. Length is left out where the documentation's example leaves
// it out (grabVisitorInfo, grabVisitorLabels, grabVisitorCards, grabAgent).
type envelope struct {
	Result string `json:"result"`
	JSON   any    `json:"json"`
	Length *int   `json:"length,omitempty"`
}

// success answers items with their count.
func success[T any](items []T) *core.Response {
	if items == nil {
		items = []T{}
	}
	n := len(items)
	return core.OK(envelope{Result: "success", JSON: items, Length: &n})
}

// successWithoutLength answers items without "length".
func successWithoutLength[T any](items []T) *core.Response {
	if items == nil {
		items = []T{}
	}
	return core.OK(envelope{Result: "success", JSON: items})
}
