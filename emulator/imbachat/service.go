// Package imbachat emulates the ImbaChat HTTP API: v1 imba_rooms (create a
// room with members, add members) and the v2 widget API (get_users,
// get_rooms, get_messages, send_msg). See ../../../shared/spec/imbachat-api.en.txt
// in the project's documentation set and docs/fidelity.md for the decisions the
// vendor's pages leave open.
package imbachat

import (
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

const vendorName = "imbachat"

// Service is one emulator instance's ImbaChat: its routes over its model.
type Service struct {
	deps core.Deps
	m    *model
}

// New builds the ImbaChat service over an instance's log and clock, with
// an empty model.
func New(deps core.Deps) *Service { return &Service{deps: deps, m: newModel(deps.Log)} }

// Model implements core.ModeledVendor.
func (s *Service) Model() *state.DB { return s.m.db }

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
