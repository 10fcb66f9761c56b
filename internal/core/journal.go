package core

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Exchange is one journal record: a request and the answer it got.
type Exchange struct {
	Seq       uint64         `json:"seq"`
	Time      time.Time      `json:"time"` // emulator clock
	Vendor    string         `json:"vendor"`
	Operation string         `json:"operation"` // route name; "" when no route matched
	Method    string         `json:"method"`
	Path      string         `json:"path"`
	Tenant    string         `json:"tenant,omitempty"`
	Params    map[string]any `json:"params,omitempty"`
	Status    int            `json:"status"`
	Error     string         `json:"error,omitempty"` // the vendor error code or message, when failed
	Fault     string         `json:"fault,omitempty"` // the fault rule that fired, if any
	Note      string         `json:"note,omitempty"`  // e.g. the nearest known operations of an unknown one
	Duration  time.Duration  `json:"duration_ns"`
	// Detail is the request and answer as sent (headers, query, the start
	// of both bodies): kept only while the journal is watched (Watch), so
	// that an instance nobody looks at pays nothing for it.
	Detail *ExchangeDetail `json:"detail,omitempty"`

	// tree is a small decoded parameter tree kept as it is until the
	// exchange is read, when it becomes Params: summarizing costs
	// allocations every request would pay, and few records are ever read.
	tree *Value
}

// withParams fills Params from the kept parameter tree, and the detail's
// headers from the kept ones.
func (e *Exchange) withParams() {
	if e.tree != nil {
		e.Params = SummarizeParams(e.tree)
		e.tree = nil
	}
	if e.Detail != nil {
		e.Detail.fill()
	}
}

// Journal keeps the most recent exchanges in a fixed-size ring, so memory
// stays bounded however many requests an instance serves.
type Journal struct {
	mu   sync.Mutex
	ring []Exchange // grows to size as records come, then wraps
	size int
	next uint64 // sequence number of the next record

	// watchers are the wake-up channels of the journal's watchers, copied
	// on every change so that Record reads them without a lock; nil while
	// nobody watches, which is all Record then looks at.
	watchers atomic.Pointer[[]chan struct{}]
	watchMu  sync.Mutex
	// detail is how many more exchanges keep their detail (KeepDetail).
	detail atomic.Int64
}

// DefaultJournalSize is how many exchanges a journal keeps by default.
const DefaultJournalSize = 2000

// NewJournal returns a journal keeping the last size exchanges.
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	// The ring grows as records come: an idle instance (a suite may run
	// hundreds) keeps no room for records it never made.
	return &Journal{ring: make([]Exchange, 0, min(size, 16)), size: size, next: 1}
}

// slot is where the record with sequence number seq lives.
func (j *Journal) slot(seq uint64) int { return int((seq - 1) % uint64(j.size)) }

// Record appends an exchange, overwriting the oldest when full, and
// returns its sequence number.
func (j *Journal) Record(e Exchange) uint64 {
	// Texts that come from the request are copied and cut: a record never
	// keeps a request's memory alive, nor more than a few KB of its own.
	// (The method too: net/http's is a slice of the request line, which a
	// 900 KB path makes 900 KB.)
	e.Path, e.Tenant, e.Error, e.Note = clipText(e.Path), clipText(e.Tenant), clipText(e.Error), clipText(e.Note)
	e.Method, e.Fault = method(e.Method), clipText(e.Fault)
	seq := j.record(e)
	if ws := j.watchers.Load(); ws != nil {
		// A wake-up, never a wait: a watcher that has not taken the last
		// one reads this record with it.
		for _, c := range *ws {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
	return seq
}

func (j *Journal) record(e Exchange) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	e.Seq = j.next
	if i := j.slot(j.next); i < len(j.ring) {
		j.ring[i] = e
	} else {
		// i == len(j.ring): records come in order. Growth stops at size.
		if len(j.ring) == cap(j.ring) {
			grown := make([]Exchange, len(j.ring), min(2*cap(j.ring), j.size))
			copy(grown, j.ring)
			j.ring = grown
		}
		j.ring = append(j.ring, e)
	}
	j.next++
	return e.Seq
}

// Clear empties the journal; sequence numbers keep growing.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.ring {
		j.ring[i] = Exchange{}
	}
}

// JournalFilter selects exchanges; zero fields match everything.
type JournalFilter struct {
	Vendor string
	// Operation is an operation's name, case-insensitive, with or without
	// its vendor prefix ("bitrix24.imbot.chat.add" or "imbot.chat.add").
	Operation string
	AfterSeq  uint64 // only records with a higher sequence number
	Since     time.Time
	Limit     int // the newest Limit matches; 0 = all
}

// Match reports whether e passes the filter.
func (f JournalFilter) Match(e *Exchange) bool {
	return (f.Vendor == "" || strings.EqualFold(e.Vendor, f.Vendor)) &&
		(f.Operation == "" || SameOperation(f.Operation, e.Vendor, e.Operation)) &&
		e.Seq > f.AfterSeq &&
		(f.Since.IsZero() || !e.Time.Before(f.Since))
}

// Find returns the kept exchanges that match, oldest first.
func (j *Journal) Find(f JournalFilter) []Exchange {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := uint64(j.size)
	first := uint64(1)
	if j.next > n {
		first = j.next - n
	}
	out := []Exchange{}
	for seq := first; seq < j.next; seq++ {
		e := &j.ring[j.slot(seq)]
		if e.Seq == seq && f.Match(e) {
			e.withParams()
			out = append(out, *e)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

// LastSeq is the sequence number of the newest record (0 when none yet).
func (j *Journal) LastSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.next - 1
}

// SameOperation reports whether name (as a user writes it: with or without
// the vendor prefix, in any case) names the operation op of vendor.
func SameOperation(name, vendor, op string) bool {
	if strings.EqualFold(name, op) {
		return true
	}
	short, ok := strings.CutPrefix(op, vendor+".")
	return ok && strings.EqualFold(name, short)
}

// method is an HTTP method as a record keeps it: the standard ones as
// constants, any other copied and cut.
func method(m string) string {
	for _, std := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions, http.MethodPatch} {
		if m == std {
			return std
		}
	}
	return clipText(m)
}
