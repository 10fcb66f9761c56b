package fault_test

import (
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
