package imbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
	"github.com/gorilla/mux"
)

// This file is the widget and the agent desk: control-plane actions that
// create the data the read-only export API serves (docs/imbox.md, "Shaping
// data"). Every "at" is an RFC 3339 time and defaults to the emulator
// clock; nothing may be dated before its conversation's start.

// maxDeskBody caps a control-plane body.
const maxDeskBody = 1 << 20

// decodeBody reads a JSON object body strictly: unknown fields are refused
// so that a misspelt field fails instead of being ignored.
func decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxDeskBody+1))
	if err != nil {
		return errBadRequest("reading the body: %v", err)
	}
	if len(data) > maxDeskBody {
		return core.VendorError(http.StatusRequestEntityTooLarge, codeBadRequest, fmt.Sprintf("the body exceeds %d bytes", maxDeskBody))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errBadRequest("malformed JSON body: %s must be %s, got %s", te.Field, jsonKind(te.Type), te.Value)
		}
		return errBadRequest("malformed JSON body: %v", err)
	}
	if dec.More() {
		return errBadRequest("malformed JSON body: unexpected data after the object")
	}
	return nil
}

// jsonKind names what a Go type takes in JSON.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a " + t.Kind().String()
}

// deskVar returns a control path variable, percent-decoded.
func deskVar(r *http.Request, name string) (string, error) {
	raw := mux.Vars(r)[name]
	v, err := url.PathUnescape(raw)
	if err != nil {
		return "", errInvalid(name, raw, "a valid percent-encoded path segment")
	}
	return v, nil
}

// deskAccount reads {sid} and checks the account exists.
func deskAccount(tx *core.Tx, r *http.Request) (int64, error) {
	raw, err := deskVar(r, "sid")
	if err != nil {
		return 0, err
	}
	sid, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, errInvalid("sid", raw, "a number")
	}
	var a account
	found, err := tx.Get(accountKey(sid), &a)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, core.VendorError(http.StatusNotFound, codeNotFound, fmt.Sprintf("Account sid %d not found", sid))
	}
	return sid, nil
}

// deskChange runs fn on the conversation a control path names, in one
// write transaction, and stores the conversation afterwards.
func (s *Service) deskChange(r *http.Request, fn func(tx *core.Tx, c *conversation) (*core.Response, error)) (*core.Response, error) {
	var resp *core.Response
	err := s.deps.Store.Update(func(tx *core.Tx) error {
		sid, err := deskAccount(tx, r)
		if err != nil {
			return err
		}
		id, err := deskVar(r, "conversationId")
		if err != nil {
			return err
		}
		c, err := conversationByChannel(tx, sid, id)
		if err != nil {
			return err
		}
		if c == nil {
			return errConversationNotFound(id)
		}
		if resp, err = fn(tx, c); err != nil {
			return err
		}
		return tx.Put(conversationKey(c.ID), c)
	})
	return resp, deskError(err)
}

// deskError keeps API errors and validation problems as they are and turns
// anything else (a store failure) into an internal error.
func deskError(err error) error {
	var ae *core.APIError
	if err == nil || errors.As(err, &ae) {
		return err
	}
	return core.Internal(err)
}

// deskTime parses an "at" and refuses one before the conversation started.
func (s *Service) deskTime(c *conversation, at string) (time.Time, error) {
	t, err := parseControlTime("at", at, s.deps.Clock.Now())
	if err != nil {
		return t, err
	}
	if c != nil && t.Before(c.Date) {
		return t, errBadRequest("at %s is before the conversation's start %s", formatDate(t), formatDate(c.Date))
	}
	return t, nil
}

