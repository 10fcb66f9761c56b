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

// Every member key of a chat, and no other chat's, falls in the key range
// memberIDs scans: [prefix+":", prefix+";").
func TestMemberKeyPrefixRange(t *testing.T) {
	t.Parallel()
	chats := []int64{1, 13, 130, 131, 1300, 999999999999, 1234567890123}
	for _, chat := range chats {
		from, to := memberKeyPrefix("default", chat)+":", memberKeyPrefix("default", chat)+";"
		for _, other := range chats {
			for _, user := range []int64{0, 1, 39, 1234567890123} {
				k := memberKey("default", other, user)
				if in := k >= from && k < to; in != (other == chat) {
					t.Errorf("chat %d's range [%q, %q) holds %q: %v", chat, from, to, k, in)
				}
			}
			if k := memberKey("default2", chat, 1); k >= from && k < to {
				t.Errorf("chat %d's range holds another portal's key %q", chat, k)
			}
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
