package imbox

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
	"github.com/chatemu/chatemu/internal/state"
	"github.com/tidwall/btree"
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

func seqName(kind string) string { return vendorName + ":" + kind }

// model is ImBox's typed state: a table per stored document kind, keyed
// "imbox:<kind>:<zero-padded id>" in the log, and the secondary maps every
// lookup and filter of the API reads. Everything is read under db.View and
// changed under db.Update; the maps are kept up to date by the tables'
// Index functions (inserts, replacements, deletes, their undo and loads).
type model struct {
	db            *state.DB
	accounts      *state.Table[int64, account]
	agents        *state.Table[int64, agent]
	pageFilters   *state.Table[int64, pageFilter]
	conversations *state.Table[int64, conversation]
	messages      *state.Table[int64, message]

	// auth is what authAccount establishes for an API key.
	auth map[string]*authed
	// agentsByAccount and filtersByAccount order agents and page filters
	// by (sid, id).
	agentsByAccount  *btree.BTreeG[agentEntry]
	filtersByAccount *btree.BTreeG[owned[pageFilter]]
	// channels finds a conversation's internal id by (sid, conversationID).
	channels map[channelKey]int64
	// byDate orders conversations by (sid, dateMs, id): listConversations'
	// and chatStatistics' ranges.
	byDate *btree.BTreeG[owned[conversation]]
	// byConversation orders messages by (conversation, date, pos, id).
	byConversation *btree.BTreeG[messageEntry]
}

// owned is a row in an account's ordered list: at is the order within
// the account (an id, or a date in unix ms), row the stored value (read
// under the lock only; rows are replaced, never changed).
type owned[V any] struct {
	sid, at, id int64
	row         *V
}

func ownedLess[V any](a, b owned[V]) bool {
	if a.sid != b.sid {
		return a.sid < b.sid
	}
	if a.at != b.at {
		return a.at < b.at
	}
	return a.id < b.id
}

// agentEntry is an agent in its account's list, rendered and encoded as
// grabAgent and grabAgents show it once per change of the agent.
type agentEntry struct {
	sid, id int64
	item    json.RawMessage
}

// channelKey is a conversation's public id within its account.
type channelKey struct {
	sid     int64
	channel string
}

// messageEntry is a message in its conversation's order; first marks the
// pivot before every message of a conversation.
type messageEntry struct {
	conversation int64
	first        bool
	date         time.Time
	pos, id      int64
	row          *message
}

func messageLess(a, b messageEntry) bool {
	if a.conversation != b.conversation {
		return a.conversation < b.conversation
	}
	if a.first != b.first {
		return a.first
	}
	if c := a.date.Compare(b.date); c != 0 {
		return c < 0
	}
	if a.pos != b.pos {
		return a.pos < b.pos
	}
	return a.id < b.id
}

// kindOf reports whether key is one of kind's document keys.
func kindOf(kind string) func(string) bool {
	prefix := vendorName + ":" + kind + ":"
	return func(key string) bool { return strings.HasPrefix(key, prefix) }
}

func keyOf(kind string) func(int64) string {
	return func(id int64) string { return core.Key(vendorName, kind, id) }
}

func seqOf(kind string) func(id int64) (string, int64) {
	name := seqName(kind)
	return func(id int64) (string, int64) { return name, id }
}

