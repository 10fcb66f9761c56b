// Package imbox emulates the ImBox chat export API: listConversations,
// grabConversation, the visitor grabs (info, tags, labels, cards), grabAgent,
// grabAgents, chatStatistics (JSON and CSV, computed from the stored
// conversations) and pageFilters, all GET under /message/ with the API key
// and the userId in the path. Data the real API cannot create (a visitor
// chatting in the widget, an agent answering, tags, labels, cards, ratings)
// is shaped through control-plane routes under /_emulator/imbox/; visitor
// and agent messages and visitor identifications made there are POSTed as
// chat webhooks to the account's webhookUrl through the delivery engine.
// The decisions the vendor's pages leave open are in docs/fidelity.md,
// "ImBox".
package imbox

import (
	"encoding/json"
	"regexp"
	"sync"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"

	// IANA zones for chatStatistics' timezone parameter in images without
	// zoneinfo (the container is FROM scratch).
	_ "time/tzdata"
)

const vendorName = "imbox"

// Service is one emulator instance's ImBox: its routes over its model.
type Service struct {
	deps core.Deps
	m    *model
	// regexps caches compiled "regex" page filters by pattern.
	regexps sync.Map
}

// New builds the ImBox service over an instance's log and clock.
func New(deps core.Deps) *Service {
	return &Service{deps: deps, m: newModel(deps.Log)}
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

// Model implements core.ModeledVendor.
func (s *Service) Model() *state.DB { return s.m.db }

// ApplyFixtures implements core.ModeledVendor.
func (s *Service) ApplyFixtures(tx *state.Tx, section json.RawMessage) error {
	return s.m.applyFixtures(tx, section)
}

// view runs fn with the model locked for reading.
func (s *Service) view(fn func(m *model) error) error {
	return s.m.db.View(func() error { return fn(s.m) })
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
