package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/state"
)

// stateFormat names the snapshot format; a later format keeps reading this one.
const stateFormat = "chatemu-state/1"

// Snapshot is all vendor state of an instance as one JSON document: every
// stored document by its key, and the id sequences.
type Snapshot struct {
	Format    string                     `json:"format"`
	Taken     time.Time                  `json:"taken"` // emulator clock
	Documents map[string]json.RawMessage `json:"documents"`
	Sequences map[string]int64           `json:"sequences"`
}

// ExportState takes a snapshot of all vendor state.
func (e *Emulator) ExportState() (*Snapshot, error) { return e.export(e.models()) }

// export takes a snapshot of the models given.
func (e *Emulator) export(models []*state.DB) (*Snapshot, error) {
	snap := &Snapshot{Format: stateFormat, Taken: e.clock.Now(), Documents: map[string]json.RawMessage{}, Sequences: map[string]int64{}}
	// One state: every model is held still until all are exported.
	err := state.ExportAll(models, func(key string, raw []byte) error {
		if name, ok := strings.CutPrefix(key, "seq:"); ok {
			n, _ := strconv.ParseInt(string(raw), 10, 64)
			snap.Sequences[name] = n
			return nil
		}
		snap.Documents[key] = json.RawMessage(raw)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// ImportState replaces all vendor state with a snapshot: a snapshot with
// any problem changes nothing. Id sequences end up above every stored id,
// whatever the snapshot says of them.
func (e *Emulator) ImportState(snap *Snapshot) error {
	if snap.Format != stateFormat {
		return fmt.Errorf("format must be %q, got %q", stateFormat, snap.Format)
	}
	for key, raw := range snap.Documents {
		if err := e.checkDocument(key, raw); err != nil {
			return err
		}
	}
	for name := range snap.Sequences {
		if e.owner("seq:"+name) == nil {
			return fmt.Errorf("sequence %q: no vendor %q", name, strings.SplitN(name, ":", 2)[0])
		}
	}
	sets := map[*state.DB]state.Documents{}
	for _, db := range e.models() {
		sets[db] = state.Documents{}
	}
	for key, raw := range snap.Documents {
		sets[e.owner(key)][key] = raw
	}
	for name, n := range snap.Sequences {
		sets[e.owner("seq:"+name)]["seq:"+name] = strconv.AppendInt(nil, n, 10)
	}
	// The models and the data file change together, with no write between.
	return state.LoadAll(e.log, map[string]string{metaFixtures: e.clock.Now().Format(time.RFC3339)}, e.models(), sets)
}

// owner is the model a stored key belongs to, or nil.
func (e *Emulator) owner(key string) *state.DB {
	for _, v := range e.vendors {
		if v.Model().Owns(key) {
			return v.Model()
		}
	}
	return nil
}

// exportState answers the snapshot; ?vendor=<name> keeps one vendor's part
// (what the dashboard's state browser reads; not a snapshot to import
// alone, since an import replaces every vendor's state).
func (e *Emulator) exportState(r *http.Request) (*core.Response, error) {
	models := e.models()
	if name := r.URL.Query().Get("vendor"); name != "" {
		v := e.Vendor(name)
		if v == nil {
			return nil, controlError(http.StatusNotFound, "no vendor %q (one of %s)", name, strings.Join(vendorNames, ", "))
		}
		models = []*state.DB{v.Model()}
	}
	snap, err := e.export(models)
	if err != nil {
		return nil, controlError(http.StatusInternalServerError, "export failed: %v", err)
	}
	return core.OK(snap), nil
}

func (e *Emulator) importState(r *http.Request) (*core.Response, error) {
	data, err := readControlBody(r, "snapshots")
	if err != nil {
		return nil, err
	}
	var snap Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return nil, controlError(http.StatusBadRequest, "malformed snapshot: %v", err)
	}
	if err := e.ImportState(&snap); err != nil {
		return nil, controlError(http.StatusBadRequest, "snapshot refused: %v", err)
	}
	return core.OK(map[string]any{"status": "imported", "documents": len(snap.Documents)}), nil
}

// checkDocument checks a stored document as its vendor reads it: a known
// vendor's key, valid JSON, and (for vendors that can tell) a key shape
// the vendor writes holding a value it can decode.
func (e *Emulator) checkDocument(key string, raw []byte) error {
	name, _, _ := strings.Cut(key, ":")
	v := e.Vendor(name)
	if v == nil {
		return fmt.Errorf("document %q: no vendor %q", key, name)
	}
	if !json.Valid(raw) {
		return fmt.Errorf("document %q is not valid JSON", key)
	}
	if c, ok := v.(core.DocumentChecker); ok {
		if err := c.CheckDocument(key, raw); err != nil {
			return fmt.Errorf("document %q: %w", key, err)
		}
	}
	return nil
}

// readDataFile reads a data file's documents and sequences by model,
// checking every document as checkDocument does, so that a file holding
// one a vendor cannot read stops start-up.
func (e *Emulator) readDataFile() (map[*state.DB]state.Documents, error) {
	sets := map[*state.DB]state.Documents{}
	for _, db := range e.models() {
		sets[db] = state.Documents{}
	}
	err := e.log.Each(func(key string, raw []byte) error {
		if state.IsMeta(key) {
			return nil
		}
		db := e.owner(key)
		if db == nil {
			return fmt.Errorf("key %q: no vendor %q", key, strings.SplitN(strings.TrimPrefix(key, "seq:"), ":", 2)[0])
		}
		if !strings.HasPrefix(key, "seq:") {
			if err := e.checkDocument(key, raw); err != nil {
				return err
			}
		}
		sets[db][key] = raw
		return nil
	})
	if err != nil {
		var de *state.DataFileError
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, &state.DataFileError{Path: e.cfg.DataFile, Offset: -1, Reason: err.Error()}
	}
	return sets, nil
}

// DataFileError is a data file an instance refuses to open: damaged
// somewhere other than in an incomplete last write (the file, the byte
// offset and the reason), or holding a document a vendor cannot read.
type DataFileError = state.DataFileError

// DataFileInUseError is a data file another running instance holds.
type DataFileInUseError = state.InUseError
