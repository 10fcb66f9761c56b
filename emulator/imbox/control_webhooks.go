package imbox

import (
	"net/http"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// This file is the control plane's side of ImBox's chat webhooks
// (docs/imbox.md, "Your endpoints"): configuring an account's webhook,
// which ImBox Customer Service does for a real account, and the visitor
// identification that sends visitorIdentification.

// deliver hands webhooks to the outbox of the control action r, sent once
// the action has been answered; outside the control plane they are
// submitted at once.
func (s *Service) deliver(r *http.Request, ds []outbound.Delivery) {
	s.deps.Outbound.Deliver(outbound.FromContext(r.Context()), ds...)
}

// webhookItem answers setWebhook and deleteWebhook: the account's
// configuration, all of it.
type webhookItem struct {
	SID     int64             `json:"sid"`
	URL     string            `json:"webhookUrl"`
	Secret  string            `json:"webhookSecret"`
	Headers map[string]string `json:"webhookHeaders"`
}

// setWebhook configures where an account's chat webhooks go
// (docs.imbox.io/integration/webhook: "To add a webhook in ImBox, please
// contact ImBox Customer Service"): PUT /_emulator/imbox/{sid}/webhook
// {"webhookUrl", "webhookSecret", "webhookHeaders"}, the fixture's account
// fields. The configuration is replaced whole; an empty webhookUrl turns
// the webhooks off.
func (s *Service) setWebhook(r *http.Request) (*core.Response, error) {
	var w webhookConfig
	if err := decodeBody(r, &w); err != nil {
		return nil, err
	}
	if problems := w.problems(""); len(problems) > 0 {
		reasons := make([]string, len(problems))
		for i, p := range problems {
			reasons[i] = strings.TrimPrefix(p.Path, "/") + ": " + p.Reason
		}
		return nil, errBadRequest("%s", strings.Join(reasons, "; "))
	}
	return s.putWebhook(r, w)
}

// deleteWebhook turns an account's webhooks off: DELETE
// /_emulator/imbox/{sid}/webhook.
func (s *Service) deleteWebhook(r *http.Request) (*core.Response, error) {
	return s.putWebhook(r, webhookConfig{})
}

func (s *Service) putWebhook(r *http.Request, w webhookConfig) (*core.Response, error) {
	var sid int64
	err := s.m.db.Update(func(tx *state.Tx) error {
		var err error
		if sid, err = deskAccount(s.m, r); err != nil {
			return err
		}
		acc, _ := s.m.accounts.Get(sid)
		acc.webhookConfig = w
		s.m.accounts.Put(tx, acc)
		return nil
	})
	if err := deskError(err); err != nil {
		return nil, err
	}
	headers := w.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	return core.OK(webhookItem{SID: sid, URL: w.URL, Secret: w.Secret, Headers: headers}), nil
}

// identificationItem answers identifyVisitor: the visitor, as webhooks
// name it, and who they were identified as.
type identificationItem struct {
	SID     int64          `json:"sid"`
	Channel string         `json:"conversationID"`
	Visitor webhookVisitor `json:"visitor"`
	User    identityUser   `json:"user"`
	Date    string         `json:"date"`
}

// identifyVisitor is the visitor identifying in the widget (BankID, in
// the documentation's example): POST .../conversations/{id}/identification
// {"personalNumber", "name", "givenName", "surname", "at"}, which sends
// visitorIdentification (docs.imbox.io/integration/webhook). name defaults
// to givenName and surname; identifying again replaces the identity.
func (s *Service) identifyVisitor(r *http.Request) (*core.Response, error) {
	var body struct {
		identityUser
		At string `json:"at"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	u := body.identityUser
	if strings.TrimSpace(u.PersonalNumber) == "" {
		return nil, errRequired("personalNumber")
	}
	if u.Name == "" {
		u.Name = strings.TrimSpace(u.GivenName + " " + u.Surname)
	}
	for _, f := range []struct{ name, value string }{{"personalNumber", u.PersonalNumber}, {"name", u.Name},
		{"givenName", u.GivenName}, {"surname", u.Surname}} {
		if err := checkLen(f.name, f.value, maxShortText); err != nil {
			return nil, err
		}
	}
	var hook []outbound.Delivery
	resp, err := s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
		at, err := s.deskTime(c, body.At)
		if err != nil {
			return nil, err
		}
		c.Identity = &identity{identityUser: u, Date: at}
		hook = s.m.webhooks(c.SID, identificationEvent(c, u, at), s.deps.Clock.Now())
		return core.OK(identificationItem{SID: c.SID, Channel: c.Channel, Visitor: webhookVisitor{ID: c.visitorID()},
			User: u, Date: formatDate(at)}), nil
	})
	if err == nil {
		s.deliver(r, hook)
	}
	return resp, err
}
