package bitrix24

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

func loadChat(tx *core.Tx, portal string, id int64) (*chat, error) {
	if id <= 0 {
		return nil, nil
	}
	c, _, err := core.GetCached(tx, chatDocs, scopedKey(portal, kindChat, id))
	return c, err
}

// chatDocs keeps decoded chats by their stored text for every instance of
// the process (the same text is the same chat): most methods read one.
var chatDocs = core.NewDocCache(1024, (*chat).clone)

// clone is a copy of c sharing nothing mutable with it.
func (c *chat) clone() *chat {
	out := *c
	if c.Members != nil { // nil and empty encode differently
		out.Members = append(make([]int64, 0, len(c.Members)), c.Members...)
	}
	if c.Avatar != nil {
		a := *c.Avatar
		if a.Data != nil {
			a.Data = append(make([]byte, 0, len(a.Data)), a.Data...)
		}
		out.Avatar = &a
	}
	return &out
}

func putChat(tx *core.Tx, c *chat) error {
	if c.partial {
		return fmt.Errorf("chat %d of %s was read in part and cannot be stored", c.ID, c.Portal)
	}
	return tx.Put(scopedKey(c.Portal, kindChat, c.ID), c)
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

func lookupMember(tx *core.Tx, portal string, id int64) (member, error) {
	if id <= 0 {
		return member{}, nil
	}
	u, err := getDoc[user](tx, scopedKey(portal, kindUser, id))
	if err != nil {
		return member{}, err
	}
	if u != nil {
		return userMember(u), nil
	}
	b, err := getDoc[bot](tx, scopedKey(portal, kindBot, id))
	if err != nil || b == nil {
		return member{}, err
	}
	return member{exists: true, bot: true, name: b.Name, active: true}, nil
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
	err := s.deps.Store.Update(func(tx *core.Tx) error {
		b, err := botOf(tx, c)
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
			m, err := lookupMember(tx, portal, uid)
			if err != nil {
				return err
			}
			if !m.exists || !m.active {
				return cantCreate
			}
			if !containsID(members, uid) {
				members = append(members, uid)
			}
		}
		if id, err = tx.NextID(seqName(portal, kindChat)); err != nil {
			return err
		}
		ch := &chat{ID: id, Portal: portal, Type: chatTypeChat, Title: strings.TrimSpace(a.str("TITLE")),
			Description: a.str("DESCRIPTION"), OwnerID: owner, CreatedAt: c.now}
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
			if err := postMessage(tx, ch, &message{Kind: messageChat, AuthorID: b.ID, Text: text, URLPreview: true}, c.now); err != nil {
				return err
			}
		}
		if err := setMembers(tx, portal, id, members); err != nil {
			return err
		}
		return putChat(tx, ch)
	})
	if err != nil {
		return nil, err
	}
	return id, nil
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
func postMessage(tx *core.Tx, ch *chat, m *message, now time.Time) error {
	id, err := tx.NextID(seqName(ch.Portal, kindMessage))
	if err != nil {
		return err
	}
	m.ID, m.Portal, m.ChatID, m.Date = id, ch.Portal, ch.ID, now
	ch.LastMessageID = id
	ch.MessageCount++
	return tx.Put(scopedKey(ch.Portal, kindMessage, id), m)
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
	var found []chat
	err := s.deps.Store.View(func(tx *core.Tx) error {
		var err error
		found, err = scanIndex[chat](tx, idxChatEntity, map[string]any{
			"portal": c.p.Portal.Name, "entity_type": a.str("ENTITY_TYPE"), "entity_id": a.str("ENTITY_ID")})
		return err
	})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return chatEntity{ID: found[0].ID}, nil
}

// chatUpdateTitle implements imbot.chat.updateTitle ("Chat title update").
// Order: CHAT_ID_EMPTY, TITLE_EMPTY (TITLE is trimmed), the bot, the
// general chat (ACCESS_ERROR "Action unavailable"), a chat that cannot be
// renamed (ACCESS_ERROR "This chat cannot be renamed", 403), then
// WRONG_REQUEST when the chat does not exist, the bot is not in it or the
// title is already set (the page's "Title is already set or the specified
// chat already exist").
func (s *Service) chatUpdateTitle(c *call) (any, error) {
	a := c.args()
	id, err := chatIDOf(a)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(a.str("TITLE"))
	if title == "" || title == "0" {
		return nil, methodError("TITLE_EMPTY", "Title can't be empty")
	}
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		b, err := botOf(tx, c)
		if err != nil {
			return err
		}
		ch, err := loadChat(tx, c.p.Portal.Name, id)
		if err != nil {
			return err
		}
		if err := generalChat(ch); err != nil {
			return err
		}
		if ch != nil && ch.Locks.Rename {
			return forbidden("ACCESS_ERROR", "This chat cannot be renamed")
		}
		in, err := isMember(tx, ch, b.ID)
		if err != nil {
			return err
		}
		if !in || ch.Title == title {
			return methodError("WRONG_REQUEST", "This title currently set or chat isn't exists")
		}
		ch.Title = title
		return putChat(tx, ch)
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		ch, err := loadChat(tx, c.p.Portal.Name, id)
		if err != nil {
			return err
		}
		if err := generalChat(ch); err != nil {
			return err
		}
		if !isSafeColor(color) {
			return methodError("WRONG_COLOR", "This color currently unavailable")
		}
		b, err := botOf(tx, c)
		if err != nil {
			return err
		}
		in, err := isMember(tx, ch, b.ID)
		if err != nil {
			return err
		}
		if !in || ch.Color == color {
			return methodError("WRONG_REQUEST", "This color currently set or chat isn't exists")
		}
		ch.Color = color
		return putChat(tx, ch)
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		b, err := botOf(tx, c)
		if err != nil {
			return err
		}
		ch, err := loadChat(tx, c.p.Portal.Name, id)
		if err != nil {
			return err
		}
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
		in, err := isMember(tx, ch, b.ID)
		if err != nil {
			return err
		}
		if !in {
			return methodError("WRONG_REQUEST", "Chat isn't exists")
		}
		ch.Avatar = av
		return putChat(tx, ch)
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
	return true, s.deps.Store.Update(func(tx *core.Tx) error {
		b, err := botOf(tx, c)
		if err != nil {
			return err
		}
		ch, err := loadChat(tx, c.p.Portal.Name, id)
		if err != nil {
			return err
		}
		if err := generalChat(ch); err != nil {
			return err
		}
		in, err := isMember(tx, ch, newOwner)
		if err != nil {
			return err
		}
		if !in || ch.OwnerID != b.ID || newOwner == ch.OwnerID {
			return methodError("WRONG_REQUEST", "Change owner can only owner and user must be member in chat")
		}
		ch.OwnerID = newOwner
		return putChat(tx, ch)
	})
}
