package imbox

import (
	"strings"

	"github.com/chatemu/chatemu/emulator/core"
)

// CheckDocument implements core.DocumentChecker: "imbox:<kind>:<id>"
// holding an account, an agent, a page filter, a conversation or a
// message.
func (s *Service) CheckDocument(key string, raw []byte) error {
	kind, id, ok := strings.Cut(strings.TrimPrefix(key, vendorName+":"), ":")
	if _, isID := core.KeyID(id); !ok || !isID {
		return core.ErrUnknownDocument
	}
	switch kind {
	case kindAccount:
		return core.DocumentAs[account](raw)
	case kindAgent:
		return core.DocumentAs[agent](raw)
	case kindPageFilter:
		return core.DocumentAs[pageFilter](raw)
	case kindConversation:
		return core.DocumentAs[conversation](raw)
	case kindMessage:
		return core.DocumentAs[message](raw)
	}
	return core.ErrUnknownDocument
}
