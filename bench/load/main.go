// Command load measures chatemu against a bare net/http server answering
// the same bytes, on loopback, with the same load generator, and prints the
// throughput and p99 ratios per request path with the targets of the
// performance budget (docs/performance.md):
//
//	go run ./bench/load                 # the full run: a few minutes
//	go run ./bench/load -quick          # a smoke run of a few seconds (no figures worth keeping)
//	go run ./bench/load -rounds 5 -duration 10s -scenario user.add
//	go run ./bench/load -profile prof   # CPU profiles of chatemu, one per scenario
//	go run ./bench/load -dashboard      # with and without a dashboard page open
//
// Both servers run as separate processes built from this module (GOMAXPROCS
// left at its default) and are measured in interleaved rounds, alternating
// which goes first, because absolute throughput drifts on shared machines:
// only the ratios within a round are compared. It also measures the
// binary's cold start to healthy and its resident memory before and after
// a million requests.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of the performance budget.
const (
	readTarget  = 0.90
	writeTarget = 0.60
	p99Target   = 1.5
)

type config struct {
	rounds      int
	duration    time.Duration
	warmup      time.Duration
	conns       int
	filter      string
	rssRequests uint64
	coldStarts  int
	profileDir  string
	chatemuBin  string
	bareBin     string
	hostile     int
	deliveries  int
	dashboard   bool
	out         io.Writer
}

func main() {
	cfg := config{out: os.Stdout}
	quick := flag.Bool("quick", false, "a smoke run of a few seconds: one short round per scenario, few requests (figures not meaningful)")
	flag.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds per scenario")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "measured time per server per round")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured load before each measured window")
	flag.IntVar(&cfg.conns, "conns", 50, "concurrent keep-alive connections")
	flag.StringVar(&cfg.filter, "scenario", "", "run only scenarios whose name contains this")
	flag.Uint64Var(&cfg.rssRequests, "rss-requests", 1_000_000, "requests of the memory check (0 skips it)")
	flag.IntVar(&cfg.coldStarts, "cold-starts", 10, "cold starts measured per server (0 skips them)")
	flag.StringVar(&cfg.profileDir, "profile", "", "write a CPU profile of chatemu during its first round of each scenario into this directory")
	flag.StringVar(&cfg.chatemuBin, "chatemu", "", "a prebuilt chatemu binary (default: build one)")
	flag.StringVar(&cfg.bareBin, "bare", "", "a prebuilt bench/bare binary (default: build one)")
	flag.IntVar(&cfg.hostile, "hostile", 0, "instead of the load benchmark, send this many hostile requests of each kind and check the memory and CPU bounds (docs/reliability.md)")
	flag.IntVar(&cfg.deliveries, "deliveries", 0, "instead of the load benchmark, measure this many deliveries (bot events, webhooks) per trigger to a local handler")
	flag.BoolVar(&cfg.dashboard, "dashboard", false, "instead of the load benchmark, compare chatemu with and without a dashboard page open (a live journal listener) on each scenario")
	flag.Parse()
	if *quick {
		cfg.quick()
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// quick shrinks a run to a smoke test of the harness.
func (c *config) quick() {
	c.rounds, c.duration, c.warmup = 1, 300*time.Millisecond, 100*time.Millisecond
	c.conns = min(c.conns, 8)
	c.rssRequests = min(c.rssRequests, 2000)
	c.coldStarts = min(c.coldStarts, 1)
}

// round is one measured pair.
type round struct {
	bare, chatemu *result
}

func (r round) ratio() float64 { return r.chatemu.RPS() / r.bare.RPS() }
func (r round) p99Ratio() float64 {
	return float64(r.chatemu.Latency.quantile(0.99)) / float64(r.bare.Latency.quantile(0.99))
}

func run(ctx context.Context, cfg config) error {
	dir, err := os.MkdirTemp("", "chatemu-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	chatemuBin, bareBin, err := buildBinaries(dir, cfg.chatemuBin, cfg.bareBin)
	if err != nil {
		return err
	}
	if cfg.hostile > 0 {
		return runHostile(cfg, chatemuBin)
	}
	if cfg.deliveries > 0 {
		return runDeliveries(cfg, chatemuBin)
	}
	if cfg.dashboard {
		return runDashboard(ctx, cfg, chatemuBin)
	}
	out := cfg.out
	fmt.Fprintf(out, "chatemu load benchmark: %d connections, %d round(s) of %v (+%v warm-up) per server, loopback\n",
		cfg.conns, cfg.rounds, cfg.duration, cfg.warmup)
	fmt.Fprintf(out, "machine: %s\n\n", machine())

	if cfg.coldStarts > 0 {
		if err := measureColdStart(out, cfg, chatemuBin, bareBin); err != nil {
			return err
		}
	}

	var env []string
	pprofAddr := ""
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return err
		}
		if pprofAddr, err = freeAddr(); err != nil {
			return err
		}
		env = append(env, "CHATEMU_PPROF="+pprofAddr)
	}
	emu, err := startServer("chatemu", chatemuBin, []string{"-addr", "127.0.0.1:0"}, env)
	if err != nil {
		return err
	}
	defer emu.stop()

	type summary struct {
		sc     *scenario
		rounds []round
	}
	var sums []summary
	for _, sc := range scenarios() {
		if cfg.filter != "" && !strings.Contains(sc.name, cfg.filter) {
			continue
		}
		rounds, err := runScenario(ctx, cfg, sc, emu, bareBin, dir, pprofAddr)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		sums = append(sums, summary{sc, rounds})
	}

	if len(sums) > 0 {
		fmt.Fprintln(out, "\nthroughput and p99 latency, chatemu against the bare server (median of the rounds' ratios; min-max in brackets)")
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "scenario\tbare req/s\tchatemu req/s\tratio\ttarget\tbare p99\tchatemu p99\tp99 ratio\ttarget\tresult")
		for _, s := range sums {
			target := readTarget
			if s.sc.write {
				target = writeTarget
			}
			ratios, p99s := make([]float64, len(s.rounds)), make([]float64, len(s.rounds))
			var bareRPS, emuRPS []float64
			var bareP99, emuP99 []float64
			for i, r := range s.rounds {
				ratios[i], p99s[i] = r.ratio(), r.p99Ratio()
				bareRPS, emuRPS = append(bareRPS, r.bare.RPS()), append(emuRPS, r.chatemu.RPS())
				bareP99 = append(bareP99, float64(r.bare.Latency.quantile(0.99)))
				emuP99 = append(emuP99, float64(r.chatemu.Latency.quantile(0.99)))
			}
			ratio, p99 := median(ratios), median(p99s)
			verdict := "PASS"
			if ratio < target || p99 > p99Target {
				verdict = "MISS"
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f (%.2f-%.2f)\t>=%.2f\t%v\t%v\t%.2f (%.2f-%.2f)\t<=%.1f\t%s\n",
				s.sc.name, median(bareRPS), median(emuRPS), ratio, slices.Min(ratios), slices.Max(ratios), target,
				time.Duration(median(bareP99)), time.Duration(median(emuP99)), p99, slices.Min(p99s), slices.Max(p99s), p99Target, verdict)
		}
		tw.Flush()
	}

	if cfg.rssRequests > 0 {
		emu.stop() // a fresh process for the memory check
		if err := measureMemory(ctx, out, cfg, chatemuBin); err != nil {
			return err
		}
	}
	return nil
}

