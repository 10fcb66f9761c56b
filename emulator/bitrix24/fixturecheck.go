package bitrix24

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// checkSection reports every problem of a fixture or seed section that its
// schema cannot see, each at its JSON path from the document's root, in
// document order: a domain another portal answers to; ids, webhooks,
// applications and tokens defined twice (a user and a bot sharing an id
// too); references to users, bots, chats, open lines and applications
// that exist neither in the section nor in the current state (the default
// fixtures, earlier documents and seeds); and strings past their bounds
// (bounds.go). A portal named again adds to what its earlier entries
// define, as a later document does. It changes nothing.
func (m *model) checkSection(sec *fixtureSection) []core.Problem {
	c := &sectionCheck{m: m, tokens: map[string]string{}, portals: map[string]*portalCheck{}}
	domains := map[string]string{} // domain -> the portal that answers to it
	for _, ref := range m.portalRefs() {
		domains[ref.Domain] = ref.Name
	}
	for i := range sec.Portals {
		fp := &sec.Portals[i]
		at := fmt.Sprintf("/bitrix24/portals/%d", i)
		c.defines(fp, at)
	}
	for i := range sec.Portals {
		fp := &sec.Portals[i]
		at := fmt.Sprintf("/bitrix24/portals/%d", i)
		if fp.Domain != nil {
			if other, taken := domains[*fp.Domain]; taken && other != fp.Name {
				c.add(at+"/domain", "domain %q is portal %q's", *fp.Domain, other)
			}
			domains[*fp.Domain] = fp.Name
		}
		c.portal(fp, at)
	}
	slices.SortStableFunc(c.problems, func(a, b core.Problem) int { return comparePaths(a.Path, b.Path) })
	return c.problems
}

// comparePaths orders JSON pointers as their places in the document:
// array indexes by number.
func comparePaths(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx == nil && erry == nil {
			return cmp.Compare(x, y)
		}
		return strings.Compare(as[i], bs[i])
	}
	return cmp.Compare(len(as), len(bs))
}

// portalRefs are the portals the state holds.
func (m *model) portalRefs() []portalRef {
	refs, _ := m.index.Get(struct{}{})
	return refs
}

// sectionCheck collects the problems of one section.
type sectionCheck struct {
	m        *model
	problems []core.Problem
	// tokens are the access and refresh tokens the section defines, by
	// their paths (tokens are not scoped by portal).
	tokens map[string]string
	// portals are what the section's entries define, by portal name: a
	// portal named again in the same section adds to it (as a later
	// document does), so references see every entry before and after.
	portals map[string]*portalCheck
}

