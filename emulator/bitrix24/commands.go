package bitrix24

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// maxBotCommands bounds the commands one bot may register.
const maxBotCommands = 50

func errCommandNotFound() *core.APIError { return methodError("COMMAND_ID_ERROR", "Command not found") }

// appCommand finds command id for the calling application
// (COMMAND_ID_ERROR "Command not found", APP_ID_ERROR "Command was
// installed by another rest application").
func (m *model) appCommand(portal string, v *core.Value, who caller) (*command, error) {
	key, ok := arrayKey(v)
	if !ok {
		return nil, errCommandNotFound()
	}
	k, found := m.commands.Get(scoped{portal, intvalString(key)})
	if !found {
		return nil, errCommandNotFound()
	}
	if k.ClientID != who.clientID {
		return nil, methodError("APP_ID_ERROR", "Command was installed by another rest application")
	}
	return &k, nil
}

// bindCommandHandler binds url for the ONIMCOMMANDADD of application
// clientID: a new handler row for every command of the application.
func (m *model) bindCommandHandler(tx *state.Tx, portal, clientID, url string) {
	h := handler{ID: tx.Next(seqName(portal, kindHandler)), URL: url}
	for _, b := range m.chatBots[portal] {
		if b.ClientID != clientID {
			continue
		}
		for _, id := range m.botCommands[scoped{portal, b.ID}] {
			if k, ok := m.commands.Get(scoped{portal, id}); ok {
				k.Handler = h
				m.commands.Put(tx, k)
			}
		}
	}
}

// commandName is a command as registered: trimmed, without a leading "/".
func commandName(s string) string {
	return cutChars(strings.TrimPrefix(strings.TrimSpace(s), "/"), commandChars)
}

// commandRegister implements imbot.command.register ("Register a
// command"): CLIENT_ID for a webhook (ACCESS_DENIED), EVENT_COMMAND_ADD
// (missing or a wrong URL: EVENT_COMMAND_ADD_ERROR), COMMAND
// (COMMAND_ERROR "Command isn't specified"), BOT_ID of the application
// (BOT_ID_ERROR, APP_ID_ERROR), LANG (LANG_ERROR "Lang set can't be
// empty"); a command the bot already has, or a bot's 51st, is WRONG_REQUEST
// "Command can't be created". COMMON, HIDDEN and EXTRANET_SUPPORT are Y/N.
// The answer is the command id.
func (s *Service) commandRegister(c *call) (any, error) {
	a := c.args()
	who, err := callerOf(c)
	if err != nil {
		return nil, err
	}
	const code = "EVENT_COMMAND_ADD_ERROR"
	if a.empty("EVENT_COMMAND_ADD") {
		return nil, methodError(code, `Handler for "Command add" event isn't specified`)
	}
	url, err := handlerURL(a.str("EVENT_COMMAND_ADD"), who, code)
	if err != nil {
		return nil, err
	}
	name := commandName(a.str("COMMAND"))
	if a.empty("COMMAND") || name == "" {
		return nil, methodError("COMMAND_ERROR", "Command isn't specified")
	}
	var id int64
	err = s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		if a.intval("BOT_ID") <= 0 {
			return errBotNotFound()
		}
		b, err := s.m.appBot(portal, a.value("BOT_ID"), who)
		if err != nil {
			return err
		}
		if a.empty("LANG") {
			return methodError("LANG_ERROR", "Lang set can't be empty")
		}
		ids := s.m.botCommands[scoped{portal, b.ID}]
		if len(ids) >= maxBotCommands || s.m.botCommand(portal, b.ID, name) != nil {
			return methodError("WRONG_REQUEST", "Command can't be created")
		}
		lang, _ := json.Marshal(plainParam(a.value("LANG")))
		if len(lang) > attachBytes {
			return methodError("WRONG_REQUEST", "Command can't be created")
		}
		id = tx.Next(seqName(portal, kindCommand))
		s.m.commands.Put(tx, command{ID: id, Portal: portal, BotID: b.ID, ClientID: who.clientID, Webhook: who.webhook, Command: name,
			Common: a.str("COMMON") == "Y", Hidden: a.str("HIDDEN") == "Y", Extranet: a.str("EXTRANET_SUPPORT") == "Y", Lang: lang})
		s.m.bindCommandHandler(tx, portal, who.clientID, url)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return id, nil
}

