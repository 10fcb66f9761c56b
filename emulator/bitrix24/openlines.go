package bitrix24

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// revision is imopenlines.revision.get's answer: the Open Channels API
// revisions (server module revision.php).
type revision struct {
	REST   int `json:"rest"`
	Web    int `json:"web"`
	Mobile int `json:"mobile"`
}

// revisionGet implements imopenlines.revision.get ("Get information on
// current API revision"): the platform's revisions, no parameters.
func (s *Service) revisionGet(*call) (any, error) {
	return revision{REST: 2, Web: 1, Mobile: 1}, nil
}

// lineByCode finds the portal's open line with a code.
func (m *model) lineByCode(portal, code string) *openLine {
	if l, ok := firstOf(m.lines, portal, m.linesByCode[codeID{portal, code}]); ok {
		return &l
	}
	return nil
}

// networkBot finds the bot that speaks for a joined open line.
func (m *model) networkBot(portal, code string) *bot {
	if b, ok := firstOf(m.bots, portal, m.networkBots[codeID{portal, code}]); ok {
		return &b
	}
	return nil
}

// lineCode reads CODE: present and 32 characters long.
func lineCode(a args) (string, bool) {
	code := a.str("CODE")
	return code, a.isSet("CODE") && utf8.RuneCountInString(code) == 32
}

// networkJoin implements imopenlines.network.join ("Connect Open Channel
// via code"): the portal connects the open line with CODE and answers the
// id of the network bot that speaks for it (the id it already has when the
// line was joined before). Errors in the server's order: CODE "You entered
// an invalid code" (missing, or not 32 characters), IMBOT_ERROR (a portal
// without the imbot module), NOT_FOUND "Line not found", INACTIVE
// "Openline is inactive".
func (s *Service) networkJoin(c *call) (any, error) {
	a := c.args()
	code, ok := lineCode(a)
	if !ok {
		return nil, methodError("CODE", "You entered an invalid code")
	}
	if c.p.Portal.NoIMBot {
		return nil, errNoIMBot()
	}
	var id int64
	err := s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		l := s.m.lineByCode(portal, code)
		if l == nil {
			return errLineNotFound()
		}
		if !l.Active {
			return methodError("INACTIVE", "Openline is inactive")
		}
		if b := s.m.networkBot(portal, code); b != nil {
			id = b.ID
			return nil
		}
		id = tx.Next(seqName(portal, kindUser))
		s.m.bots.Put(tx, bot{ID: id, Portal: portal, Code: "network_" + code, Name: cutChars(l.Name, nameChars), ClientID: code, Type: "N",
			NetworkCode: code})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return id, nil
}

func errNoIMBot() *core.APIError { return methodError("IMBOT_ERROR", "Module IMBOT is not installed") }

func errLineNotFound() *core.APIError { return methodError("NOT_FOUND", "Line not found") }

// weekly is how long imopenlines.network.message.add keeps a user from
// getting another message from the same open line.
const weekly = 7 * 24 * time.Hour

// networkMessageAdd implements imopenlines.network.message.add, which the
// vendor page names imopenlines.network.message.send ("Sent message from
// Open Channel to selected user"; both names are served, and strict
// portals answer the page's name with ERROR_METHOD_NOT_FOUND): the joined
// open line's network bot writes to USER_ID, at most once per user per
// rolling week on the emulator clock. Errors in the server's order: the
// code (CODE_ERROR, or on a strict portal CODE), IMBOT_ERROR, NOT_FOUND
// (no such line joined), USER_ID_EMPTY, USER_MESSAGE_LIMIT, MESSAGE_EMPTY,
// ATTACH_OVERSIZE and ATTACH_ERROR, KEYBOARD_OVERSIZE and KEYBOARD_ERROR,
// WRONG_REQUEST "Message isn't added" (USER_ID not an active user).
func (s *Service) networkMessageAdd(c *call) (any, error) {
	a := c.args()
	strict := c.p.Portal.Strict
	code, ok := lineCode(a)
	if !ok {
		if strict {
			return nil, methodError("CODE", "You entered an invalid code")
		}
		return nil, methodError("CODE_ERROR", "Open Channel code is incorrect")
	}
	if c.p.Portal.NoIMBot {
		return nil, errNoIMBot()
	}
	return true, s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		nb := s.m.networkBot(portal, code)
		if nb == nil {
			return errLineNotFound()
		}
		to := a.intval("USER_ID")
		if to == 0 {
			return errUserIDEmpty()
		}
		if last, ok := s.m.limits.Get(limitID{portal, nb.ID, to}); ok && last.SentAt.After(c.now.Add(-weekly)) {
			return methodError("USER_MESSAGE_LIMIT", "You cant send more than one message per week to each user.")
		}
		text := strings.TrimSpace(a.str("MESSAGE"))
		if text == "" {
			return errMessageEmpty()
		}
		m := &message{Kind: messageNetwork, ToUserID: to, AuthorID: nb.ID, Text: cutBytes(text, textBytes),
			URLPreview: a.str("URL_PREVIEW") != "N"}
		var err error
		if m.Attach, err = attachParam.read(a, c.p.Portal); err != nil {
			return err
		}
		if m.Keyboard, err = keyboardParam.read(a, c.p.Portal); err != nil {
			return err
		}
		if recipient := s.m.lookupMember(portal, to); !recipient.exists || recipient.bot || !recipient.active {
			return methodError("WRONG_REQUEST", "Message isn't added")
		}
		m.ID, m.Portal, m.Date = tx.Next(seqName(portal, kindMessage)), portal, c.now
		s.m.messages.Put(tx, *m)
		s.m.limits.Put(tx, networkLimit{Portal: portal, BotID: nb.ID, UserID: to, SentAt: c.now})
		return nil
	})
}
