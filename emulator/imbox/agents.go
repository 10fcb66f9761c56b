package imbox

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
	"github.com/tidwall/gjson"
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

// agentItems keeps rendered agents by their stored text, for every
// instance of the process (the same text renders the same item): grabAgents
// and grabAgent are hot read paths. It holds at most maxAgentItems, then
// starts again empty.
var agentItems struct {
	sync.RWMutex
	m map[string]agentItem
}

const maxAgentItems = 1024

// agentItemOf renders a stored agent document (see renderAgentItem),
// once per version of the document.
func agentItemOf(raw string) agentItem {
	agentItems.RLock()
	it, ok := agentItems.m[raw]
	agentItems.RUnlock()
	if ok {
		return it // a value without references: the caller's own copy
	}
	it = renderAgentItem(raw)
	agentItems.Lock()
	if agentItems.m == nil || len(agentItems.m) >= maxAgentItems {
		agentItems.m = make(map[string]agentItem, 64)
	}
	agentItems.m[raw] = it
	agentItems.Unlock()
	return it
}

// renderAgentItem renders a stored agent document without decoding it
// whole; it reads the fields of the agent type.
func renderAgentItem(raw string) agentItem {
	f := gjson.GetMany(raw, "agentID", "sid", "agentName", "agentEmail", "agentPicture", "agentLastActive",
		"department", "isBackOffice", "groups")
	it := agentItem{ID: f[0].Int(), SID: f[1].Int(), Name: f[2].Str, Email: f[3].Str, Picture: f[4].Str,
		Department: f[6].Str, BackOffice: "0"}
	if last, err := time.Parse(time.RFC3339Nano, f[5].Str); err == nil {
		it.LastActive = formatDate(last)
	}
	if f[7].Bool() {
		it.BackOffice = "1"
	}
	var groups strings.Builder
	for i, g := range f[8].Array() {
		if i > 0 {
			groups.WriteByte(',')
		}
		groups.WriteString(g.Str)
	}
	it.Groups = groups.String()
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
	var out []agentItem
	err = s.deps.Store.View(func(tx *core.Tx) error {
		return tx.Scan(agentKey(id), func(_, raw string) bool {
			if it := agentItemOf(raw); it.SID == sidOf(req) {
				out = append(out, it)
			}
			return false
		})
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errAgentNotFound(raw)
	}
	return successWithoutLength(out), nil
}

// grabAgents implements "grabAgents": every agent of the account by id.
// The answer is encoded once per account and store generation.
func (s *Service) grabAgents(req *core.Request) (*core.Response, error) {
	body, err := s.agentLists.Get(sidOf(req), encodeAgentList)
	if err != nil {
		return nil, err
	}
	return core.EncodedJSON(http.StatusOK, body), nil
}

// encodeAgentList is grabAgents' answer for the account sid.
func encodeAgentList(tx *core.Tx, sid int64) ([]byte, error) {
	var out []agentItem
	err := tx.ScanIndexEqual(idxAgentAccount, string(sidPivot(sid)), func(_, raw string) bool {
		out = append(out, agentItemOf(raw))
		return true
	})
	if err != nil {
		return nil, err
	}
	body, _, err := success(out).Encode()
	return body, err
}
