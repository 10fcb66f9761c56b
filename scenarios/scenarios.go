// Package scenarios embeds chatemu's bundled fault scenarios, the common
// bad days of the emulated vendors (docs/scenarios.md describes each).
package scenarios

import "embed"

// FS holds the bundled scenario documents, one <name>.json each.
//
//go:embed *.json
var FS embed.FS
