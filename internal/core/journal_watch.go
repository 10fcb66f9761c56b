package core

import (
	"net/http"
	"slices"
	"sort"
	"strings"
)

// ExchangeDetail is what a watched journal keeps of a request and its
// answer beyond the record's summary: enough to read both as they went
// and to send the request again. Every part is copied and cut.
type ExchangeDetail struct {
	Query            string            `json:"query,omitempty"`
	RequestHeaders   map[string]string `json:"request_headers,omitempty"`
	RequestBody      string            `json:"request_body,omitempty"`
	RequestBodyBytes int               `json:"request_body_bytes"`
	ResponseHeaders  map[string]string `json:"response_headers,omitempty"`
	ResponseBody     string            `json:"response_body,omitempty"`
	// ResponseBodyBytes is the answer's full size (the body kept may be cut).
	ResponseBodyBytes int `json:"response_body_bytes"`
}

// Bounds of what a watched journal keeps of each exchange.
const (
	// MaxDetailBody is how much of a request's or an answer's body a
	// record keeps.
	MaxDetailBody = 4 << 10
	// maxDetailHeaders is how many headers of each side a record keeps.
	maxDetailHeaders = 32
)

// Watch is one watcher of a journal: C receives a wake-up (coalesced: at
// most one waits) after new records; the watcher reads them with After.
type Watch struct {
	// C is woken after one or more new records.
	C <-chan struct{}
	c chan struct{}
	j *Journal
}

// Watch starts watching the journal: from now until Close, every record
// keeps its detail (ExchangeDetail) and wakes the watcher. Record's cost
// while nobody watches is one atomic load.
func (j *Journal) Watch() *Watch {
	w := &Watch{c: make(chan struct{}, 1), j: j}
	w.C = w.c
	j.watchMu.Lock()
	defer j.watchMu.Unlock()
	var list []chan struct{}
	if ws := j.watchers.Load(); ws != nil {
		list = slices.Clone(*ws)
	}
	list = append(list, w.c)
	j.watchers.Store(&list)
	return w
}

// Close stops the watch; closing twice is harmless.
func (w *Watch) Close() {
	j := w.j
	j.watchMu.Lock()
	defer j.watchMu.Unlock()
	ws := j.watchers.Load()
	if ws == nil {
		return
	}
	list := slices.DeleteFunc(slices.Clone(*ws), func(c chan struct{}) bool { return c == w.c })
	if len(list) == 0 {
		j.watchers.Store(nil)
		return
	}
	j.watchers.Store(&list)
}

// Watched reports whether anyone watches the journal.
func (j *Journal) Watched() bool { return j.watchers.Load() != nil }

// After returns the kept records with a sequence number above seq, oldest
// first: at most limit of them (the newest), how many records after seq
// it passed over (overwritten by newer ones, or beyond the limit), and
// the sequence number of the newest record, where a reader continues.
// It walks only the records after seq, not the whole ring.
func (j *Journal) After(seq uint64, limit int) (out []Exchange, missed, last uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	last = j.next - 1
	first := seq + 1
	if j.next > uint64(j.size) && first < j.next-uint64(j.size) {
		missed += j.next - uint64(j.size) - first
		first = j.next - uint64(j.size)
	}
	if limit > 0 && j.next > first && j.next-first > uint64(limit) {
		missed += j.next - first - uint64(limit)
		first = j.next - uint64(limit)
	}
	for s := first; s < j.next; s++ {
		e := &j.ring[j.slot(s)]
		if e.Seq == s { // a cleared record is gone, not missed
			e.withParams()
			out = append(out, *e)
		}
	}
	return out, missed, max(last, seq)
}

// headerDetail copies up to maxDetailHeaders headers, each value cut.
func headerDetail(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(map[string]string, min(len(names), maxDetailHeaders))
	for _, k := range names[:min(len(names), maxDetailHeaders)] {
		out[clipText(k)] = clipText(strings.Join(h[k], ", "))
	}
	return out
}

// bodyCapture keeps the start of a body as it passes and counts the rest.
type bodyCapture struct {
	buf []byte
	n   int
}

func (c *bodyCapture) add(b []byte) {
	c.n += len(b)
	if room := MaxDetailBody - len(c.buf); room > 0 {
		c.buf = append(c.buf, b[:min(room, len(b))]...)
	}
}

// text is the captured start of the body, valid UTF-8.
func (c *bodyCapture) text() string { return strings.ToValidUTF8(string(c.buf), "\uFFFD") }

// capturedBody is a request body that keeps its start while it is read.
type capturedBody struct {
	body interface {
		Read([]byte) (int, error)
		Close() error
	}
	bodyCapture
}

func (b *capturedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.add(p[:n])
	return n, err
}

func (b *capturedBody) Close() error { return b.body.Close() }
