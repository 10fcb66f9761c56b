package bitrix24

import (
	"crypto/md5"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// Bot events (vendor-events reference §1; the event pages under
// chat-bots/outdated): the portal posts them to the handler URLs bound
// for a bot's application, as PHP's http_build_query form bodies, once the
// request that caused them has been answered. This file builds the
// deliveries: who gets them is decided where the change is made
// (messages.go, people.go, register.go, commands.go).

// The events a bot's handlers are bound for.
const (
	evMessageAdd    = "ONIMBOTMESSAGEADD"
	evMessageUpdate = "ONIMBOTMESSAGEUPDATE"
	evMessageDelete = "ONIMBOTMESSAGEDELETE"
	evJoinChat      = "ONIMBOTJOINCHAT"
	evBotDelete     = "ONIMBOTDELETE"
	evCommandAdd    = "ONIMCOMMANDADD"
)

// isBotEvent reports whether name is an event a bot's handler is bound for.
func isBotEvent(name string) bool {
	switch name {
	case evMessageAdd, evMessageUpdate, evMessageDelete, evJoinChat, evBotDelete:
		return true
	}
	return false
}

// eventUserAgent is the User-Agent of the portal's event sender.
const eventUserAgent = "Bitrix24 Webhook Engine"

// eventLanguage is the portal's default language (LANGUAGE).
const eventLanguage = "en"

// events collects the deliveries one change causes. It is used inside the
// model's update (it mints event tokens); its deliveries go to an outbox
// once the update has been stored.
type events struct {
	m      *model
	random *core.Random
	tx     *state.Tx
	p      *portal
	origin string
	now    time.Time
	out    []outbound.Delivery
	// muted is set for a change made by a request from the event sender
	// itself: its events are not sent (the loop guard, callEvents).
	muted  bool
	log    *slog.Logger
	engine *outbound.Engine
}

// newEvents starts the events of a change to portal p made at now by a
// request that reached chatemu at origin.
func (s *Service) newEvents(tx *state.Tx, p *portal, origin string, now time.Time) *events {
	return &events{m: s.m, random: s.deps.Random, tx: tx, p: p, origin: origin, now: now, log: s.deps.Logger,
		engine: s.deps.Outbound}
}

// fromEventSender reports whether r came from the portal's event sender
// (its User-Agent): a bot's handler URL pointing at chatemu itself.
func fromEventSender(r *http.Request) bool {
	return r != nil && r.Header.Get("User-Agent") == eventUserAgent
}

// callEvents starts the events of a change REST call c makes. A call that
// is itself an event delivery (a handler URL pointing at chatemu's REST)
// raises none, so that no handler can feed itself events without end:
// the portal's CYCLIC_CALL_LIMIT, reached at the first step.
func (s *Service) callEvents(tx *state.Tx, c *call) *events {
	ev := s.newEvents(tx, c.p.Portal, c.req.Outbox().Origin, c.now)
	ev.muted = fromEventSender(c.req.HTTP)
	return ev
}

// flush hands the collected deliveries to o (nil: to the engine at once).
func (e *events) flush(o *outbound.Outbox) {
	if e == nil || len(e.out) == 0 {
		return
	}
	if e.muted {
		if e.log != nil {
			e.log.Warn("bot events not sent: the request that caused them is an event delivery (a handler URL points at chatemu)",
				"events", len(e.out), "first", e.out[0].Event)
		}
		return
	}
	e.engine.Deliver(o, e.out...)
}

// endpoint is where events point clients back to: chatemu's REST root,
// which serves the OAuth server's refresh path too.
func (e *events) endpoint() string { return e.origin + "/rest/" }

// appOf is the OAuth application whose tokens bot b's events carry: nil
// for a bot registered through a webhook (or whose application is gone).
func (e *events) appOf(b *bot) *app {
	if b.Webhook {
		return nil
	}
	return e.p.app(b.ClientID)
}

// appToken is an application's application_token on portal p.
func appToken(p *portal, a *app) string {
	if a.ApplicationToken != "" {
		return a.ApplicationToken
	}
	sum := md5.Sum([]byte("chatemu application token " + p.Name + " " + a.ClientID))
	return hex.EncodeToString(sum[:])
}

// token is a live access token of application a for user: the one minted
// for an earlier event while at least half its lifetime is left, else a
// new one (with its refresh token). A new token replaces the one before
// it; the one before that, expired by then, is deleted, so that each
// owner keeps at most two.
func (e *events) token(a *app, user int64) accessToken {
	owner := tokenOwner{e.p.Name, a.ClientID, user}
	life := time.Duration(a.TokenLifetime) * time.Second
	var prev *accessToken
	if raw, ok := e.m.eventTokens[owner]; ok {
		if t, ok := e.m.tokens.Get(raw); ok {
			if e.now.Add(life / 2).Before(t.ExpiresAt) {
				return t
			}
			prev = &t
		}
	}
	t := accessToken{Token: strings.ToLower(e.random.Alphanumeric(40)), RefreshToken: strings.ToLower(e.random.Alphanumeric(40)),
		Portal: e.p.Name, ClientID: a.ClientID, UserID: user, ExpiresAt: e.now.Add(life), Event: true}
	if prev != nil {
		t.Replaces = prev.Token
		if old, ok := e.m.tokens.Get(prev.Replaces); ok {
			e.m.tokens.Delete(e.tx, old.Token)
			e.m.refreshes.Delete(e.tx, old.RefreshToken)
		}
	}
	e.m.tokens.Put(e.tx, t)
	e.m.refreshes.Put(e.tx, refreshToken{Token: t.RefreshToken, Portal: e.p.Name, ClientID: a.ClientID, UserID: user})
	return t
}

// tokenFields writes the auth keys of token t of application a in the
// documented order: the top-level auth's (bot false: user_id, then the
// refresh token when refresh) or a bot block's (refresh token, user_id,
// client_id).
func (e *events) tokenFields(f *outbound.Form, a *app, t accessToken, bot, refresh bool) {
	f.Set("access_token", t.Token)
	f.Set("expires", t.ExpiresAt.Unix())
	f.Set("expires_in", int64(t.ExpiresAt.Sub(e.now)/time.Second))
	f.Set("scope", strings.Join(a.Scopes, ","))
	f.Set("domain", e.p.Domain)
	f.Set("server_endpoint", e.endpoint())
	f.Set("status", "L")
	f.Set("client_endpoint", e.endpoint())
	f.Set("member_id", e.p.MemberID)
	if bot {
		f.Set("refresh_token", t.RefreshToken)
		f.Set("user_id", t.UserID)
		f.Set("client_id", a.ClientID)
	} else {
		f.Set("user_id", t.UserID)
		if refresh {
			f.Set("refresh_token", t.RefreshToken)
		}
	}
	f.Set("application_token", appToken(e.p, a))
}

// auth is the top-level auth block of an event for bot b's application,
// caused by user (0: by nobody). An application's event caused by a user
// carries that user's tokens (the refresh token only when refresh); one
// caused by nobody only domain, member_id and application_token. A bot
// registered through a webhook has no tokens: its events carry domain,
// client_endpoint, server_endpoint, member_id and application_token, the
// CLIENT_ID it was registered with.
func (e *events) auth(b *bot, user int64, refresh bool) *outbound.Form {
	f := &outbound.Form{}
	a := e.appOf(b)
	switch {
	case a == nil:
		f.Set("domain", e.p.Domain)
		f.Set("client_endpoint", e.endpoint())
		f.Set("server_endpoint", e.endpoint())
		f.Set("member_id", e.p.MemberID)
		f.Set("application_token", b.ClientID)
	case user <= 0:
		f.Set("domain", e.p.Domain)
		f.Set("member_id", e.p.MemberID)
		f.Set("application_token", appToken(e.p, a))
	default:
		e.tokenFields(f, a, e.token(a, user), false, refresh)
	}
	return f
}

// botBlock is data[BOT][<id>] (or the head of data[COMMAND][<id>]): the
// bot's own tokens and their AUTH copy for an application's bot, then
// BOT_ID and BOT_CODE.
func (e *events) botBlock(b *bot) *outbound.Form {
	f := &outbound.Form{}
	if a := e.appOf(b); a != nil {
		t := e.token(a, b.ID)
		e.tokenFields(f, a, t, true, true)
		auth := &outbound.Form{}
		e.tokenFields(auth, a, t, true, true)
		f.Set("AUTH", auth)
	}
	f.Set("BOT_ID", b.ID)
	f.Set("BOT_CODE", b.Code)
	return f
}

// userBlock is data[USER]: the user's fields, WORK_POSITION when
// position (not in ONIMCOMMANDADD's), the IS_* flags when flags; empty
// (and so left out) for no user.
func (e *events) userBlock(id int64, position, flags bool) *outbound.Form {
	f := &outbound.Form{}
	var first, last, work, gender string
	var isBot, connector, extranet bool
	if u, ok := e.m.users.Get(scoped{e.p.Name, id}); ok {
		first, last, connector, extranet = u.Name, u.LastName, u.Connector, u.Extranet
	} else if b, ok := e.m.bots.Get(scoped{e.p.Name, id}); ok {
		first, last, work, gender, isBot = b.Name, b.LastName, b.WorkPosition, b.Gender, true
	} else {
		return f
	}
	f.Set("ID", id)
	f.Set("NAME", strings.TrimSpace(first+" "+last))
	f.Set("FIRST_NAME", first)
	f.Set("LAST_NAME", last)
	if position {
		f.Set("WORK_POSITION", work)
	}
	f.Set("GENDER", gender)
	if flags {
		f.Set("IS_BOT", yn(isBot))
		f.Set("IS_CONNECTOR", yn(connector))
		f.Set("IS_NETWORK", "N")
		f.Set("IS_EXTRANET", yn(extranet))
	}
	return f
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// recipient is a bot an event goes to, with the block data[BOT] (or
// data[COMMAND]) holds for it under key.
type recipient struct {
	bot   bot
	key   int64
	block *outbound.Form
	h     handler
}

// send adds one delivery of event name per handler row among rs (the bots
// of one application share their rows: one POST carries them all), caused
// by user; body writes data's fields after data[section].
func (e *events) send(name, section string, rs []recipient, user int64, refresh bool, body func(data *outbound.Form)) {
	var order []int64
	groups := map[int64][]recipient{}
	for _, r := range rs {
		if r.h.URL == "" {
			continue
		}
		if _, seen := groups[r.h.ID]; !seen {
			order = append(order, r.h.ID)
		}
		groups[r.h.ID] = append(groups[r.h.ID], r)
	}
	for _, id := range order {
		g := groups[id]
		data := &outbound.Form{}
		sec := data.Sub(section)
		for _, r := range g {
			sec.Set(strconv.FormatInt(r.key, 10), r.block)
		}
		body(data)
		e.deliver(name, g[0].h, data, e.auth(&g[0].bot, user, refresh))
	}
}

// deliver adds the POST of event name to handler h: event,
// event_handler_id, data, ts (the emulator clock when the change was
// made, as the portal stamps its queue) and auth.
func (e *events) deliver(name string, h handler, data, auth *outbound.Form) {
	f := &outbound.Form{}
	f.Set("event", name)
	f.Set("event_handler_id", h.ID)
	f.Set("data", data)
	f.Set("ts", e.now.Unix())
	f.Set("auth", auth)
	e.out = append(e.out, outbound.Delivery{Vendor: vendorName, Event: name, Tenant: tenant(e.p.Name), URL: h.URL,
		ContentType: "application/x-www-form-urlencoded", Header: http.Header{"User-Agent": {eventUserAgent}}, Body: f.Encode()})
}

// botRecipients are bots addressed by event name: those with a handler
// bound for it, each with its data[BOT] block.
func (e *events) botRecipients(name string, bots []bot) []recipient {
	var rs []recipient
	for _, b := range bots {
		h, ok := b.Handlers[name]
		if !ok || h.URL == "" {
			continue
		}
		rs = append(rs, recipient{bot: b, key: b.ID, block: e.botBlock(&b), h: h})
	}
	return rs
}

// messageTypes of chats as events name them.
func eventChatType(c *chat) string {
	if c.Type == chatTypePrivate {
		return "P"
	}
	if t, ok := messageTypes[c.Type]; ok {
		return t
	}
	return "C"
}

// dialogIDFor is the DIALOG_ID of chat c for user viewer: the other user
// of a private dialog, chatN of a group chat.
func dialogIDFor(c *chat, viewer int64) string {
	if c.Type == chatTypePrivate {
		return strconv.FormatInt(c.other(viewer), 10)
	}
	return "chat" + strconv.FormatInt(c.ID, 10)
}

// eventDialogID is the DIALOG_ID of a message event in c: as the bot
// sees it, the author of a private message, chatN for a group chat
// (Bot::getDialogId).
func eventDialogID(c *chat, author int64) string {
	if c.Type == chatTypePrivate {
		return strconv.FormatInt(author, 10)
	}
	return "chat" + strconv.FormatInt(c.ID, 10)
}

// joined sends ONIMBOTJOINCHAT to bot b, which joined chat c: added by
// user (imbot.chat.add's caller, the adder, the user who opened a private
// dialog with it, an open line's client). hideHistory is ACCESS_HISTORY 0.
func (e *events) joined(b *bot, c *chat, user int64, hideHistory bool) {
	rs := e.botRecipients(evJoinChat, []bot{*b})
	if len(rs) == 0 {
		return
	}
	typ := eventChatType(c)
	e.send(evJoinChat, "BOT", rs, user, false, func(data *outbound.Form) {
		p := data.Sub("PARAMS")
		p.Set("CHAT_TYPE", typ)
		p.Set("MESSAGE_TYPE", typ)
		p.Set("BOT_ID", b.ID)
		p.Set("USER_ID", user)
		if c.Type == chatTypePrivate {
			p.Set("TO_USER_ID", c.other(b.ID))
			p.Set("FROM_USER_ID", b.ID)
			p.Set("DIALOG_ID", dialogIDFor(c, b.ID))
		} else {
			p.Set("CHAT_ID", c.ID)
			p.Set("CHAT_AUTHOR_ID", c.OwnerID)
			p.Set("CHAT_ENTITY_TYPE", c.EntityType)
			p.Set("CHAT_ENTITY_ID", c.EntityID)
			p.Set("ACCESS_HISTORY", !hideHistory)
			p.Set("DIALOG_ID", dialogIDFor(c, b.ID))
		}
		p.Set("LANGUAGE", eventLanguage)
		data.Set("USER", e.userBlock(user, true, false))
	})
}

// botDeleted sends ONIMBOTDELETE for bot b, unregistered by user: data
// is only BOT_ID and BOT_CODE.
func (e *events) botDeleted(b *bot, user int64) {
	h, ok := b.Handlers[evBotDelete]
	if !ok || h.URL == "" {
		return
	}
	data := &outbound.Form{}
	data.Set("BOT_ID", b.ID)
	data.Set("BOT_CODE", b.Code)
	e.deliver(evBotDelete, h, data, e.auth(b, user, false))
}
