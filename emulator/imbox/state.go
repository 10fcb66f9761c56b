package imbox

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
	"github.com/tidwall/btree"
)

// Stored document kinds and sequences.
const (
	kindAccount      = "account"
	kindAgent        = "agent"
	kindPageFilter   = "pagefilter"
	kindConversation = "conversation"
	kindMessage      = "message"
	seqAgent         = vendorName + ":" + kindAgent
	seqPageFilter    = vendorName + ":" + kindPageFilter
	seqConversation  = vendorName + ":" + kindConversation
	seqMessage       = vendorName + ":" + kindMessage
	seqMessagePos    = vendorName + ":messagepos"
)

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
		Seq: func(a *agent) (string, int64) { return seqAgent, a.ID },
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
		Seq: func(f *pageFilter) (string, int64) { return seqPageFilter, f.ID },
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
		Seq:   func(c *conversation) (string, int64) { return seqConversation, c.ID },
		Index: m.indexConversation,
	})
	m.messages = state.NewTable(m.db, state.TableSpec[int64, message]{
		Owns: kindOf(kindMessage), Key: keyOf(kindMessage),
		ID:  func(msg *message) int64 { return msg.ID },
		Seq: func(msg *message) (string, int64) { return seqMessage, msg.ID },
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
