package core

import "log/slog"

// Deps are the per-instance services a vendor package is built with.
type Deps struct {
	Store  *Store
	Clock  *Clock
	Random *Random
	Logger *slog.Logger
}
