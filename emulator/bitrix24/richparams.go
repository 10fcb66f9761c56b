package bitrix24

import (
	"encoding/json"
	"strings"
)

// richParam is one of a message's structured parameters (ATTACH, KEYBOARD,
// MENU) with its checks and errors.
type richParam struct {
	name             string
	valid            func(any) bool
	errCode, errText string
	// overCode is the oversize error; a strict portal answers an
	// oversized KEYBOARD with errCode (the server code has no
	// KEYBOARD_OVERSIZE).
	overCode, overText string
}

var (
	attachParam = richParam{name: "ATTACH", valid: validAttach, errCode: "ATTACH_ERROR", errText: "Incorrect attach params",
		overCode: "ATTACH_OVERSIZE", overText: "You have exceeded the maximum allowable size of attach"}
	keyboardParam = richParam{name: "KEYBOARD", valid: validKeyboard, errCode: "KEYBOARD_ERROR", errText: "Incorrect keyboard params",
		overCode: "KEYBOARD_OVERSIZE", overText: "You have exceeded the maximum allowable size of keyboard"}
	menuParam = richParam{name: "MENU", valid: validMenu, errCode: "MENU_ERROR", errText: "Incorrect menu params",
		overCode: "MENU_OVERSIZE", overText: "You have exceeded the maximum allowable size of menu"}
)

// read returns the parameter as stored JSON when it was sent and is not
// empty (nil, nil when not), or its error: malformed first, then too
// large (attach.go's limits).
func (rp richParam) read(a args, p *portal) (json.RawMessage, error) {
	if !a.isSet(rp.name) || a.empty(rp.name) {
		return nil, nil
	}
	data := plainParam(a.value(rp.name))
	if !rp.valid(data) {
		return nil, methodError(rp.errCode, rp.errText)
	}
	if oversize(p, data) {
		if p.Strict && rp.name == keyboardParam.name {
			return nil, methodError(rp.errCode, rp.errText)
		}
		return nil, methodError(rp.overCode, rp.overText)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, methodError(rp.errCode, rp.errText)
	}
	return raw, nil
}

// update reads the parameter for imbot.message.update: not sent leaves
// *dst; empty or "N" clears it; anything else replaces it or fails as read
// does.
func (rp richParam) update(a args, p *portal, dst *json.RawMessage) error {
	if !a.isSet(rp.name) {
		return nil
	}
	if a.empty(rp.name) || a.str(rp.name) == "N" {
		*dst = nil
		return nil
	}
	raw, err := rp.read(a, p)
	if err != nil {
		return err
	}
	*dst = raw
	return nil
}

// validMenu reports whether data is a context menu the server accepts
// (Im\Bot\ContextMenu::getByJson): {"ITEMS": [...]} or the bare list, each
// item with TEXT and an action (COMMAND, LINK, ACTION, APP_ID), at least
// one.
func validMenu(data any) bool {
	items, ok := itemsOf(data, "ITEMS")
	if !ok {
		return false
	}
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok || !nonEmptyString(m["TEXT"]) {
			return false
		}
		switch {
		case m["LINK"] != nil:
			if !validLink(m["LINK"]) {
				return false
			}
		case nonEmptyString(m["COMMAND"]), nonEmptyString(m["ACTION"]), m["APP_ID"] != nil:
		default:
			return false
		}
	}
	return len(items) > 0
}

// keyboardCommand finds a button of a stored keyboard with COMMAND cmd
// (case-insensitive), reporting the button's COMMAND_PARAMS.
func keyboardCommand(raw json.RawMessage, cmd string) (params string, ok bool) {
	var data any
	if len(raw) == 0 || json.Unmarshal(raw, &data) != nil {
		return "", false
	}
	buttons, _ := keyboardButtons(data)
	for _, b := range buttons {
		m, isMap := b.(map[string]any)
		if !isMap {
			continue
		}
		if c, _ := m["COMMAND"].(string); c != "" && strings.EqualFold(c, cmd) {
			p, _ := m["COMMAND_PARAMS"].(string)
			return p, true
		}
	}
	return "", false
}
