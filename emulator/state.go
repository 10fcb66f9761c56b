package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
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
func (e *Emulator) ExportState() (*Snapshot, error) {
	snap := &Snapshot{Format: stateFormat, Taken: e.clock.Now(), Documents: map[string]json.RawMessage{}, Sequences: map[string]int64{}}
	err := e.store.View(func(tx *core.Tx) error {
		return tx.Scan("*", func(key, raw string) bool {
			switch {
			case e.ownedByModel(key):
			case strings.HasPrefix(key, "seq:"):
				var n int64
				fmt.Sscan(raw, &n)
				snap.Sequences[strings.TrimPrefix(key, "seq:")] = n
			case strings.HasPrefix(key, "meta:"):
			default:
				snap.Documents[key] = json.RawMessage(raw)
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	for _, v := range e.modeled() {
		err := v.Model().Export(func(key string, raw []byte) error {
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
	sets := map[*state.DB]state.Documents{}
	var models []*state.DB
	for _, v := range e.modeled() {
		db := v.Model()
		docs := state.Documents{}
		for key, raw := range snap.Documents {
			if db.Owns(key) {
				docs[key] = raw
			}
		}
		for name, n := range snap.Sequences {
			if key := "seq:" + name; db.Owns(key) {
				docs[key] = strconv.AppendInt(nil, n, 10)
			}
		}
		sets[db] = docs
		models = append(models, db)
	}
	if err := state.LoadAll(sets); err != nil {
		return err
	}
	stamp := e.clock.Now().Format(time.RFC3339)
	err := e.store.Update(func(tx *core.Tx) error {
		if err := tx.DeleteAll(); err != nil {
			return err
		}
		for key, raw := range snap.Documents {
			if e.ownedByModel(key) {
				continue
			}
			if err := tx.PutRaw(key, string(raw)); err != nil {
				return err
			}
		}
		for name, n := range snap.Sequences {
			if e.ownedByModel("seq:" + name) {
				continue
			}
			if err := tx.BumpID(name, n); err != nil {
				return err
			}
		}
		return tx.SetMeta(metaFixtures, stamp)
	})
	if err != nil {
		return err
	}
	return e.log.Replace(map[string]string{metaFixtures: stamp}, models...)
}

func (e *Emulator) exportState(*http.Request) (*core.Response, error) {
	snap, err := e.ExportState()
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

// checkDataFile checks every document of a data file as checkDocument
// does, so that a file holding one a vendor cannot read stops start-up.
func (e *Emulator) checkDataFile() error {
	var bad error
	err := e.store.View(func(tx *core.Tx) error {
		return tx.Scan("*", func(key, raw string) bool {
			if strings.HasPrefix(key, "seq:") || strings.HasPrefix(key, "meta:") {
				return true
			}
			bad = e.checkDocument(key, []byte(raw))
			return bad == nil
		})
	})
	if err != nil {
		return err
	}
	if bad != nil {
		return &core.DataFileError{Path: e.cfg.DataFile, Offset: -1, Reason: bad.Error()}
	}
	return nil
}