// patchString is a JSON field that may be absent (keep), null (unset) or a
// string (set).
type patchString struct {
	set   bool
	value *string
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *patchString) UnmarshalJSON(b []byte) error {
	p.set = true
	if string(b) == "null" {
		p.value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p.value = &s
	return nil
}

// visitorPatch is what the widget reports about a visitor, in
// grabVisitorInfo's names.
type visitorPatch struct {
	TrafficType patchString `json:"trafficType"`
	SEType      patchString `json:"se_type"`
	LastVisit   patchString `json:"last_visit"`
	Browser     patchString `json:"browser"`
	OS          patchString `json:"os"`
	City        patchString `json:"user_city"`
	Country     patchString `json:"user_country"`
	ExitPage    patchString `json:"exitPage"`
}

func (p *visitorPatch) apply(v *visitorInfo) error {
	for _, f := range []struct {
		patch *patchString
		dst   **string
	}{{&p.TrafficType, &v.TrafficType}, {&p.SEType, &v.SEType}, {&p.Browser, &v.Browser}, {&p.OS, &v.OS},
		{&p.City, &v.City}, {&p.Country, &v.Country}, {&p.ExitPage, &v.ExitPage}} {
		if f.patch.set {
			*f.dst = f.patch.value
		}
	}
	if p.LastVisit.set {
		v.LastVisit = nil
		if p.LastVisit.value != nil {
			t, err := time.Parse(time.RFC3339Nano, *p.LastVisit.value)
			if err != nil {
				return errInvalid("last_visit", *p.LastVisit.value, "an RFC 3339 time such as 2020-01-01T00:00:00.000Z")
			}
			t = instant(t)
			v.LastVisit = &t
		}
	}
	return nil
}

// startConversation is the widget opening a chat: POST
// /_emulator/imbox/{sid}/conversations {"conversationID", "at", "page",
// "visitor"}. Without an id one is generated ("V" and 20 digits); with a
// page, the visitor joins from it (a visitorJoin system message).
func (s *Service) startConversation(r *http.Request) (*core.Response, error) {
	var body struct {
		ConversationID string       `json:"conversationID"`
		At             string       `json:"at"`
		Page           string       `json:"page"`
		Visitor        visitorPatch `json:"visitor"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	at, err := s.deskTime(nil, body.At)
	if err != nil {
		return nil, err
	}
	if id := body.ConversationID; id != "" && (len(id) > 100 || strings.ContainsAny(id, "/?#% \t\r\n")) {
		return nil, errInvalid("conversationID", id, "up to 100 characters without /, ?, #, % or white space")
	}
	var c *conversation
	err = s.deps.Store.Update(func(tx *core.Tx) error {
		sid, err := deskAccount(tx, r)
		if err != nil {
			return err
		}
		id := body.ConversationID
		if id == "" {
			if id, err = s.newChannel(tx, sid); err != nil {
				return err
			}
		} else if existing, err := conversationByChannel(tx, sid, id); err != nil {
			return err
		} else if existing != nil {
			return errConflict("Conversation %s already exists", id)
		}
		c, err = replaceConversation(tx, sid, id)
		if err != nil {
			return err
		}
		c.Date, c.DateMs = at, at.UnixMilli()
		if err := body.Visitor.apply(&c.Visitor); err != nil {
			return err
		}
		if body.Page != "" {
			if _, err := s.addMessage(tx, c, systemMessage(visitorJoin, body.Page), nil, at); err != nil {
				return err
			}
		}
		return tx.Put(conversationKey(c.ID), c)
	})
	if err := deskError(err); err != nil {
		return nil, err
	}
	return core.JSON(http.StatusCreated, c.item()), nil
}

// newChannel draws an unused conversation id: "V" and 20 digits, like the
// documentation's V18751500044654323221 (too big for a 64-bit integer).
func (s *Service) newChannel(tx *core.Tx, sid int64) (string, error) {
	for {
		var b strings.Builder
		b.WriteByte('V')
		b.WriteByte(byte('1' + s.deps.Random.IntN(9)))
		for i := 0; i < 19; i++ {
			b.WriteByte(byte('0' + s.deps.Random.IntN(10)))
		}
		existing, err := conversationByChannel(tx, sid, b.String())
		if err != nil || existing == nil {
			return b.String(), err
		}
	}
}

// systemMessage encodes a system event the way ImBox stores it: a
// JSON-encoded string, URLs unescaped.
func systemMessage(kind, page string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(systemEvent{Type: kind, CurrentPage: page})
	return strings.TrimSuffix(buf.String(), "\n")
}

// addMessage records a message from agentID (nil: the system) in c.
func (s *Service) addMessage(tx *core.Tx, c *conversation, text string, agentID *int64, at time.Time) (*message, error) {
	id, err := tx.NextID(seqName(kindMessage))
	if err != nil {
		return nil, err
	}
	m := &message{ID: id, SID: c.SID, Conversation: c.ID, Channel: c.Channel, Text: text, Date: at, AgentID: agentID, From: "system"}
	switch {
	case m.fromVisitor():
		m.From = c.Channel
	case m.fromAgent():
		a, err := accountAgent(tx, c.SID, *agentID)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, errAgentNotFound(strconv.FormatInt(*agentID, 10))
		}
		m.From = a.DisplayName
		if err := touchAgent(tx, a, at); err != nil {
			return nil, err
		}
	}
	return m, recordMessage(tx, c, m)
}

// Senders of a posted message.
const (
	senderVisitor = "visitor"
	senderAgent   = "agent"
	senderSystem  = "system"
)

// postMessage is a visitor writing in the widget, an agent answering from
// the desk, or a system event: POST .../conversations/{id}/messages
// {"sender": "visitor"|"agent"|"system", "agentID", "message", "event", "at"}.
func (s *Service) postMessage(r *http.Request) (*core.Response, error) {
	var body struct {
		Sender  string          `json:"sender"`
		AgentID int64           `json:"agentID"`
		Message string          `json:"message"`
		Event   json.RawMessage `json:"event"`
		At      string          `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	var agentID *int64
	text := body.Message
	switch body.Sender {
	case senderVisitor, senderAgent:
		if strings.TrimSpace(text) == "" {
			return nil, errRequired("message")
		}
		if len(body.Event) > 0 {
			return nil, errBadRequest("event is for system messages only")
		}
		id := int64(0)
		if body.Sender == senderAgent {
			if body.AgentID <= 0 {
				return nil, errRequired("agentID")
			}
			id = body.AgentID
		} else if body.AgentID != 0 {
			return nil, errBadRequest("agentID is for agent messages only")
		}
		agentID = &id
	case senderSystem:
		if text != "" || body.AgentID != 0 {
			return nil, errBadRequest("a system message takes an event object, not message or agentID")
		}
		var err error
		if text, err = eventText(body.Event); err != nil {
			return nil, err
		}
	default:
		return nil, errInvalid("sender", body.Sender, "visitor, agent or system")
	}
	var m *message
	resp, err := s.deskChange(r, func(tx *core.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		if m, err = s.addMessage(tx, c, text, agentID, at); err != nil {
			return nil, err
		}
		return core.JSON(http.StatusCreated, m.item()), nil
	})
	return resp, err
}

// eventText checks a system event (an object with a string "type"; a
// visitorJoin's currentPage a string) and keeps it compact, in the order
// it was sent.
func eventText(raw json.RawMessage) (string, error) {
	var ev map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &ev) != nil || ev == nil {
		return "", errBadRequest(`event must be an object such as {"type":"visitorJoin","currentPage":"https://example.org/"}`)
	}
	if t, ok := ev["type"].(string); !ok || t == "" {
		return "", errRequired("event.type")
	} else if _, isString := ev["currentPage"].(string); t == visitorJoin && !isString {
		return "", errBadRequest("a visitorJoin event needs a currentPage string")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", errBadRequest("event: %v", err)
	}
	return buf.String(), nil
}

// visit is the visitor (re)joining the chat from a page: POST
// .../conversations/{id}/visits {"page", "at"}, a visitorJoin system
// message. Page filters match these pages.
func (s *Service) visit(r *http.Request) (*core.Response, error) {
	var body struct {
		Page string `json:"page"`
		At   string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.Page) == "" {
		return nil, errRequired("page")
	}
	return s.deskChange(r, func(tx *core.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		m, err := s.addMessage(tx, c, systemMessage(visitorJoin, body.Page), nil, at)
		if err != nil {
			return nil, err
		}
		return core.JSON(http.StatusCreated, m.item()), nil
	})
}

// setVisitorInfo is the widget reporting the visitor: PATCH
// .../conversations/{id}/visitor with any of grabVisitorInfo's fields;
// null returns a field to its default.
func (s *Service) setVisitorInfo(r *http.Request) (*core.Response, error) {
	var body visitorPatch
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *core.Tx, c *conversation) (*core.Response, error) {
		if err := body.apply(&c.Visitor); err != nil {
			return nil, err
		}
		return core.OK(c.visitorItem()), nil
	})
}

