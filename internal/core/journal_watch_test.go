package core

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestJournalWatch: a watcher is woken (once for many records), reads
// what came after its place, and is told how many it passed over.
func TestJournalWatch(t *testing.T) {
	t.Parallel()
	j := NewJournal(10)
	if j.Watched() {
		t.Fatal("a new journal is watched")
	}
	j.Record(Exchange{Status: 1})
	w := j.Watch()
	if !j.Watched() {
		t.Fatal("not watched after Watch")
	}
	for i := 2; i <= 4; i++ {
		var d *ExchangeDetail
		if i%2 == 0 {
			d = &ExchangeDetail{}
		}
		j.Record(Exchange{Status: i, Detail: d})
	}
	select {
	case <-w.C:
	default:
		t.Fatal("no wake-up after records")
	}
	select {
	case <-w.C:
		t.Fatal("a second wake-up for the same records")
	default:
	}
	tests := []struct {
		name       string
		after      uint64
		limit      int
		seqs       []uint64
		missed     uint64
		recordsTo  int // records made before reading (sequence numbers up to it)
		clearFirst bool
	}{
		{name: "the new ones", after: 1, limit: 100, seqs: []uint64{2, 3, 4}, recordsTo: 4},
		{name: "beyond the limit: the oldest that kept their detail", after: 0, limit: 2, seqs: []uint64{2, 4}, missed: 2, recordsTo: 4},
		{name: "overwritten by the ring", after: 1, limit: 100, seqs: []uint64{16, 17, 18, 19, 20, 21, 22, 23, 24, 25}, missed: 14, recordsTo: 25},
		{name: "overwritten and beyond the limit", after: 1, limit: 3, seqs: []uint64{16, 18, 20}, missed: 21, recordsTo: 25},
		{name: "nothing new", after: 25, limit: 100, recordsTo: 25},
		{name: "cleared records are gone, not missed", after: 25, limit: 100, recordsTo: 25, clearFirst: true},
	}
	for _, tt := range tests {
		// Sequential: the cases share the journal.
		for j.LastSeq() < uint64(tt.recordsTo) {
			// Even records kept their detail.
			var d *ExchangeDetail
			if j.LastSeq()%2 == 1 {
				d = &ExchangeDetail{}
			}
			j.Record(Exchange{Detail: d})
		}
		if tt.clearFirst {
			j.Clear()
		}
		got, missed, last := j.After(tt.after, tt.limit)
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if !slices.Equal(seqs, tt.seqs) || missed != tt.missed || last != uint64(tt.recordsTo) {
			t.Errorf("%s: After(%d, %d) = %v, missed %d, last %d; want %v, missed %d, last %d",
				tt.name, tt.after, tt.limit, seqs, missed, last, tt.seqs, tt.missed, tt.recordsTo)
		}
	}
	w.Close()
	w.Close()
	if j.Watched() {
		t.Fatal("still watched after Close")
	}
}

// TestJournalDetailOnlyWhileWatched: an exchange keeps its headers and
// bodies only while the journal is watched.
func TestJournalDetailOnlyWhileWatched(t *testing.T) {
	t.Parallel()
	srv, j := newFakeServer(t)
	post := func(body string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/fake/echo/7?q=1", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	post("v=unwatched")
	w := j.Watch()
	defer w.Close()
	post("v=watched, no allowance")
	j.KeepDetail(1)
	post("v=watched")
	post("v=watched, allowance spent")
	all := j.Find(JournalFilter{})
	if len(all) != 4 {
		t.Fatalf("%d records, want 4", len(all))
	}
	for _, i := range []int{0, 1, 3} {
		if all[i].Detail != nil {
			t.Errorf("exchange %d kept its detail: %+v", i, all[i].Detail)
		}
	}
	d := all[2].Detail
	if d == nil {
		t.Fatal("a watched exchange kept no detail")
	}
	if d.Query != "q=1" || d.RequestHeaders["Content-Type"] != "application/x-www-form-urlencoded" || d.RequestHeaders["Host"] == "" ||
		d.RequestBody != "v=watched" || d.RequestBodyBytes != 9 {
		t.Errorf("request detail = %+v", d)
	}
	if d.ResponseBody != `{"id":"7","v":"watched"}` || d.ResponseBodyBytes != len(d.ResponseBody) || !strings.HasPrefix(d.ResponseHeaders["Content-Type"], "application/json") {
		t.Errorf("answer detail = %+v", d)
	}
}

// TestBodyCaptureKeepsTheStart: a body past MaxDetailBody is cut, valid
// UTF-8, its full size counted.
func TestBodyCaptureKeepsTheStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		chunks []string
		keep   int
	}{
		{name: "small", chunks: []string{"ab", "cd"}, keep: 4},
		{name: "cut across chunks", chunks: []string{strings.Repeat("x", MaxDetailBody-1), "yz", "more"}, keep: MaxDetailBody},
		{name: "cut inside a rune", chunks: []string{strings.Repeat("x", MaxDetailBody-1) + "é"}, keep: MaxDetailBody + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c bodyCapture
			total := 0
			for _, ch := range tt.chunks {
				c.add([]byte(ch))
				total += len(ch)
			}
			got := c.text()
			if c.n != total || len(got) != tt.keep || !utf8.ValidString(got) {
				t.Errorf("kept %d bytes (valid %v) of %d counted; want %d of %d", len(got), utf8.ValidString(got), c.n, tt.keep, total)
			}
		})
	}
}

// TestJournalAfterBesideFind: a watcher reading while the journal is read
// and written elsewhere (run with -race).
func TestJournalAfterBesideFind(t *testing.T) {
	t.Parallel()
	j := NewJournal(50)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 500; i++ {
			ws := &watchState{reqHeader: http.Header{"A": {"b"}}}
			ws.detail.kept = ws
			j.Record(Exchange{Detail: &ws.detail})
			if i%10 == 0 {
				j.Find(JournalFilter{})
			}
		}
	}()
	var seq uint64
	for {
		select {
		case <-done:
			return
		default:
		}
		var out []Exchange
		out, _, seq = j.After(seq, 5)
		for _, e := range out {
			if e.Detail == nil || e.Detail.RequestHeaders["A"] != "b" {
				t.Fatalf("record %d read without its detail: %+v", e.Seq, e.Detail)
			}
		}
	}
}
