package imbox

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// fixtureSection is the "imbox" section of a fixture or seed document
// (schemas/imbox/fixtures.schema.json). Field names are those the API
// shows; dates are RFC 3339 ("2020-01-01T00:00:00.000Z").
type fixtureSection struct {
	Accounts      []account             `json:"accounts"`
	Agents        []fixtureAgent        `json:"agents"`
	PageFilters   []pageFilter          `json:"pageFilters"`
	Conversations []fixtureConversation `json:"conversations"`
}

type fixtureAgent struct {
	ID          int64    `json:"agentID"`
	SID         int64    `json:"sid"`
	Name        string   `json:"agentName"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"agentEmail"`
	Picture     string   `json:"agentPicture"`
	LastActive  string   `json:"agentLastActive"`
	Department  string   `json:"department"`
	BackOffice  bool     `json:"isBackOffice"`
	Groups      []string `json:"groups"`
}

type fixtureConversation struct {
	SID      int64            `json:"sid"`
	Channel  string           `json:"conversationID"`
	Date     string           `json:"date"`
	Visitor  *fixtureVisitor  `json:"visitor"`
	Tags     []fixtureTag     `json:"tags"`
	Labels   []fixtureLabel   `json:"labels"`
	Cards    []fixtureCard    `json:"cards"`
	Rating   *int             `json:"rating"`
	Messages []fixtureMessage `json:"messages"`
}

type fixtureVisitor struct {
	TrafficType *string `json:"trafficType"`
	SEType      *string `json:"se_type"`
	LastVisit   *string `json:"last_visit"`
	Browser     *string `json:"browser"`
	OS          *string `json:"os"`
	City        *string `json:"user_city"`
	Country     *string `json:"user_country"`
	ExitPage    *string `json:"exitPage"`
}

type fixtureTag struct {
	Tag     string `json:"tag"`
	Type    int    `json:"type"`
	Created string `json:"createdDate"`
}

type fixtureLabel struct {
	Label   string `json:"label"`
	Created string `json:"createdDate"`
}

type fixtureCard struct {
	DataID  string `json:"dataID"`
	Data    string `json:"data"`
	Created string `json:"createdDate"`
	Updated string `json:"updatedDate"`
}

type fixtureMessage struct {
	ID      int64   `json:"id"`
	From    *string `json:"from"`
	Message string  `json:"message"`
	Date    string  `json:"date"`
	AgentID *int64  `json:"agentID"` // an agent, 0 the visitor, null the system
}

// fixtureError names the place in the section that is refused.
func fixtureError(path string, format string, args ...any) error {
	return fmt.Errorf("imbox fixtures: %s: %s", path, fmt.Sprintf(format, args...))
}

func parseFixtureDate(path, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fixtureError(path, "expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z, got %q", s)
	}
	return instant(t), nil
}

