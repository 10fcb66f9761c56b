package bitrix24

import (
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/state"
)

// chat returns a copy of a portal's group chat (a closed, open or
// open-line chat), nil when there is none: a private dialog is no chat to
// the imbot.chat.* methods (dialogs.go).
func (m *model) chat(portal string, id int64) *chat {
	c := m.anyChat(portal, id)
	if c == nil || c.Type == chatTypePrivate {
		return nil
	}
	return c
}

// chatIDOf reads the chat a method names: DIALOG_ID ("chatNNN") replaces
// CHAT_ID when set (anything else: DIALOG_ID_EMPTY), then CHAT_ID ≤ 0 is
// CHAT_ID_EMPTY "Chat ID can't be empty".
func chatIDOf(a args) (int64, error) {
	if a.isSet("DIALOG_ID") {
		id, ok := chatDialogID(a.value("DIALOG_ID"))
		if !ok {
			return 0, errDialogIDEmpty()
		}
		if id <= 0 {
			return 0, errChatIDEmpty()
		}
		return id, nil
	}
	id := a.intval("CHAT_ID")
	if id <= 0 {
		return 0, errChatIDEmpty()
	}
	return id, nil
}

// generalChat answers ACCESS_ERROR "Action unavailable" (403) for the
// portal's general chat.
func generalChat(c *chat) error {
	if c != nil && c.General {
		return errActionDenied()
	}
	return nil
}

// member is what the emulator knows of a user id: a portal user or a bot.
type member struct {
	exists    bool
	bot       bool
	name      string
	extranet  bool
	connector bool
	active    bool
}

// lookupMember is what the model knows of user id of a portal.
func (m *model) lookupMember(portal string, id int64) member {
	if id <= 0 {
		return member{}
	}
	if u, ok := m.users.Get(scoped{portal, id}); ok {
		return userMember(&u)
	}
	if b, ok := m.bots.Get(scoped{portal, id}); ok {
		return member{exists: true, bot: true, name: b.Name, active: true}
	}
	return member{}
}

// userMember is what a portal user's document tells of the member.
func userMember(u *user) member {
	return member{exists: true, name: strings.TrimSpace(u.Name + " " + u.LastName), extranet: u.Extranet,
		connector: u.Connector, active: u.Active}
}