// newModel registers ImBox's tables with a new state.DB over log.
func newModel(log *state.Log) *model {
	m := &model{db: state.New(vendorName, log)}
	m.clear()
	m.db.OnClear(m.clear)
	m.accounts = state.NewTable(m.db, state.TableSpec[int64, account]{
		Owns: kindOf(kindAccount), Key: keyOf(kindAccount),
		ID:    func(a *account) int64 { return a.SID },
		Index: m.indexAccount,
	})
	m.agents = state.NewTable(m.db, state.TableSpec[int64, agent]{
		Owns: kindOf(kindAgent), Key: keyOf(kindAgent),
		ID:  func(a *agent) int64 { return a.ID },
		Seq: func(a *agent) (string, int64) { return seqOf(kindAgent)(a.ID) },
		Index: func(old, nw *agent) {
			if old != nil {
				m.agentsByAccount.Delete(agentEntry{sid: old.SID, id: old.ID})
			}
			if nw != nil {
				m.agentsByAccount.Set(agentEntry{sid: nw.SID, id: nw.ID, item: encodeItem(nw.item())})
			}
		},
	})
	m.pageFilters = state.NewTable(m.db, state.TableSpec[int64, pageFilter]{
		Owns: kindOf(kindPageFilter), Key: keyOf(kindPageFilter),
		ID:  func(f *pageFilter) int64 { return f.ID },
		Seq: func(f *pageFilter) (string, int64) { return seqOf(kindPageFilter)(f.ID) },
		Index: func(old, nw *pageFilter) {
			if old != nil {
				m.filtersByAccount.Delete(owned[pageFilter]{sid: old.SID, at: old.ID, id: old.ID})
			}
			if nw != nil {
				m.filtersByAccount.Set(owned[pageFilter]{sid: nw.SID, at: nw.ID, id: nw.ID, row: nw})
			}
		},
	})
	m.conversations = state.NewTable(m.db, state.TableSpec[int64, conversation]{
		Owns: kindOf(kindConversation), Key: keyOf(kindConversation),
		ID:    func(c *conversation) int64 { return c.ID },
		Seq:   func(c *conversation) (string, int64) { return seqOf(kindConversation)(c.ID) },
		Index: m.indexConversation,
	})
	m.messages = state.NewTable(m.db, state.TableSpec[int64, message]{
		Owns: kindOf(kindMessage), Key: keyOf(kindMessage),
		ID:  func(msg *message) int64 { return msg.ID },
		Seq: func(msg *message) (string, int64) { return seqOf(kindMessage)(msg.ID) },
		Index: func(old, nw *message) {
			if old != nil {
				m.byConversation.Delete(old.entry())
			}
			if nw != nil {
				m.byConversation.Set(nw.entry())
				m.db.Bump(seqMessagePos, nw.Pos)
			}
		},
	})
	return m
}

// clear empties the secondary maps (a reset or an import).
func (m *model) clear() {
	noLocks := btree.Options{NoLocks: true} // the model's lock covers them
	m.auth = map[string]*authed{}
	m.agentsByAccount = btree.NewBTreeGOptions(func(a, b agentEntry) bool {
		if a.sid != b.sid {
			return a.sid < b.sid
		}
		return a.id < b.id
	}, noLocks)
	m.filtersByAccount = btree.NewBTreeGOptions(ownedLess[pageFilter], noLocks)
	m.channels = map[channelKey]int64{}
	m.byDate = btree.NewBTreeGOptions(ownedLess[conversation], noLocks)
	m.byConversation = btree.NewBTreeGOptions(messageLess, noLocks)
}

// indexAccount keeps the API keys. Two accounts with one key can only
// come from a hand-made snapshot: the lower sid answers, as the old
// index's order did.
func (m *model) indexAccount(old, nw *account) {
	if old != nil {
		if a := m.auth[old.APIKey]; a != nil && a.principal.Account.SID == old.SID {
			delete(m.auth, old.APIKey)
		}
	}
	if nw != nil {
		if a := m.auth[nw.APIKey]; a == nil || a.principal.Account.SID >= nw.SID {
			acc := *nw
			m.auth[nw.APIKey] = &authed{tenant: tenant(nw.SID), principal: &principal{Account: &acc}}
		}
	}
}