func (c *sectionCheck) add(path, format string, args ...any) {
	c.problems = append(c.problems, core.Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// text reports the fields of the object at path past their bounds.
func (c *sectionCheck) text(at string, fields ...textField) {
	for _, f := range fields {
		if p := f.problem(); p != "" {
			c.add(at+"/"+f.name, "%s", p)
		}
	}
}

// ids finds ids defined twice in one list of a portal.
type ids map[int64]string

// define records id at path, reporting it when it is already defined.
func (c *sectionCheck) define(seen ids, what string, id int64, at string) {
	if prev, dup := seen[id]; dup {
		c.add(at+"/id", "%s %d is already defined at %s", what, id, prev)
		return
	}
	seen[id] = at
}

// portalCheck is what one portal entry defines, for its references.
type portalCheck struct {
	name                      string
	users, bots, chats, lines ids
	apps                      map[string]bool
}

// member reports whether id is a user or a bot of the portal.
func (c *sectionCheck) member(p *portalCheck, id int64) bool {
	_, u := p.users[id]
	_, b := p.bots[id]
	return u || b || c.m.lookupMember(p.name, id).exists
}

func (c *sectionCheck) bot(p *portalCheck, id int64) bool {
	_, b := p.bots[id]
	return b || c.m.bots.Has(scoped{p.name, id})
}

func (c *sectionCheck) chat(p *portalCheck, id int64) bool {
	_, ok := p.chats[id]
	return ok || c.m.chats.Has(scoped{p.name, id})
}

func (c *sectionCheck) line(p *portalCheck, id int64) bool {
	_, ok := p.lines[id]
	return ok || c.m.lines.Has(scoped{p.name, id})
}

// defines records what a portal entry defines (its users, bots, chats,
// open lines and applications), reporting ids an entry defines twice, so
// that references may point at any entry of the portal.
func (c *sectionCheck) defines(fp *fixturePortal, at string) {
	p := c.portals[fp.Name]
	if p == nil {
		p = &portalCheck{name: fp.Name, users: ids{}, bots: ids{}, chats: ids{}, lines: ids{}, apps: map[string]bool{}}
		if old, ok := c.m.portals.Get(fp.Name); ok {
			for _, a := range old.Apps {
				p.apps[a.ClientID] = true
			}
		}
		c.portals[fp.Name] = p
	}
	users, bots, chats, lines := ids{}, ids{}, ids{}, ids{}
	for i, fu := range fp.Users {
		path := fmt.Sprintf("%s/users/%d", at, i)
		c.define(users, "user", fu.ID, path)
		p.users[fu.ID] = path
	}
	for i, fb := range fp.Bots {
		path := fmt.Sprintf("%s/bots/%d", at, i)
		if prev, user := users[fb.ID]; user {
			c.add(path+"/id", "bot %d has the id of user %d at %s (bots are users: one id each)", fb.ID, fb.ID, prev)
			continue
		}
		c.define(bots, "bot", fb.ID, path)
		p.bots[fb.ID] = path
	}
	for i, fch := range fp.Chats {
		path := fmt.Sprintf("%s/chats/%d", at, i)
		c.define(chats, "chat", fch.ID, path)
		p.chats[fch.ID] = path
	}
	for i, fl := range fp.OpenLines {
		path := fmt.Sprintf("%s/open_lines/%d", at, i)
		c.define(lines, "open line", fl.ID, path)
		p.lines[fl.ID] = path
	}
	for _, a := range fp.Apps {
		p.apps[a.ClientID] = true
	}
}

// portal checks one portal entry.
func (c *sectionCheck) portal(fp *fixturePortal, at string) {
	p := c.portals[fp.Name]
	var domain, memberID string
	if fp.Domain != nil {
		domain = *fp.Domain
	}
	if fp.MemberID != nil {
		memberID = *fp.MemberID
	}
	c.text(at, chars("domain", domain, credentialChars), chars("member_id", memberID, credentialChars))

	type hookID struct {
		user int64
		code string
	}
	hooks := map[hookID]string{}
	for i, w := range fp.Webhooks {
		path := fmt.Sprintf("%s/webhooks/%d", at, i)
		key := hookID{w.UserID, w.Code}
		if prev, dup := hooks[key]; dup {
			c.add(path, "webhook %d/%s is already defined at %s", w.UserID, w.Code, prev)
		}
		hooks[key] = path
		c.text(path, chars("code", w.Code, credentialChars))
		c.scopes(path, w.Scopes)
	}
	apps := map[string]string{}
	for i, a := range fp.Apps {
		path := fmt.Sprintf("%s/apps/%d", at, i)
		if prev, dup := apps[a.ClientID]; dup {
			c.add(path+"/client_id", "application %q is already defined at %s", a.ClientID, prev)
		}
		apps[a.ClientID] = path
		c.text(path, chars("client_id", a.ClientID, credentialChars), chars("client_secret", a.ClientSecret, credentialChars),
			chars("application_token", a.ApplicationToken, credentialChars))
		c.scopes(path, a.Scopes)
	}
	for i, ft := range fp.Tokens {
		path := fmt.Sprintf("%s/tokens/%d", at, i)
		c.text(path, chars("access_token", ft.AccessToken, credentialChars), chars("refresh_token", ft.RefreshToken, credentialChars),
			chars("client_id", ft.ClientID, credentialChars))
		for _, tok := range []struct{ field, value string }{{"access_token", ft.AccessToken}, {"refresh_token", ft.RefreshToken}} {
			if tok.value == "" {
				continue
			}
			if strings.Contains(tok.value, ":") {
				// Stored under "bitrix24:token:<token>": a colon could make
				// it the key of a portal's document.
				c.add(path+"/"+tok.field, "a token may not hold ':'")
				continue
			}
			if prev, dup := c.tokens[tok.value]; dup {
				c.add(path+"/"+tok.field, "token %q is already defined at %s", tok.value, prev)
				continue
			}
			c.tokens[tok.value] = path + "/" + tok.field
		}
		if !p.apps[ft.ClientID] {
			c.add(path+"/client_id", "application %q is not installed on portal %q", ft.ClientID, p.name)
		}
	}
	for i, fu := range fp.Users {
		path := fmt.Sprintf("%s/users/%d", at, i)
		c.text(path, chars("name", fu.Name, nameChars), chars("last_name", fu.LastName, nameChars))
		if c.m.bots.Has(scoped{p.name, fu.ID}) {
			c.add(path+"/id", "user %d has the id of bot %d of portal %q (bots are users: one id each)", fu.ID, fu.ID, p.name)
		}
	}
	for i, fb := range fp.Bots {
		path := fmt.Sprintf("%s/bots/%d", at, i)
		c.text(path, chars("code", fb.Code, botCodeChars), chars("name", fb.Name, nameChars), chars("client_id", fb.ClientID, credentialChars),
			chars("last_name", fb.LastName, nameChars), chars("event_handler", fb.EventHandler, urlChars),
			chars("event_message_add", fb.EventMessageAdd, urlChars), chars("event_message_update", fb.EventMessageUpdate, urlChars),
			chars("event_message_delete", fb.EventMessageDelete, urlChars), chars("event_welcome_message", fb.EventWelcome, urlChars),
			chars("event_bot_delete", fb.EventBotDelete, urlChars))
		if c.m.users.Has(scoped{p.name, fb.ID}) {
			c.add(path+"/id", "bot %d has the id of user %d of portal %q (bots are users: one id each)", fb.ID, fb.ID, p.name)
		}
	}
	for i := range fp.Chats {
		c.chatEntry(p, &fp.Chats[i], fmt.Sprintf("%s/chats/%d", at, i))
	}
	for i, fl := range fp.OpenLines {
		path := fmt.Sprintf("%s/open_lines/%d", at, i)
		c.text(path, chars("name", fl.Name, lineNameChars), octets("greeting", fl.Greeting, textBytes))
		for k, id := range fl.Queue {
			if !c.member(p, id) {
				c.add(fmt.Sprintf("%s/queue/%d", path, k), "operator %d does not exist on portal %q", id, p.name)
			}
		}
		if fl.BotID != 0 && !c.bot(p, fl.BotID) {
			c.add(path+"/bot_id", "bot %d does not exist on portal %q", fl.BotID, p.name)
		}
	}
	sessions := ids{}
	for i, fs := range fp.Sessions {
		path := fmt.Sprintf("%s/sessions/%d", at, i)
		c.define(sessions, "session", fs.ID, path)
		if !c.chat(p, fs.ChatID) {
			c.add(path+"/chat_id", "chat %d does not exist on portal %q", fs.ChatID, p.name)
		}
		if !c.line(p, fs.LineID) {
			c.add(path+"/line_id", "open line %d does not exist on portal %q", fs.LineID, p.name)
		}
		if !c.member(p, fs.ClientID) {
			c.add(path+"/client_id", "user %d does not exist on portal %q", fs.ClientID, p.name)
		}
		if fs.OperatorID != 0 && !c.member(p, fs.OperatorID) {
			c.add(path+"/operator_id", "operator %d does not exist on portal %q", fs.OperatorID, p.name)
		}
		if fs.QueueID != 0 && !c.line(p, fs.QueueID) {
			c.add(path+"/queue_id", "open line %d does not exist on portal %q", fs.QueueID, p.name)
		}
	}
}

func (c *sectionCheck) chatEntry(p *portalCheck, fc *fixtureChat, path string) {
	c.text(path, chars("title", fc.Title, titleChars), octets("description", fc.Description, textBytes),
		chars("color", fc.Color, colorChars), chars("entity_type", fc.EntityType, entityTypeChars),
		chars("entity_id", fc.EntityID, entityChars), chars("entity_data_1", fc.EntityData1, entityChars),
		chars("entity_data_2", fc.EntityData2, entityChars), chars("entity_data_3", fc.EntityData3, entityChars))
	if fc.OwnerID != 0 && !c.member(p, fc.OwnerID) {
		c.add(path+"/owner_id", "user %d does not exist on portal %q", fc.OwnerID, p.name)
	}
	listed := map[int64]bool{}
	for k, id := range fc.Users {
		switch {
		case listed[id]:
			c.add(fmt.Sprintf("%s/users/%d", path, k), "user %d is listed twice", id)
		case !c.member(p, id):
			c.add(fmt.Sprintf("%s/users/%d", path, k), "user %d does not exist on portal %q", id, p.name)
		}
		listed[id] = true
	}
}

func (c *sectionCheck) scopes(at string, scopes []string) {
	for k, s := range scopes {
		c.text(fmt.Sprintf("%s/scopes", at), chars(fmt.Sprint(k), s, credentialChars))
	}
}
