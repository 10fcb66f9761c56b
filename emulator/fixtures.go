package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"

	"github.com/chatemu/chatemu/fixtures"
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
	"github.com/chatemu/chatemu/schemas"
)

// schemaSet compiles each schema once per process, for every instance.
var schemaSet = core.NewSchemaSet(schemas.FS)

// vendorNames are the vendor sections a fixture document may hold, in the
// order they are applied.
var vendorNames = []string{"imbachat", "bitrix24", "imbox"}

// Document is one validated fixture or seed document: its source name and
// its vendor sections.
type Document struct {
	Source   string
	Sections map[string]json.RawMessage
}

// ParseDocument validates a fixture or seed document: JSON syntax, the
// top-level schema, then each vendor section against
// <vendor>/fixtures.schema.json. A failure is a *core.ValidationError naming
// source, the JSON path and the reason.
func ParseDocument(source string, data []byte) (*Document, error) {
	problems, err := schemaSet.Validate("fixtures.schema.json", data, "")
	if err != nil {
		return nil, err
	}
	// The sections are checked even when the top level has problems (an
	// unknown key), so that every problem of a file is reported at once.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		if len(problems) == 0 {
			problems = []core.Problem{{Reason: err.Error()}}
		}
		return nil, &core.ValidationError{Source: source, Problems: problems}
	}
	doc := &Document{Source: source, Sections: map[string]json.RawMessage{}}
	for _, v := range vendorNames {
		raw, ok := top[v]
		if !ok {
			continue
		}
		name := v + "/fixtures.schema.json"
		if !schemaSet.Has(name) {
			problems = append(problems, core.Problem{Path: "/" + v, Reason: "the " + v + " vendor takes no fixtures in this version"})
			continue
		}
		p, err := schemaSet.Validate(name, raw, "/"+v)
		if err != nil {
			return nil, err
		}
		problems = append(problems, p...)
		doc.Sections[v] = raw
	}
	if len(problems) > 0 {
		return nil, &core.ValidationError{Source: source, Problems: problems}
	}
	return doc, nil
}

// LoadDocuments reads and validates every *.json file at the top of fsys,
// in name order.
func LoadDocuments(fsys fs.FS) ([]*Document, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var docs []*Document
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading fixture file %s: %w", name, err))
			continue
		}
		doc, err := ParseDocument(path.Base(name), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, doc)
	}
	return docs, errors.Join(errs...)
}

var defaultDocs struct {
	once sync.Once
	docs []*Document
	err  error
}

// defaultDocuments are the embedded fixtures, parsed and validated once per
// process.
func defaultDocuments() ([]*Document, error) {
	defaultDocs.once.Do(func() {
		defaultDocs.docs, defaultDocs.err = LoadDocuments(fixtures.FS)
	})
	return defaultDocs.docs, defaultDocs.err
}

// applyVendor writes a vendor's sections of documents into its model; an
// error names the document. A vendor reports the problems of a section it
// cannot apply (a duplicate id, a reference to nothing) as a
// *core.ValidationError, with the JSON path of each.
func applyVendor(v core.Vendor, tx *state.Tx, docs []*Document) error {
	for _, doc := range docs {
		raw, ok := doc.Sections[v.Name()]
		if !ok {
			continue
		}
		if err := v.ApplyFixtures(tx, raw); err != nil {
			var ve *core.ValidationError
			if errors.As(err, &ve) {
				return &core.ValidationError{Source: doc.Source, Problems: ve.Problems}
			}
			return fmt.Errorf("%s: %w", doc.Source, err)
		}
	}
	return nil
}

// applyAll applies documents to every modeled vendor, one Tx each (txs[i]
// for vendors[i]), and reports the problems of every vendor at once.
func applyAll(vendors []core.Vendor, txs []*state.Tx, docs []*Document) error {
	var all *core.ValidationError
	var errs []error
	for i, v := range vendors {
		err := applyVendor(v, txs[i], docs)
		var ve *core.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			if all == nil {
				all = &core.ValidationError{Source: ve.Source}
			}
			all.Problems = append(all.Problems, ve.Problems...)
		default:
			errs = append(errs, err)
		}
	}
	if all != nil {
		errs = append([]error{all}, errs...)
	}
	return errors.Join(errs...)
}
