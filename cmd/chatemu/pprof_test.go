package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Not parallel: the tests set CHATEMU_PPROF.

func TestPprofOffByDefault(t *testing.T) {
	t.Setenv("CHATEMU_PPROF", "")
	var logs bytes.Buffer
	servePprof(slog.New(slog.NewTextHandler(&logs, nil)))
	if logs.Len() != 0 {
		t.Fatalf("logged without CHATEMU_PPROF: %s", logs.String())
	}
}

func TestPprofLoopbackOnly(t *testing.T) {
	t.Setenv("CHATEMU_PPROF", "0.0.0.0:0")
	t.Setenv("CHATEMU_PPROF_ANY", "")
	var logs bytes.Buffer
	servePprof(slog.New(slog.NewTextHandler(&logs, nil)))
	if !strings.Contains(logs.String(), "profiling stays off") {
		t.Fatalf("a non-loopback address was not refused: %s", logs.String())
	}
}

func TestPprofServesProfiles(t *testing.T) {
	t.Setenv("CHATEMU_PPROF", "127.0.0.1:0")
	var logs bytes.Buffer
	servePprof(slog.New(slog.NewTextHandler(&logs, nil)))
	m := regexp.MustCompile(`url=(http://\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no profiling URL logged: %s", logs.String())
	}
	resp, err := http.Get(m[1] + "cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %scmdline: %d", m[1], resp.StatusCode)
	}
}
