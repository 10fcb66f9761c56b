package bitrix24

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// The model: one state.Table per kind of document, keyed in memory by
// structs (the log keys are built only for the log), and the secondary
// maps every lookup of the API needs, kept up to date by the tables'
// Index hooks. Everything here is read under model.db.View and changed
// under model.db.Update.

// scoped names a portal-scoped document by its id: a user, bot, chat,
// message, open line or session (and, as a map key, a chat or a user of a
// portal).
type scoped struct {
	portal string
	id     int64
}

// memberID names a chat member.
type memberID struct {
	portal     string
	chat, user int64
}

// limitID names a weekly network limit.
type limitID struct {
	portal    string
	bot, user int64
}

// entityID is a chat's binding: imbot.chat.get looks chats up by it.
type entityID struct{ portal, typ, id string }

// codeID is an open line's code (or a network bot's line code) on a portal.
type codeID struct{ portal, code string }

// portalIndex is the portal index document: the portals in fixture order.
type portalIndex []portalRef

// model is one instance's Bitrix24 state.
type model struct {
	db *state.DB

	// names holds one copy of each portal name the documents decoded name,
	// so that the rows of a portal share it (decoding runs outside the
	// model's lock, so names has a lock of its own).
	namesMu sync.Mutex
	names   map[string]string

	members   *state.Table[memberID, chatMember]
	limits    *state.Table[limitID, networkLimit]
	users     *state.Table[scoped, user]
	bots      *state.Table[scoped, bot]
	chats     *state.Table[scoped, chat]
	messages  *state.Table[scoped, message]
	lines     *state.Table[scoped, openLine]
	sessions  *state.Table[scoped, session]
	commands  *state.Table[scoped, command]
	index     *state.Table[struct{}, portalIndex]
	portals   *state.Table[string, portal]
	buckets   *state.Table[string, bucket]
	tokens    *state.Table[string, accessToken]
	refreshes *state.Table[string, refreshToken]
	usages    *state.Table[usageID, operatingUsage]

	// chatBots are each portal's chat bots (network bots excluded) in id
	// order; a slice is replaced on every change, never changed in place,
	// so that a principal may keep it after the lock is released.
	chatBots map[string][]bot
	// networkBots are the ids of the bots speaking for a joined line.
	networkBots map[codeID][]int64
	// chatsByEntity are chat ids by binding, in id order.
	chatsByEntity map[entityID][]int64
	// memberLists are each chat's member documents in joining order.
	memberLists map[scoped]*memberList
	// chatMessages and userMessages are message ids by chat and by
	// recipient (network messages), in id order.
	chatMessages map[scoped][]int64
	userMessages map[scoped][]int64
	// linesByCode are open line ids by code, in id order.
	linesByCode map[codeID][]int64
	// chatSessions are session ids by chat, in id order.
	chatSessions map[scoped][]int64
	// privateChats are the private dialogs by their two users.
	privateChats map[pairID]int64
	// botCommands are command ids by bot, in id order.
	botCommands map[scoped][]int64
	// eventTokens are the live tokens minted for events, by owner.
	eventTokens map[tokenOwner]string
}

// pairID names a private dialog by its users, the lower id first.
type pairID struct {
	portal string
	lo, hi int64
}

func pairOf(portal string, a, b int64) pairID {
	if a > b {
		a, b = b, a
	}
	return pairID{portal, a, b}
}

// tokenOwner is whom an event token acts for.
type tokenOwner struct {
	portal, clientID string
	user             int64
}

// Document kinds.
const (
	kindUser    = "user"
	kindBot     = "bot"
	kindChat    = "chat"
	kindMessage = "message"
	kindLine    = "line"
	kindSession = "session"
	kindCommand = "command"
	// kindHandler names the sequence of event handler ids.
	kindHandler = "handler"
	// kindChatUser is a chat's member: "bitrix24:<portal>:chatuser:<chat id>:<user id>".
	kindChatUser = "chatuser"
	kindLimit    = "netlimit"
)

// Keys. Portal-scoped documents live under "bitrix24:<portal>:<kind>:<id>";
// portal names are restricted to [a-z0-9_-] by the fixture schema.
func portalKey(name string) string   { return vendorName + ":portal:" + name }
func tokenKey(token string) string   { return vendorName + ":token:" + token }
func refreshKey(token string) string { return vendorName + ":refresh:" + token }
func bucketKey(portal string) string { return vendorName + ":bucket:" + portal }
func scopedKey(portal, kind string, id int64) string {
	return fmt.Sprintf("%s:%s:%s:%012d", vendorName, portal, kind, id)
}
func seqName(portal, kind string) string { return vendorName + ":" + portal + ":" + kind }
func memberKey(portal string, chatID, userID int64) string {
	return fmt.Sprintf("%s:%s:%s:%012d:%012d", vendorName, portal, kindChatUser, chatID, userID)
}
func limitKey(portal string, botID, userID int64) string {
	return fmt.Sprintf("%s:%s:%s:%012d:%012d", vendorName, portal, kindLimit, botID, userID)
}

