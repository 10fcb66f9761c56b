//go:build !unix

package state

import "os"

// lockDataFile does nothing where flock is not available: one process per
// data file is then the user's to keep (docs/reliability.md), and no count
// of acknowledged writes is kept beside it.
func lockDataFile(string) (*os.File, func(), error) { return nil, func() {}, nil }