// addTag is an agent tagging the visitor: POST .../conversations/{id}/tags
// {"tag", "at"}, a type 1 tag. A tag the conversation has is kept as it is
// (200); a new one is 201.
func (s *Service) addTag(r *http.Request) (*core.Response, error) {
	var body struct {
		Tag string `json:"tag"`
		At  string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if err := checkListText("tag", body.Tag); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *core.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		for _, t := range c.Tags {
			if t.Type == tagRegular && t.Tag == body.Tag {
				return core.OK(tagItem{SID: c.SID, Channel: c.Channel, Created: formatDate(t.Created), Tag: t.Tag, Type: t.Type}), nil
			}
		}
		c.Tags = append(c.Tags, tag{Tag: body.Tag, Type: tagRegular, Created: at})
		return core.JSON(http.StatusCreated, tagItem{SID: c.SID, Channel: c.Channel, Created: formatDate(at), Tag: body.Tag, Type: tagRegular}), nil
	})
}

// changeName is the widget's changeName: PUT .../conversations/{id}/name
// {"name", "at"} sets the visitor's name, the one type 0 tag (created, or
// renamed with createdDate moved to at).
func (s *Service) changeName(r *http.Request) (*core.Response, error) {
	var body struct {
		Name string `json:"name"`
		At   string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.Name) == "" {
		return nil, errRequired("name")
	}
	return s.deskChange(r, func(_ *core.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		named := tag{Tag: body.Name, Type: tagName, Created: at}
		replaced := false
		for i := range c.Tags {
			if c.Tags[i].Type == tagName {
				c.Tags[i], replaced = named, true
			}
		}
		if !replaced {
			c.Tags = append(c.Tags, named)
		}
		return core.OK(tagItem{SID: c.SID, Channel: c.Channel, Created: formatDate(at), Tag: body.Name, Type: tagName}), nil
	})
}

