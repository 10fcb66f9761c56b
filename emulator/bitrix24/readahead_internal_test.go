package bitrix24

import (
	"testing"

	"github.com/chatemu/chatemu/emulator/core"
)

// TestReadAheadLookupMember checks that a user read ahead answers only
// while its stored text is unchanged, and only for the portal it was read
// from.
func TestReadAheadLookupMember(t *testing.T) {
	t.Parallel()
	store, err := core.OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	put := func(portal string, active bool) {
		t.Helper()
		err := store.Update(func(tx *core.Tx) error {
			return tx.Put(scopedKey(portal, kindUser, 7), user{ID: 7, Portal: portal, Name: portal, Active: active})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("a", true)
	put("b", false)
	pre := &readAheadDocs{portal: "a", users: []readAheadUser{{key: scopedKey("a", kindUser, 7)}}}
	store.View(func(tx *core.Tx) error {
		pre.users[0].raw, _, _ = tx.GetRaw(pre.users[0].key)
		return nil
	})
	pre.users[0].m = member{exists: true, name: "read ahead", active: true}
	lookup := func(portal string) member {
		t.Helper()
		var m member
		err := store.View(func(tx *core.Tx) error {
			var err error
			m, err = pre.lookupMember(tx, portal, 0, 7)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := lookup("a"); m.name != "read ahead" {
		t.Errorf("unchanged user: %+v, want the one read ahead", m)
	}
	if m := lookup("b"); m.name != "b" || m.active {
		t.Errorf("another portal's user: %+v, want portal b's", m)
	}
	put("a", false)
	if m := lookup("a"); m.name != "a" || m.active {
		t.Errorf("changed user: %+v, want the stored one", m)
	}
}
