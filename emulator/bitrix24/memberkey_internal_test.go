package bitrix24

import (
	"fmt"
	"testing"
)

// TestMemberKey checks the hand-built member key against the format every
// other key of model.go uses.
func TestMemberKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ chat, user int64 }{{0, 0}, {13, 1}, {1, 100000}, {999999999999, 123456789012}, {1234567890123, 7}, {-1, 5}} {
		want := fmt.Sprintf("%s:%s:%s:%012d:%012d", vendorName, "default", kindChatUser, c.chat, c.user)
		if got := memberKey("default", c.chat, c.user); got != want {
			t.Errorf("memberKey(%d, %d) = %q, want %q", c.chat, c.user, got, want)
		}
	}
}

// TestScopedKey checks the hand-built scoped key against its format.
func TestScopedKey(t *testing.T) {
	t.Parallel()
	for _, id := range []int64{0, 1, 13, 100000, 999999999999, 1234567890123, 1<<63 - 1, -1, -1 << 63} {
		for _, kind := range []string{kindChat, kindUser, ""} {
			want := fmt.Sprintf("%s:%s:%s:%012d", vendorName, "default", kind, id)
			if got := scopedKey("default", kind, id); got != want {
				t.Errorf("scopedKey(%q, %d) = %q, want %q", kind, id, got, want)
			}
		}
	}
}
