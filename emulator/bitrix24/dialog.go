package bitrix24

import (
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
)

// chatObject is a chat as imbot.dialog.get shows it (outdated/chats/
// fields.md and the method's example): ids and the owner as integers, the
// colour as HEX, type "chat", "open" or "lines".
type chatObject struct {
	ID               int64            `json:"id"`
	ParentChatID     int64            `json:"parent_chat_id"`
	ParentMessageID  int64            `json:"parent_message_id"`
	Name             string           `json:"name"`
	Description      string           `json:"description"`
	Owner            int64            `json:"owner"`
	Extranet         bool             `json:"extranet"`
	Avatar           string           `json:"avatar"`
	Color            string           `json:"color"`
	Type             string           `json:"type"`
	Counter          int              `json:"counter"`
	UserCounter      int              `json:"user_counter"`
	MessageCount     int              `json:"message_count"`
	UnreadID         int64            `json:"unread_id"`
	Restrictions     chatRestrictions `json:"restrictions"`
	LastMessageID    int64            `json:"last_message_id"`
	LastID           int64            `json:"last_id"`
	MarkedID         int64            `json:"marked_id"`
	DiskFolderID     int64            `json:"disk_folder_id"`
	EntityType       string           `json:"entity_type"`
	EntityID         string           `json:"entity_id"`
	EntityData1      string           `json:"entity_data_1"`
	EntityData2      string           `json:"entity_data_2"`
	EntityData3      string           `json:"entity_data_3"`
	MuteList         []int64          `json:"mute_list"`
	DateCreate       string           `json:"date_create"`
	MessageType      string           `json:"message_type"`
	Public           string           `json:"public"`
	Role             string           `json:"role"`
	EntityLink       entityLink       `json:"entity_link"`
	TextFieldEnabled bool             `json:"text_field_enabled"`
	BackgroundID     *int64           `json:"background_id"`
	Permissions      chatPermissions  `json:"permissions"`
	IsNew            bool             `json:"is_new"`
	ReadedList       []any            `json:"readed_list"`
	ManagerList      []int64          `json:"manager_list"`
	LastMessageViews lastMessageViews `json:"last_message_views"`
	DialogID         string           `json:"dialog_id"`
}

type chatRestrictions struct {
	Avatar     bool `json:"avatar"`
	Rename     bool `json:"rename"`
	Extend     bool `json:"extend"`
	Call       bool `json:"call"`
	Mute       bool `json:"mute"`
	Leave      bool `json:"leave"`
	LeaveOwner bool `json:"leave_owner"`
	Send       bool `json:"send"`
	UserList   bool `json:"user_list"`
}

type entityLink struct {
	Type string `json:"type"`
	URL  string `json:"url"`
	ID   string `json:"id"`
}

type chatPermissions struct {
	ManageUsersAdd    string `json:"manage_users_add"`
	ManageUsersDelete string `json:"manage_users_delete"`
	ManageUI          string `json:"manage_ui"`
	ManageSettings    string `json:"manage_settings"`
	ManageMessages    string `json:"manage_messages"`
	CanPost           string `json:"can_post"`
}

type lastMessageViews struct {
	MessageID      int64 `json:"message_id"`
	FirstViewers   []any `json:"first_viewers"`
	CountOfViewers int   `json:"count_of_viewers"`
}

var messageTypes = map[string]string{chatTypeChat: "C", chatTypeOpen: "O", chatTypeLines: "L"}

// object renders the chat, whose members are members, for the user
// viewer; base is the emulator's own URL, which avatar links point back to.
func (c *chat) object(members []int64, viewer int64, base string) chatObject {
	hex, _ := colorHex(c.Color)
	role := "guest"
	switch {
	case viewer == c.OwnerID:
		role = "owner"
	case containsID(members, viewer):
		role = "member"
	}
	managers := []int64{}
	if c.OwnerID > 0 {
		managers = append(managers, c.OwnerID)
	}
	o := chatObject{ID: c.ID, Name: c.Title, Description: c.Description, Owner: c.OwnerID, Color: hex, Type: c.Type,
		UserCounter: len(members), MessageCount: c.MessageCount,
		Restrictions: chatRestrictions{Avatar: !c.Locks.Avatar, Rename: !c.Locks.Rename, Extend: !c.Locks.Extend, Call: true,
			Mute: true, Leave: !c.Locks.Leave, LeaveOwner: !c.Locks.LeaveOwner, Send: true, UserList: true},
		LastMessageID: c.LastMessageID, LastID: c.LastMessageID, EntityType: c.EntityType, EntityID: c.EntityID,
		EntityData1: c.EntityData1, EntityData2: c.EntityData2, EntityData3: c.EntityData3, MuteList: []int64{},
		DateCreate: c.CreatedAt.UTC().Format(dateLayout), MessageType: messageTypes[c.Type], Role: role,
		EntityLink: entityLink{Type: c.EntityType, ID: c.EntityID}, TextFieldEnabled: true,
		Permissions: chatPermissions{ManageUsersAdd: "member", ManageUsersDelete: "manager", ManageUI: "member",
			ManageSettings: "owner", ManageMessages: "member", CanPost: "member"},
		ReadedList: []any{}, ManagerList: managers,
		LastMessageViews: lastMessageViews{MessageID: c.LastMessageID, FirstViewers: []any{}},
		DialogID:         "chat" + strconv.FormatInt(c.ID, 10)}
	if c.Avatar != nil {
		o.Avatar = avatarURL(base, c)
	}
	return o
}

// avatarURL is where the control plane serves a chat's avatar.
func avatarURL(base string, c *chat) string {
	return base + "/_emulator/bitrix24/portals/" + c.Portal + "/chats/" + strconv.FormatInt(c.ID, 10) +
		"/avatar?v=" + strconv.FormatInt(c.Avatar.UpdatedAt.Unix(), 10)
}

// dialogGet implements imbot.dialog.get ("Get Data About Chat"): the chat
// object of DIALOG_ID ("chatNNN"), for the calling user (the webhook's user
// or the token's). A DIALOG_ID that is neither chatNNN nor a user id is
// DIALOG_ID_EMPTY; a chat the user is not in (open chats aside) or that
// does not exist is ACCESS_ERROR "You do not have access to the specified
// dialog" (403); a user id names a private dialog, which the emulator does
// not keep: ACCESS_ERROR "You don't have access to this chat" (400).
func (s *Service) dialogGet(c *call) (any, error) {
	return s.dialogObject(c, c.args().value("DIALOG_ID"))
}

func (s *Service) dialogObject(c *call, v *core.Value) (any, error) {
	chatID, isChat := chatDialogID(v)
	userID, isUser := userDialogID(v)
	if !isChat && !isUser {
		return nil, errDialogIDEmpty()
	}
	noAccess := forbidden("ACCESS_ERROR", "You do not have access to the specified dialog")
	var out chatObject
	err := s.m.db.View(func() error {
		if isUser {
			if m := s.m.lookupMember(c.p.Portal.Name, userID); !m.exists {
				return noAccess
			}
			return methodError("ACCESS_ERROR", "You don't have access to this chat")
		}
		ch := s.m.chat(c.p.Portal.Name, chatID)
		if ch == nil {
			return noAccess
		}
		members := s.m.chatMembers(ch)
		if !containsID(members, c.p.UserID) && ch.Type != chatTypeOpen {
			return noAccess
		}
		out = ch.object(members, c.p.UserID, endpointBase(c.req.HTTP))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
