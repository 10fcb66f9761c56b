package bitrix24

import (
	"encoding/json"
	"testing"
)

// TestChatMemberJSON checks the hand-written member encoding byte for byte
// against encoding/json, plain and escaped portal names included.
func TestChatMemberJSON(t *testing.T) {
	t.Parallel()
	portals := []string{"default", "", "a-b_c9", "quo\"te", `back\slash`, "<html>&", "tab\t", "del\x7f", "ünï", "\xff", "\u2028"}
	ids := []int64{0, 1, 13, 100000, -1, 999999999999, 1<<63 - 1, -1 << 63}
	for _, p := range portals {
		for _, id := range ids {
			m := chatMember{Portal: p, ChatID: id, UserID: -id, Order: id / 3}
			want, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.appendJSON([]byte("x")); string(got) != "x"+string(want) {
				t.Errorf("appendJSON(%+v) = %s, want x%s", m, got, want)
			}
		}
	}
}
