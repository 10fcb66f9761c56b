package fault_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/testkit"
)

// Every bundled scenario loads, validates and activates on a real instance.
func TestBundledScenariosLoad(t *testing.T) {
	t.Parallel()
	names := fault.BundledNames()
	if len(names) == 0 {
		t.Fatal("no bundled scenarios")
	}
	emu := start(t)
	for _, n := range names {
		sc, err := fault.Bundled(n)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Description == "" {
			t.Errorf("%s has no description", n)
		}
		if err := emu.Emulator().Faults().Activate(sc); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestBundledImbaChatOutage(t *testing.T) {
	t.Parallel()
	emu := start(t, testkit.WithScenario(mustBundled(t, "imbachat-outage")))
	a := getRooms(t, emu, nil)
	if a.status != 500 || a.body != `{"success":false,"code":500,"message":"Server error","data":[]}` {
		t.Errorf("outage: %d %s", a.status, a.body)
	}
	emu.Reset(t)
	if a := getRooms(t, emu, nil); a.status != 500 {
		t.Errorf("a configured scenario survives a reset: %d", a.status)
	}
}

func TestBundledSlowVendors(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.UseScenario(t, "slow-vendors")
	began := time.Now()
	a := getRooms(t, emu, nil)
	if took := time.Since(began); took < 900*time.Millisecond || a.status != 200 || a.body != roomsOK {
		t.Errorf("slow but correct: %d after %v", a.status, took)
	}
}

func mustBundled(t *testing.T, name string) *fault.Scenario {
	t.Helper()
	sc, err := fault.Bundled(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// grabAgents is one ImBox call on a fresh connection; outcome classifies
// what the client saw.
func grabAgents(t *testing.T, emu *testkit.Server) string {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(emu.URL() + "/message/grabAgents/apiKey/1")
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case err != nil && strings.Contains(err.Error(), "EOF"):
		return "empty"
	case err != nil:
		t.Fatalf("unexpected client error: %v", err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "cut off"
	case err != nil:
		t.Fatalf("unexpected body error: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	return "ok"
}

func TestBundledImBoxFlakyNetwork(t *testing.T) {
	t.Parallel()
	emu := start(t, testkit.WithSeed(3))
	emu.UseScenario(t, "imbox-flaky-network")
	seen := map[string]int{}
	for i := 0; i < 40; i++ {
		seen[grabAgents(t, emu)]++
	}
	fired := map[string]int{}
	for _, r := range emu.FaultCounts()[0].Rules {
		fired[r.Name] = r.Fired
	}
	for _, kind := range []string{"reset", "cut off", "empty"} {
		if seen[kind] == 0 || seen[kind] != fired[map[string]string{"reset": "reset", "cut off": "cut off", "empty": "empty reply"}[kind]] {
			t.Errorf("%s: seen %d, rule fired %d (all: %v, fired %v)", kind, seen[kind], fired[kind], seen, fired)
		}
	}
	if seen["ok"] == 0 || fired["slow"] == 0 || seen["ok"] < fired["slow"] {
		t.Errorf("normal and slow answers: %v, fired %v", seen, fired)
	}
	// The other vendors are untouched.
	if a := getRooms(t, emu, nil); a.status != 200 {
		t.Errorf("ImbaChat under the ImBox scenario: %d", a.status)
	}
}

func TestImBoxErrorCodes(t *testing.T) {
	t.Parallel()
	emu := start(t)
	emu.Inject(t, fault.Rule{Match: fault.Match{Vendor: "imbox", Operation: "grabAgents"}, Action: fault.Action{Type: "error", Code: "invalid_api_key"}},
		fault.Rule{Match: fault.Match{Vendor: "imbox"}, Action: fault.Action{Type: "error", Code: "503"}})
	for path, want := range map[string]string{
		"/message/grabAgents/apiKey/1":  `401 {"result":"error","message":"Invalid apiKey"}`,
		"/message/pageFilters/apiKey/1": `503 {"result":"error","message":"Service Unavailable"}`,
	} {
		resp, err := http.Get(emu.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := fmt.Sprint(resp.StatusCode, " ", string(b)); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	if calls := emu.Calls("imbox.grabAgents", nil); len(calls) != 1 || calls[0].Tenant != "account:1" {
		t.Errorf("the claimed tenant is journaled even for a faulted call: %+v", calls)
	}
}
