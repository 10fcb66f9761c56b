package core

import (
	"log/slog"

	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
)

// Deps are the per-instance services a vendor package is built with.
type Deps struct {
	// Log is the durable log the vendor's model appends its changes to.
	Log    *state.Log
	Clock  *Clock
	Random *Random
	Logger *slog.Logger
	// Journal lets a vendor record operations it runs inside one request
	// (the commands of a Bitrix24 batch) under their own names. Requests
	// themselves are journaled by Mount.
	Journal *Journal
	// Outbound sends what the vendor calls on the system under test (bot
	// events, webhooks, callbacks). Deliveries a request causes go to its
	// Request.Outbox; control-plane actions find theirs with
	// outbound.FromContext; anything else submits here directly.
	Outbound *outbound.Engine
}
