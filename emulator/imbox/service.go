// Package imbox emulates the ImBox chat export API: listConversations,
// grabConversation, the visitor grabs (info, tags, labels, cards), grabAgent,
// grabAgents, chatStatistics (JSON and CSV, computed from the stored
// conversations) and pageFilters, all GET under /message/ with the API key
// and the userId in the path. Data the real API cannot create (a visitor
// chatting in the widget, an agent answering, tags, labels, cards, ratings)
// is shaped through control-plane routes under /_emulator/imbox/. The
// decisions the vendor's page leaves open are in docs/fidelity.md, "ImBox".
package imbox

import (
	"encoding/json"
	"regexp"
	"sync"

	"github.com/chatemu/chatemu/emulator/core"

	// IANA zones for chatStatistics' timezone parameter in images without
	// zoneinfo (the container is FROM scratch).
	_ "time/tzdata"
)

const vendorName = "imbox"

// Service is one emulator instance's ImBox: its routes over shared state.
type Service struct {
	deps core.Deps
	// regexps caches compiled "regex" page filters by pattern.
	regexps sync.Map
	// accounts caches the account of an API key (nil: none) until the
	// next write; every request looks it up.
	accounts *core.Lookups[string, *authed]
	// agentLists caches grabAgents' encoded answer per account until the
	// next write: clients poll it, and it depends on stored agents only.
	agentLists *core.Lookups[int64, []byte]
}

// New builds the ImBox service over an instance's store and clock.
func New(deps core.Deps) *Service {
	return &Service{deps: deps,
		accounts:   core.NewLookups[string, *authed](deps.Store, 64),
		agentLists: core.NewLookups[int64, []byte](deps.Store, 64)}
}

// Name implements core.Vendor.
func (s *Service) Name() string { return vendorName }

// PathPrefix implements core.Vendor.
func (s *Service) PathPrefix() string { return "/message/" }

// DecodeOptions implements core.Vendor: a key sent more than once
// (pageFilterId=1&pageFilterId=2) is a list, as the ImBox docs encode arrays.
func (s *Service) DecodeOptions() core.DecodeOptions {
	return core.DecodeOptions{RepeatedAsList: true}
}

// RenderError implements core.Vendor.
func (s *Service) RenderError(req *core.Request, e *core.APIError) *core.Response {
	return renderError(req, e)
}

// Indexes implements core.Vendor.
func (s *Service) Indexes() []core.Index { return indexes() }

// ApplyFixtures implements core.Vendor.
func (s *Service) ApplyFixtures(tx *core.Tx, section json.RawMessage) error {
	return applyFixtures(tx, section)
}

// compiled returns the compiled pattern of a "regex" page filter; patterns
// are checked when stored, so an error here means a corrupt store.
func (s *Service) compiled(pattern string) (*regexp.Regexp, error) {
	if re, ok := s.regexps.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	s.regexps.Store(pattern, re)
	return re, nil
}
