package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// ImBox plays the ImBox widget and agent desk against an instance, so a
// test can shape the data the read-only chat export API serves: start
// conversations, write visitor and agent messages at given times, report
// visitor details, tag, label, insert cards, rename and rate. Each helper
// calls the control plane (/_emulator/imbox/...) and fails the test on any
// error. Times that are zero mean the emulator clock.
type ImBox struct{ s *Server }

// ImBox returns the instance's ImBox helpers.
func (s *Server) ImBox() *ImBox { return &ImBox{s: s} }

// ImBoxDocSID is the account of the default fixtures, the documentation's
// sid 1, whose API key is "apiKey".
const ImBoxDocSID = 1

// ImBoxVisitor is what the widget reports about a visitor, in
// grabVisitorInfo's terms. Empty fields are left as they are.
type ImBoxVisitor struct {
	TrafficType  string    // "Direct", "Organic" or a referring domain (trafficType)
	SearchEngine string    // se_type, for organic traffic
	Browser      string    // "Chrome 50.0.0"
	OS           string    // "Windows 7 0.0.0"
	City         string    // user_city
	Country      string    // user_country
	ExitPage     string    // exitPage
	LastVisit    time.Time // last_visit
}

func (v *ImBoxVisitor) fields() map[string]string {
	out := map[string]string{}
	for name, value := range map[string]string{"trafficType": v.TrafficType, "se_type": v.SearchEngine,
		"browser": v.Browser, "os": v.OS, "user_city": v.City, "user_country": v.Country, "exitPage": v.ExitPage,
		"last_visit": imboxTime(v.LastVisit)} {
		if value != "" {
			out[name] = value
		}
	}
	return out
}

// ImBoxStart describes a conversation a visitor starts.
type ImBoxStart struct {
	SID            int64         // the account; 0 means ImBoxDocSID
	ConversationID string        // "" lets the emulator draw one ("V" and 20 digits)
	At             time.Time     // when it starts; zero means now
	Page           string        // the page the visitor joins from (a visitorJoin message); "" for none
	Visitor        *ImBoxVisitor // what the widget reports about the visitor
}

// ImBoxConversation is one conversation (a channel such as "V1") of an
// account.
type ImBoxConversation struct {
	SID  int64
	ID   string    // conversationID
	Date time.Time // when it started
	b    *ImBox
}

// StartConversation opens a conversation the way a visitor opening the
// widget does.
func (b *ImBox) StartConversation(t testing.TB, o ImBoxStart) *ImBoxConversation {
	t.Helper()
	if o.SID == 0 {
		o.SID = ImBoxDocSID
	}
	body := map[string]any{}
	if o.ConversationID != "" {
		body["conversationID"] = o.ConversationID
	}
	if at := imboxTime(o.At); at != "" {
		body["at"] = at
	}
	if o.Page != "" {
		body["page"] = o.Page
	}
	if o.Visitor != nil {
		body["visitor"] = o.Visitor.fields()
	}
	var out struct {
		SID            int64     `json:"sid"`
		ConversationID string    `json:"conversationID"`
		Date           time.Time `json:"date"`
	}
	b.call(t, http.MethodPost, fmt.Sprintf("/%d/conversations", o.SID), body, &out)
	return &ImBoxConversation{SID: out.SID, ID: out.ConversationID, Date: out.Date, b: b}
}

// Conversation is a handle on an existing conversation, such as the
// fixtures' "V1" of sid 1.
func (b *ImBox) Conversation(sid int64, id string) *ImBoxConversation {
	return &ImBoxConversation{SID: sid, ID: id, b: b}
}

// VisitorMessage is the visitor writing text at the given time; it returns
// the message id.
func (c *ImBoxConversation) VisitorMessage(t testing.TB, at time.Time, text string) int64 {
	t.Helper()
	return c.message(t, map[string]any{"sender": "visitor", "message": text}, at)
}