// addLabel is an agent labelling the conversation: POST
// .../conversations/{id}/labels {"label", "at"}. A label the conversation
// has is kept as it is (200); a new one is 201.
func (s *Service) addLabel(r *http.Request) (*core.Response, error) {
	var body struct {
		Label string `json:"label"`
		At    string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if err := checkListText("label", body.Label); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *core.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		for _, l := range c.Labels {
			if l.Label == body.Label {
				return core.OK(labelItem{Channel: c.Channel, Created: formatDate(l.Created), Label: l.Label}), nil
			}
		}
		c.Labels = append(c.Labels, label{Label: body.Label, Created: at})
		return core.JSON(http.StatusCreated, labelItem{Channel: c.Channel, Created: formatDate(at), Label: body.Label}), nil
	})
}

// insertCard is the widget's insertCard: POST .../conversations/{id}/cards
// {"dataID", "data", "at"}. A new dataID is a new card (201); a known one
// gets the new data and updatedDate (200), its createdDate kept.
func (s *Service) insertCard(r *http.Request) (*core.Response, error) {
	var body struct {
		DataID string `json:"dataID"`
		Data   string `json:"data"`
		At     string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.DataID == "" {
		return nil, errRequired("dataID")
	}
	return s.deskChange(r, func(_ *core.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		for i := range c.Cards {
			k := &c.Cards[i]
			if k.DataID != body.DataID {
				continue
			}
			if at.Before(k.Created) {
				return nil, errBadRequest("at %s is before card %s was created (%s)", formatDate(at), k.DataID, formatDate(k.Created))
			}
			k.Data, k.Updated = body.Data, at
			return core.OK(c.cardItem(k)), nil
		}
		c.Cards = append(c.Cards, card{DataID: body.DataID, Data: body.Data, Created: at, Updated: at})
		return core.JSON(http.StatusCreated, c.cardItem(&c.Cards[len(c.Cards)-1])), nil
	})
}

// ratingItem answers rate.
type ratingItem struct {
	Channel string `json:"conversationID"`
	Rating  *int   `json:"rating"`
}

// rate is the visitor rating the chat: PUT .../conversations/{id}/rating
// {"rating": 1..5}; null removes the rating.
func (s *Service) rate(r *http.Request) (*core.Response, error) {
	var body struct {
		Rating json.RawMessage `json:"rating"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	var rating *int
	switch raw := string(body.Rating); raw {
	case "":
		return nil, errRequired("rating")
	case "null":
	default:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 5 {
			return nil, errInvalid("rating", raw, "a whole number from 1 to 5, or null")
		}
		rating = &n
	}
	return s.deskChange(r, func(_ *core.Tx, c *conversation) (*core.Response, error) {
		c.Rating = rating
		return core.OK(ratingItem{Channel: c.Channel, Rating: c.Rating}), nil
	})
}
