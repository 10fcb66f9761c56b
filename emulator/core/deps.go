package core

import "log/slog"

// Deps are the per-instance services a vendor package is built with.
type Deps struct {
	Store  *Store
	Clock  *Clock
	Random *Random
	Logger *slog.Logger
	// Journal lets a vendor record operations it runs inside one request
	// (the commands of a Bitrix24 batch) under their own names. Requests
	// themselves are journaled by Mount.
	Journal *Journal
}
