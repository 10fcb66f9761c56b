package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// dashboardTarget: with a dashboard page open (a live journal listener),
// the vendor path keeps at least this share of its throughput without one.
const dashboardTarget = 0.95

// liveListener is what an open dashboard page costs the server: one
// GET /_emulator/events stream, read as it comes.
type liveListener struct {
	cancel context.CancelFunc
	done   chan struct{}
	events atomic.Uint64
	bytes  atomic.Uint64
}

func openListener(addr string) (*liveListener, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/_emulator/events", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("the live journal answered %d", resp.StatusCode)
	}
	l := &liveListener{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			l.bytes.Add(uint64(len(line) + 1))
			if bytes.HasPrefix(line, []byte("event: ")) {
				l.events.Add(1)
			}
		}
	}()
	return l, nil
}

func (l *liveListener) close() {
	l.cancel()
	<-l.done
}

// runDashboard measures each scenario on one chatemu process with and
// without a dashboard page open, in interleaved rounds, and compares the
// throughputs and p99 latencies (docs/performance.md, "With the
// dashboard open").
func runDashboard(ctx context.Context, cfg config, chatemuBin string) error {
	out := cfg.out
	fmt.Fprintf(out, "chatemu with and without a dashboard page open: %d connections, %d round(s) of %v (+%v warm-up) each, loopback\n",
		cfg.conns, cfg.rounds, cfg.duration, cfg.warmup)
	fmt.Fprintf(out, "machine: %s\n\n", machine())
	emu, err := startServer("chatemu", chatemuBin, []string{"-addr", "127.0.0.1:0"}, nil)
	if err != nil {
		return err
	}
	defer emu.stop()
	type summary struct {
		name          string
		ratios, p99s  []float64
		plain, viewed []float64
		cpus          []float64 // server CPU per request, page open against none
	}
	var sums []summary
	for _, sc := range scenarios() {
		if cfg.filter != "" && !strings.Contains(sc.name, cfg.filter) {
			continue
		}
		fmt.Fprintln(out, sc.name)
		s := summary{name: sc.name}
		for i := 0; i < cfg.rounds; i++ {
			var plain, viewed *result
			var events, sent uint64
			measure := func(open bool) (*result, error) {
				if err := sc.prepare(emu.addr); err != nil {
					return nil, err
				}
				var l *liveListener
				if open {
					if l, err = openListener(emu.addr); err != nil {
						return nil, err
					}
					defer func() {
						events, sent = l.events.Load(), l.bytes.Load()
						l.close()
					}()
				}
				return generate(ctx, emu.addr, emu.pid(), cfg.conns, cfg.warmup, cfg.duration, 0, sc.build)
			}
			order := []bool{false, true}
			if i%2 == 1 {
				order = []bool{true, false}
			}
			for _, open := range order {
				res, err := measure(open)
				if err != nil {
					return fmt.Errorf("%s: %w", sc.name, err)
				}
				if res.Errors > 0 {
					return fmt.Errorf("%s round %d: non-2xx answers %v", sc.name, i+1, res.Status)
				}
				if open {
					viewed = res
				} else {
					plain = res
				}
			}
			ratio := viewed.RPS() / plain.RPS()
			p99 := float64(viewed.Latency.quantile(0.99)) / float64(plain.Latency.quantile(0.99))
			s.ratios, s.p99s = append(s.ratios, ratio), append(s.p99s, p99)
			s.plain, s.viewed = append(s.plain, plain.RPS()), append(s.viewed, viewed.RPS())
			pc, _ := plain.CPUPerRequest()
			vc, _ := viewed.CPUPerRequest()
			cpu := 0.0
			if pc > 0 {
				cpu = float64(vc) / float64(pc)
				s.cpus = append(s.cpus, cpu)
			}
			fmt.Fprintf(out, "  round %d: no page %7.0f req/s p99 %v CPU/req %v | page open %7.0f req/s p99 %v CPU/req %v (%d events, %d KB streamed) | ratio %.3f, p99 ratio %.2f, CPU/req ratio %.3f\n",
				i+1, plain.RPS(), plain.Latency.quantile(0.99), pc.Round(100*time.Nanosecond), viewed.RPS(), viewed.Latency.quantile(0.99),
				vc.Round(100*time.Nanosecond), events, sent>>10, ratio, p99, cpu)
		}
		sums = append(sums, s)
	}
	fmt.Fprintln(out, "\nthroughput with a dashboard page open against none (median of the rounds' ratios; min-max in brackets)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tno page req/s\tpage open req/s\tratio\ttarget\tp99 ratio\tCPU/req ratio\tresult")
	for _, s := range sums {
		ratio := median(s.ratios)
		verdict := "PASS"
		if ratio < dashboardTarget {
			verdict = "MISS"
		}
		cpu := "-"
		if len(s.cpus) > 0 {
			cpu = fmt.Sprintf("%.3f (%.3f-%.3f)", median(s.cpus), slices.Min(s.cpus), slices.Max(s.cpus))
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.3f (%.3f-%.3f)\t>=%.2f\t%.2f (%.2f-%.2f)\t%s\t%s\n", s.name, median(s.plain), median(s.viewed),
			ratio, slices.Min(s.ratios), slices.Max(s.ratios), dashboardTarget, median(s.p99s), slices.Min(s.p99s), slices.Max(s.p99s), cpu, verdict)
	}
	return tw.Flush()
}
