package testkit_test

import (
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// BenchmarkStartToFirstRequest is what a test pays before its first call:
// testkit.Start (a new instance with the default fixtures, on its own
// loopback port) and one answered vendor request over HTTP. Closing the
// instance is not counted.
func BenchmarkStartToFirstRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		srv, err := testkit.New()
		if err != nil {
			b.Fatal(err)
		}
		resp, err := srv.Client().Get(srv.ImBoxURL() + "/message/grabAgents/apiKey/1")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		b.StopTimer()
		srv.Close()
		b.StartTimer()
	}
}

// BenchmarkIdleInstanceMemory starts 100 instances (each answers one
// request, then idles) and reports the live heap each one adds, as a suite
// running them in parallel would see it: heap-B/instance.
func BenchmarkIdleInstanceMemory(b *testing.B) {
	const n = 100
	for b.Loop() {
		before := liveHeap()
		servers := make([]*testkit.Server, 0, n)
		for i := 0; i < n; i++ {
			srv, err := testkit.New()
			if err != nil {
				b.Fatal(err)
			}
			resp, err := srv.Client().Get(srv.URL() + "/_emulator/healthz")
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			servers = append(servers, srv)
		}
		after := liveHeap()
		b.ReportMetric(float64(after-before)/n, "heap-B/instance")
		for _, srv := range servers {
			srv.Close()
		}
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
