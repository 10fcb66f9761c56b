// Package imbachat emulates the ImbaChat HTTP API: v1 imba_rooms (create a
// room with members, add members) and the v2 widget API (get_users,
// get_rooms, get_messages, send_msg). See ../../../shared/spec/imbachat-api.en.txt
// in the project's documentation set and docs/fidelity.md for the decisions the
// vendor's pages leave open.
package imbachat

import (
	"encoding/json"

	"github.com/chatemu/chatemu/emulator/core"
)

const vendorName = "imbachat"

// Service is one emulator instance's ImbaChat: its routes over shared state.
type Service struct {
	deps core.Deps
}

// New builds the ImbaChat service over an instance's store and clock.
func New(deps core.Deps) *Service { return &Service{deps: deps} }

// Name implements core.Vendor.
func (s *Service) Name() string { return vendorName }

// PathPrefix implements core.Vendor.
func (s *Service) PathPrefix() string { return "/imbachat" }

// DecodeOptions implements core.Vendor: PHP-style form decoding.
func (s *Service) DecodeOptions() core.DecodeOptions { return core.DecodeOptions{} }

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
