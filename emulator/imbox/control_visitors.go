package imbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// setVisitorInfo is the widget reporting the visitor: PATCH
// .../conversations/{id}/visitor with any of grabVisitorInfo's fields;
// null returns a field to its default.
func (s *Service) setVisitorInfo(r *http.Request) (*core.Response, error) {
	var body visitorPatch
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
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
	if err := checkLen("tag", body.Tag, maxShortText); err != nil {
		return nil, err
	}
	if err := checkListText("tag", body.Tag); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
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
	if err := checkLen("name", body.Name, maxShortText); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
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
	if err := checkLen("label", body.Label, maxShortText); err != nil {
		return nil, err
	}
	if err := checkListText("label", body.Label); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
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
	if err := checkLen("dataID", body.DataID, maxShortText); err != nil {
		return nil, err
	}
	if err := checkLen("data", body.Data, maxLongText); err != nil {
		return nil, err
	}
	return s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
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
	return s.deskChange(r, func(_ *state.Tx, c *conversation) (*core.Response, error) {
		c.Rating = rating
		return core.OK(ratingItem{Channel: c.Channel, Rating: c.Rating}), nil
	})
}
