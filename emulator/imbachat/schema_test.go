package imbachat_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chatemu/chatemu/schemas"
	"github.com/xeipuuv/gojsonschema"
)

// compiledSchema is one response schema, compiled at most once per test
// binary however many parallel tests ask for it.
type compiledSchema struct {
	once   sync.Once
	schema *gojsonschema.Schema
	err    error
}

var (
	schemaMu  sync.Mutex
	schemaSet = map[string]*compiledSchema{}
)

// responseSchema returns schemas/imbachat/responses/<name>.schema.json,
// read from the embedded schemas.FS and compiled once.
func responseSchema(name string) (*gojsonschema.Schema, error) {
	schemaMu.Lock()
	c, ok := schemaSet[name]
	if !ok {
		c = &compiledSchema{}
		schemaSet[name] = c
	}
	schemaMu.Unlock()
	c.once.Do(func() {
		path := "imbachat/responses/" + name + ".schema.json"
		raw, err := schemas.FS.ReadFile(path)
		if err != nil {
			c.err = fmt.Errorf("reading %s: %w", path, err)
			return
		}
		c.schema, c.err = gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
		if c.err != nil {
			c.err = fmt.Errorf("compiling %s: %w", path, c.err)
		}
	})
	return c.schema, c.err
}

// validateSchema fails the test unless body is valid against the named
// ImbaChat response schema ("imba_rooms", "get_users", "get_rooms",
// "get_messages", "send_msg" or "error").
func validateSchema(t testing.TB, name string, body []byte) {
	t.Helper()
	sc, err := responseSchema(name)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	res, err := sc.Validate(gojsonschema.NewBytesLoader(body))
	if err != nil {
		t.Fatalf("validating against %s.schema.json: %v\nbody: %s", name, err, body)
	}
	if !res.Valid() {
		var b strings.Builder
		for _, e := range res.Errors() {
			fmt.Fprintf(&b, "\n  %s", e)
		}
		t.Errorf("body does not match %s.schema.json:%s\nbody: %s", name, b.String(), body)
	}
}
