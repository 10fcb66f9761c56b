package bitrix24

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chatemu/chatemu/emulator/core"
)

// CheckDocument implements core.DocumentChecker for the keys of model.go:
// the portal index, portals, OAuth tokens, rate-limit buckets and the
// portal-scoped documents "bitrix24:<portal>:<kind>:<id>" (users, bots,
// chats, chat members, messages, open lines, sessions and weekly network
// limits).
func (s *Service) CheckDocument(key string, raw []byte) error {
	if key == portalIndexKey {
		return core.DocumentAs[[]portalRef](raw)
	}
	rest := strings.TrimPrefix(key, vendorName+":")
	parts := strings.Split(rest, ":")
	// Tokens are free text (a colon included): their prefixes come first.
	// A portal named "token" has scoped keys of four or five parts, so a
	// key that is not a token is tried as a scoped one as well.
	var first error = core.ErrUnknownDocument
	switch parts[0] {
	case "token":
		first = core.DocumentAs[accessToken](raw)
	case "refresh":
		first = core.DocumentAs[refreshToken](raw)
	case "portal":
		if len(parts) == 2 {
			first = core.DocumentAs[portal](raw)
		}
	case "bucket":
		if len(parts) == 2 {
			first = core.DocumentAs[bucket](raw)
		}
	}
	if first == nil {
		return nil
	}
	if err := checkScoped(parts, raw); err != core.ErrUnknownDocument || first == core.ErrUnknownDocument {
		return err
	}
	return first
}

// checkScoped checks "<portal>:<kind>:<id>",
// "<portal>:netlimit:<bot id>:<user id>" and
// "<portal>:chatuser:<chat id>:<user id>".
func checkScoped(parts []string, raw []byte) error {
	for _, id := range parts[min(2, len(parts)):] {
		if _, ok := core.KeyID(id); !ok {
			return core.ErrUnknownDocument
		}
	}
	switch {
	case len(parts) == 4 && parts[1] == "netlimit":
		return core.DocumentAs[networkLimit](raw)
	case len(parts) == 4 && parts[1] == kindChatUser:
		return checkMember(parts, raw)
	case len(parts) != 3:
		return core.ErrUnknownDocument
	}
	switch parts[1] {
	case kindUser:
		return core.DocumentAs[user](raw)
	case kindBot:
		return core.DocumentAs[bot](raw)
	case kindChat:
		return core.DocumentAs[chat](raw)
	case kindMessage:
		return core.DocumentAs[message](raw)
	case kindLine:
		return core.DocumentAs[openLine](raw)
	case kindSession:
		return core.DocumentAs[session](raw)
	}
	return core.ErrUnknownDocument
}

// checkMember checks a chat member document: it must name the portal, the
// chat and the user its key names, since the member index finds a chat's
// members by the document's fields and membership checks by its key.
func checkMember(parts []string, raw []byte) error {
	if err := core.DocumentAs[chatMember](raw); err != nil {
		return err
	}
	var m chatMember
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	chatID, _ := core.KeyID(parts[2])
	userID, _ := core.KeyID(parts[3])
	if m.Portal != parts[0] || m.ChatID != chatID || m.UserID != userID {
		return fmt.Errorf("member of portal %q chat %d user %d stored under the key of portal %q chat %d user %d",
			m.Portal, m.ChatID, m.UserID, parts[0], chatID, userID)
	}
	return nil
}
