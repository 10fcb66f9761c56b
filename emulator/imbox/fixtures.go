package imbox

import (
	"encoding/json"
	"fmt"
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

// fixtureError is a section that could not be read at all.
func fixtureError(format string, args ...any) error {
	return fmt.Errorf("imbox fixtures: %s", fmt.Sprintf(format, args...))
}

// applyFixtures checks and writes a section: accounts, agents, page
// filters, then conversations with their messages. A document with an
// existing id replaces it (a conversation by sid and conversationID,
// messages included); sequences move above every id written. References
// may name what the current state holds (the default fixtures, earlier
// seeds) or what the section defines. Every problem of the section is
// reported at once, as a *core.ValidationError, and nothing is written.
func (m *model) applyFixtures(tx *state.Tx, raw json.RawMessage) error {
	var sec fixtureSection
	if err := json.Unmarshal(raw, &sec); err != nil {
		return fixtureError("%v", err)
	}
	for _, write := range []bool{false, true} {
		c := newSectionCheck(write)
		m.applySection(tx, c, &sec)
		if len(c.problems) > 0 {
			return &core.ValidationError{Problems: c.problems}
		}
	}
	return nil
}

func (m *model) applySection(tx *state.Tx, c *sectionCheck, sec *fixtureSection) {
	for i := range sec.Accounts {
		m.putAccount(tx, c, fmt.Sprintf("/imbox/accounts/%d", i), &sec.Accounts[i])
	}
	for i := range sec.Agents {
		m.putFixtureAgent(tx, c, fmt.Sprintf("/imbox/agents/%d", i), &sec.Agents[i])
	}
	for i := range sec.PageFilters {
		m.putPageFilter(tx, c, fmt.Sprintf("/imbox/pageFilters/%d", i), &sec.PageFilters[i])
	}
	for i := range sec.Conversations {
		m.putFixtureConversation(tx, c, fmt.Sprintf("/imbox/conversations/%d", i), &sec.Conversations[i])
	}
}

func (m *model) putAccount(tx *state.Tx, c *sectionCheck, path string, a *account) {
	if !defineOnce(c, c.accounts, a.SID, path+"/sid", fmt.Sprintf("account sid %d", a.SID)) {
		return
	}
	c.text(path+"/apiKey", "apiKey", a.APIKey, maxShortText)
	c.text(path+"/name", "name", a.Name, maxShortText)
	c.problems = append(c.problems, a.webhookConfig.problems(path)...)
	if other := m.keyOwner(c, a.APIKey); other != 0 && other != a.SID {
		c.add(path+"/apiKey", "apiKey %q already belongs to account sid %d", a.APIKey, other)
		return
	}
	if old, ok := c.sidKey[a.SID]; ok {
		delete(c.keyOwner, old)
	}
	c.keyOwner[a.APIKey], c.sidKey[a.SID] = a.SID, a.APIKey
	if c.write {
		m.accounts.Put(tx, *a)
	}
}

func (m *model) putFixtureAgent(tx *state.Tx, c *sectionCheck, path string, fa *fixtureAgent) {
	if !defineOnce(c, c.agents, fa.ID, path+"/agentID", fmt.Sprintf("agent %d", fa.ID)) {
		return
	}
	m.requireAccount(c, path+"/sid", fa.SID)
	for _, f := range []struct{ name, value string }{{"agentName", fa.Name}, {"displayName", fa.DisplayName},
		{"agentEmail", fa.Email}, {"department", fa.Department}} {
		c.text(path+"/"+f.name, f.name, f.value, maxShortText)
	}
	c.text(path+"/agentPicture", "agentPicture", fa.Picture, maxPage)
	for i, g := range fa.Groups {
		c.text(fmt.Sprintf("%s/groups/%d", path, i), "a group", g, maxShortText)
	}
	last := c.date(path+"/agentLastActive", fa.LastActive, time.Time{})
	a := agent{ID: fa.ID, SID: fa.SID, Name: fa.Name, DisplayName: fa.DisplayName, Email: fa.Email,
		Picture: fa.Picture, LastActive: last, Department: fa.Department, BackOffice: fa.BackOffice, Groups: fa.Groups}
	if a.DisplayName == "" {
		a.DisplayName = a.Name
	}
	if a.Groups == nil {
		a.Groups = []string{}
	}
	c.agentDefs[a.ID] = a
	if c.write {
		m.agents.Put(tx, a)
	}
}

func (m *model) putPageFilter(tx *state.Tx, c *sectionCheck, path string, f *pageFilter) {
	if !defineOnce(c, c.pageFilters, f.ID, path+"/id", fmt.Sprintf("page filter %d", f.ID)) {
		return
	}
	m.requireAccount(c, path+"/sid", f.SID)
	if reason := filterProblem(f.MatchType, f.SearchFilter); reason != "" {
		c.add(path+"/searchFilter", "%s", reason)
	}
	c.text(path+"/searchName", "searchName", f.SearchName, maxShortText)
	if c.write {
		m.pageFilters.Put(tx, *f)
	}
}

// putFixtureConversation checks and writes a conversation. The messages
// of one whose account is not defined are not checked against its agents
// (it has none).
func (m *model) putFixtureConversation(tx *state.Tx, c *sectionCheck, path string, fc *fixtureConversation) {
	if !defineOnce(c, c.conversations, channelKey{fc.SID, fc.Channel}, path+"/conversationID",
		fmt.Sprintf("conversation %s of sid %d", fc.Channel, fc.SID)) {
		// Its messages still count among the section's ids.
		for i, fm := range fc.Messages {
			defineOnce(c, c.messages, fm.ID, fmt.Sprintf("%s/messages/%d/id", path, i), fmt.Sprintf("message %d", fm.ID))
		}
		return
	}
	known := m.requireAccount(c, path+"/sid", fc.SID)
	date := c.date(path+"/date", fc.Date, time.Time{})
	conv := conversation{SID: fc.SID, Channel: fc.Channel, Tags: []tag{}, Labels: []label{}, Cards: []card{}, Pages: []string{}}
	if c.write {
		conv = m.replaceConversation(tx, fc.SID, fc.Channel)
	}
	conv.Date, conv.DateMs, conv.Rating = date, date.UnixMilli(), fc.Rating
	fixtureVisitorInfo(c, &conv.Visitor, path+"/visitor", fc.Visitor)
	names := 0
	for i, ft := range fc.Tags {
		p := fmt.Sprintf("%s/tags/%d", path, i)
		at := c.date(p+"/createdDate", ft.Created, date)
		c.notBefore(p+"/createdDate", at, date, "the conversation's start")
		if ft.Type == tagName {
			if names++; names > 1 {
				c.add(p+"/type", "a conversation has one name tag (type 0)")
			}
		} else if reason := tooLong("tag", ft.Tag, maxShortText); reason != "" {
			c.add(p+"/tag", "%s", reason)
		} else if err := checkListText("tag", ft.Tag); err != nil {
			c.add(p+"/tag", "%s", err.Message)
		}
		if ft.Type == tagName {
			c.text(p+"/tag", "tag", ft.Tag, maxShortText)
		}
		conv.Tags = append(conv.Tags, tag{Tag: ft.Tag, Type: ft.Type, Created: at})
	}
	for i, fl := range fc.Labels {
		p := fmt.Sprintf("%s/labels/%d", path, i)
		at := c.date(p+"/createdDate", fl.Created, date)
		c.notBefore(p+"/createdDate", at, date, "the conversation's start")
		if reason := tooLong("label", fl.Label, maxShortText); reason != "" {
			c.add(p+"/label", "%s", reason)
		} else if err := checkListText("label", fl.Label); err != nil {
			c.add(p+"/label", "%s", err.Message)
		}
		conv.Labels = append(conv.Labels, label{Label: fl.Label, Created: at})
	}
	seen := map[string]bool{}
	for i, fk := range fc.Cards {
		p := fmt.Sprintf("%s/cards/%d", path, i)
		if seen[fk.DataID] {
			c.add(p+"/dataID", "dataID %q appears twice; insertCard keeps one card per id", fk.DataID)
		}
		seen[fk.DataID] = true
		c.text(p+"/dataID", "dataID", fk.DataID, maxShortText)
		c.text(p+"/data", "data", fk.Data, maxLongText)
		created := c.date(p+"/createdDate", fk.Created, date)
		c.notBefore(p+"/createdDate", created, date, "the conversation's start")
		updated := c.date(p+"/updatedDate", fk.Updated, created)
		c.notBefore(p+"/updatedDate", updated, created, "the card's createdDate")
		conv.Cards = append(conv.Cards, card{DataID: fk.DataID, Data: fk.Data, Created: created, Updated: updated})
	}
	for i := range fc.Messages {
		m.putFixtureMessage(tx, c, fmt.Sprintf("%s/messages/%d", path, i), &conv, &fc.Messages[i], known)
	}
	if c.write {
		m.conversations.Put(tx, conv)
	}
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

func fixtureVisitorInfo(c *sectionCheck, v *visitorInfo, path string, fv *fixtureVisitor) {
	if fv == nil {
		return
	}
	v.TrafficType, v.SEType, v.Browser, v.OS = fv.TrafficType, fv.SEType, fv.Browser, fv.OS
	v.City, v.Country, v.ExitPage = fv.City, fv.Country, fv.ExitPage
	for _, f := range v.fields() {
		if *f.value != nil {
			c.text(path+"/"+f.name, f.name, **f.value, f.max)
		}
	}
	if fv.LastVisit != nil {
		if t := c.date(path+"/last_visit", *fv.LastVisit, time.Time{}); !t.IsZero() {
			v.LastVisit = &t
		}
	}
}

// putFixtureMessage checks and writes a message of conv; its agent is
// looked up when conv's account is known.
func (m *model) putFixtureMessage(tx *state.Tx, c *sectionCheck, path string, conv *conversation, fm *fixtureMessage, known bool) {
	date := c.date(path+"/date", fm.Date, conv.Date)
	c.notBefore(path+"/date", date, conv.Date, "the conversation's start")
	if defineOnce(c, c.messages, fm.ID, path+"/id", fmt.Sprintf("message %d", fm.ID)) {
		if existing, taken := m.messageOwner(c, fm.ID); taken {
			c.add(path+"/id", "message %d already belongs to conversation %s of sid %d", fm.ID, existing.Channel, existing.SID)
		}
	}
	c.text(path+"/message", "message", fm.Message, maxLongText)
	if fm.From != nil {
		c.text(path+"/from", "from", *fm.From, maxShortText)
	}
	msg := message{ID: fm.ID, SID: conv.SID, Conversation: conv.ID, Channel: conv.Channel, Text: fm.Message, Date: date, AgentID: fm.AgentID}
	switch {
	case msg.fromAgent():
		a, ok := m.sectionAgent(c, conv.SID, *msg.AgentID)
		if !ok {
			if known { // an account that is not defined has no agents to name
				c.add(path+"/agentID", "agent %d is not an agent of sid %d", *msg.AgentID, conv.SID)
			}
			return
		}
		msg.From = a.DisplayName
		if c.write {
			if stored, ok := m.agents.Get(a.ID); ok {
				m.touchAgent(tx, stored, date)
			}
		}
	case msg.fromVisitor():
		msg.From = conv.Channel
	default:
		msg.From = "system"
		var obj map[string]any
		if json.Unmarshal([]byte(msg.Text), &obj) != nil {
			c.add(path+"/message", "a system message carries a JSON-encoded object, got %q", clip(msg.Text))
		} else if page, ok := obj["currentPage"].(string); ok {
			c.text(path+"/message", "currentPage", page, maxPage)
		}
	}
	if fm.From != nil {
		msg.From = *fm.From
	}
	if c.write {
		m.recordMessage(tx, conv, &msg)
	}
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
