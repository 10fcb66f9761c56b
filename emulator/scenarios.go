package emulator

import (
	"encoding/json"
	"net/http"

	"github.com/chatemu/chatemu/emulator/fault"
	"github.com/chatemu/chatemu/internal/core"
	"github.com/gorilla/mux"
)

type bundledInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Document is the scenario itself (the dashboard's editor starts from it).
	Document *fault.Scenario `json:"document,omitempty"`
}

// scenarios lists the active scenarios with their counters, and the bundled ones.
func (e *Emulator) scenarios(*http.Request) (*core.Response, error) {
	var b []bundledInfo
	for _, n := range fault.BundledNames() {
		doc, _ := fault.Bundled(n)
		b = append(b, bundledInfo{Name: n, Description: fault.Describe(n), Document: doc})
	}
	return core.OK(map[string]any{"active": e.faults.Active(), "bundled": b}), nil
}

// activateScenario takes a scenario document, or {"name": "<bundled>"}.
func (e *Emulator) activateScenario(r *http.Request) (*core.Response, error) {
	data, err := readControlBody(r, "scenario documents")
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, controlError(http.StatusBadRequest, "send a scenario document or {\"name\": \"<bundled scenario>\"}: %v", err)
	}
	var s *fault.Scenario
	if _, hasRules := probe["rules"]; !hasRules && len(probe) == 1 && probe["name"] != nil {
		var name string
		if err := json.Unmarshal(probe["name"], &name); err != nil {
			return nil, controlError(http.StatusBadRequest, "name must be a string")
		}
		if s, err = fault.Bundled(name); err != nil {
			return nil, controlError(http.StatusNotFound, "%v", err)
		}
	} else if s, err = fault.Parse("request body", data); err != nil {
		return nil, err
	}
	if r.URL.Query().Get("dry_run") == "true" {
		// Checked as an activation would be, and left inactive.
		if err := e.faults.Check(s); err != nil {
			return nil, controlError(http.StatusBadRequest, "%v", err)
		}
		return core.OK(map[string]any{"status": "valid", "scenario": s.Name}), nil
	}
	if err := e.faults.Activate(s); err != nil {
		return nil, controlError(http.StatusBadRequest, "%v", err)
	}
	return core.JSON(http.StatusCreated, map[string]string{"status": "active", "scenario": s.Name}), nil
}

func (e *Emulator) clearScenarios(*http.Request) (*core.Response, error) {
	e.faults.Clear()
	return nil, nil
}

func (e *Emulator) removeScenario(r *http.Request) (*core.Response, error) {
	name := mux.Vars(r)["name"]
	if !e.faults.Remove(name) {
		return nil, controlError(http.StatusNotFound, "no active scenario %q", name)
	}
	return nil, nil
}