// AgentMessage is an agent of the account answering from the desk; it
// returns the message id.
func (c *ImBoxConversation) AgentMessage(t testing.TB, agentID int64, at time.Time, text string) int64 {
	t.Helper()
	return c.message(t, map[string]any{"sender": "agent", "agentID": agentID, "message": text}, at)
}

// Visit is the visitor joining the chat from page (a visitorJoin system
// message; page filters match these pages); it returns the message id.
func (c *ImBoxConversation) Visit(t testing.TB, at time.Time, page string) int64 {
	t.Helper()
	body := map[string]any{"page": page}
	if s := imboxTime(at); s != "" {
		body["at"] = s
	}
	var out struct {
		ID int64 `json:"id"`
	}
	c.b.call(t, http.MethodPost, c.path("/visits"), body, &out)
	return out.ID
}

func (c *ImBoxConversation) message(t testing.TB, body map[string]any, at time.Time) int64 {
	t.Helper()
	if s := imboxTime(at); s != "" {
		body["at"] = s
	}
	var out struct {
		ID int64 `json:"id"`
	}
	c.b.call(t, http.MethodPost, c.path("/messages"), body, &out)
	return out.ID
}

// SetVisitorInfo reports visitor details (only the non-empty fields).
func (c *ImBoxConversation) SetVisitorInfo(t testing.TB, v ImBoxVisitor) {
	t.Helper()
	c.b.call(t, http.MethodPatch, c.path("/visitor"), v.fields(), nil)
}

// AddTag tags the visitor (a type 1 tag; adding one twice keeps the first).
func (c *ImBoxConversation) AddTag(t testing.TB, at time.Time, tag string) {
	t.Helper()
	c.b.call(t, http.MethodPost, c.path("/tags"), c.timed(at, "tag", tag), nil)
}

// ChangeName is the widget's changeName: the visitor's name, the type 0 tag.
func (c *ImBoxConversation) ChangeName(t testing.TB, at time.Time, name string) {
	t.Helper()
	c.b.call(t, http.MethodPut, c.path("/name"), c.timed(at, "name", name), nil)
}

// AddLabel labels the conversation (adding one twice keeps the first).
func (c *ImBoxConversation) AddLabel(t testing.TB, at time.Time, label string) {
	t.Helper()
	c.b.call(t, http.MethodPost, c.path("/labels"), c.timed(at, "label", label), nil)
}

// InsertCard is the widget's insertCard: a card with that id is created,
// or updated (data and updatedDate) when it exists.
func (c *ImBoxConversation) InsertCard(t testing.TB, at time.Time, dataID, data string) {
	t.Helper()
	body := c.timed(at, "dataID", dataID)
	body["data"] = data
	c.b.call(t, http.MethodPost, c.path("/cards"), body, nil)
}

// Rate is the visitor rating the chat, 1 to 5.
func (c *ImBoxConversation) Rate(t testing.TB, rating int) {
	t.Helper()
	c.b.call(t, http.MethodPut, c.path("/rating"), map[string]any{"rating": rating}, nil)
}

func (c *ImBoxConversation) path(suffix string) string {
	return fmt.Sprintf("/%d/conversations/%s%s", c.SID, url.PathEscape(c.ID), suffix)
}

func (c *ImBoxConversation) timed(at time.Time, name, value string) map[string]any {
	body := map[string]any{name: value}
	if s := imboxTime(at); s != "" {
		body["at"] = s
	}
	return body
}

// call sends a control-plane request to /_emulator/imbox<path> in-process
// and decodes the answer into out (when not nil).
func (b *ImBox) call(t testing.TB, method, path string, body, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("testkit: imbox %s %s: %v", method, path, err)
	}
	req := httptest.NewRequest(method, "/_emulator/imbox"+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if b.s.adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+b.s.adminToken)
	}
	rec := httptest.NewRecorder()
	b.s.emu.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		t.Fatalf("testkit: imbox %s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("testkit: imbox %s %s: decoding %q: %v", method, path, rec.Body.String(), err)
		}
	}
}

func imboxTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
