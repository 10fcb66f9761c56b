package testkit

import (
	"encoding/json"
	"testing"

	"github.com/chatemu/chatemu/emulator"
	"github.com/chatemu/chatemu/emulator/fault"
)

// Inject activates fault rules for the rest of the test (they are removed
// by t.Cleanup), in order, ahead of nothing but rules injected earlier:
//
//	emu.Inject(t, fault.Rule{
//		Match:   fault.Match{Operation: "imbachat.send_msg"},
//		Trigger: fault.Trigger{Times: 2},
//		Action:  fault.Action{Type: "error", Code: "503"},
//	})
//
// A rule with an error action and no vendor gets the vendor of its
// operation prefix ("imbachat.send_msg" -> imbachat).
func (s *Server) Inject(t testing.TB, rules ...fault.Rule) {
	t.Helper()
	sc := &fault.Scenario{Name: scenarioName(t), Rules: rules}
	for i := range sc.Rules {
		r := &sc.Rules[i]
		if r.Match.Vendor == "" && r.Action.Type == "error" {
			for _, v := range []string{"imbachat", "bitrix24", "imbox"} {
				if len(r.Match.Operation) > len(v) && r.Match.Operation[:len(v)+1] == v+"." {
					r.Match.Vendor = v
				}
			}
		}
	}
	// Round-trip through the document form so that injected rules are
	// validated exactly like scenario files.
	doc, err := json.Marshal(sc)
	if err != nil {
		t.Fatalf("testkit: encoding rules: %v", err)
	}
	parsed, err := fault.Parse("injected rules", doc)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	s.activate(t, parsed)
}

// scenarioName is "test-<test name>" with the characters a scenario name
// cannot hold (it appears in control-plane URLs) replaced by "-".
func scenarioName(t testing.TB) string {
	b := []byte("test-" + t.Name())
	for i, c := range b {
		ok := c == '.' || c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			b[i] = '-'
		}
	}
	return string(b)
}

// UseScenario activates a bundled scenario (see docs/scenarios.md) for the
// rest of the test.
func (s *Server) UseScenario(t testing.TB, name string) {
	t.Helper()
	sc, err := fault.Bundled(name)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	s.activate(t, sc)
}

// ActivateScenario activates a scenario document (JSON) for the rest of the test.
func (s *Server) ActivateScenario(t testing.TB, doc []byte) {
	t.Helper()
	sc, err := fault.Parse("scenario document", doc)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	s.activate(t, sc)
}

func (s *Server) activate(t testing.TB, sc *fault.Scenario) {
	t.Helper()
	if err := s.emu.Faults().Activate(sc); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() { s.emu.Faults().Remove(sc.Name) })
}

// FaultCounts reports how often each active rule matched and fired.
func (s *Server) FaultCounts() []fault.Status { return s.emu.Faults().Active() }

// SaveState exports all vendor state as one JSON document.
func (s *Server) SaveState(t testing.TB) []byte {
	t.Helper()
	snap, err := s.emu.ExportState()
	if err != nil {
		t.Fatalf("testkit: exporting state: %v", err)
	}
	doc, err := json.Marshal(snap)
	if err != nil {
		t.Fatalf("testkit: encoding state: %v", err)
	}
	return doc
}

// LoadState replaces all vendor state with a document from SaveState (or
// GET /_emulator/state).
func (s *Server) LoadState(t testing.TB, doc []byte) {
	t.Helper()
	var snap emulator.Snapshot
	if err := json.Unmarshal(doc, &snap); err != nil {
		t.Fatalf("testkit: decoding state: %v", err)
	}
	if err := s.emu.ImportState(&snap); err != nil {
		t.Fatalf("testkit: importing state: %v", err)
	}
}
