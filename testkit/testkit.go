// Package testkit starts chatemu in-process for Go tests, the way
// net/http/httptest starts a server: a fresh, isolated instance on a random
// loopback port per call, closed when the test ends.
//
//	func TestMyClient(t *testing.T) {
//		t.Parallel()
//		emu := testkit.Start(t)
//		client := myimbachat.New(emu.ImbaChatURL(), "627", "secret_key")
//		...
//		emu.AssertCalled(t, "imbachat.send_msg", testkit.Params{"room_id": "1536"}, 1)
//	}
package testkit

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/emulator/imbachat"
)

// Server is a running emulator instance.
type Server struct {
	emu        *emulator.Emulator
	srv        *httptest.Server
	adminToken string // sent by the vendor helpers that drive the control plane
}

// Option edits the emulator.Config of an instance.
type Option func(*emulator.Config)

// WithFixtures replaces the embedded default fixtures with the *.json
// documents at the top of fsys (os.DirFS("testdata/fixtures"), an embed.FS).
func WithFixtures(fsys fs.FS) Option { return func(c *emulator.Config) { c.Fixtures = fsys } }

// WithSeedData adds a fixture document (JSON) on top of the fixtures; it is
// applied again at every Reset.
func WithSeedData(doc []byte) Option {
	return func(c *emulator.Config) { c.SeedDocuments = append(c.SeedDocuments, doc) }
}

// WithDataFile keeps the instance's state in a data file.
func WithDataFile(path string) Option { return func(c *emulator.Config) { c.DataFile = path } }

// WithSeed seeds the random source (generated ids, fault draws).
func WithSeed(seed uint64) Option { return func(c *emulator.Config) { c.Seed = seed } }

// WithClock freezes the emulator clock at t until the test moves it.
func WithClock(t time.Time) Option {
	return func(c *emulator.Config) { c.Clock, c.FreezeClock = t, true }
}

// WithLogger sends the instance's logs to l.
func WithLogger(l *slog.Logger) Option { return func(c *emulator.Config) { c.Logger = l } }

// WithScenario makes a scenario active from the start (and after every
// Reset): fault.Parse for a document, fault.Bundled for a bundled one.
func WithScenario(sc *fault.Scenario) Option {
	return func(c *emulator.Config) { c.Scenarios = append(c.Scenarios, sc) }
}

// WithConfig edits the whole configuration.
func WithConfig(edit func(*emulator.Config)) Option { return Option(edit) }

// Start starts an instance and registers its shutdown with t.Cleanup. Any
// set-up error fails the test at once.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("testkit: starting chatemu: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts an instance outside a test (an Example, a TestMain, a tool);
// the caller closes it.
func New(opts ...Option) (*Server, error) {
	var cfg emulator.Config
	for _, o := range opts {
		o(&cfg)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Server{emu: emu, srv: httptest.NewServer(emu), adminToken: cfg.AdminToken}, nil
}

// Close stops the server and releases the state; Start's cleanup calls it.
// Requests held by faults are let go first.
func (s *Server) Close() {
	s.emu.Release()
	s.srv.Close()
	_ = s.emu.Close()
}

// URL is the instance's base URL, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.srv.URL }

// ImbaChatURL is what replaces https://api.imbachat.com in a client's
// configuration ("http://127.0.0.1:PORT"; paths start with /imbachat/).
func (s *Server) ImbaChatURL() string { return s.srv.URL }

// Bitrix24WebhookURL is the default portal's incoming webhook,
// "http://127.0.0.1:PORT/rest/1/abc/": append a method name.
func (s *Server) Bitrix24WebhookURL() string { return s.srv.URL + "/rest/1/abc/" }

// Bitrix24URL is the OAuth REST endpoint, "http://127.0.0.1:PORT/rest/"
// (a client's client_endpoint): append a method name and send an access
// token (test-access-token in the default fixtures).
func (s *Server) Bitrix24URL() string { return s.srv.URL + "/rest/" }

// ImBoxURL is what replaces https://apiv2.imbox.io in a client's
// configuration ("http://127.0.0.1:PORT"; paths start with /message/).
func (s *Server) ImBoxURL() string { return s.srv.URL }

// Client is an HTTP client for the instance.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Emulator is the instance itself, for what the helpers do not cover.
func (s *Server) Emulator() *emulator.Emulator { return s.emu }

// Reset reloads the fixtures, clears the journal and resets the clock.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	if err := s.emu.Reset(); err != nil {
		t.Fatalf("testkit: reset: %v", err)
	}
}

