package imbox

import (
	"strconv"
	"strings"

	"github.com/chatemu/chatemu/emulator/core"
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

func (a *agent) item() agentItem {
	backOffice := "0"
	if a.BackOffice {
		backOffice = "1"
	}
	return agentItem{ID: a.ID, SID: a.SID, Name: a.Name, Email: a.Email, Picture: a.Picture,
		LastActive: formatDate(a.LastActive), Department: a.Department, BackOffice: backOffice,
		Groups: strings.Join(a.Groups, ",")}
}

// grabAgent implements "grabAgent": one agent of the account, in a
// one-item list. An id the account has no agent by is 404.
func (s *Service) grabAgent(req *core.Request) (*core.Response, error) {
	raw, err := pathVar(req, "agentId")
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, errInvalid("agentId", raw, "a number")
	}
	var a *agent
	err = s.deps.Store.View(func(tx *core.Tx) error {
		a, err = accountAgent(tx, sidOf(req), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errAgentNotFound(raw)
	}
	return success([]agentItem{a.item()}), nil
}

// grabAgents implements "grabAgents": every agent of the account by id.
func (s *Service) grabAgents(req *core.Request) (*core.Response, error) {
	var out []agentItem
	err := s.deps.Store.View(func(tx *core.Tx) error {
		return scanDocs(func(fn func(string, string) bool) error {
			return tx.ScanIndexEqual(idxAgentAccount, sidPivot(sidOf(req)), fn)
		}, func(a *agent) bool {
			out = append(out, a.item())
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return success(out), nil
}
