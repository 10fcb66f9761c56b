package bitrix24

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/outbound"
)

// The message events: ONIMBOTMESSAGEADD, ONIMBOTMESSAGEUPDATE,
// ONIMBOTMESSAGEDELETE and, for commands, ONIMCOMMANDADD (vendor-events
// reference §1.1-1.2; the events' pages for the field order).

// mentionRE finds a mention, [USER=id]name[/USER] (bot.php's
// getBotsForMessage); toUserRE the one that names a group message's
// TO_USER_ID, which may be a [USER=id REPLACE] (bot.php onMessageAdd);
// stripRE is what the portal strips of a group message's text for bots, a
// trailing comma included.
var (
	mentionRE = regexp.MustCompile(`(?i)\[USER=([0-9]+)\](.*?)\[/USER\]`)
	toUserRE  = regexp.MustCompile(`(?i)\[USER=([0-9]+)( REPLACE)?\](.*?)\[/USER\]`)
	stripRE   = regexp.MustCompile(`\[USER=\d+\].+?\[/USER\],?`)
)

// mentions are the user ids text mentions, in order, each once.
func mentions(text string) []int64 {
	var ids []int64
	for _, m := range mentionRE.FindAllStringSubmatch(text, maxMentions) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err == nil && !containsID(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// maxMentions bounds the mentions read from one message.
const maxMentions = 100

// messageRecipients are the bots a message by author in ch reaches
// (bot.php getBotsForMessage): none when a bot wrote it; in a private
// dialog the other user when it is a bot; in an open-line chat every bot
// of the chat but those with OPENLINE=N; in a group chat the member bots
// its text mentions and every member bot of TYPE S. Network bots get none.
func (m *model) messageRecipients(ch *chat, author int64, text string) []bot {
	if m.bots.Has(scoped{ch.Portal, author}) {
		return nil
	}
	var out []bot
	add := func(id int64) {
		b, ok := m.bots.Get(scoped{ch.Portal, id})
		if ok && b.NetworkCode == "" && !containsBot(out, id) {
			out = append(out, b)
		}
	}
	switch ch.Type {
	case chatTypePrivate:
		add(ch.other(author))
	case chatTypeLines:
		for _, id := range m.chatMembers(ch) {
			if b, ok := m.bots.Get(scoped{ch.Portal, id}); ok && (b.OpenLine || b.Type == "O") {
				add(id)
			}
		}
	default:
		members := m.chatMembers(ch)
		for _, id := range mentions(text) {
			if containsID(members, id) {
				add(id)
			}
		}
		for _, id := range members {
			if b, ok := m.bots.Get(scoped{ch.Portal, id}); ok && b.Type == "S" {
				add(id)
			}
		}
	}
	return out
}

func containsBot(bots []bot, id int64) bool {
	for i := range bots {
		if bots[i].ID == id {
			return true
		}
	}
	return false
}

// messageFlags are the message's delivery flags every message event
// carries, all at their defaults.
var messageFlags = [][2]string{{"PUSH", "Y"}, {"PUSH_IMPORTANT", "N"}, {"RECENT_SKIP_AUTHOR", "N"}, {"CONVERT", "N"},
	{"SKIP_COMMAND", "N"}, {"SKIP_COUNTER_INCREMENTS", "N"}, {"SILENT_CONNECTOR", "N"}, {"SKIP_CONNECTOR", "N"},
	{"IMPORTANT_CONNECTOR", "N"}, {"NO_SESSION_OL", "N"}, {"FAKE_RELATION", "0"}, {"SKIP_URL_INDEX", "N"}}

// chatFields are a group chat's CHAT_* fields of a message event; prev is
// the chat's message before this one. ONIMCOMMANDADD's (parents) add
// CHAT_PARENT_ID and CHAT_PARENT_MID, 0: chatemu's chats have no parent.
func (e *events) chatFields(p *outbound.Form, ch *chat, prev int64, parents bool) {
	avatar := "0"
	if ch.Avatar != nil {
		avatar = strconv.FormatInt(ch.ID, 10) // one avatar file per chat
	}
	p.Set("CHAT_ID", ch.ID)
	if parents {
		p.Set("CHAT_PARENT_ID", 0)
		p.Set("CHAT_PARENT_MID", 0)
	}
	p.Set("CHAT_TITLE", ch.Title)
	p.Set("CHAT_AUTHOR_ID", ch.OwnerID)
	p.Set("CHAT_TYPE", eventChatType(ch))
	p.Set("CHAT_AVATAR", avatar)
	p.Set("CHAT_COLOR", ch.Color)
	p.Set("CHAT_ENTITY_TYPE", ch.EntityType)
	p.Set("CHAT_ENTITY_ID", ch.EntityID)
	p.Set("CHAT_ENTITY_DATA_1", ch.EntityData1)
	p.Set("CHAT_ENTITY_DATA_2", ch.EntityData2)
	p.Set("CHAT_ENTITY_DATA_3", ch.EntityData3)
	p.Set("CHAT_EXTRANET", "N")
	p.Set("CHAT_PREV_MESSAGE_ID", prev)
	p.Set("CHAT_CAN_POST", "MEMBER")
}

// mentionFields are MENTIONED_LIST (when text mentions anyone), and a
// group message's text for bots: MESSAGE without its mentions,
// MESSAGE_ORIGINAL with them, TO_USER_ID the first mentioned user.
func mentionFields(p *outbound.Form, text string) {
	ids := mentions(text)
	if len(ids) > 0 {
		list := p.Sub("MENTIONED_LIST")
		for _, id := range ids {
			list.Set(strconv.FormatInt(id, 10), id)
		}
	}
}

// stripped is a group message's MESSAGE for bots, and TO_USER_ID.
func stripped(text string) (string, int64) {
	var to int64
	if m := toUserRE.FindStringSubmatch(text); m != nil {
		to, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return strings.TrimSpace(stripRE.ReplaceAllString(text, "")), to
}

// messageHead writes the fields every ONIMBOTMESSAGEADD and
// ONIMCOMMANDADD (command) PARAMS starts with: the message, its dialog,
// then the recipient (private) or the chat's fields (group; prev the
// chat's message before msg).
func (e *events) messageHead(p *outbound.Form, ch *chat, msg *message, text string, to, prev int64, command bool) {
	p.Set("MESSAGE", text)
	p.Set("TEMPLATE_ID", msg.TemplateID)
	p.Set("MESSAGE_TYPE", eventChatType(ch))
	p.Set("FROM_USER_ID", msg.AuthorID)
	p.Set("DIALOG_ID", eventDialogID(ch, msg.AuthorID))
	p.Set("TO_CHAT_ID", ch.ID)
	p.Set("AUTHOR_ID", msg.AuthorID)
	p.Set("SYSTEM", yn(msg.System))
	if ch.Type == chatTypePrivate {
		p.Set("TO_USER_ID", to)
		return
	}
	e.chatFields(p, ch, prev, command)
	p.Set("RID", msg.AuthorID)
	p.Set("IS_MANAGER", yn(ch.OwnerID == msg.AuthorID))
}

// messageParams is data[PARAMS] of ONIMBOTMESSAGEADD for msg in ch (the
// pages' examples, in their order); prev is the chat's message before it.
func (e *events) messageParams(ch *chat, msg *message, prev int64) *outbound.Form {
	p := &outbound.Form{}
	typ := eventChatType(ch)
	private := ch.Type == chatTypePrivate
	text, to := msg.Text, ch.other(msg.AuthorID)
	if !private {
		text, to = stripped(msg.Text)
	}
	e.messageHead(p, ch, msg, text, to, prev, false)
	for _, fl := range messageFlags {
		p.Set(fl[0], fl[1])
	}
	p.Set("COMMAND_CONTEXT", "TEXTAREA")
	if !private { // "absent in personal dialogue" (the text; the example has it)
		p.Set("CHAT_USER_COUNT", len(e.m.chatMembers(ch)))
		mentionFields(p, msg.Text)
	}
	p.Set("PLATFORM_CONTEXT", "web")
	if !private {
		p.Set("MESSAGE_ORIGINAL", msg.Text)
		p.Set("TO_USER_ID", to)
	}
	p.Set("MESSAGE_ID", msg.ID)
	p.Set("CHAT_TYPE", typ)
	p.Set("LANGUAGE", eventLanguage)
	return p
}

// messageAdded sends ONIMBOTMESSAGEADD for msg, just posted into ch (prev:
// the chat's message before it), to the bots it reaches.
func (e *events) messageAdded(ch *chat, msg *message, prev int64) {
	rs := e.botRecipients(evMessageAdd, e.m.messageRecipients(ch, msg.AuthorID, msg.Text))
	if len(rs) == 0 {
		return
	}
	params := e.messageParams(ch, msg, prev)
	e.send(evMessageAdd, "BOT", rs, msg.AuthorID, true, func(data *outbound.Form) {
		data.Set("PARAMS", params)
		data.Set("USER", e.userBlock(msg.AuthorID, true, true))
	})
}

// changeParams is data[PARAMS] of ONIMBOTMESSAGEUPDATE and
// ONIMBOTMESSAGEDELETE (the pages' examples): text is the new text or the
// deletion notice.
func (e *events) changeParams(ch *chat, msg *message, text string, deleted bool) *outbound.Form {
	p := &outbound.Form{}
	private := ch.Type == chatTypePrivate
	original := text
	to := ch.other(msg.AuthorID)
	if !private && !deleted {
		text, to = stripped(text)
	}
	p.Set("ID", msg.ID)
	p.Set("CHAT_ID", ch.ID)
	p.Set("AUTHOR_ID", msg.AuthorID)
	p.Set("MESSAGE", text)
	p.Set("MESSAGE_TYPE", eventChatType(ch))
	p.Set("CHAT_AUTHOR_ID", ch.OwnerID)
	if !private {
		p.Set("CHAT_ENTITY_TYPE", ch.EntityType)
	}
	p.Set("CHAT_ENTITY_ID", ch.EntityID)
	p.Set("CHAT_ENTITY_DATA_1", ch.EntityData1)
	p.Set("CHAT_ENTITY_DATA_2", ch.EntityData2)
	p.Set("CHAT_ENTITY_DATA_3", ch.EntityData3)
	if private { // "filled for personal chats"
		p.Set("FROM_USER_ID", msg.AuthorID)
		p.Set("TO_USER_ID", to)
	}
	if !deleted {
		p.Set("CHAT_USER_COUNT", len(e.m.chatMembers(ch)))
		if !private {
			mentionFields(p, original)
		}
		p.Set("PLATFORM_CONTEXT", "web")
		if !private {
			p.Set("MESSAGE_ORIGINAL", original)
			p.Set("TO_USER_ID", to)
		}
	}
	p.Set("DIALOG_ID", eventDialogID(ch, msg.AuthorID))
	p.Set("MESSAGE_ID", msg.ID)
	p.Set("CHAT_TYPE", eventChatType(ch))
	p.Set("LANGUAGE", eventLanguage)
	return p
}

// messageChanged sends ONIMBOTMESSAGEUPDATE (msg's new text) or, when
// deleted, ONIMBOTMESSAGEDELETE for msg of ch to the bots it reaches and
// whose handler for the event is bound. In a group chat neither carries
// FROM_USER_ID, so neither has a USER (the pages: FROM_USER_ID "is filled
// for personal chats", USER is built from it; their group examples).
func (e *events) messageChanged(ch *chat, msg *message, deleted bool) {
	name, text := evMessageUpdate, msg.Text
	if deleted {
		name, text = evMessageDelete, "Message from "+msg.Date.UTC().Format("01/02/2006 15:04:05")+" has been deleted"
	}
	rs := e.botRecipients(name, e.m.messageRecipients(ch, msg.AuthorID, msg.Text))
	if len(rs) == 0 {
		return
	}
	params := e.changeParams(ch, msg, text, deleted)
	user := msg.AuthorID
	if ch.Type != chatTypePrivate {
		user = 0
	}
	e.send(name, "BOT", rs, msg.AuthorID, true, func(data *outbound.Form) {
		data.Set("PARAMS", params)
		data.Set("USER", e.userBlock(user, true, true))
	})
}
