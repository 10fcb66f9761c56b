// Package emulator assembles chatemu: one http.Handler serving every
// vendor's API by path prefix (/imbachat, /rest and /oauth/token, /message)
// plus the control plane under /_emulator/, over one instance's state,
// clock and request journal.
package emulator

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chatemu/chatemu/emulator/bitrix24"
	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/emulator/imbachat"
	"github.com/chatemu/chatemu/emulator/imbox"
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
	"github.com/chatemu/chatemu/internal/state"
	"github.com/gorilla/mux"
)

// Config configures one emulator instance. The zero value serves the
// embedded default fixtures from memory on real time.
type Config struct {
	// Fixtures replaces the embedded default fixtures with the *.json
	// documents at the top of this file system.
	Fixtures fs.FS
	// SeedDocuments are extra fixture documents (JSON) applied after the
	// fixtures, at start and at every reset.
	SeedDocuments [][]byte
	// DataFile keeps state in a file instead of memory. A file that already
	// holds state is used as it is; fixtures are loaded only into a new one.
	DataFile string
	// Seed seeds the random source (generated ids, fault draws).
	Seed uint64
	// Clock, when non-zero, starts the emulator clock at that instant;
	// FreezeClock stops it there until moved.
	Clock       time.Time
	FreezeClock bool
	// Logger receives the instance's logs; nil discards them.
	Logger *slog.Logger
	// AdminToken, when set, protects the control plane (except healthz):
	// requests must send "Authorization: Bearer <token>".
	AdminToken string
	// JournalSize is how many requests the journal keeps (default 2000).
	JournalSize int
	// Scenarios are active from the start and again after every reset
	// (fault.Parse, fault.Bundled).
	Scenarios []*fault.Scenario
	// EventTimeout is how long a handler of the system under test has to
	// answer a delivery (a Bitrix24 bot event, a webhook) before the attempt
	// is journaled as a timeout (default 5s).
	EventTimeout time.Duration
	// DeliveryJournalSize is how many delivery attempts the delivery
	// journal keeps (default 1000).
	DeliveryJournalSize int
}

// Emulator is one isolated instance: it implements http.Handler.
type Emulator struct {
	cfg     Config
	log     *state.Log
	clock   *core.Clock
	journal *core.Journal
	logger  *slog.Logger
	vendors []core.Vendor
	docs    []*Document
	router  *mux.Router
	// byPrefix routes each vendor's paths straight to its own routes.
	byPrefix []vendorRouter
	faults   *fault.Engine
	outbound *outbound.Engine
	// live hands person acts to the live journal's listeners; closing ends
	// their streams (Release).
	live        liveHub
	closing     chan struct{}
	closingOnce sync.Once
}

// New validates the fixtures, opens the state and builds the handler.
func New(cfg Config) (*Emulator, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	docs, err := fixtureDocuments(cfg)
	if err != nil {
		return nil, err
	}
	log, err := state.OpenLog(cfg.DataFile)
	if err != nil {
		return nil, err
	}
	if rec, ok := log.Recovered(); ok {
		if rec.Unacknowledged {
			logger.Warn("data file ended in an incomplete write (a crash cut it off before it was acknowledged: its end marker is missing); it was dropped",
				"file", cfg.DataFile, "offset", rec.Offset, "dropped_bytes", rec.Dropped)
		} else {
			logger.Warn("data file ended in an incomplete write, dropped; the file was written without write markers (an earlier version), so chatemu cannot tell whether it had been acknowledged",
				"file", cfg.DataFile, "offset", rec.Offset, "dropped_bytes", rec.Dropped)
		}
	}
	e := &Emulator{cfg: cfg, log: log, clock: core.NewClock(cfg.Clock, cfg.FreezeClock),
		journal: core.NewJournal(cfg.JournalSize), logger: logger, docs: docs, closing: make(chan struct{})}
	e.outbound = outbound.New(outbound.Config{Timeout: cfg.EventTimeout, JournalSize: cfg.DeliveryJournalSize,
		Now: e.clock.Now, Faults: deliveryFaults{e}, Logger: logger})
	deps := core.Deps{Log: log, Clock: e.clock, Random: core.NewRandom(cfg.Seed), Logger: logger, Journal: e.journal,
		Outbound: e.outbound}
	e.vendors = []core.Vendor{imbachat.New(deps), bitrix24.New(deps), imbox.New(deps)}
	// Faults draw from their own stream, so that a seed replays the same
	// fault sequence whatever the vendors generate.
	e.faults = fault.NewEngine(e.clock, core.NewRandom(cfg.Seed^faultStream), e.vendors, logger)
	if err := e.activateConfigured(); err != nil {
		e.outbound.Close()
		log.Close()
		return nil, err
	}
	if err := e.loadInitialState(); err != nil {
		e.outbound.Close()
		log.Close()
		return nil, err
	}
	e.router = e.routes()
	e.mountVendors()
	return e, nil
}