// chatAdd implements imbot.chat.add ("Create chat on behalf of chatbot"):
// a closed (TYPE CHAT, the default) or open (TYPE OPEN) chat with the bot
// and USERS as members, owned by OWNER_ID or the bot, bound to
// ENTITY_TYPE/ENTITY_ID for imbot.chat.get. Checks in the server's order:
// USERS (INVALID_FORMAT, USERS_EMPTY), then the bot (ACCESS_DENIED,
// BOT_ID_ERROR, APP_ID_ERROR), then the chat (WRONG_REQUEST "Chat can't be
// created" when a user is not on the portal). MESSAGE is posted by the bot
// as the first message.
func (s *Service) chatAdd(c *call) (any, error) {
	a := c.args()
	users, ok := idList(a.value("USERS"))
	if !ok {
		return nil, methodError("INVALID_FORMAT", "Parameter USERS has wrong type")
	}
	cantCreate := methodError("WRONG_REQUEST", "Chat can't be created")
	if len(users) == 0 && !c.p.Portal.Strict {
		return nil, methodError("USERS_EMPTY", "No chat participants")
	}
	var id int64
	var ev *events
	err := s.m.db.Update(func(tx *state.Tx) error {
		b, err := botOf(c)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return cantCreate
		}
		portal := c.p.Portal.Name
		owner := b.ID
		if n := a.intval("OWNER_ID"); n > 0 {
			owner = n
		}
		members := []int64{b.ID}
		for _, uid := range append(users, owner) {
			m := s.m.lookupMember(portal, uid)
			if !m.exists || !m.active {
				return cantCreate
			}
			if !containsID(members, uid) {
				members = append(members, uid)
			}
		}
		if longerThan(a.str("ENTITY_TYPE"), entityTypeChars) || longerThan(a.str("ENTITY_ID"), entityChars) {
			return cantCreate // the columns' Length validators refuse the chat
		}
		id = tx.Next(seqName(portal, kindChat))
		ch := &chat{ID: id, Portal: portal, Type: chatTypeChat, Title: cutChars(strings.TrimSpace(a.str("TITLE")), titleChars),
			Description: cutBytes(a.str("DESCRIPTION"), textBytes), OwnerID: owner, CreatedAt: c.now}
		if a.str("TYPE") == "OPEN" { // the server compares exactly: "open" is a closed chat
			ch.Type = chatTypeOpen
		}
		ch.Color = a.str("COLOR")
		if !isSafeColor(ch.Color) {
			ch.Color = defaultColor(id)
		}
		if ch.Title == "" {
			ch.Title = colorName(ch.Color) + " chat #" + strconv.FormatInt(id, 10)
		}
		if a.isSet("ENTITY_TYPE") {
			ch.EntityType = a.str("ENTITY_TYPE")
		}
		if a.isSet("ENTITY_ID") {
			ch.EntityID = a.str("ENTITY_ID")
		}
		if a.isSet("AVATAR") {
			if av, err := decodeAvatar(a.value("AVATAR"), c.now); err == nil {
				ch.Avatar = av // an avatar that is not an image is dropped, the chat still created
			}
		}
		if text := strings.TrimSpace(a.str("MESSAGE")); text != "" {
			s.m.postMessage(tx, ch, &message{Kind: messageChat, AuthorID: b.ID, Text: text, URLPreview: true}, c.now)
		}
		s.m.setMembers(tx, portal, id, members)
		s.m.chats.Put(tx, *ch)
		ev = s.callEvents(tx, c)
		s.botsJoined(ev, ch, members, c.p.UserID, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(c.req.Outbox())
	return id, nil
}

// botsJoined sends ONIMBOTJOINCHAT to each bot of ids, which joined ch,
// added by user.
func (s *Service) botsJoined(ev *events, ch *chat, ids []int64, user int64, hideHistory bool) {
	for _, id := range ids {
		if b, ok := s.m.bots.Get(scoped{ch.Portal, id}); ok {
			ev.joined(&b, ch, user, hideHistory)
		}
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// colorName is a palette code as a title word: LIGHT_BLUE is "Light blue".
func colorName(code string) string {
	s := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	if s == "" {
		return "Chat"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// postMessage records a message into a chat and moves the chat's counters.
// The caller stores the chat.
func (m *model) postMessage(tx *state.Tx, ch *chat, msg *message, now time.Time) {
	id := tx.Next(seqName(ch.Portal, kindMessage))
	msg.ID, msg.Portal, msg.ChatID, msg.Date = id, ch.Portal, ch.ID, now
	msg.Text = cutBytes(msg.Text, textBytes)
	ch.LastMessageID = id
	ch.MessageCount++
	m.messages.Put(tx, *msg)
}

// chatEntity is imbot.chat.get's answer for an entity binding.
type chatEntity struct {
	ID int64 `json:"ID"`
}

// chatGet implements imbot.chat.get ("Gets chat ID"): the id of the chat
// bound to ENTITY_TYPE and ENTITY_ID as {"ID": n}, or null when either is
// empty or nothing matches (HTTP 200 either way). With DIALOG_ID it answers
// the whole chat object, as imbot.dialog.get does. The method takes no
// BOT_ID and checks no bot.
func (s *Service) chatGet(c *call) (any, error) {
	a := c.args()
	if a.isSet("DIALOG_ID") {
		return s.dialogObject(c, a.value("DIALOG_ID"))
	}
	if !a.isSet("ENTITY_TYPE") || !a.isSet("ENTITY_ID") || a.empty("ENTITY_TYPE") || a.empty("ENTITY_ID") {
		return nil, nil
	}
	var out any
	s.m.db.View(func() error {
		if ids := s.m.chatsByEntity[entityID{c.p.Portal.Name, a.str("ENTITY_TYPE"), a.str("ENTITY_ID")}]; len(ids) > 0 {
			out = chatEntity{ID: ids[0]}
		}
		return nil
	})
	return out, nil
}

// chatUpdateTitle implements imbot.chat.updateTitle ("Chat title update").
// Order: CHAT_ID_EMPTY, TITLE_EMPTY (TITLE is trimmed), the bot, the
// general chat (ACCESS_ERROR "Action unavailable"), a chat that cannot be
// renamed (ACCESS_ERROR "This chat cannot be renamed", 403), then
// WRONG_REQUEST when the chat does not exist, the bot is not in it or the
// title is already set (the page's "Title is already set or the specified
// chat already exist"); a strict portal answers true there and changes
// nothing, as the newest server code does.
func (s *Service) chatUpdateTitle(c *call) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	title := cutChars(strings.TrimSpace(a.str("TITLE")), titleChars)
	if title == "" || title == "0" {
		return nil, methodError("TITLE_EMPTY", "Title can't be empty")
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		b, err := botOf(c)
		if err != nil {
			return err
		}
		ch := s.m.chat(c.p.Portal.Name, id)
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Rename {
			return forbidden("ACCESS_ERROR", "This chat cannot be renamed")
		}
		in := s.m.isMember(ch, b.ID)
		if !in || ch.Title == title {
			if c.p.Portal.Strict {
				return nil // the newest server ignores Rename's result: true, nothing changed
			}
			return methodError("WRONG_REQUEST", "This title currently set or chat isn't exists")
		}
		ch.Title = title
		s.m.chats.Put(tx, *ch)
		return nil
	})
}

// chatUpdateColor implements imbot.chat.updateColor ("Chat color update"):
// COLOR one of the documented palette codes, exactly (ORANGE exists but is
// refused). Order: CHAT_ID_EMPTY, the general chat, WRONG_COLOR "This color
// currently unavailable" (before the bot is looked at), the bot, then
// WRONG_REQUEST "This color currently set or chat isn't exists" when the
// chat is missing, the bot is not in it or the colour is already set.
func (s *Service) chatUpdateColor(c *call) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	color := a.str("COLOR")
	return true, s.m.db.Update(func(tx *state.Tx) error {
		ch := s.m.chat(c.p.Portal.Name, id)
		if err := generalChat(ch); err != nil {
			return err
		}
		if !isSafeColor(color) {
			return methodError("WRONG_COLOR", "This color currently unavailable")
		}
		b, err := botOf(c)
		if err != nil {
			return err
		}
		in := s.m.isMember(ch, b.ID)
		if !in || ch.Color == color {
			return methodError("WRONG_REQUEST", "This color currently set or chat isn't exists")
		}
		ch.Color = color
		s.m.chats.Put(tx, *ch)
		return nil
	})
}

// chatUpdateAvatar implements imbot.chat.updateAvatar ("Chat icon
// update"): AVATAR a base64 image (or [file name, base64]). Order:
// CHAT_ID_EMPTY, the bot, the general chat, a chat whose avatar is locked
// (ACCESS_ERROR "The avatar of this chat cannot be changed", 403), the
// image (AVATAR_ERROR: not an image, or larger than 5000x5000), then
// WRONG_REQUEST "Chat isn't exists" (also when the bot is not in it).
func (s *Service) chatUpdateAvatar(c *call) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		b, err := botOf(c)
		if err != nil {
			return err
		}
		ch := s.m.chat(c.p.Portal.Name, id)
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Avatar {
			return forbidden("ACCESS_ERROR", "The avatar of this chat cannot be changed")
		}
		av, err := decodeAvatar(a.value("AVATAR"), c.now)
		if err != nil {
			return err
		}
		in := s.m.isMember(ch, b.ID)
		if !in {
			return methodError("WRONG_REQUEST", "Chat isn't exists")
		}
		ch.Avatar = av
		s.m.chats.Put(tx, *ch)
		return nil
	})
}

// chatSetOwner implements imbot.chat.setOwner ("Change of chat owner"):
// only the owner may hand the chat over, and only to a member. Order:
// CHAT_ID_EMPTY, USER_ID_EMPTY, the bot, the general chat, then
// WRONG_REQUEST "Change owner can only owner and user must be member in
// chat" (also for a missing chat or the current owner again).
func (s *Service) chatSetOwner(c *call) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	newOwner := a.intval("USER_ID")
	if newOwner <= 0 {
		return nil, errUserIDEmpty()
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		b, err := botOf(c)
		if err != nil {
			return err
		}
		ch := s.m.chat(c.p.Portal.Name, id)
		if err := generalChat(ch); err != nil {
			return err
		}
		in := s.m.isMember(ch, newOwner)
		if !in || ch.OwnerID != b.ID || newOwner == ch.OwnerID {
			return methodError("WRONG_REQUEST", "Change owner can only owner and user must be member in chat")
		}
		ch.OwnerID = newOwner
		s.m.chats.Put(tx, *ch)
		return nil
	})
}
