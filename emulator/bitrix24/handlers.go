package bitrix24

import (
	"maps"
	"net/url"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// caller is the application a bot method acts for: its CLIENT_ID (the
// OAuth application's client id, or a webhook's CLIENT_ID parameter) and
// whether it came through a webhook.
type caller struct {
	clientID string
	webhook  bool
}

// callerOf is the calling application (ACCESS_DENIED for a webhook without
// CLIENT_ID).
func callerOf(c *call) (caller, error) {
	id, err := callerClientID(c)
	return caller{clientID: id, webhook: c.p.Webhook}, err
}

// appUpdate runs fn for the calling application (ACCESS_DENIED for a
// webhook without CLIENT_ID) inside one update; the method answers true.
func (s *Service) appUpdate(c *call, fn func(tx *state.Tx, a args, who caller) error) (any, error) {
	who, err := callerOf(c)
	if err != nil {
		return nil, err
	}
	return true, s.m.db.Update(func(tx *state.Tx) error { return fn(tx, c.args(), who) })
}

// handlerURL reads an event handler parameter as the server stores it: a
// webhook's handler gets CLIENT_ID appended ("?CLIENT_ID=X" or
// "&CLIENT_ID=X"), then the URL is checked (HandlerHelper::checkCallback):
// a host with a dot after its first character ("127.0.0.1" passes,
// "localhost" does not) else "Wrong handler URL", then http or https else
// "Unsupported handler protocol", each as code (400). URLs longer than
// 2048 characters are "Wrong handler URL" too.
func handlerURL(raw string, who caller, code string) (string, error) {
	if who.webhook {
		raw = withClientID(raw, who.clientID)
	}
	wrong := methodError(code, "Wrong handler URL")
	if longerThan(raw, urlChars) {
		return "", wrong
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", wrong
	}
	if host := u.Hostname(); strings.IndexByte(host, '.') <= 0 {
		return "", wrong
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", methodError(code, "Unsupported handler protocol")
	}
	return raw, nil
}

// withClientID is a webhook bot's handler URL: CLIENT_ID appended to its
// query.
func withClientID(raw, clientID string) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + "CLIENT_ID=" + clientID
}

// handlerParams are the handler parameters of imbot.register and
// imbot.update, the events they bind and what a missing required one says
// ("" when it is optional).
var handlerParams = []struct{ param, event, missing string }{
	{"EVENT_MESSAGE_ADD", evMessageAdd, `Handler for "Message add" event isn't specified`},
	{"EVENT_MESSAGE_UPDATE", evMessageUpdate, ""},
	{"EVENT_MESSAGE_DELETE", evMessageDelete, ""},
	{"EVENT_WELCOME_MESSAGE", evJoinChat, `Handler for "Welcome message" event isn't specified`},
	{"EVENT_BOT_DELETE", evBotDelete, `Handler for "Bot delete" event isn't specified`},
}

// readHandlers reads the handler parameters of a (imbot.register's
// top level or imbot.update's FIELDS): EVENT_HANDLER stands for all five;
// each given one is checked in order; required ones missing fail when
// required. It returns the URLs by event.
func readHandlers(a args, who caller, required bool) (map[string]string, error) {
	all := ""
	if a.isSet("EVENT_HANDLER") && !a.empty("EVENT_HANDLER") {
		all = a.str("EVENT_HANDLER")
	}
	out := map[string]string{}
	for _, hp := range handlerParams {
		raw := all
		if raw == "" && a.isSet(hp.param) && !a.empty(hp.param) {
			raw = a.str(hp.param)
		}
		if raw == "" {
			if required && hp.missing != "" {
				return nil, methodError(hp.param+"_ERROR", hp.missing)
			}
			continue
		}
		u, err := handlerURL(raw, who, hp.param+"_ERROR")
		if err != nil {
			return nil, err
		}
		out[hp.event] = u
	}
	return out, nil
}

// bindHandlers binds urls (by event) for the application clientID, as the
// server's unbindEvent and bindEvent do: each event gets a new handler row
// (a new event_handler_id), and every bot of the application is handled
// there (the reference's "every bot of one app must use the same handler
// URLs").
func (m *model) bindHandlers(tx *state.Tx, portal, clientID string, urls map[string]string) {
	if len(urls) == 0 {
		return
	}
	rows := map[string]handler{}
	for _, hp := range handlerParams {
		if u, ok := urls[hp.event]; ok {
			rows[hp.event] = handler{ID: tx.Next(seqName(portal, kindHandler)), URL: u}
		}
	}
	for _, b := range m.chatBots[portal] {
		if b.ClientID != clientID {
			continue
		}
		hs := maps.Clone(b.Handlers)
		if hs == nil {
			hs = map[string]handler{}
		}
		maps.Copy(hs, rows)
		b.Handlers = hs
		m.bots.Put(tx, b)
	}
}

// appBot finds bot id for the calling application (imbot.unregister,
// imbot.update): BOT_ID_ERROR when there is none, APP_ID_ERROR when it is
// another application's.
func (m *model) appBot(portal string, v *core.Value, who caller) (*bot, error) {
	key, ok := arrayKey(v)
	if !ok {
		return nil, errBotNotFound()
	}
	id := intvalString(key)
	b, found := m.bots.Get(scoped{portal, id})
	if !found || b.NetworkCode != "" {
		return nil, errBotNotFound()
	}
	if b.ClientID != who.clientID {
		return nil, errOtherApp()
	}
	return &b, nil
}
