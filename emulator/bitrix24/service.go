// Package bitrix24 emulates the Bitrix24 REST API as a chat-bot application
// sees it: incoming webhooks (/rest/{user}/{code}/{method}) and OAuth
// applications (/rest/{method} with an access token), the imbot.chat.*
// methods with imbot.dialog.get, the Open Channels methods imopenlines.*,
// batch, the per-portal request limit and the OAuth token refresh. See the
// vendor pages bitrix24-imbot-chat.txt and bitrix24-imopenlines.txt of the
// project's documentation set, and docs/fidelity.md ("Bitrix24") for the
// decisions the pages leave open.
//
// Several portals may be defined; each is a tenant ("portal:<name>") with
// its own users, bots, chats, open lines, sessions and id sequences.
package bitrix24

import (
	"encoding/json"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

const vendorName = "bitrix24"

// Service is one emulator instance's Bitrix24: its routes over its model.
type Service struct {
	deps    core.Deps
	m       *model
	methods map[string]*method     // by lower-case method name
	routes  map[string]*core.Route // the methods' routes, by the same names
}

// New builds the Bitrix24 service over an instance's log and clock.
func New(deps core.Deps) *Service {
	s := &Service{deps: deps, m: newModel(deps.Log)}
	s.methods = map[string]*method{}
	for _, m := range s.methodTable() {
		m.call = s.metered(m, m.call)
		s.methods[m.name] = m
	}
	s.routes = s.methodRoutes()
	return s
}

// Name implements core.Vendor.
func (s *Service) Name() string { return vendorName }

// PathPrefix implements core.Vendor.
func (s *Service) PathPrefix() string { return "/rest" }

// DecodeOptions implements core.Vendor: PHP-style parameters; a body that
// does not parse is dropped, as Bitrix24 treats a broken JSON body as empty.
func (s *Service) DecodeOptions() core.DecodeOptions {
	return core.DecodeOptions{IgnoreMalformedBody: true}
}

// RenderError implements core.Vendor.
func (s *Service) RenderError(req *core.Request, e *core.APIError) *core.Response {
	return renderError(req, e)
}

// Model implements core.Vendor.
func (s *Service) Model() *state.DB { return s.m.db }

// ApplyFixtures implements core.Vendor.
func (s *Service) ApplyFixtures(tx *state.Tx, section json.RawMessage) error {
	if err := s.applyFixtures(tx, section); err != nil {
		return err
	}
	return s.applyOperatingFixtures(tx, section)
}