const portalIndexKey = vendorName + ":portals"

// keyParts splits a key of this vendor after "bitrix24:".
func keyParts(key string) []string {
	rest, ok := strings.CutPrefix(key, vendorName+":")
	if !ok {
		return nil
	}
	return strings.Split(rest, ":")
}

// ownsScoped is the Owns of a portal-scoped table: "<portal>:<kind>:<id>"
// with ids more ids after the kind.
func ownsScoped(kind string, ids int) func(string) bool {
	return func(key string) bool {
		parts := keyParts(key)
		if len(parts) != 2+ids || parts[1] != kind {
			return false
		}
		for _, p := range parts[2:] {
			if _, ok := core.KeyID(p); !ok {
				return false
			}
		}
		return true
	}
}

// ownsNamed is the Owns of "<kind>:<name>" keys (portals, buckets).
func ownsNamed(kind string) func(string) bool {
	return func(key string) bool {
		parts := keyParts(key)
		return len(parts) == 2 && parts[0] == kind
	}
}

// intern returns the copy of portal name s the model keeps.
func (m *model) intern(s string) string {
	m.namesMu.Lock()
	defer m.namesMu.Unlock()
	if v, ok := m.names[s]; ok {
		return v
	}
	m.names[s] = s
	return s
}

// fillScoped is the FromKey of a portal-scoped table: a document that
// leaves its portal or id out takes them from its key.
// Its portal's name is the model's copy.
func (m *model) fillScoped(key string, portal *string, id *int64) error {
	parts := keyParts(key)
	if *portal == "" {
		*portal = parts[0]
	}
	*portal = m.intern(*portal)
	if *id == 0 {
		*id, _ = core.KeyID(parts[2])
	}
	return nil
}

// scopedSpec is the spec of a table of portal-scoped documents of a kind,
// whose ids come from the portal's sequence seq; id points at a row's
// portal and id.
func scopedSpec[V any](m *model, kind, seq string, id func(*V) (*string, *int64)) state.TableSpec[scoped, V] {
	return state.TableSpec[scoped, V]{
		Owns: ownsScoped(kind, 1),
		ID: func(v *V) scoped {
			p, n := id(v)
			return scoped{*p, *n}
		},
		Key:     func(k scoped) string { return scopedKey(k.portal, kind, k.id) },
		FromKey: func(key string, v *V) error { p, n := id(v); return m.fillScoped(key, p, n) },
		Seq: func(v *V) (string, int64) {
			p, n := id(v)
			return seqName(*p, seq), *n
		},
	}
}

