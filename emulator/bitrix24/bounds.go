package bitrix24

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/chatemu/chatemu/internal/core"
)

// The sizes of the columns a portal keeps the strings it is given in
// (Bitrix\Im\Model\ChatTable and the other ORM tables: string(N) is a
// VARCHAR(N) counted in characters, text a MySQL TEXT of 65,535 bytes).
// A portal cuts chat titles itself (mb_substr($title, 0, 255)), refuses a
// chat whose entity binding is longer than its column (the ORM's Length
// validator: the chat is not created) and, on MySQL without strict mode as
// Bitrix runs it, cuts TEXT values at the column's size. docs/fidelity.md
// and docs/reliability.md list what each string gets.
const (
	titleChars      = 255   // b_im_chat.TITLE
	entityTypeChars = 50    // b_im_chat.ENTITY_TYPE
	entityChars     = 255   // b_im_chat.ENTITY_ID, ENTITY_DATA_1..3
	textBytes       = 65535 // TEXT: chat descriptions, messages, greetings
	nameChars       = 50    // b_user.NAME, LAST_NAME: users and bots
	commandChars    = 255   // b_im_command.COMMAND
	urlChars        = 2048  // handler URLs (b_rest_event.EVENT_HANDLER)
	propertyChars   = 255   // a bot's other PROPERTIES (b_user columns)
)

