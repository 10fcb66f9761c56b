package bitrix24

import (
	"fmt"
	"testing"
)

// TestKeys checks the log keys the model writes against the format data
// files and snapshots have always had.
func TestKeys(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ chat, user int64 }{{0, 0}, {13, 1}, {1, 100000}, {999999999999, 123456789012}, {1234567890123, 7}, {-1, 5}} {
		want := fmt.Sprintf("%s:%s:%s:%012d:%012d", vendorName, "default", kindChatUser, c.chat, c.user)
		if got := memberKey("default", c.chat, c.user); got != want {
			t.Errorf("memberKey(%d, %d) = %q, want %q", c.chat, c.user, got, want)
		}
	}
	if got, want := scopedKey("default", kindChat, 13), "bitrix24:default:chat:000000000013"; got != want {
		t.Errorf("scopedKey = %q, want %q", got, want)
	}
}
