package bitrix24

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/state"
)

// maxAppBots is how many bots one application may register (the cloud's
// imbot_rest_register_limit default).
const maxAppBots = 5

// botProperties reads PROPERTIES (or FIELDS[PROPERTIES]) into b: NAME and
// LAST_NAME cut to the user columns' 50 characters, the others to 255.
// It reports whether NAME or LAST_NAME was sent, whether both were sent
// empty, and whether any property was sent.
func botProperties(a args, b *bot) (named, blank, given bool) {
	props := foldArgs(a.value("PROPERTIES"))
	if props.root == nil || !props.root.IsTree() {
		return false, false, false
	}
	nameSet, lastSet := props.isSet("NAME"), props.isSet("LAST_NAME")
	if nameSet {
		b.Name = cutChars(strings.TrimSpace(props.str("NAME")), nameChars)
	}
	if lastSet {
		b.LastName = cutChars(strings.TrimSpace(props.str("LAST_NAME")), nameChars)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"COLOR", &b.Color}, {"EMAIL", &b.Email}, {"PERSONAL_BIRTHDAY", &b.Birthday}, {"WORK_POSITION", &b.WorkPosition},
		{"PERSONAL_WWW", &b.WWW}, {"PERSONAL_GENDER", &b.Gender}} {
		if props.isSet(f.name) {
			*f.dst = cutChars(props.str(f.name), propertyChars)
			given = true
		}
	}
	named = nameSet || lastSet
	return named, nameSet && lastSet && props.empty("NAME") && props.empty("LAST_NAME"), given || named
}

// register implements imbot.register ("Register a chatbot", reference
// §6.1 and vendor-events §1.5). Checks in the server's order: CLIENT_ID
// for a webhook (ACCESS_DENIED), the handlers (EVENT_HANDLER stands for
// all five; EVENT_MESSAGE_ADD, EVENT_WELCOME_MESSAGE and EVENT_BOT_DELETE
// required; each URL checked, EVENT_*_ERROR), CODE (CODE_ERROR), at most
// five bots per application (MAX_COUNT_ERROR), PROPERTIES with NAME or
// LAST_NAME (NAME_ERROR). TYPE is B (default), O (open lines: OPENLINE
// forced to Y), H or S; the update and delete handlers are dropped for
// TYPE B and H without OPENLINE=Y. A CODE already registered answers that
// bot's id. The application's handlers are bound anew either way.
func (s *Service) register(c *call) (any, error) {
	a := c.args()
	who, err := callerOf(c)
	if err != nil {
		return nil, err
	}
	urls, err := readHandlers(a, who, true)
	if err != nil {
		return nil, err
	}
	if a.empty("CODE") {
		return nil, methodError("CODE_ERROR", "Bot code isn't specified")
	}
	code := cutChars(a.str("CODE"), botCodeChars)
	typ := a.str("TYPE")
	if typ != "O" && typ != "B" && typ != "H" && typ != "S" {
		typ = "B"
	}
	openline := a.str("OPENLINE") == "Y" || typ == "O"
	if typ != "S" && typ != "O" && !openline {
		delete(urls, evMessageUpdate)
		delete(urls, evMessageDelete)
	}
	b := bot{Portal: c.p.Portal.Name, Code: code, ClientID: who.clientID, Type: typ, OpenLine: openline, Webhook: who.webhook}
	var id int64
	err = s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		count := 0
		var existing *bot
		for _, x := range s.m.chatBots[portal] {
			if x.ClientID == who.clientID {
				count++
			}
			if x.Code == code && existing == nil {
				existing = &x
			}
		}
		if count >= maxAppBots {
			return methodError("MAX_COUNT_ERROR", fmt.Sprintf("Has reached the maximum number of bots for application (max: %d)", maxAppBots))
		}
		if named, _, _ := botProperties(a, &b); !named {
			return methodError("NAME_ERROR", "Bot name isn't specified")
		}
		if existing != nil {
			id = existing.ID
		} else {
			id = tx.Next(seqName(portal, kindUser))
			b.ID = id
			s.m.bots.Put(tx, b)
		}
		s.m.bindHandlers(tx, portal, who.clientID, urls)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return id, nil
}

