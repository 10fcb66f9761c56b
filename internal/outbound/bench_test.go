package outbound

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// The engine's cost per delivery against a local handler that answers at
// once, next to the same posts made directly with a plain client (the
// handler's and the loopback's own cost): run with
//
//	go test -run '^$' -bench Deliver ./internal/outbound/
func BenchmarkDeliver(b *testing.B) {
	body := (&Form{}).Set("event", "ONIMBOTMESSAGEADD").Set("data", (&Form{}).Set("MESSAGE", "hello")).Encode()
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer handler.Close()
	for _, lanes := range []int{1, 8} {
		urls := make([]string, lanes)
		for i := range urls {
			urls[i] = fmt.Sprintf("%s/bot%d", handler.URL, i)
		}
		b.Run(fmt.Sprintf("engine/handlers=%d", lanes), func(b *testing.B) {
			e := New(Config{JournalSize: 1000})
			defer e.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e.Submit(Delivery{Vendor: "bitrix24", Event: "ONIMBOTMESSAGEADD", URL: urls[i%lanes],
					ContentType: "application/x-www-form-urlencoded", Body: body})
				for e.Pending() >= MaxPending/2 {
					<-e.Journal().Changed()
				}
			}
			for e.Pending() > 0 {
				<-e.Journal().Changed()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
		b.Run(fmt.Sprintf("direct/handlers=%d", lanes), func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxSending}}
			defer client.CloseIdleConnections()
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := (b.N + lanes - 1) / lanes
			for l := range lanes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						resp, err := client.Post(urls[l], "application/x-www-form-urlencoded", bytes.NewReader(body))
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*lanes)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
