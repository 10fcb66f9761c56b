package imbox

import "github.com/chatemu/chatemu/emulator/core"

// envelope is ImBox's success envelope: {"result":"success","json":[...],
// "length":N}. Length is left out where the documentation's example leaves
// it out (grabVisitorInfo, grabVisitorLabels, grabVisitorCards, grabAgent).
type envelope struct {
	Result string `json:"result"`
	JSON   any    `json:"json"`
	Length *int   `json:"length,omitempty"`
}

// success answers items with their count.
func success[T any](items []T) *core.Response {
	if items == nil {
		items = []T{}
	}
	n := len(items)
	return core.OK(envelope{Result: "success", JSON: items, Length: &n})
}

// successWithoutLength answers items without "length".
func successWithoutLength[T any](items []T) *core.Response {
	if items == nil {
		items = []T{}
	}
	return core.OK(envelope{Result: "success", JSON: items})
}
