package core

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkWatchedRequest is one vendor request through the adapter, with
// and without a watcher of the journal: the price of an open dashboard.
func BenchmarkWatchedRequest(b *testing.B) {
	for _, mode := range []string{"unwatched", "watched", "watched with detail"} {
		b.Run(mode, func(b *testing.B) {
			j := NewJournal(0)
			h := Mount(fakeVendor{}, Hooks{Clock: NewClock(timeZero, false), Journal: j, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if mode != "unwatched" {
				// Not drained: a live listener reads a few times a
				// second, not at every record.
				w := j.Watch()
				defer w.Close()
			}
			if mode == "watched with detail" {
				j.KeepDetail(1 << 40)
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/fake/echo/7", strings.NewReader("v=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("User-Agent", "bench")
				req.Header.Set("Accept", "*/*")
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
