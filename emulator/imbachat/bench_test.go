package imbachat_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/imbachat"
)

// benchEmulator is one instance on the default fixtures; requests go
// through the whole handler (routing, decoding, auth, state, journal,
// rendering) without a network in between.
func benchEmulator(b *testing.B) *emulator.Emulator {
	b.Helper()
	e, err := emulator.New(emulator.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

func serve(b *testing.B, e *emulator.Emulator, req *http.Request) {
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("status %d: %s", w.Code, w.Body)
	}
}

// BenchmarkGetRooms is the read path: Basic auth, a room_type filter, the
// widget's rooms from the index.
func BenchmarkGetRooms(b *testing.B) {
	e := benchEmulator(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/imbachat/v2/627/get_rooms", strings.NewReader("imba_id=627&room_type=0"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("627", "secret_key")
		serve(b, e, req)
	}
}

// BenchmarkImbaRoomsCreate is the write path: a new room with two members
// (one of them a new user) per request.
func BenchmarkImbaRoomsCreate(b *testing.B) {
	e := benchEmulator(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body := fmt.Sprintf("imba_id=209&login=admin&password=admin&room_type=1&room_title=Bench&users_ids[0]=3&users_ids[1]=%d", 100+i%500)
		req := httptest.NewRequest("POST", "/imbachat/v1/widget/imba_rooms", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		serve(b, e, req)
	}
}

// BenchmarkGetRoomsParallel runs the read path from every core at once.
func BenchmarkGetRoomsParallel(b *testing.B) {
	e := benchEmulator(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/imbachat/v2/627/get_rooms", strings.NewReader("imba_id=627"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("627", "secret_key")
			serve(b, e, req)
		}
	})
}

// BenchmarkStart is what testkit.Start costs before the first request: a
// new instance with the default fixtures (parsed and validated once per
// process).
func BenchmarkStart(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		e, err := emulator.New(emulator.Config{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

// BenchmarkImbaRoomsCreateParallel is BenchmarkImbaRoomsCreate from every
// core at once: writes contend for the store's writer lock.
func BenchmarkImbaRoomsCreateParallel(b *testing.B) {
	e := benchEmulator(b)
	b.ReportAllocs()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf("imba_id=209&login=admin&password=admin&room_type=1&room_title=Bench&users_ids[0]=3&users_ids[1]=%d", 100+i%500)
			req := httptest.NewRequest("POST", "/imbachat/v1/widget/imba_rooms", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			serve(b, e, req)
		}
	})
}

// BenchmarkScale is the read and the write path with many messages stored
// (written through the control plane's "a user writes in the widget"): the
// cost of a request must not grow with them.
func BenchmarkScale(b *testing.B) {
	for _, stored := range []int{1_000, 100_000} {
		e := benchEmulator(b)
		svc := e.Vendor("imbachat").(*imbachat.Service)
		before := heapInUse()
		for i := 0; i < stored; i++ {
			if _, err := svc.Write(nil, 627, 1536, "1", "stored message", time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
		perMessage := float64(heapInUse()-before) / float64(stored)
		b.Run(fmt.Sprintf("get_rooms/messages=%d", stored), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/imbachat/v2/627/get_rooms", strings.NewReader("room_type=1"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth("627", "secret_key")
				serve(b, e, req)
			}
			b.ReportMetric(perMessage, "heap-B/stored-message")
		})
		b.Run(fmt.Sprintf("send_msg/messages=%d", stored), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/imbachat/v2/627/send_msg", strings.NewReader("user_id=1&room_id=1536&message=hello"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth("627", "secret_key")
				serve(b, e, req)
			}
		})
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
