package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

// SchemaSet compiles JSON Schemas from a file system on first use and keeps
// them, so that each schema is compiled once per process.
type SchemaSet struct {
	fsys     fs.FS
	mu       sync.Mutex
	compiled map[string]*gojsonschema.Schema
}

// NewSchemaSet serves the schemas found in fsys by their path.
func NewSchemaSet(fsys fs.FS) *SchemaSet {
	return &SchemaSet{fsys: fsys, compiled: map[string]*gojsonschema.Schema{}}
}

// Problem is one reason a document failed validation.
type Problem struct {
	Path   string `json:"path"`   // JSON pointer into the document, "" for the root
	Reason string `json:"reason"` // what is wrong there
}

// ValidationError lists why a document (a fixture file, a seed, a
// scenario) was refused.
type ValidationError struct {
	Source   string    // file name or "request body"
	Problems []Problem // sorted by path
}

// Error names the source, each JSON path and its reason.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not valid:", e.Source)
	for _, p := range e.Problems {
		path := p.Path
		if path == "" {
			path = "/"
		}
		fmt.Fprintf(&b, "\n  %s: %s", path, p.Reason)
	}
	return b.String()
}

func (s *SchemaSet) schema(name string) (*gojsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.compiled[name]; ok {
		return sc, nil
	}
	raw, err := fs.ReadFile(s.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	sc, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
	if err != nil {
		return nil, fmt.Errorf("compiling schema %s: %w", name, err)
	}
	s.compiled[name] = sc
	return sc, nil
}

// Has reports whether the set holds a schema by that name.
func (s *SchemaSet) Has(name string) bool {
	_, err := fs.Stat(s.fsys, name)
	return err == nil
}

// Validate checks doc (JSON text) against the named schema. It returns the
// problems found (nil when valid); prefix is put before every path. A
// document that is not JSON at all is one problem at the root naming the
// line and column.
func (s *SchemaSet) Validate(name string, doc []byte, prefix string) ([]Problem, error) {
	sc, err := s.schema(name)
	if err != nil {
		return nil, err
	}
	var probe any
	if err := json.Unmarshal(doc, &probe); err != nil {
		return []Problem{{Path: prefix, Reason: describeJSONError(doc, err)}}, nil
	}
	res, err := sc.Validate(gojsonschema.NewGoLoader(probe))
	if err != nil {
		return nil, fmt.Errorf("validating against %s: %w", name, err)
	}
	if res.Valid() {
		return nil, nil
	}
	var out []Problem
	errs := res.Errors()
	for i, re := range errs {
		switch re.Type() {
		case "condition_then", "condition_else", "number_all_of":
			// Wrappers of the errors that say what is wrong.
			continue
		case "invalid_property_name":
			// Followed by the enum of the names the object takes.
			field, _ := re.Details()["property"].(string)
			reason := fmt.Sprintf("%q is not a field here", field)
			if i+1 < len(errs) && errs[i+1].Type() == "enum" && errs[i+1].Context().String() == re.Context().String() {
				reason += " (" + strings.TrimPrefix(errs[i+1].Description(), errs[i+1].Field()+" ") + ")"
			}
			out = append(out, Problem{Path: prefix + pointer(re.Context().String()), Reason: reason})
			continue
		case "enum":
			if i > 0 && errs[i-1].Type() == "invalid_property_name" && errs[i-1].Context().String() == re.Context().String() {
				continue // said with the name above
			}
		}
		out = append(out, Problem{Path: prefix + pointer(re.Context().String()), Reason: re.Description()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// pointer turns gojsonschema's "(root).users.0.id" into "/users/0/id".
func pointer(ctx string) string {
	ctx = strings.TrimPrefix(ctx, "(root)")
	if ctx == "" {
		return ""
	}
	return strings.ReplaceAll(ctx, ".", "/")
}

// describeJSONError names the line and column of a JSON syntax error.
func describeJSONError(doc []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	offset := int64(-1)
	switch {
	case errors.As(err, &se):
		offset = se.Offset
	case errors.As(err, &te):
		offset = te.Offset
	}
	if offset < 0 {
		return "not valid JSON: " + err.Error()
	}
	line, col := 1, 1
	for i := int64(0); i < offset-1 && i < int64(len(doc)); i++ {
		if doc[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("not valid JSON at line %d, column %d: %v", line, col, err)
}
