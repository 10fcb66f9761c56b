//go:build !unix

package state

// lockDataFile does nothing where flock is not available: one process per
// data file is then the user's to keep (docs/reliability.md).
func lockDataFile(string) (func(), error) { return func() {}, nil }