func runScenario(ctx context.Context, cfg config, sc *scenario, emu *server, bareBin, dir, pprofAddr string) ([]round, error) {
	// The bare server answers what chatemu answers to the first request.
	if err := sc.prepare(emu.addr); err != nil {
		return nil, err
	}
	status, ctype, body, err := fetch(emu.addr, withClose(sc.build(nil, emu.addr, 0)))
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("chatemu answered the sample request with %d: %s", status, body)
	}
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return nil, err
	}
	bare, err := startServer("bare", bareBin, []string{"-addr", "127.0.0.1:0", "-body", bodyFile, "-content-type", ctype}, nil)
	if err != nil {
		return nil, err
	}
	defer bare.stop()
	fmt.Fprintf(cfg.out, "%s (%d-byte answer, %s)\n", sc.name, len(body), ctype)

	var rounds []round
	for i := 0; i < cfg.rounds; i++ {
		var r round
		runBare := func() error {
			res, err := generate(ctx, bare.addr, bare.pid(), cfg.conns, cfg.warmup, cfg.duration, 0, sc.build)
			r.bare = res
			return err
		}
		runChatemu := func() error {
			if err := sc.prepare(emu.addr); err != nil {
				return err
			}
			var prof chan error
			if i == 0 && pprofAddr != "" {
				prof = make(chan error, 1)
				go func() { prof <- cpuProfile(pprofAddr, cfg, sc) }()
			}
			res, err := generate(ctx, emu.addr, emu.pid(), cfg.conns, cfg.warmup, cfg.duration, 0, sc.build)
			if prof != nil {
				if perr := <-prof; perr != nil {
					fmt.Fprintln(cfg.out, "  profile:", perr)
				}
			}
			r.chatemu = res
			return err
		}
		order := []func() error{runBare, runChatemu}
		if i%2 == 1 {
			order = []func() error{runChatemu, runBare}
		}
		for _, f := range order {
			if err := f(); err != nil {
				return nil, err
			}
		}
		if r.chatemu.Errors > 0 || r.bare.Errors > 0 {
			return nil, fmt.Errorf("round %d: non-2xx answers (chatemu %v, bare %v)", i+1, r.chatemu.Status, r.bare.Status)
		}
		fmt.Fprintf(cfg.out, "  round %d: bare %7.0f req/s p50 %v p99 %v | chatemu %7.0f req/s p50 %v p99 %v | ratio %.2f, p99 ratio %.2f\n",
			i+1, r.bare.RPS(), r.bare.Latency.quantile(0.5), r.bare.Latency.quantile(0.99),
			r.chatemu.RPS(), r.chatemu.Latency.quantile(0.5), r.chatemu.Latency.quantile(0.99), r.ratio(), r.p99Ratio())
		bs, bc := r.bare.CPUPerRequest()
		cs, cc := r.chatemu.CPUPerRequest()
		if bs > 0 && cs > 0 {
			fmt.Fprintf(cfg.out, "           CPU per request: bare %v (generator %v) | chatemu %v (generator %v)\n",
				bs.Round(100*time.Nanosecond), bc.Round(100*time.Nanosecond), cs.Round(100*time.Nanosecond), cc.Round(100*time.Nanosecond))
		}
		rounds = append(rounds, r)
	}
	return rounds, nil
}