// Seed applies a fixture document (JSON) to the running instance.
func (s *Server) Seed(t testing.TB, doc []byte) {
	t.Helper()
	if _, err := s.emu.Seed("seed document", doc); err != nil {
		t.Fatalf("testkit: seed: %v", err)
	}
}

// Now is the emulator clock's time.
func (s *Server) Now() time.Time { return s.emu.Clock().Now() }

// SetClock moves the emulator clock to t and freezes it there.
func (s *Server) SetClock(t time.Time) { s.emu.Clock().Set(t, true) }

// Advance moves the emulator clock forward by d (a week: 7*24*time.Hour).
func (s *Server) Advance(d time.Duration) { s.emu.Clock().Advance(d) }

// Params selects journal records by their decoded parameters: each name
// must have been sent with that value (as text; nested names use PHP
// brackets, "users_ids[0]").
type Params map[string]string

// ImbaChatUserToken mints the JWT an ImbaChat widget user carries (HS256
// with the widget's secret key, "user_id" and "exp" claims), valid for ttl by
// the emulator clock; send it in the "JWT" header of get_rooms or
// get_messages.
func (s *Server) ImbaChatUserToken(t testing.TB, secretKey string, userID int64, ttl time.Duration) string {
	t.Helper()
	tok, err := imbachat.UserToken(secretKey, userID, s.Now().Add(ttl).Unix())
	if err != nil {
		t.Fatalf("testkit: minting a token: %v", err)
	}
	return tok
}

// Calls returns the journaled requests to an operation (its name, with or
// without the vendor prefix: "imbachat.send_msg" or "send_msg",
// "bitrix24.imbot.chat.add" or "imbot.chat.add") whose parameters include
// params, oldest first.
func (s *Server) Calls(operation string, params Params) []emulator.Exchange {
	var out []emulator.Exchange
	for _, e := range s.emu.Journal().Find(emulator.JournalFilter{Operation: operation}) {
		if paramsMatch(e.Params, params) {
			out = append(out, e)
		}
	}
	return out
}

// AssertCalled fails the test unless operation was called exactly times
// times with params; the failure lists what was called instead.
func (s *Server) AssertCalled(t testing.TB, operation string, params Params, times int) {
	t.Helper()
	got := s.Calls(operation, params)
	if len(got) == times {
		return
	}
	msg := fmt.Sprintf("chatemu: %s with %v was called %d times, want %d", operation, map[string]string(params), len(got), times)
	all := s.emu.Journal().Find(emulator.JournalFilter{})
	if len(all) == 0 {
		msg += "\nno request reached the emulator"
	} else {
		msg += "\nrequests received:"
		for _, e := range all {
			msg += fmt.Sprintf("\n  #%d %s %s -> %d %s %v", e.Seq, e.Method, e.Path, e.Status, e.Operation, e.Params)
		}
	}
	t.Error(msg)
}

func paramsMatch(got map[string]any, want Params) bool {
	for name, value := range want {
		v, ok := lookupBracket(got, name)
		if !ok || fmt.Sprint(v) != value {
			return false
		}
	}
	return true
}

// lookupBracket finds "a[b][c]" in a nested parameter map.
func lookupBracket(m map[string]any, name string) (any, bool) {
	var path []string
	if i := indexByte(name, '['); i > 0 {
		path = append(path, name[:i])
		rest := name[i:]
		for len(rest) > 1 && rest[0] == '[' {
			j := indexByte(rest, ']')
			if j < 0 {
				break
			}
			path = append(path, rest[1:j])
			rest = rest[j+1:]
		}
	} else {
		path = []string{name}
	}
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func indexByte(s string, b byte) int { return strings.IndexByte(s, b) }
