package core

import (
	"log/slog"

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
}