// unregister implements imbot.unregister ("Unregister a chatbot"):
// BOT_ID of the calling application (BOT_ID_ERROR, APP_ID_ERROR). The bot,
// its commands and its private dialogs are deleted (it stays a member id
// of the group chats it was in, whose histories keep its messages), and
// its application's ONIMBOTDELETE handler is called.
func (s *Service) unregister(c *call) (any, error) {
	a := c.args()
	who, err := callerOf(c)
	if err != nil {
		return nil, err
	}
	var ev *events
	err = s.m.db.Update(func(tx *state.Tx) error {
		portal := c.p.Portal.Name
		b, err := s.m.appBot(portal, a.value("BOT_ID"), who)
		if err != nil {
			return err
		}
		for _, cid := range append([]int64(nil), s.m.botCommands[scoped{portal, b.ID}]...) {
			s.m.commands.Delete(tx, scoped{portal, cid})
		}
		s.m.dropPrivateChats(tx, portal, b.ID)
		s.m.bots.Delete(tx, scoped{portal, b.ID})
		ev = s.callEvents(tx, c)
		ev.botDeleted(b, c.p.UserID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.flush(c.req.Outbox())
	return true, nil
}

// update implements imbot.update ("Update chatbot data"): BOT_ID of the
// calling application (BOT_ID_ERROR, APP_ID_ERROR), then FIELDS: the
// handlers (each checked, EVENT_*_ERROR; binding EVENT_MESSAGE_UPDATE or
// EVENT_MESSAGE_DELETE here is how a TYPE B bot gets those events), CODE,
// PROPERTIES (NAME and LAST_NAME both sent empty: NAME_ERROR). Nothing to
// change is WRONG_REQUEST "Update fields can't be empty". TYPE and
// OPENLINE are not changed, as the page says.
func (s *Service) update(c *call) (any, error) {
	return s.appUpdate(c, func(tx *state.Tx, a args, who caller) error {
		portal := c.p.Portal.Name
		b, err := s.m.appBot(portal, a.value("BOT_ID"), who)
		if err != nil {
			return err
		}
		fields := foldArgs(a.value("FIELDS"))
		if fields.root == nil || !fields.root.IsTree() {
			return methodError("WRONG_REQUEST", "Update fields can't be empty")
		}
		urls, err := readHandlers(fields, who, false)
		if err != nil {
			return err
		}
		changed := false
		if !fields.empty("CODE") {
			b.Code, changed = cutChars(fields.str("CODE"), botCodeChars), true
		}
		_, blank, props := botProperties(fields, b)
		if blank {
			return methodError("NAME_ERROR", "Bot name isn't specified")
		}
		changed = changed || props
		if !changed && len(urls) == 0 {
			return methodError("WRONG_REQUEST", "Update fields can't be empty")
		}
		s.m.bots.Put(tx, *b)
		s.m.bindHandlers(tx, portal, who.clientID, urls)
		return nil
	})
}

// botListEntry is one bot of imbot.bot.list.
type botListEntry struct {
	ID       int64  `json:"ID"`
	Name     string `json:"NAME"`
	Code     string `json:"CODE"`
	OpenLine string `json:"OPENLINE"`
}

// botList implements imbot.bot.list ("Get list of available chatbots"):
// the portal's bots but the open channels' network bots, keyed by id
// ({"39": {"ID": 39, "NAME": "NewBot", "CODE": "newbot", "OPENLINE": "N"}},
// [] when there is none).
func (s *Service) botList(c *call) (any, error) {
	out := newOrdered()
	s.m.db.View(func() error {
		for _, b := range s.m.chatBots[c.p.Portal.Name] {
			out.set(strconv.FormatInt(b.ID, 10), botListEntry{ID: b.ID, Name: b.fullName(), Code: b.Code, OpenLine: yn(b.OpenLine)})
		}
		return nil
	})
	return out, nil
}
