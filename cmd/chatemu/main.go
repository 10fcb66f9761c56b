// Command chatemu serves the emulated ImbaChat, Bitrix24 and ImBox APIs
// and the control plane on one port.
//
//	chatemu [flags]            serve (default :8080, embedded fixtures)
//	chatemu validate FILE...   check fixture, seed and scenario documents against the schemas
//	chatemu healthcheck        exit 0 when the local server answers healthz
//	chatemu version            print the version
//
// Every flag has an environment variable (CHATEMU_ADDR, ...); a flag given on
// the command line wins over its variable.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/fault"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "validate":
			return validate(args[1:], stdout, stderr)
		case "healthcheck":
			return healthcheck(args[1:], stderr)
		case "version":
			fmt.Fprintln(stdout, "chatemu", version)
			return 0
		}
	}
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "chatemu:", err)
		return 2
	}
	if err := serve(opts, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "chatemu:", err)
		return 1
	}
	return 0
}

// options are the serve flags.
type options struct {
	addr, fixtures, data, logLevel, adminToken, clock string
	seed                                              uint64
	freeze                                            bool
	shutdownTimeout, eventTimeout                     time.Duration
	scenarios                                         []string
	tls                                               tlsOptions
	limits                                            serverLimits
}

// serverLimits bound what one client can hold: how long it may take to
// send its headers and its whole request, to read the answer, how long an
// idle keep-alive connection stays open, and how large the headers may be.
type serverLimits struct {
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
	maxHeaderBytes                                            int
}

// register declares the limit flags; each takes its environment variable
// as default. env collects the variables that do not parse.
func (l *serverLimits) register(fs *flag.FlagSet, env *envDefaults) {
	fs.DurationVar(&l.readHeaderTimeout, "read-header-timeout", env.duration("CHATEMU_READ_HEADER_TIMEOUT", 10*time.Second),
		"how long a client may take to send a request's headers; 0: --read-timeout applies (CHATEMU_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&l.readTimeout, "read-timeout", env.duration("CHATEMU_READ_TIMEOUT", 60*time.Second),
		"how long a client may take to send a whole request, body included; 0: no limit (CHATEMU_READ_TIMEOUT)")
	fs.DurationVar(&l.writeTimeout, "write-timeout", env.duration("CHATEMU_WRITE_TIMEOUT", 0),
		"how long answering a request may take, from the end of its headers; 0: no limit, as scenarios may hold answers (CHATEMU_WRITE_TIMEOUT)")
	fs.DurationVar(&l.idleTimeout, "idle-timeout", env.duration("CHATEMU_IDLE_TIMEOUT", 120*time.Second),
		"how long an idle keep-alive connection stays open; 0: --read-timeout (CHATEMU_IDLE_TIMEOUT)")
	fs.IntVar(&l.maxHeaderBytes, "max-header-bytes", env.integer("CHATEMU_MAX_HEADER_BYTES", 1<<20),
		"largest request line and headers accepted; larger ones are answered 431 (CHATEMU_MAX_HEADER_BYTES)")
}

func (l *serverLimits) check() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"--read-header-timeout", l.readHeaderTimeout}, {"--read-timeout", l.readTimeout},
		{"--write-timeout", l.writeTimeout}, {"--idle-timeout", l.idleTimeout}} {
		if f.d < 0 {
			return fmt.Errorf("%s must not be negative, got %v", f.name, f.d)
		}
	}
	if l.maxHeaderBytes < 4096 {
		return fmt.Errorf("--max-header-bytes must be at least 4096, got %d", l.maxHeaderBytes)
	}
	return nil
}

// newServer is the HTTP server chatemu runs: its handler, the limits and
// the logger for connection errors.
func newServer(h http.Handler, l serverLimits, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeaderTimeout,
		ReadTimeout:       l.readTimeout,
		WriteTimeout:      l.writeTimeout,
		IdleTimeout:       l.idleTimeout,
		MaxHeaderBytes:    l.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// envDefaults reads typed flag defaults from the environment, remembering
// the variables that do not parse.
type envDefaults struct{ errs []error }

func (e *envDefaults) duration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s must be a duration such as 30s, got %q", name, v))
		return def
	}
	return d
}

