package outbound

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Record is one delivery attempt in the delivery journal.
type Record struct {
	Seq         uint64            `json:"seq"`
	Vendor      string            `json:"vendor"`
	Event       string            `json:"event"`
	Tenant      string            `json:"tenant,omitempty"`
	URL         string            `json:"url"`
	Method      string            `json:"method"`
	ContentType string            `json:"content_type"`
	Headers     map[string]string `json:"headers,omitempty"`
	// Body is the body as sent (cut at MaxJournalBody bytes, BodyBytes
	// telling the full size).
	Body      string `json:"body"`
	BodyBytes int    `json:"body_bytes"`
	// Status is the handler's HTTP status, 0 when it gave none.
	Status  int    `json:"status"`
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
	// Fault is the scenario rule that acted on the delivery
	// ("scenario/rule"), if any.
	Fault string `json:"fault,omitempty"`
	// Response is the start of the handler's answer.
	Response   string  `json:"response,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	// At is when the attempt ended, on the emulator clock.
	At time.Time `json:"at"`
}

// Limits of what a journal record keeps.
const (
	MaxJournalBody     = 32 << 10
	MaxJournalResponse = 4 << 10
)

// Filter selects journal records; zero fields match everything.
type Filter struct {
	Vendor string `json:"vendor,omitempty"`
	Event  string `json:"event,omitempty"` // case-insensitive
	Tenant string `json:"tenant,omitempty"`
	// Outcome keeps only records with this outcome.
	Outcome string `json:"outcome,omitempty"`
	// Since keeps records after this sequence number.
	Since uint64 `json:"since,omitempty"`
	// Limit keeps the newest Limit of those (0: all).
	Limit int `json:"limit,omitempty"`
}

func (f *Filter) match(r *Record) bool {
	return r.Seq > f.Since &&
		(f.Vendor == "" || strings.EqualFold(f.Vendor, r.Vendor)) &&
		(f.Event == "" || strings.EqualFold(f.Event, r.Event)) &&
		(f.Tenant == "" || f.Tenant == r.Tenant) &&
		(f.Outcome == "" || f.Outcome == r.Outcome)
}

// Journal keeps the most recent delivery attempts in a fixed-size ring.
type Journal struct {
	mu      sync.Mutex
	ring    []Record
	size    int
	next    uint64
	floor   uint64        // the first sequence number kept since a clear
	changed chan struct{} // closed at the next record
}

// DefaultJournalSize is how many attempts a journal keeps by default.
const DefaultJournalSize = 1000

// NewJournal returns a journal keeping the last size attempts.
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{ring: make([]Record, 0, min(size, 16)), size: size, next: 1, changed: make(chan struct{})}
}

func (j *Journal) add(r Record) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	r.Seq = j.next
	if i := int((j.next - 1) % uint64(j.size)); i < len(j.ring) {
		j.ring[i] = r
	} else {
		j.ring = append(j.ring, r)
	}
	j.next++
	close(j.changed)
	j.changed = make(chan struct{})
	return r.Seq
}

// List returns the matching records, oldest first, and the sequence
// number of the newest record kept (0 when none was ever made).
func (j *Journal) List(f Filter) ([]Record, uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Record{}
	first := uint64(1)
	if j.next > uint64(j.size) {
		first = j.next - uint64(j.size)
	}
	first = max(first, j.floor)
	for seq := first; seq < j.next; seq++ {
		r := &j.ring[int((seq-1)%uint64(j.size))]
		if f.match(r) {
			out = append(out, *r)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, j.next - 1
}

// Changed returns a channel closed when the next record is made.
func (j *Journal) Changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed
}

// Clear empties the journal; sequence numbers go on.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.floor = j.next
}

// clip is s cut to n bytes on a rune boundary, with the full size noted.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	for !utf8.ValidString(cut) && len(cut) > n-utf8.UTFMax {
		cut = cut[:len(cut)-1]
	}
	return fmt.Sprintf("%s…(%d bytes)", cut, len(s))
}
