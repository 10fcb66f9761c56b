// Package schemas embeds chatemu's JSON Schemas: fixture and seed documents
// (fixtures.schema.json and <vendor>/fixtures.schema.json) and the responses
// of every vendor route (<vendor>/responses/<operation>.schema.json).
package schemas

import "embed"

// FS holds every schema file by its path in this directory.
//
//go:embed *.json */*.json */*/*.json
var FS embed.FS