// newModel registers the tables with a new state.DB appending to log.
func newModel(log *state.Log) *model {
	m := &model{db: state.New(vendorName, log), names: map[string]string{}}
	m.clear()
	m.db.OnClear(m.clear)
	// Portal-scoped tables first: a portal named "token" or "portal" has
	// keys that the named tables below would also claim.
	m.members = state.NewTable(m.db, state.TableSpec[memberID, chatMember]{
		Owns: ownsScoped(kindChatUser, 2),
		ID:   func(c *chatMember) memberID { return memberID{c.Portal, c.ChatID, c.UserID} },
		Key:  func(k memberID) string { return memberKey(k.portal, k.chat, k.user) },
		Seq:  func(c *chatMember) (string, int64) { return seqName(c.Portal, kindChatUser), c.Order },
		FromKey: func(_ string, c *chatMember) error {
			c.Portal = m.intern(c.Portal)
			return nil
		},
		Index: func(old, nv *chatMember) {
			if old != nil {
				k := scoped{old.Portal, old.ChatID}
				if l := m.memberLists[k]; l != nil {
					l.remove(old.UserID, old.Order)
					if len(l.users) == 0 {
						delete(m.memberLists, k)
					}
				}
			}
			if nv != nil {
				k := scoped{nv.Portal, nv.ChatID}
				l := m.memberLists[k]
				if l == nil {
					l = &memberList{}
					m.memberLists[k] = l
				}
				l.add(nv.UserID, nv.Order)
			}
		},
	})
	m.limits = state.NewTable(m.db, state.TableSpec[limitID, networkLimit]{
		Owns: ownsScoped(kindLimit, 2),
		ID:   func(l *networkLimit) limitID { return limitID{l.Portal, l.BotID, l.UserID} },
		Key:  func(k limitID) string { return limitKey(k.portal, k.bot, k.user) },
		FromKey: func(key string, l *networkLimit) error {
			l.Portal = m.intern(keyParts(key)[0])
			return nil
		},
	})
	uspec := scopedSpec(m, kindUser, kindUser, func(u *user) (*string, *int64) { return &u.Portal, &u.ID })
	m.users = state.NewTable(m.db, uspec)
	// bots are users: one id sequence for both
	bspec := scopedSpec(m, kindBot, kindUser, func(b *bot) (*string, *int64) { return &b.Portal, &b.ID })
	bspec.Index = m.indexBot
	m.bots = state.NewTable(m.db, bspec)
	cspec := scopedSpec(m, kindChat, kindChat, func(c *chat) (*string, *int64) { return &c.Portal, &c.ID })
	byEntity := linkedBy(func() map[entityID][]int64 { return m.chatsByEntity },
		func(c *chat) (entityID, int64) { return entityID{c.Portal, c.EntityType, c.EntityID}, c.ID })
	cspec.Index = func(old, nv *chat) {
		byEntity(old, nv)
		m.indexPrivate(old, nv)
	}
	m.chats = state.NewTable(m.db, cspec)
	mspec := scopedSpec(m, kindMessage, kindMessage, func(x *message) (*string, *int64) { return &x.Portal, &x.ID })
	mspec.Index = func(old, nv *message) {
		// 0 is no chat (a network message) or no recipient (a chat's)
		if old != nil && old.ChatID != 0 {
			unlink(m.chatMessages, scoped{old.Portal, old.ChatID}, old.ID)
		}
		if old != nil && old.ToUserID != 0 {
			unlink(m.userMessages, scoped{old.Portal, old.ToUserID}, old.ID)
		}
		if nv != nil && nv.ChatID != 0 {
			link(m.chatMessages, scoped{nv.Portal, nv.ChatID}, nv.ID)
		}
		if nv != nil && nv.ToUserID != 0 {
			link(m.userMessages, scoped{nv.Portal, nv.ToUserID}, nv.ID)
		}
	}
	m.messages = state.NewTable(m.db, mspec)
	lspec := scopedSpec(m, kindLine, kindLine, func(l *openLine) (*string, *int64) { return &l.Portal, &l.ID })
	lspec.Index = linkedBy(func() map[codeID][]int64 { return m.linesByCode },
		func(l *openLine) (codeID, int64) { return codeID{l.Portal, l.Code}, l.ID })
	m.lines = state.NewTable(m.db, lspec)
	sspec := scopedSpec(m, kindSession, kindSession, func(s *session) (*string, *int64) { return &s.Portal, &s.ID })
	sspec.Index = linkedBy(func() map[scoped][]int64 { return m.chatSessions },
		func(x *session) (scoped, int64) { return scoped{x.Portal, x.ChatID}, x.ID })
	m.sessions = state.NewTable(m.db, sspec)
	kspec := scopedSpec(m, kindCommand, kindCommand, func(x *command) (*string, *int64) { return &x.Portal, &x.ID })
	kspec.Index = linkedBy(func() map[scoped][]int64 { return m.botCommands },
		func(x *command) (scoped, int64) { return scoped{x.Portal, x.BotID}, x.ID })
	m.commands = state.NewTable(m.db, kspec)
	m.index = state.NewTable(m.db, state.TableSpec[struct{}, portalIndex]{
		Owns: func(key string) bool { return key == portalIndexKey },
		ID:   func(*portalIndex) struct{} { return struct{}{} },
		Key:  func(struct{}) string { return portalIndexKey },
	})
	m.portals = state.NewTable(m.db, state.TableSpec[string, portal]{
		Owns: ownsNamed("portal"),
		ID:   func(p *portal) string { return p.Name },
		Key:  portalKey,
	})
	m.buckets = state.NewTable(m.db, state.TableSpec[string, bucket]{
		Owns: ownsNamed("bucket"),
		ID:   func(b *bucket) string { return b.Portal },
		Key:  bucketKey,
		FromKey: func(key string, b *bucket) error {
			b.Portal = keyParts(key)[1]
			return nil
		},
	})
	m.tokens = state.NewTable(m.db, state.TableSpec[string, accessToken]{
		Owns: func(key string) bool { return strings.HasPrefix(key, vendorName+":token:") },
		ID:   func(t *accessToken) string { return t.Token },
		Key:  tokenKey,
		Index: func(old, nv *accessToken) {
			if old != nil && old.Event {
				k := tokenOwner{old.Portal, old.ClientID, old.UserID}
				if m.eventTokens[k] == old.Token {
					delete(m.eventTokens, k)
				}
			}
			if nv != nil && nv.Event {
				m.eventTokens[tokenOwner{nv.Portal, nv.ClientID, nv.UserID}] = nv.Token
			}
		},
	})
	m.refreshes = state.NewTable(m.db, state.TableSpec[string, refreshToken]{
		Owns: func(key string) bool { return strings.HasPrefix(key, vendorName+":refresh:") },
		ID:   func(t *refreshToken) string { return t.Token },
		Key:  refreshKey,
	})
	m.usages = newUsageTable(m.db)
	return m
}