// indexConversation keeps the conversations by channel and by date. Two
// conversations of an account with one id can only come from a hand-made
// snapshot: the lower internal id answers, as the old index's order did.
func (m *model) indexConversation(old, nw *conversation) {
	if old != nil {
		k := channelKey{old.SID, old.Channel}
		if m.channels[k] == old.ID {
			delete(m.channels, k)
		}
		m.byDate.Delete(owned[conversation]{sid: old.SID, at: old.DateMs, id: old.ID})
	}
	if nw != nil {
		k := channelKey{nw.SID, nw.Channel}
		if id, ok := m.channels[k]; !ok || id >= nw.ID {
			m.channels[k] = nw.ID
		}
		m.byDate.Set(owned[conversation]{sid: nw.SID, at: nw.DateMs, id: nw.ID, row: nw})
	}
}

func (msg *message) entry() messageEntry {
	return messageEntry{conversation: msg.Conversation, date: msg.Date, pos: msg.Pos, id: msg.ID, row: msg}
}

// hasAccount reports whether the account sid exists.
func (m *model) hasAccount(sid int64) bool { return m.accounts.Has(sid) }

// authedBy is what an API key authenticates as; nil for none.
func (m *model) authedBy(apiKey string) *authed { return m.auth[apiKey] }

// conversationByChannel returns a copy of an account's conversation by its
// id (exact match).
func (m *model) conversationByChannel(sid int64, channel string) (conversation, bool) {
	id, ok := m.channels[channelKey{sid, channel}]
	if !ok {
		return conversation{}, false
	}
	return m.conversations.Get(id)
}

// eachConversation calls fn with an account's conversations created in
// [from, to), oldest first, until fn returns false. fn must not keep c.
func (m *model) eachConversation(sid int64, from, to time.Time, fn func(c *conversation) bool) {
	lo, hi := from.UnixMilli(), to.UnixMilli()
	m.byDate.Ascend(owned[conversation]{sid: sid, at: lo, id: math.MinInt64}, func(e owned[conversation]) bool {
		if e.sid != sid || e.at >= hi {
			return false
		}
		return fn(e.row)
	})
}

// messagesOf lists a conversation's messages by date, then in the order
// they were recorded. The messages are the stored rows: read them under
// the lock only, never change them.
func (m *model) messagesOf(conversationID int64) []*message {
	var out []*message
	m.byConversation.Ascend(messageEntry{conversation: conversationID, first: true}, func(e messageEntry) bool {
		if e.conversation != conversationID {
			return false
		}
		out = append(out, e.row)
		return true
	})
	return out
}

// eachAgentItem calls fn with an account's agents by id, encoded as
// grabAgents shows them (shared: only read them).
func (m *model) eachAgentItem(sid int64, fn func(json.RawMessage)) {
	m.agentsByAccount.Ascend(agentEntry{sid: sid, id: math.MinInt64}, func(e agentEntry) bool {
		if e.sid != sid {
			return false
		}
		fn(e.item)
		return true
	})
}

// agentItem is one agent of an account, encoded as grabAgent shows it
// (shared: only read it); false when the id is unknown or belongs to
// another account.
func (m *model) agentItem(sid, id int64) (json.RawMessage, bool) {
	e, ok := m.agentsByAccount.Get(agentEntry{sid: sid, id: id})
	return e.item, ok
}

// accountAgent returns a copy of one agent of an account; false when the
// id is unknown or belongs to another account.
func (m *model) accountAgent(sid, id int64) (agent, bool) {
	a, ok := m.agents.Get(id)
	return a, ok && a.SID == sid
}

// accountFilters lists an account's page filters by id.
func (m *model) accountFilters(sid int64) []pageFilter {
	var out []pageFilter
	m.filtersByAccount.Ascend(owned[pageFilter]{sid: sid, at: math.MinInt64, id: math.MinInt64}, func(e owned[pageFilter]) bool {
		if e.sid != sid {
			return false
		}
		out = append(out, *e.row)
		return true
	})
	return out
}

// own gives a copy of a stored conversation lists of its own, so that
// changing them in place leaves the stored row as it is.
func (c *conversation) own() {
	c.Tags, c.Labels, c.Cards, c.Pages = slices.Clone(c.Tags), slices.Clone(c.Labels), slices.Clone(c.Cards), slices.Clone(c.Pages)
}
