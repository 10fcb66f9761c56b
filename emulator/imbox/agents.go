package imbox

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/internal/core"
)

// agentItem is an agent as grabAgent and grabAgents show it: "isBackOffice"
// the string "0" or "1", "groups" one comma-joined string.
type agentItem struct {
	ID         int64  `json:"agentID"`
	SID        int64  `json:"sid"`
	Name       string `json:"agentName"`
	Email      string `json:"agentEmail"`
	Picture    string `json:"agentPicture"`
	LastActive string `json:"agentLastActive"`
	Department string `json:"department"`
	BackOffice string `json:"isBackOffice"`
	Groups     string `json:"groups"`
}

// item renders a stored agent; the model keeps it rendered and encoded
// (encodeItem) beside the account's agent list.
func (a *agent) item() agentItem {
	it := agentItem{ID: a.ID, SID: a.SID, Name: a.Name, Email: a.Email, Picture: a.Picture,
		LastActive: formatDate(a.LastActive), Department: a.Department, BackOffice: "0",
		Groups: strings.Join(a.Groups, ",")}
	if a.BackOffice {
		it.BackOffice = "1"
	}
	return it
}

// grabAgent implements "grabAgent": one agent of the account, in a
// one-item list without "length", as in the documentation's example. An id
// the account has no agent by is 404.
func (s *Service) grabAgent(req *core.Request) (*core.Response, error) {
	raw, err := pathVar(req, "agentId")
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, errInvalid("agentId", raw, "a number")
	}
	var out encodedItems
	_ = s.view(func(m *model) error {
		if item, found := m.agentItem(sidOf(req), id); found {
			out.add(item)
		}
		return nil
	})
	if out.n == 0 {
		return nil, errAgentNotFound(raw)
	}
	return out.response(false), nil
}

// grabAgents implements "grabAgents": every agent of the account by id.
func (s *Service) grabAgents(req *core.Request) (*core.Response, error) {
	var out encodedItems
	_ = s.view(func(m *model) error {
		size := 0
		m.eachAgentItem(sidOf(req), func(item json.RawMessage) { size += len(item) + 1 })
		out.grow(size)
		m.eachAgentItem(sidOf(req), out.add)
		return nil
	})
	return out.response(true), nil
}

// encodeItem encodes an item as answers encode it (no HTML escapes), to be
// placed in an answer as it is.
func encodeItem(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // items are plain values: they always encode
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
