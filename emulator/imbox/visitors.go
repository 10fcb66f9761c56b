package imbox

import (
	"github.com/chatemu/chatemu/internal/core"
)

// defaultTrafficType is a visitor's traffic type until the widget reports
// another: a visit without a referrer.
const defaultTrafficType = "Direct"

// resolvedVisitor is what is known about a conversation's visitor, with
// defaults and values derived from the messages filled in.
type resolvedVisitor struct {
	TrafficType, SEType, Browser, OS, City, Country, ExitPage string
	LastVisit                                                 string
}

func orEmpty(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// info resolves the visitor: explicit values first; else last_visit is the
// latest visitor message or visitorJoin (else the conversation's start) and
// exitPage the page of the latest visitorJoin.
func (c *conversation) info() resolvedVisitor {
	v := &c.Visitor
	last := c.Date
	if c.LastVisit != nil {
		last = *c.LastVisit
	}
	if v.LastVisit != nil {
		last = *v.LastVisit
	}
	return resolvedVisitor{
		TrafficType: orEmpty(v.TrafficType, defaultTrafficType), SEType: orEmpty(v.SEType, ""),
		Browser: orEmpty(v.Browser, ""), OS: orEmpty(v.OS, ""), City: orEmpty(v.City, ""),
		Country: orEmpty(v.Country, ""), ExitPage: orEmpty(v.ExitPage, c.LastPage), LastVisit: formatDate(last),
	}
}

// visitorInfoItem is the visitor as grabVisitorInfo shows it.
type visitorInfoItem struct {
	TrafficType string `json:"trafficType"`
	SEType      string `json:"se_type"`
	SID         int64  `json:"sid"`
	Channel     string `json:"conversationID"`
	LastVisit   string `json:"last_visit"`
	Browser     string `json:"browser"`
	OS          string `json:"os"`
	City        string `json:"user_city"`
	Country     string `json:"user_country"`
	ExitPage    string `json:"exitPage"`
}

func (c *conversation) visitorItem() visitorInfoItem {
	v := c.info()
	return visitorInfoItem{TrafficType: v.TrafficType, SEType: v.SEType, SID: c.SID, Channel: c.Channel,
		LastVisit: v.LastVisit, Browser: v.Browser, OS: v.OS, City: v.City, Country: v.Country, ExitPage: v.ExitPage}
}

// grabVisitorInfo implements "grabVisitorInfo": one item describing the
// conversation's visitor. As in the documentation's example, the envelope
// has no "length".
func (s *Service) grabVisitorInfo(req *core.Request) (*core.Response, error) {
	var out []visitorInfoItem
	err := s.withConversation(req, func(_ *model, c *conversation) error {
		out = append(out, c.visitorItem())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return successWithoutLength(out), nil
}

// tagItem is a tag as grabVisitorTags shows it.
type tagItem struct {
	SID     int64  `json:"sid"`
	Channel string `json:"conversationID"`
	Created string `json:"createdDate"`
	Tag     string `json:"tag"`
	Type    int    `json:"type"`
}

// grabVisitorTags implements "grabVisitorTags": the visitor's name (type
// 0, set by changeName) and regular tags (type 1), in the order they were
// first set.
func (s *Service) grabVisitorTags(req *core.Request) (*core.Response, error) {
	var out []tagItem
	err := s.withConversation(req, func(_ *model, c *conversation) error {
		for _, t := range c.Tags {
			out = append(out, tagItem{SID: c.SID, Channel: c.Channel, Created: formatDate(t.Created), Tag: t.Tag, Type: t.Type})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return success(out), nil
}

// labelItem is a label as grabVisitorLabels shows it: no "sid", as in the
// documentation's example.
type labelItem struct {
	Channel string `json:"conversationID"`
	Created string `json:"createdDate"`
	Label   string `json:"label"`
}

// grabVisitorLabels implements "grabVisitorLabels": the conversation's
// labels in the order they were set. As in the documentation's example,
// the envelope has no "length".
func (s *Service) grabVisitorLabels(req *core.Request) (*core.Response, error) {
	var out []labelItem
	err := s.withConversation(req, func(_ *model, c *conversation) error {
		for _, l := range c.Labels {
			out = append(out, labelItem{Channel: c.Channel, Created: formatDate(l.Created), Label: l.Label})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return successWithoutLength(out), nil
}

// cardItem is a card as grabVisitorCards shows it: "dataID" a string.
type cardItem struct {
	DataID  string `json:"dataID"`
	Data    string `json:"data"`
	SID     int64  `json:"sid"`
	Channel string `json:"conversationID"`
	Created string `json:"createdDate"`
	Updated string `json:"updatedDate"`
}

func (c *conversation) cardItem(k *card) cardItem {
	return cardItem{DataID: k.DataID, Data: k.Data, SID: c.SID, Channel: c.Channel,
		Created: formatDate(k.Created), Updated: formatDate(k.Updated)}
}

// grabVisitorCards implements "grabVisitorCards": what the widget stored
// with insertCard, one card per dataID in the order first inserted. As in
// the documentation's example, the envelope has no "length".
func (s *Service) grabVisitorCards(req *core.Request) (*core.Response, error) {
	var out []cardItem
	err := s.withConversation(req, func(_ *model, c *conversation) error {
		for i := range c.Cards {
			out = append(out, c.cardItem(&c.Cards[i]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return successWithoutLength(out), nil
}
