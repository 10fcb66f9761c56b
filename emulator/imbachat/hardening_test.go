package imbachat_test

// Tests of how ImbaChat meets input it must bound or refuse: injected
// errors rendered as real ones, length bounds on stored strings, ids at the
// top of int64, references inside fixture sections, and white space around
// parameter values.

import (
	"net/http"
	"reflect"
	"testing"
)

// comparableHeader is a response's headers without the ones that differ
// between any two answers (the date).
func comparableHeader(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Date")
	return out
}

// TestInjectedErrorsMatchRealOnes: an error a scenario injects by its
// status code answers exactly what the real error of that status answers:
// status, headers (a 401 asks for Basic credentials) and body.
func TestInjectedErrorsMatchRealOnes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, code string
		real       request // answered with the real error
	}{
		{"401 without credentials", "401", request{path: v2(627, "get_users"), enc: noBody}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := start(t)
			real := do(t, emu, tc.real)
			scenario := `{"name":"injected","rules":[{"match":{"vendor":"imbachat","operation":"imbachat.get_users"},"action":{"type":"error","code":"` + tc.code + `"}}]}`
			if status, body := ctlCall(t, "POST", emu.URL()+"/_emulator/scenarios", scenario); status != http.StatusCreated {
				t.Fatalf("activating the scenario: %d %s", status, body)
			}
			injected := do(t, emu, request{path: v2(627, "get_users"), enc: noBody, basic: widgetBasic(627)})
			if injected.status != real.status {
				t.Errorf("status: injected %d, real %d", injected.status, real.status)
			}
			if got, want := comparableHeader(injected.header), comparableHeader(real.header); !reflect.DeepEqual(got, want) {
				t.Errorf("headers:\ninjected %v\nreal     %v", got, want)
			}
			if string(injected.body) != string(real.body) {
				t.Errorf("body:\ninjected %s\nreal     %s", injected.body, real.body)
			}
			assertError(t, injected, http.StatusUnauthorized, "Authenticate required!")
		})
	}
}