func fixtureDocuments(cfg Config) ([]*Document, error) {
	var docs []*Document
	var err error
	if cfg.Fixtures != nil {
		docs, err = LoadDocuments(cfg.Fixtures)
	} else {
		docs, err = defaultDocuments()
	}
	if err != nil {
		return nil, fmt.Errorf("loading fixtures: %w", err)
	}
	docs = append([]*Document(nil), docs...)
	for i, raw := range cfg.SeedDocuments {
		doc, err := ParseDocument(fmt.Sprintf("seed document %d", i+1), raw)
		if err != nil {
			return nil, fmt.Errorf("loading fixtures: %w", err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

const metaFixtures = "fixtures-loaded"

// faultStream separates the fault engine's random stream from the vendors'.
const faultStream = 0x5eed_fa17

func (e *Emulator) activateConfigured() error {
	e.faults.Clear()
	for _, s := range e.cfg.Scenarios {
		if err := e.faults.Activate(s); err != nil {
			return err
		}
	}
	return nil
}

// loadInitialState loads the fixtures, unless a data file already holds
// state: then the models are loaded from it, every document checked by its
// vendor first.
func (e *Emulator) loadInitialState() error {
	_, loaded, err := e.log.Meta(metaFixtures)
	if err != nil {
		return err
	}
	if !loaded {
		if err := e.resetState(); err != nil {
			return fmt.Errorf("loading fixtures: %w", err)
		}
		return nil
	}
	sets, err := e.readDataFile()
	if err != nil {
		return err
	}
	if err := state.LoadAll(nil, nil, e.models(), sets); err != nil {
		return &state.DataFileError{Path: e.cfg.DataFile, Offset: -1, Reason: err.Error()}
	}
	return nil
}

// resetState empties every vendor's state and applies the fixtures again;
// with a data file, the whole new state replaces the file's.
func (e *Emulator) resetState() error {
	meta := map[string]string{metaFixtures: e.clock.Now().Format(time.RFC3339)}
	return state.ResetAll(e.log, meta, e.models(), func(i int, tx *state.Tx) error {
		return applyVendor(e.vendors[i], tx, e.docs)
	})
}

// models are the vendors' models, in vendor order.
func (e *Emulator) models() []*state.DB {
	out := make([]*state.DB, len(e.vendors))
	for i, v := range e.vendors {
		out[i] = v.Model()
	}
	return out
}

// ServeHTTP serves the vendors' APIs and the control plane.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Vendor routes match the path as sent.
	p := r.URL.EscapedPath()
	for _, vr := range e.byPrefix {
		if strings.HasPrefix(p, vr.prefix) {
			vr.router.ServeHTTP(w, r)
			return
		}
	}
	e.router.ServeHTTP(w, r)
}

// Reset reloads the fixtures into empty state, clears the journal, resets
// the clock and leaves only the configured scenarios active.
func (e *Emulator) Reset() error {
	e.clock.Reset()
	if err := e.activateConfigured(); err != nil {
		return err
	}
	e.outbound.Reset()
	err := e.resetState()
	e.journal.Clear()
	return err
}

// Seed validates a fixture document and applies it to the running state;
// nothing is applied when any part of it is refused.
func (e *Emulator) Seed(source string, data []byte) (*Document, error) {
	doc, err := ParseDocument(source, data)
	if err != nil {
		return nil, err
	}
	err = state.UpdateAll(e.models(), func(txs []*state.Tx) error { return applyAll(e.vendors, txs, []*Document{doc}) })
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// Vendor returns the vendor named name ("bitrix24"), or nil; the testkit
// reaches vendor state helpers through it.
func (e *Emulator) Vendor(name string) core.Vendor {
	for _, v := range e.vendors {
		if v.Name() == name {
			return v
		}
	}
	return nil
}

// Clock is the instance's clock.
func (e *Emulator) Clock() *Clock { return e.clock }

// Journal is the instance's request journal.
func (e *Emulator) Journal() *Journal { return e.journal }

// Deliveries is the instance's outbound delivery engine: its journal
// records every call the vendors made to the system under test.
func (e *Emulator) Deliveries() *outbound.Engine { return e.outbound }

// Faults is the instance's scenario engine.
func (e *Emulator) Faults() *fault.Engine { return e.faults }

// Release lets requests held by faults (timeouts, latency, slow bodies) go
// at once and ends the live journal's streams; call it before shutting the
// HTTP server down.
func (e *Emulator) Release() {
	e.faults.Release()
	e.closingOnce.Do(func() { close(e.closing) })
}

// Close releases held requests and the state (flushing a data file).
// Closing twice is fine.
func (e *Emulator) Close() error {
	e.Release()
	e.outbound.Close()
	return e.log.Close()
}

// deliveryFaults lets the scenario engine act on deliveries; it is read
// through the emulator because the fault engine is built after the vendors,
// which the delivery engine is handed to first.
type deliveryFaults struct{ e *Emulator }

func (d deliveryFaults) PickDelivery(x *outbound.Delivery) (outbound.Fault, bool) {
	if d.e.faults == nil {
		return outbound.Fault{}, false
	}
	return d.e.faults.PickDelivery(x)
}
