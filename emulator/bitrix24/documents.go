package bitrix24

import (
	"strings"

	"github.com/chatemu/chatemu/emulator/core"
)

// CheckDocument implements core.DocumentChecker for the keys of model.go:
// the portal index, portals, OAuth tokens, rate-limit buckets and the
// portal-scoped documents "bitrix24:<portal>:<kind>:<id>" (users, bots,
// chats, messages, open lines, sessions and weekly network limits).
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

// checkScoped checks "<portal>:<kind>:<id>" and
// "<portal>:netlimit:<bot id>:<user id>".
func checkScoped(parts []string, raw []byte) error {
	for _, id := range parts[min(2, len(parts)):] {
		if _, ok := core.KeyID(id); !ok {
			return core.ErrUnknownDocument
		}
	}
	switch {
	case len(parts) == 4 && parts[1] == "netlimit":
		return core.DocumentAs[networkLimit](raw)
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