func (e *envDefaults) integer(name string, def int) int {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s must be a whole number, got %q", name, v))
		return def
	}
	return n
}

// listFlag collects a repeatable flag; the first use on the command line
// replaces the default taken from the environment.
type listFlag struct {
	values []string
	set    bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }
func (l *listFlag) Set(v string) error {
	if !l.set {
		l.values, l.set = nil, true
	}
	l.values = append(l.values, v)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("chatemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", env("CHATEMU_ADDR", ":8080"), "listen address (CHATEMU_ADDR)")
	fs.StringVar(&o.fixtures, "fixtures", env("CHATEMU_FIXTURES", ""), "directory of fixture documents replacing the embedded defaults (CHATEMU_FIXTURES)")
	fs.StringVar(&o.data, "data", env("CHATEMU_DATA", ""), "keep state in this data file instead of memory (CHATEMU_DATA)")
	fs.StringVar(&o.logLevel, "log-level", env("CHATEMU_LOG_LEVEL", "info"), "debug, info, warn or error (CHATEMU_LOG_LEVEL)")
	fs.StringVar(&o.adminToken, "admin-token", env("CHATEMU_ADMIN_TOKEN", ""), "protect the control plane with this bearer token (CHATEMU_ADMIN_TOKEN)")
	fs.StringVar(&o.clock, "clock", env("CHATEMU_CLOCK", ""), "start the emulator clock at this RFC 3339 time (CHATEMU_CLOCK)")
	fs.BoolVar(&o.freeze, "freeze-clock", envBool("CHATEMU_FREEZE_CLOCK"), "keep the clock still at --clock until moved (CHATEMU_FREEZE_CLOCK)")
	var envs envDefaults
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", envs.duration("CHATEMU_SHUTDOWN_TIMEOUT", 10*time.Second),
		"how long in-flight requests may finish on SIGINT/SIGTERM (CHATEMU_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&o.eventTimeout, "event-timeout", envs.duration("CHATEMU_EVENT_TIMEOUT", 5*time.Second),
		"how long a handler of the system under test has to answer a delivery (a bot event, a webhook, a callback) (CHATEMU_EVENT_TIMEOUT)")
	o.limits.register(fs, &envs)
	var scenarioFlags listFlag
	if v := os.Getenv("CHATEMU_SCENARIOS"); v != "" {
		scenarioFlags.values = strings.Split(v, ",")
	}
	fs.Var(&scenarioFlags, "scenario", "activate a scenario: a file or a bundled name; repeatable (CHATEMU_SCENARIOS, comma-separated)")
	o.tls.register(fs)
	seed := fs.String("seed", env("CHATEMU_SEED", "1"), "random seed for generated ids and fault draws (CHATEMU_SEED)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chatemu [flags] | chatemu validate FILE... | chatemu healthcheck | chatemu version")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see chatemu -h)", fs.Arg(0))
	}
	if len(envs.errs) > 0 {
		return nil, errors.Join(envs.errs...)
	}
	if err := o.limits.check(); err != nil {
		return nil, err
	}
	if o.shutdownTimeout < 0 {
		return nil, fmt.Errorf("--shutdown-timeout must not be negative, got %v", o.shutdownTimeout)
	}
	if o.eventTimeout <= 0 || o.eventTimeout > 10*time.Minute {
		return nil, fmt.Errorf("--event-timeout must be above 0 and at most 10m, got %v", o.eventTimeout)
	}
	n, err := strconv.ParseUint(*seed, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("--seed must be a non-negative integer, got %q", *seed)
	}
	o.seed = n
	o.scenarios = scenarioFlags.values
	return o, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func serve(o *options, stdout, stderr io.Writer) error {
	logger, err := newLogger(o.logLevel, stderr)
	if err != nil {
		return err
	}
	logger.Debug("garbage collector", "GOGC", tuneGC())
	cfg := emulator.Config{DataFile: o.data, Seed: o.seed, Logger: logger, AdminToken: o.adminToken, FreezeClock: o.freeze,
		EventTimeout: o.eventTimeout}
	if o.fixtures != "" {
		if st, err := os.Stat(o.fixtures); err != nil || !st.IsDir() {
			return fmt.Errorf("--fixtures %s: not a directory", o.fixtures)
		}
		cfg.Fixtures = os.DirFS(o.fixtures)
	}
	if o.clock != "" {
		t, err := time.Parse(time.RFC3339, o.clock)
		if err != nil {
			return fmt.Errorf("--clock must be an RFC 3339 time: %w", err)
		}
		cfg.Clock = t
	}
	for _, ref := range o.scenarios {
		sc, err := loadScenario(ref)
		if err != nil {
			return err
		}
		cfg.Scenarios = append(cfg.Scenarios, sc)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		return err
	}
	defer emu.Close()
	servePprof(logger)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if ln, err = o.tls.wrap(ln, stdout); err != nil {
		return err
	}
	srv := newServer(emu, o.limits, logger)
	base := baseURL(ln.Addr())
	if o.tls.enabled() {
		base = "https" + strings.TrimPrefix(base, "http")
	}
	fmt.Fprintf(stdout, "chatemu %s listening on %s\n", version, base)
	fmt.Fprintf(stdout, "  ImbaChat       %s/imbachat/\n", base)
	fmt.Fprintf(stdout, "  Bitrix24       %s/rest/ (webhook %s/rest/1/abc/, OAuth refresh %s/oauth/token/)\n", base, base, base)
	fmt.Fprintf(stdout, "  ImBox          %s/message/\n", base)
	fmt.Fprintf(stdout, "  control plane  %s/_emulator/\n", base)
	if o.adminToken == "" && !isLoopback(ln.Addr()) {
		logger.Warn("the control plane is open to the network: set --admin-token to protect it")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	emu.Release() // requests held by faults go now
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return emu.Close()
}

// baseURL is how a client on this machine reaches the listener.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// loadScenario reads a scenario file, or a bundled scenario by name.
func loadScenario(ref string) (*fault.Scenario, error) {
	data, err := os.ReadFile(ref)
	if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(ref, `/\`) && !strings.HasSuffix(ref, ".json") {
		return fault.Bundled(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("--scenario %s: %w", ref, err)
	}
	return fault.Parse(ref, data)
}

// validate checks fixture, seed and scenario documents against the schemas
// (a document with "rules" is a scenario).
func validate(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "usage: chatemu validate FILE...")
		return 2
	}
	bad := 0
	// An instance checks what the schemas cannot: its scenario engine knows
	// its vendors' operations and errors, and its vendors the references
	// inside fixture documents (each file is applied after the ones before
	// it, over the default fixtures, as seeds are).
	checker, err := emulator.New(emulator.Config{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer checker.Close()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil {
			var probe map[string]json.RawMessage
			if json.Unmarshal(data, &probe) == nil && probe["rules"] != nil {
				var sc *fault.Scenario
				if sc, err = fault.Parse(f, data); err == nil {
					err = checker.Faults().Check(sc)
				}
			} else {
				_, err = checker.Seed(f, data)
			}
		}
		if err != nil {
			bad++
			fmt.Fprintln(stderr, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: valid\n", f)
	}
	if bad > 0 {
		return 1
	}
	return 0
}

// healthcheck asks the local server's healthz (for container HEALTHCHECK,
// which has no shell or curl in a scratch image).
func healthcheck(args []string, stderr io.Writer) int {
	addr := env("CHATEMU_ADDR", ":8080")
	if len(args) > 0 {
		addr = args[0]
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	scheme := "http"
	if envBool("CHATEMU_TLS") || os.Getenv("CHATEMU_TLS_CERT") != "" {
		scheme = "https"                                                                           // the local server's own certificate: checked for answering, not for trust
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback health probe
	}
	req, _ := http.NewRequest(http.MethodGet, scheme+"://"+net.JoinHostPort(host, port)+"/_emulator/healthz", nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}