// botCommand is bot botID's command name (case-insensitive), nil when it
// has none.
func (m *model) botCommand(portal string, botID int64, name string) *command {
	for _, id := range m.botCommands[scoped{portal, botID}] {
		if k, ok := m.commands.Get(scoped{portal, id}); ok && strings.EqualFold(k.Command, name) {
			return &k
		}
	}
	return nil
}

// commandUpdate implements imbot.command.update ("Update a command"):
// COMMAND_ID of the application (COMMAND_ID_ERROR, APP_ID_ERROR), then
// FIELDS: EVENT_COMMAND_ADD (checked), COMMAND, HIDDEN, EXTRANET_SUPPORT,
// LANG; nothing to change is WRONG_REQUEST "Update fields can't be empty".
func (s *Service) commandUpdate(c *call) (any, error) {
	return s.appUpdate(c, func(tx *state.Tx, a args, who caller) error {
		portal := c.p.Portal.Name
		k, err := s.m.appCommand(portal, a.value("COMMAND_ID"), who)
		if err != nil {
			return err
		}
		f := foldArgs(a.value("FIELDS"))
		url := ""
		if f.root.IsTree() && !f.empty("EVENT_COMMAND_ADD") {
			if url, err = handlerURL(f.str("EVENT_COMMAND_ADD"), who, "EVENT_COMMAND_ADD_ERROR"); err != nil {
				return err
			}
		}
		changed := false
		if f.root.IsTree() {
			if !f.empty("COMMAND") {
				k.Command, changed = commandName(f.str("COMMAND")), true
			}
			if !f.empty("HIDDEN") {
				k.Hidden, changed = f.str("HIDDEN") == "Y", true
			}
			if !f.empty("EXTRANET_SUPPORT") {
				k.Extranet, changed = f.str("EXTRANET_SUPPORT") == "Y", true
			}
			if !f.empty("LANG") {
				lang, _ := json.Marshal(plainParam(f.value("LANG")))
				if len(lang) <= attachBytes {
					k.Lang, changed = lang, true
				}
			}
		}
		if !changed && url == "" {
			return methodError("WRONG_REQUEST", "Update fields can't be empty")
		}
		s.m.commands.Put(tx, *k)
		if url != "" {
			s.m.bindCommandHandler(tx, portal, who.clientID, url)
		}
		return nil
	})
}

// commandUnregister implements imbot.command.unregister ("Delete a
// command"): COMMAND_ID of the application (COMMAND_ID_ERROR,
// APP_ID_ERROR); true.
func (s *Service) commandUnregister(c *call) (any, error) {
	return s.appUpdate(c, func(tx *state.Tx, a args, who caller) error {
		k, err := s.m.appCommand(c.p.Portal.Name, a.value("COMMAND_ID"), who)
		if err != nil {
			return err
		}
		s.m.commands.Delete(tx, scoped{k.Portal, k.ID})
		return nil
	})
}

// commandAnswer implements imbot.command.answer ("Answer a command"): the
// command by COMMAND_ID or, for the application, by COMMAND
// (COMMAND_ID_ERROR, APP_ID_ERROR), MESSAGE_ID (MESSAGE_ID_EMPTY),
// MESSAGE (MESSAGE_EMPTY), ATTACH, KEYBOARD, MENU; the command's bot posts
// the answer into the chat of message MESSAGE_ID (WRONG_REQUEST "Message
// isn't added" when there is no such message or the bot is not in its
// chat). The answer is the new message's id.
func (s *Service) commandAnswer(c *call) (any, error) {
	a := c.args()
	who, err := callerOf(c)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		var k *command
		switch {
		case a.isSet("COMMAND_ID"):
			if k, err = s.m.appCommand(portal, a.value("COMMAND_ID"), who); err != nil {
				return err
			}
		case a.isSet("COMMAND"):
			if k = s.m.appCommandNamed(portal, commandName(a.str("COMMAND")), who); k == nil {
				return errCommandNotFound()
			}
		}
		if a.intval("MESSAGE_ID") <= 0 {
			return methodError("MESSAGE_ID_EMPTY", "Message ID can't be empty")
		}
		var botID int64
		if k != nil {
			botID = k.BotID
		}
		msg, err := richMessage(a, c.p.Portal, botID)
		if err != nil {
			return err
		}
		asked, ok := s.m.messages.Get(scoped{portal, a.intval("MESSAGE_ID")})
		b, isBot := s.m.bots.Get(scoped{portal, botID})
		ch := s.m.anyChat(portal, asked.ChatID)
		if !ok || !isBot || ch == nil || !s.m.isMember(ch, b.ID) {
			return errNotAdded()
		}
		s.post(tx, s.callEvents(tx, c), ch, msg, false)
		id = msg.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return id, nil
}