// clear empties the secondary maps (the tables empty themselves).
func (m *model) clear() {
	m.chatBots = map[string][]bot{}
	m.networkBots = map[codeID][]int64{}
	m.chatsByEntity = map[entityID][]int64{}
	m.memberLists = map[scoped]*memberList{}
	m.chatMessages = map[scoped][]int64{}
	m.userMessages = map[scoped][]int64{}
	m.linesByCode = map[codeID][]int64{}
	m.chatSessions = map[scoped][]int64{}
	m.privateChats = map[pairID]int64{}
	m.botCommands = map[scoped][]int64{}
	m.eventTokens = map[tokenOwner]string{}
}

// indexBot keeps chatBots and networkBots up to date.
func (m *model) indexBot(old, nv *bot) {
	if old != nil {
		if old.NetworkCode != "" {
			unlink(m.networkBots, codeID{old.Portal, old.NetworkCode}, old.ID)
		} else {
			list := m.chatBots[old.Portal]
			i := slices.IndexFunc(list, func(b bot) bool { return b.ID == old.ID })
			if i >= 0 {
				m.chatBots[old.Portal] = slices.Delete(slices.Clone(list), i, i+1)
			}
		}
	}
	if nv != nil {
		if nv.NetworkCode != "" {
			link(m.networkBots, codeID{nv.Portal, nv.NetworkCode}, nv.ID)
		} else {
			list := m.chatBots[nv.Portal]
			i := sort.Search(len(list), func(i int) bool { return list[i].ID >= nv.ID })
			m.chatBots[nv.Portal] = slices.Insert(slices.Clone(list), i, *nv)
		}
	}
}

// link adds id to the ids under k, kept in order.
// linkedBy is an Index hook keeping the ids of a table's rows in the map
// index returns (read at each call: a reset makes a new one), under the key
// of returns for each row.
func linkedBy[K comparable, V any](index func() map[K][]int64, of func(*V) (K, int64)) func(old, nv *V) {
	return func(old, nv *V) {
		if old != nil {
			k, id := of(old)
			unlink(index(), k, id)
		}
		if nv != nil {
			k, id := of(nv)
			link(index(), k, id)
		}
	}
}

func link[K comparable](m map[K][]int64, k K, id int64) {
	s := m[k]
	if i, found := slices.BinarySearch(s, id); !found {
		m[k] = slices.Insert(s, i, id)
	}
}

// unlink removes id from the ids under k.
func unlink[K comparable](m map[K][]int64, k K, id int64) {
	s := m[k]
	if i, found := slices.BinarySearch(s, id); found {
		if len(s) == 1 {
			delete(m, k)
			return
		}
		m[k] = slices.Delete(s, i, i+1)
	}
}

// memberList is a chat's members in joining order: by order, then user id
// (the order member documents were always listed in).
type memberList struct {
	users, orders []int64
}

func (l *memberList) search(user, order int64) int {
	n := len(l.users)
	if n == 0 || l.orders[n-1] < order || (l.orders[n-1] == order && l.users[n-1] < user) {
		return n // the common case: the newest member
	}
	return sort.Search(n, func(i int) bool {
		return l.orders[i] > order || (l.orders[i] == order && l.users[i] >= user)
	})
}

func (l *memberList) add(user, order int64) {
	i := l.search(user, order)
	l.users = slices.Insert(l.users, i, user)
	l.orders = slices.Insert(l.orders, i, order)
}

func (l *memberList) remove(user, order int64) {
	i := l.search(user, order)
	if i < len(l.users) && l.users[i] == user && l.orders[i] == order {
		l.users = slices.Delete(l.users, i, i+1)
		l.orders = slices.Delete(l.orders, i, i+1)
	}
}

// firstOf returns the first row of ids (a portal's) that exists in t.
func firstOf[V any](t *state.Table[scoped, V], portal string, ids []int64) (V, bool) {
	for _, id := range ids {
		if v, ok := t.Get(scoped{portal, id}); ok {
			return v, true
		}
	}
	var zero V
	return zero, false
}