// cpuProfile records chatemu's CPU profile over the measured window of a
// round (it starts with the warm-up and lasts the window, rounded up to
// whole seconds).
func cpuProfile(pprofAddr string, cfg config, sc *scenario) error {
	time.Sleep(cfg.warmup)
	secs := int((cfg.duration + time.Second - 1) / time.Second)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("pprof: status %d", resp.StatusCode)
	}
	name := strings.NewReplacer(" ", "-", ".", "-").Replace(sc.name) + ".cpu.pprof"
	f, err := os.Create(filepath.Join(cfg.profileDir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return err
	}
	fmt.Fprintf(cfg.out, "  CPU profile: %s\n", f.Name())
	return nil
}

func measureColdStart(out io.Writer, cfg config, chatemuBin, bareBin string) error {
	var bare, emu []float64
	for i := 0; i < cfg.coldStarts; i++ {
		d, err := coldStart(bareBin, nil, "/")
		if err != nil {
			return err
		}
		bare = append(bare, float64(d))
		d, err = coldStart(chatemuBin, nil, "/_emulator/healthz")
		if err != nil {
			return err
		}
		emu = append(emu, float64(d))
	}
	verdict := "PASS"
	if time.Duration(median(emu)) >= 100*time.Millisecond {
		verdict = "MISS"
	}
	fmt.Fprintf(out, "cold start, exec to the first 200 (median of %d; min-max): bare %v (%v-%v), chatemu healthz %v (%v-%v); target < 100ms: %s\n\n",
		cfg.coldStarts, ms(median(bare)), ms(slices.Min(bare)), ms(slices.Max(bare)),
		ms(median(emu)), ms(slices.Min(emu)), ms(slices.Max(emu)), verdict)
	return nil
}

// measureMemory starts a fresh chatemu and reads its resident memory idle,
// after a warm-up of 20,000 requests, and after cfg.rssRequests more
// (alternating the two read paths, so that the journal fills and wraps
// many times over).
func measureMemory(ctx context.Context, out io.Writer, cfg config, chatemuBin string) error {
	emu, err := startServer("chatemu", chatemuBin, []string{"-addr", "127.0.0.1:0"}, nil)
	if err != nil {
		return err
	}
	defer emu.stop()
	pid := emu.cmd.Process.Pid
	idle, _, err := rss(pid)
	if err != nil {
		return err
	}
	reads := []requestFunc{get("/message/grabAgents/apiKey/1"), get("/rest/1/abc/imbot.chat.user.list?CHAT_ID=13&CLIENT_ID=chatemu")}
	mixed := func(buf []byte, host string, n uint64) []byte { return reads[n%2](buf, host, n) }
	warm := min(20_000, cfg.rssRequests)
	if _, err := generate(ctx, emu.addr, 0, cfg.conns, 0, 0, warm, mixed); err != nil {
		return err
	}
	before, _, err := rss(pid)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := generate(ctx, emu.addr, 0, cfg.conns, 0, 0, cfg.rssRequests, mixed)
	if err != nil {
		return err
	}
	after, peak, err := rss(pid)
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("memory check: non-2xx answers %v", res.Status)
	}
	growth := float64(after-before) / float64(before)
	verdict := "PASS"
	if growth > 0.10 {
		verdict = "MISS"
	}
	fmt.Fprintf(out, "\nresident memory of a fresh chatemu (VmRSS): idle %s; after %d warm-up requests %s; after %d more requests (%v, %.0f req/s) %s (%+.1f%%), peak %s; flat (within 10%%): %s\n",
		mib(idle), warm, mib(before), res.Requests, time.Since(start).Round(time.Second), res.RPS(), mib(after), 100*growth, mib(peak), verdict)
	return nil
}

// withClose adds "Connection: close" to a built request.
func withClose(req []byte) []byte {
	s := string(req)
	i := strings.Index(s, "\r\n")
	return []byte(s[:i+2] + "Connection: close\r\n" + s[i+2:])
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(ns float64) string { return fmt.Sprintf("%.1fms", ns/1e6) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// machine describes the host: CPU count and model.
func machine() string {
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s", runtime.NumCPU(), model, runtime.Version())
}
