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

	// What the exchange kept as it went, until the record is first read
	// (under the journal's lock): the copies and conversions cost only
	// then, and only for the records someone reads.
	kept *watchState
}

// fill turns what was kept into the detail's fields.
func (d *ExchangeDetail) fill() {
	ws := d.kept
	if ws == nil {
		return
	}
	d.kept = nil
	d.Query = clipText(ws.query)
	d.RequestHeaders = headerDetail(ws.reqHeader, nil)
	if ws.host != "" {
		if d.RequestHeaders == nil {
			d.RequestHeaders = map[string]string{}
		}
		d.RequestHeaders["Host"] = clipText(ws.host)
	}
	d.ResponseHeaders = headerDetail(ws.respHeader, nil)
	d.RequestBody, d.RequestBodyBytes = ws.req.text(), ws.req.n
	d.ResponseBody, d.ResponseBodyBytes = ws.resp.text(), ws.resp.n
}

// watchState is what the adapter keeps of one exchange while the journal
// is watched, allocated at once.
type watchState struct {
	req                   capturedBody
	resp                  bodyCapture
	query, host           string
	reqHeader, respHeader http.Header
	detail                ExchangeDetail
}

// keptHeader is a header as a record keeps it until read: the map itself
// when it is small (its strings are the request's own copies), else the
// copy a read would make, at once.
func keptHeader(h http.Header) http.Header {
	size := 0
	for k, vs := range h {
		size += len(k)
		for _, v := range vs {
			size += len(v)
		}
	}
	if size <= maxSharedHeader {
		return h
	}
	out := http.Header{}
	for k, v := range headerDetail(h, nil) {
		out[k] = []string{v}
	}
	return out
}

// maxSharedHeader is the largest header a watched record keeps as the
// request had it.
const maxSharedHeader = 8 << 10

// exchangeDetail is what a watched journal keeps of an exchange: until
// it is read, references and the bodies' starts.
func (ws *watchState) exchangeDetail(r *http.Request, w http.ResponseWriter) *ExchangeDetail {
	ws.query, ws.host = r.URL.RawQuery, r.Host
	if len(r.RequestURI) > journalKeepSource {
		// Slices of a long request line would keep all of it.
		ws.query, ws.host = clipText(ws.query), clipText(ws.host)
	}
	ws.reqHeader, ws.respHeader = keptHeader(r.Header), keptHeader(w.Header())
	ws.req.body = nil // the connection's reader is not the record's to keep
	ws.detail.kept = ws
	return &ws.detail
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

// KeepDetail lets the next n exchanges recorded while the journal is
// watched keep their detail (ExchangeDetail), replacing what was left of
// the last allowance. A watcher that reads n records per look allows n at
// each look: at a few requests a second every record keeps its detail, and
// under load only those the watcher will read pay for it.
func (j *Journal) KeepDetail(n int) { j.detail.Store(int64(n)) }

// takeDetail reports whether the exchange being served keeps its detail.
func (j *Journal) takeDetail() bool {
	return j.watchers.Load() != nil && j.detail.Load() > 0 && j.detail.Add(-1) >= 0
}

// After returns the kept records with a sequence number above seq, oldest
// first, how many records after seq it passed over (overwritten by newer
// ones, or beyond the limit), and the sequence number of the newest record,
// where a reader continues. When more than limit are new, it returns the
// oldest limit of those that kept their detail (KeepDetail): under load,
// the ones a watcher allowed it for. It walks only the records after seq.
func (j *Journal) After(seq uint64, limit int) (out []Exchange, missed, last uint64) {
	j.mu.Lock()
	last = max(j.next-1, seq)
	first := seq + 1
	if j.next > uint64(j.size) && first < j.next-uint64(j.size) {
		missed += j.next - uint64(j.size) - first
		first = j.next - uint64(j.size)
	}
	over := limit > 0 && j.next > first && j.next-first > uint64(limit)
	for s := first; s < j.next && (!over || len(out) < limit); s++ {
		e := &j.ring[j.slot(s)]
		if e.Seq == s && (!over || e.Detail != nil) { // a cleared record is gone, not missed
			out = append(out, *e)
			if e.Detail != nil {
				// A Find may fill the ring's detail under the lock.
				d := *e.Detail
				out[len(out)-1].Detail = &d
			}
		}
	}
	if over {
		missed += j.next - first - uint64(len(out))
	}
	j.mu.Unlock()
	// The copies are filled outside the lock, so that a look holds the
	// vendor path's Record for the copying only: what they point to is
	// never changed once recorded, and the ring's own records stay as
	// they were (a later Find fills those).
	for i := range out {
		e := &out[i]
		if e.tree != nil {
			e.Params, e.tree = SummarizeParams(e.tree), nil
		}
		if e.Detail != nil {
			e.Detail.fill()
		}
	}
	return out, missed, last
}

// headerDetail copies up to maxDetailHeaders headers into out (made when
// nil), each value cut.
func headerDetail(h http.Header, out map[string]string) map[string]string {
	if len(h) == 0 {
		return out
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	if out == nil {
		out = make(map[string]string, min(len(names), maxDetailHeaders))
	}
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
	if room := MaxDetailBody - len(c.buf); room > 0 && len(b) > 0 {
		if c.buf == nil {
			// Most bodies come in one piece: one allocation of their size.
			c.buf = make([]byte, 0, min(len(b), MaxDetailBody))
		}
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
