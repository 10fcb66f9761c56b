package main

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestQuickRun keeps the load harness from rotting: it builds both servers
// and runs every measurement for a fraction of a second. It asserts that
// the run completes and reports, never how fast anything was.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries and runs them")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the servers with")
	}
	var out bytes.Buffer
	cfg := config{rounds: 1, conns: 50, rssRequests: 1_000_000, coldStarts: 10, out: &out}
	cfg.quick()
	if err := run(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"cold start", "imbox grabAgents", "imbot.chat.user.list", "imbot.chat.user.add", "imba_rooms create", "resident memory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestQuickDashboardRun keeps the -dashboard mode working: each scenario
// with and without a live journal listener, for a fraction of a second.
func TestQuickDashboardRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries and runs them")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the servers with")
	}
	var out bytes.Buffer
	cfg := config{rounds: 1, conns: 50, dashboard: true, filter: "grabAgents", out: &out}
	cfg.quick()
	if err := run(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"imbox grabAgents", "page open", "events"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	h := newHistogram()
	for us := 1; us <= 10000; us++ {
		h.record(timeMicro(us))
	}
	for _, c := range []struct {
		q    float64
		want int
	}{{0.5, 5000}, {0.99, 9900}, {0.01, 100}} {
		got := int(h.quantile(c.q) / timeMicro(1))
		if d := got - c.want; d < -c.want/50 || d > c.want/50 {
			t.Errorf("q%.2f = %dµs, want %dµs ±2%%", c.q, got, c.want)
		}
	}
	for i := 0; i < len(h.counts); i++ {
		if histIndex(histValue(i)) != i {
			t.Fatalf("bucket %d: upper bound %d maps to bucket %d", i, histValue(i), histIndex(histValue(i)))
		}
	}
}

func TestReadResponse(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" +
		"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
	r := bufioReader(raw)
	for _, want := range []int{200, 404} {
		status, err := readResponse(r)
		if err != nil || status != want {
			t.Fatalf("readResponse = %d, %v; want %d", status, err, want)
		}
	}
}

func timeMicro(n int) time.Duration { return time.Duration(n) * time.Microsecond }

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
