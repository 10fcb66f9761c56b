package imbachat

import (
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// CheckDocument implements core.DocumentChecker: "imbachat:<kind>:<id>"
// holding a widget, a user, a room or a message.
func (s *Service) CheckDocument(key string, raw []byte) error {
	kind, id, ok := strings.Cut(strings.TrimPrefix(key, vendorName+":"), ":")
	if _, isID := core.KeyID(id); !ok || !isID {
		return core.ErrUnknownDocument
	}
	switch kind {
	case kindWidget:
		return core.DocumentAs[widget](raw)
	case kindUser:
		return core.DocumentAs[user](raw)
	case kindRoom:
		return core.DocumentAs[room](raw)
	case kindMessage:
		return core.DocumentAs[message](raw)
	}
	return core.ErrUnknownDocument
}
