package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// servePprof serves the runtime profiles (net/http/pprof) on their own
// listener when CHATEMU_PPROF names an address, for contributors measuring
// the request path (docs/performance.md). It is off by default, has no flag
// and never shares the emulator's port. Only loopback addresses are
// accepted unless CHATEMU_PPROF_ANY is set.
func servePprof(logger *slog.Logger) {
	addr := os.Getenv("CHATEMU_PPROF")
	if addr == "" {
		return
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || (!isLoopbackHost(host) && os.Getenv("CHATEMU_PPROF_ANY") == "") {
		logger.Warn("CHATEMU_PPROF must be a loopback host:port; profiling stays off", "addr", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		logger.Warn("profiling listener", "addr", addr, "err", err)
		return
	}
	logger.Info("profiling on", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
