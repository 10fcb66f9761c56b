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
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
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
func deskAccount(m *model, r *http.Request) (int64, error) {
	raw, err := deskVar(r, "sid")
	if err != nil {
		return 0, err
	}
	sid, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, errInvalid("sid", raw, "a number")
	}
	if !m.hasAccount(sid) {
		return 0, core.VendorError(http.StatusNotFound, codeNotFound, fmt.Sprintf("Account sid %d not found", sid))
	}
	return sid, nil
}

// deskChange runs fn on a copy of the conversation a control path names,
// in one write, and stores the conversation afterwards. The copy's lists
// are its own: fn may change them in place.
func (s *Service) deskChange(r *http.Request, fn func(tx *state.Tx, c *conversation) (*core.Response, error)) (*core.Response, error) {
	var resp *core.Response
	err := s.m.db.Update(func(tx *state.Tx) error {
		sid, err := deskAccount(s.m, r)
		if err != nil {
			return err
		}
		id, err := deskVar(r, "conversationId")
		if err != nil {
			return err
		}
		c, ok := s.m.conversationByChannel(sid, id)
		if !ok {
			return errConversationNotFound(id)
		}
		c.own()
		if resp, err = fn(tx, &c); err != nil {
			return err
		}
		s.m.conversations.Put(tx, c)
		return nil
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

// visitorField is one text field of the visitor's details, with its name
// in grabVisitorInfo and its bound.
type visitorField struct {
	name  string
	value **string
	max   int
}

// fields lists the visitor's text fields.
func (v *visitorInfo) fields() []visitorField {
	return []visitorField{{"trafficType", &v.TrafficType, maxShortText}, {"se_type", &v.SEType, maxShortText},
		{"browser", &v.Browser, maxShortText}, {"os", &v.OS, maxShortText}, {"user_city", &v.City, maxShortText},
		{"user_country", &v.Country, maxShortText}, {"exitPage", &v.ExitPage, maxPage}}
}

func (p *visitorPatch) apply(v *visitorInfo) error {
	patches := []*patchString{&p.TrafficType, &p.SEType, &p.Browser, &p.OS, &p.City, &p.Country, &p.ExitPage}
	for i, f := range v.fields() {
		if patch := patches[i]; patch.set {
			if patch.value != nil {
				if err := checkLen(f.name, *patch.value, f.max); err != nil {
					return err
				}
			}
			*f.value = patch.value
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

// ControlRoutes implements core.ControlProvider: what the ImBox widget and
// agent desk do, mounted under /_emulator/imbox (docs/imbox.md).
func (s *Service) ControlRoutes() []core.ControlRoute {
	post, put, patch := []string{http.MethodPost}, []string{http.MethodPut}, []string{http.MethodPatch}
	const conv = "/{sid}/conversations/{conversationId}"
	return append([]core.ControlRoute{
		{Name: "startConversation", Methods: post, Path: "/{sid}/conversations", Handler: s.startConversation},
		{Name: "postMessage", Methods: post, Path: conv + "/messages", Handler: s.postMessage},
		{Name: "visit", Methods: post, Path: conv + "/visits", Handler: s.visit},
		{Name: "setVisitorInfo", Methods: patch, Path: conv + "/visitor", Handler: s.setVisitorInfo},
		{Name: "addTag", Methods: post, Path: conv + "/tags", Handler: s.addTag},
		{Name: "changeName", Methods: put, Path: conv + "/name", Handler: s.changeName},
		{Name: "addLabel", Methods: post, Path: conv + "/labels", Handler: s.addLabel},
		{Name: "insertCard", Methods: post, Path: conv + "/cards", Handler: s.insertCard},
		{Name: "rate", Methods: put, Path: conv + "/rating", Handler: s.rate},
		{Name: "identifyVisitor", Methods: post, Path: conv + "/identification", Handler: s.identifyVisitor},
		{Name: "setWebhook", Methods: put, Path: "/{sid}/webhook", Handler: s.setWebhook},
		{Name: "deleteWebhook", Methods: []string{http.MethodDelete}, Path: "/{sid}/webhook", Handler: s.deleteWebhook},
	}, s.viewRoutes()...)
}
