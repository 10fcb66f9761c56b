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