// appCommandNamed is the calling application's command name, nil when it
// has none.
func (m *model) appCommandNamed(portal, name string, who caller) *command {
	for _, b := range m.chatBots[portal] {
		if b.ClientID != who.clientID {
			continue
		}
		if k := m.botCommand(portal, b.ID, name); k != nil {
			return k
		}
	}
	return nil
}

// parseCommand splits a typed command: "/echo test" is "echo", "test".
func parseCommand(text string) (name, params string, ok bool) {
	t := strings.TrimSpace(text)
	if len(t) < 2 || t[0] != '/' {
		return "", "", false
	}
	name, params, _ = strings.Cut(t[1:], " ")
	if i := strings.IndexAny(name, "\t\n\r"); i >= 0 {
		name, params = name[:i], name[i+1:]+" "+params
	}
	return name, strings.TrimSpace(params), name != ""
}

// commandTyped sends ONIMCOMMANDADD when msg, a person's message in ch
// (prev: the chat's message before it), is a registered command ("/name params") of a bot in the chat (or a
// COMMON one of any bot), and reports whether it did: then no
// ONIMBOTMESSAGEADD follows (Command::onCommandAdd ran). A bot's message
// never runs commands (SKIP_COMMAND).
func (s *Service) commandTyped(ev *events, ch *chat, msg *message, prev int64) bool {
	name, params, ok := parseCommand(msg.Text)
	if !ok || s.m.bots.Has(scoped{ch.Portal, msg.AuthorID}) {
		return false
	}
	var found []command
	members := s.m.chatMembers(ch)
	for _, b := range s.m.chatBots[ch.Portal] {
		k := s.m.botCommand(ch.Portal, b.ID, name)
		if k != nil && (k.Common || containsID(members, b.ID)) {
			found = append(found, *k)
		}
	}
	if len(found) == 0 {
		return false
	}
	ev.commandAdded(ch, msg, prev, found, params, "TEXTAREA")
	return true
}

// commandParams is data[PARAMS] of ONIMCOMMANDADD (the page's examples);
// prev is the chat's message before msg.
func (e *events) commandParams(ch *chat, msg *message, prev int64) *outbound.Form {
	p := &outbound.Form{}
	private := ch.Type == chatTypePrivate
	e.messageHead(p, ch, msg, msg.Text, ch.other(msg.AuthorID), prev, true)
	if !private {
		in := p.Sub("BOT_IN_CHAT")
		for _, id := range e.m.chatMembers(ch) {
			if e.m.bots.Has(scoped{ch.Portal, id}) {
				in.Set(strconv.FormatInt(id, 10), id)
			}
		}
	}
	p.Set("SKIP_USER_CHECK", "Y")
	for i, fl := range messageFlags {
		p.Set(fl[0], fl[1])
		if i == 1 {
			p.Set("RECENT_ADD", "Y")
		}
	}
	p.Set("MESSAGE_ID", msg.ID)
	if private {
		p.Set("CHAT_TYPE", "P")
	}
	p.Set("LANGUAGE", eventLanguage)
	return p
}

// commandAdded sends ONIMCOMMANDADD for commands ks, run by msg in ch
// (prev: the chat's message before it) with params, from context
// (TEXTAREA, or KEYBOARD for a button whose message msg.ID is).
func (e *events) commandAdded(ch *chat, msg *message, prev int64, ks []command, params, context string) {
	var rs []recipient
	for _, k := range ks {
		b, ok := e.m.bots.Get(scoped{ch.Portal, k.BotID})
		if !ok {
			continue
		}
		block := e.botBlock(&b)
		block.Set("COMMAND", k.Command)
		block.Set("COMMAND_ID", k.ID)
		block.Set("COMMAND_PARAMS", params)
		block.Set("COMMAND_CONTEXT", context)
		block.Set("MESSAGE_ID", msg.ID)
		rs = append(rs, recipient{bot: b, key: k.ID, block: block, h: k.Handler})
	}
	p := e.commandParams(ch, msg, prev)
	e.send(evCommandAdd, "COMMAND", rs, msg.AuthorID, true, func(data *outbound.Form) {
		data.Set("PARAMS", p)
		data.Set("USER", e.userBlock(msg.AuthorID, false, false))
	})
}