// cutChars is PHP's mb_substr($s, 0, n).
func cutChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// cutBytes is what a TEXT column of n bytes keeps of s: the whole
// characters that fit.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// longerThan reports whether s has more than n characters.
func longerThan(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

// Bounds of the strings fixtures, seeds and snapshots give, which are
// refused whole past them (never cut: a test's data should say what it
// means). Credentials, domains and codes are held to 255 characters.
const (
	credentialChars = 255 // webhook codes, client ids and secrets, tokens, scopes, domains, member ids
	botCodeChars    = 50  // b_im_bot.CODE
	lineNameChars   = 255 // b_imopenlines_config.LINE_NAME
	colorChars      = 255 // b_im_chat.COLOR
	// attachBytes bounds a stored ATTACH or KEYBOARD: 60,000 characters
	// of the server's JSON (what strict portals take) at 4 bytes each.
	attachBytes = 240000
	// avatarBytes is the most image an 8 MiB request carries in base64.
	avatarBytes = 6 << 20
)

// textField is a stored string and its bound: max characters, or max
// bytes when bytes is set.
type textField struct {
	name  string // the field's JSON name
	value string
	max   int
	bytes bool
}

func chars(name, value string, n int) textField { return textField{name: name, value: value, max: n} }
func octets(name, value string, n int) textField {
	return textField{name: name, value: value, max: n, bytes: true}
}

// problem says how the value passes its bound, "" when it does not.
func (f textField) problem() string {
	if f.bytes {
		if len(f.value) > f.max {
			return fmt.Sprintf("at most %d bytes, got %d", f.max, len(f.value))
		}
		return ""
	}
	if longerThan(f.value, f.max) {
		return fmt.Sprintf("at most %d characters, got %d", f.max, utf8.RuneCountInString(f.value))
	}
	return ""
}

// overBound is the first field past its bound, as an error naming it.
func overBound(fields ...textField) error {
	for _, f := range fields {
		if p := f.problem(); p != "" {
			return fmt.Errorf("%s: %s", f.name, p)
		}
	}
	return nil
}

// documentWithin is core.DocumentAs followed by the stored type's string
// bounds: a snapshot or data file holding a longer string is refused,
// naming the field.
func documentWithin[T any](raw []byte, bounds func(*T) error) error {
	if err := core.DocumentAs[T](raw); err != nil {
		return err
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	return bounds(&v)
}

// The bounds of the stored documents (documents.go): those of the fixture
// fields they come from, and 255 characters for the emulator's own codes.
func (p *portal) within() error {
	fs := []textField{chars("name", p.Name, credentialChars), chars("domain", p.Domain, credentialChars),
		chars("member_id", p.MemberID, credentialChars)}
	for i, w := range p.Webhooks {
		fs = append(fs, chars(fmt.Sprintf("webhooks.%d.code", i), w.Code, credentialChars))
		fs = append(fs, scopeFields(fmt.Sprintf("webhooks.%d.scopes", i), w.Scopes)...)
	}
	for i, a := range p.Apps {
		fs = append(fs, chars(fmt.Sprintf("apps.%d.client_id", i), a.ClientID, credentialChars),
			chars(fmt.Sprintf("apps.%d.client_secret", i), a.ClientSecret, credentialChars),
			chars(fmt.Sprintf("apps.%d.application_token", i), a.ApplicationToken, credentialChars))
		fs = append(fs, scopeFields(fmt.Sprintf("apps.%d.scopes", i), a.Scopes)...)
	}
	return overBound(fs...)
}

func scopeFields(at string, scopes []string) []textField {
	var fs []textField
	for k, s := range scopes {
		fs = append(fs, chars(fmt.Sprintf("%s.%d", at, k), s, credentialChars))
	}
	return fs
}

func portalIndexWithin(refs *[]portalRef) error {
	for i, r := range *refs {
		if err := overBound(chars(fmt.Sprintf("%d.name", i), r.Name, credentialChars),
			chars(fmt.Sprintf("%d.domain", i), r.Domain, credentialChars)); err != nil {
			return err
		}
	}
	return nil
}

func (t *accessToken) within() error {
	return overBound(chars("token", t.Token, credentialChars), chars("refresh_token", t.RefreshToken, credentialChars),
		chars("portal", t.Portal, credentialChars), chars("client_id", t.ClientID, credentialChars))
}

func (t *refreshToken) within() error {
	return overBound(chars("token", t.Token, credentialChars), chars("portal", t.Portal, credentialChars),
		chars("client_id", t.ClientID, credentialChars))
}

func (u *user) within() error {
	return overBound(chars("portal", u.Portal, credentialChars), chars("name", u.Name, nameChars),
		chars("last_name", u.LastName, nameChars))
}

func (b *bot) within() error {
	fs := []textField{chars("portal", b.Portal, credentialChars), chars("code", b.Code, botCodeChars),
		chars("name", b.Name, nameChars), chars("client_id", b.ClientID, credentialChars), chars("type", b.Type, credentialChars),
		chars("network_code", b.NetworkCode, credentialChars), chars("last_name", b.LastName, nameChars),
		chars("color", b.Color, propertyChars), chars("email", b.Email, propertyChars), chars("birthday", b.Birthday, propertyChars),
		chars("work_position", b.WorkPosition, propertyChars), chars("www", b.WWW, propertyChars),
		chars("gender", b.Gender, propertyChars)}
	for name, h := range b.Handlers {
		if !isBotEvent(name) {
			return fmt.Errorf("handlers: %q is not a bot event", name)
		}
		fs = append(fs, chars("handlers."+name+".url", h.URL, urlChars))
	}
	return overBound(fs...)
}

func (c *chat) within() error {
	if len(c.Pair) != 0 && len(c.Pair) != 2 {
		return fmt.Errorf("pair: a private dialog has two users, got %d", len(c.Pair))
	}
	fs := []textField{chars("portal", c.Portal, credentialChars), chars("type", c.Type, credentialChars),
		chars("title", c.Title, titleChars), octets("description", c.Description, textBytes), chars("color", c.Color, colorChars),
		chars("entity_type", c.EntityType, entityTypeChars), chars("entity_id", c.EntityID, entityChars),
		chars("entity_data_1", c.EntityData1, entityChars), chars("entity_data_2", c.EntityData2, entityChars),
		chars("entity_data_3", c.EntityData3, entityChars)}
	if a := c.Avatar; a != nil {
		fs = append(fs, chars("avatar.mime", a.MIME, credentialChars), octets("avatar.data", string(a.Data), avatarBytes))
	}
	return overBound(fs...)
}

func (m *message) within() error {
	if len(m.Likes) > maxLikes {
		return fmt.Errorf("likes: at most %d, got %d", maxLikes, len(m.Likes))
	}
	return overBound(chars("portal", m.Portal, credentialChars), chars("kind", m.Kind, credentialChars),
		octets("text", m.Text, textBytes), octets("attach", string(m.Attach), attachBytes),
		octets("keyboard", string(m.Keyboard), attachBytes), octets("menu", string(m.Menu), attachBytes),
		chars("template_id", m.TemplateID, credentialChars))
}

func (l *openLine) within() error {
	return overBound(chars("portal", l.Portal, credentialChars), chars("code", l.Code, credentialChars),
		chars("name", l.Name, lineNameChars), octets("greeting", l.Greeting, textBytes))
}

func (s *session) within() error {
	fs := []textField{chars("portal", s.Portal, credentialChars), chars("status", s.Status, credentialChars)}
	for i, e := range s.History {
		fs = append(fs, chars(fmt.Sprintf("history.%d.action", i), e.Action, credentialChars),
			chars(fmt.Sprintf("history.%d.to", i), e.To, credentialChars))
	}
	return overBound(fs...)
}

func (k *command) within() error {
	return overBound(chars("portal", k.Portal, credentialChars), chars("client_id", k.ClientID, credentialChars),
		chars("command", k.Command, commandChars), octets("lang", string(k.Lang), attachBytes),
		chars("handler.url", k.Handler.URL, urlChars))
}
