package imbachat

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// CheckDocument implements core.DocumentChecker: "imbachat:<kind>:<id>"
// holding a widget, a user, a room or a message whose strings fit their
// columns (docs/reliability.md, "ImbaChat"), a widget's users info URL a
// URL chatemu can call.
func (s *Service) CheckDocument(key string, raw []byte) error {
	kind, id, ok := strings.Cut(strings.TrimPrefix(key, vendorName+":"), ":")
	if _, isID := core.KeyID(id); !ok || !isID {
		return core.ErrUnknownDocument
	}
	switch kind {
	case kindWidget:
		if err := checkStored(raw, (*widget).boundedFields); err != nil {
			return err
		}
		var w widget
		if json.Unmarshal(raw, &w) == nil && w.UsersInfoURL != "" {
			if why := checkUsersInfoURL(w.UsersInfoURL); why != "" {
				return errors.New("users_info_url: " + why)
			}
		}
		return nil
	case kindUser:
		return checkStored(raw, (*user).boundedFields)
	case kindRoom:
		return checkStored(raw, (*room).boundedFields)
	case kindMessage:
		return checkStored(raw, (*message).boundedFields)
	}
	return core.ErrUnknownDocument
}

// checkStored checks that raw is a JSON object that decodes into a T whose
// strings fit, decoding it once when it does.
func checkStored[T any](raw []byte, fields func(*T) []field) error {
	var v T
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(raw, &v) != nil {
		if err := core.DocumentAs[T](raw); err != nil {
			return err // it names the field
		}
		return errors.New("want a JSON object")
	}
	return documentBounds(fields(&v))
}