// applyFixtures writes a validated section: accounts, agents, page filters,
// then conversations with their messages. A document with an existing id
// replaces it (a conversation by sid and conversationID, messages
// included); sequences move above every id written.
func (m *model) applyFixtures(tx *state.Tx, raw json.RawMessage) error {
	var sec fixtureSection
	if err := json.Unmarshal(raw, &sec); err != nil {
		return fmt.Errorf("imbox fixtures: %w", err)
	}
	for i := range sec.Accounts {
		if err := m.putAccount(tx, fmt.Sprintf("accounts/%d", i), &sec.Accounts[i]); err != nil {
			return err
		}
	}
	for i := range sec.Agents {
		if err := m.putFixtureAgent(tx, fmt.Sprintf("agents/%d", i), &sec.Agents[i]); err != nil {
			return err
		}
	}
	for i := range sec.PageFilters {
		if err := m.putPageFilter(tx, fmt.Sprintf("pageFilters/%d", i), &sec.PageFilters[i]); err != nil {
			return err
		}
	}
	for i := range sec.Conversations {
		if err := m.putFixtureConversation(tx, fmt.Sprintf("conversations/%d", i), &sec.Conversations[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *model) requireAccount(path string, sid int64) error {
	if !m.hasAccount(sid) {
		return fixtureError(path, "account sid %d is not defined", sid)
	}
	return nil
}

func (m *model) putAccount(tx *state.Tx, path string, a *account) error {
	if other := m.authedBy(a.APIKey); other != nil && other.principal.Account.SID != a.SID {
		return fixtureError(path, "apiKey %q already belongs to account sid %d", a.APIKey, other.principal.Account.SID)
	}
	m.accounts.Put(tx, *a)
	return nil
}

func (m *model) putFixtureAgent(tx *state.Tx, path string, fa *fixtureAgent) error {
	if err := m.requireAccount(path+"/sid", fa.SID); err != nil {
		return err
	}
	last, err := parseFixtureDate(path+"/agentLastActive", fa.LastActive, time.Time{})
	if err != nil {
		return err
	}
	a := agent{ID: fa.ID, SID: fa.SID, Name: fa.Name, DisplayName: fa.DisplayName, Email: fa.Email,
		Picture: fa.Picture, LastActive: last, Department: fa.Department, BackOffice: fa.BackOffice, Groups: fa.Groups}
	if a.DisplayName == "" {
		a.DisplayName = a.Name
	}
	if a.Groups == nil {
		a.Groups = []string{}
	}
	m.agents.Put(tx, a)
	return nil
}

func (m *model) putPageFilter(tx *state.Tx, path string, f *pageFilter) error {
	if err := m.requireAccount(path+"/sid", f.SID); err != nil {
		return err
	}
	if f.MatchType == matchRegex {
		if _, err := regexp.Compile(f.SearchFilter); err != nil {
			return fixtureError(path+"/searchFilter", "not a valid regular expression: %v", err)
		}
	}
	m.pageFilters.Put(tx, *f)
	return nil
}

func (m *model) putFixtureConversation(tx *state.Tx, path string, fc *fixtureConversation) error {
	if err := m.requireAccount(path+"/sid", fc.SID); err != nil {
		return err
	}
	date, err := parseFixtureDate(path+"/date", fc.Date, time.Time{})
	if err != nil {
		return err
	}
	c := m.replaceConversation(tx, fc.SID, fc.Channel)
	c.Date, c.DateMs, c.Rating = date, date.UnixMilli(), fc.Rating
	if err := fixtureVisitorInfo(&c.Visitor, path+"/visitor", fc.Visitor); err != nil {
		return err
	}
	names := 0
	for i, ft := range fc.Tags {
		p := fmt.Sprintf("%s/tags/%d", path, i)
		at, err := parseFixtureDate(p+"/createdDate", ft.Created, date)
		if err != nil {
			return err
		}
		if ft.Type == tagName {
			if names++; names > 1 {
				return fixtureError(p, "a conversation has one name tag (type 0)")
			}
		} else if err := checkListText("tag", ft.Tag); err != nil {
			return fixtureError(p+"/tag", "%s", err.Message)
		}
		c.Tags = append(c.Tags, tag{Tag: ft.Tag, Type: ft.Type, Created: at})
	}
	for i, fl := range fc.Labels {
		p := fmt.Sprintf("%s/labels/%d", path, i)
		at, err := parseFixtureDate(p+"/createdDate", fl.Created, date)
		if err != nil {
			return err
		}
		if err := checkListText("label", fl.Label); err != nil {
			return fixtureError(p+"/label", "%s", err.Message)
		}
		c.Labels = append(c.Labels, label{Label: fl.Label, Created: at})
	}
	seen := map[string]bool{}
	for i, fk := range fc.Cards {
		p := fmt.Sprintf("%s/cards/%d", path, i)
		if seen[fk.DataID] {
			return fixtureError(p+"/dataID", "dataID %q appears twice; insertCard keeps one card per id", fk.DataID)
		}
		seen[fk.DataID] = true
		created, err := parseFixtureDate(p+"/createdDate", fk.Created, date)
		if err != nil {
			return err
		}
		updated, err := parseFixtureDate(p+"/updatedDate", fk.Updated, created)
		if err != nil {
			return err
		}
		c.Cards = append(c.Cards, card{DataID: fk.DataID, Data: fk.Data, Created: created, Updated: updated})
	}
	for i := range fc.Messages {
		if err := m.putFixtureMessage(tx, fmt.Sprintf("%s/messages/%d", path, i), &c, &fc.Messages[i]); err != nil {
			return err
		}
	}
	m.conversations.Put(tx, c)
	return nil
}

// replaceConversation returns an empty conversation under the internal id
// of the stored one with that sid and id (whose messages it deletes), or
// under a new internal id.
func (m *model) replaceConversation(tx *state.Tx, sid int64, channel string) conversation {
	c := conversation{SID: sid, Channel: channel, Tags: []tag{}, Labels: []label{}, Cards: []card{}, Pages: []string{}}
	id, ok := m.channels[channelKey{sid, channel}]
	if !ok {
		c.ID = tx.Next(seqConversation)
		return c
	}
	c.ID = id
	for _, msg := range m.messagesOf(id) {
		m.messages.Delete(tx, msg.ID)
	}
	return c
}

func fixtureVisitorInfo(v *visitorInfo, path string, fv *fixtureVisitor) error {
	if fv == nil {
		return nil
	}
	v.TrafficType, v.SEType, v.Browser, v.OS = fv.TrafficType, fv.SEType, fv.Browser, fv.OS
	v.City, v.Country, v.ExitPage = fv.City, fv.Country, fv.ExitPage
	if fv.LastVisit != nil {
		t, err := parseFixtureDate(path+"/last_visit", *fv.LastVisit, time.Time{})
		if err != nil {
			return err
		}
		v.LastVisit = &t
	}
	return nil
}

func (m *model) putFixtureMessage(tx *state.Tx, path string, c *conversation, fm *fixtureMessage) error {
	date, err := parseFixtureDate(path+"/date", fm.Date, time.Time{})
	if err != nil {
		return err
	}
	if date.Before(c.Date) {
		return fixtureError(path+"/date", "%s is before the conversation's start %s", formatDate(date), formatDate(c.Date))
	}
	if existing, found := m.messages.Get(fm.ID); found {
		return fixtureError(path+"/id", "message %d already belongs to conversation %s of sid %d", fm.ID, existing.Channel, existing.SID)
	}
	msg := message{ID: fm.ID, SID: c.SID, Conversation: c.ID, Channel: c.Channel, Text: fm.Message, Date: date, AgentID: fm.AgentID}
	switch {
	case msg.fromAgent():
		a, ok := m.accountAgent(c.SID, *msg.AgentID)
		if !ok {
			return fixtureError(path+"/agentID", "agent %d is not an agent of sid %d", *msg.AgentID, c.SID)
		}
		msg.From = a.DisplayName
		m.touchAgent(tx, a, date)
	case msg.fromVisitor():
		msg.From = c.Channel
	default:
		msg.From = "system"
		var obj map[string]any
		if json.Unmarshal([]byte(msg.Text), &obj) != nil {
			return fixtureError(path+"/message", "a system message carries a JSON-encoded object, got %q", msg.Text)
		}
	}
	if fm.From != nil {
		msg.From = *fm.From
	}
	m.recordMessage(tx, c, &msg)
	return nil
}

// recordMessage stores a message with its recording position and updates
// what the conversation derives from it; the caller stores c.
func (m *model) recordMessage(tx *state.Tx, c *conversation, msg *message) {
	msg.Pos = tx.Next(seqMessagePos)
	c.observe(msg)
	m.messages.Put(tx, *msg)
}

// touchAgent moves an agent's last activity up to at.
func (m *model) touchAgent(tx *state.Tx, a agent, at time.Time) {
	if at.After(a.LastActive) {
		a.LastActive = at
		m.agents.Put(tx, a)
	}
}

// checkListText refuses a regular tag or a label that chatStatistics'
// CSV could not keep apart from its neighbours in a comma-joined cell.
func checkListText(name, s string) *core.APIError {
	if strings.TrimSpace(s) == "" {
		return errRequired(name)
	}
	if strings.Contains(s, ",") {
		return errBadRequest("a %s may not contain a comma (chatStatistics joins them with commas), got %q", name, s)
	}
	return nil
}
