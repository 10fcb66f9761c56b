package bitrix24

import (
	"reflect"
	"testing"
	"time"
)

// TestChatCloneSharesNothing checks that a cloned chat equals the original
// and that changing the clone leaves the original (the cached copy) as it
// was. A chat field of a new reference type must be copied in clone.
func TestChatCloneSharesNothing(t *testing.T) {
	t.Parallel()
	orig := &chat{ID: 1, Portal: "p", Members: []int64{1, 2}, Avatar: &avatar{MIME: "image/png", Data: []byte{1, 2}, UpdatedAt: time.Unix(1, 0)},
		Locks: locks{Extend: true}, CreatedAt: time.Unix(2, 0)}
	c := orig.clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("clone %+v differs from %+v", c, orig)
	}
	c.Members[0], c.Avatar.Data[0], c.Avatar.MIME = 9, 9, "x"
	c.Members = append(c.Members, 3)
	if orig.Members[0] != 1 || orig.Avatar.Data[0] != 1 || orig.Avatar.MIME != "image/png" {
		t.Fatalf("changing the clone changed the original: %+v", orig)
	}
	for _, empty := range []*chat{{Members: []int64{}}, {Members: nil}} {
		if got := empty.clone(); (got.Members == nil) != (empty.Members == nil) {
			t.Fatalf("clone of Members %#v is %#v", empty.Members, got.Members)
		}
	}
	// Every reference-typed field of chat must be handled by clone.
	handled := map[string]bool{"Members": true, "Avatar": true}
	typ := reflect.TypeOf(chat{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
			if !handled[f.Name] {
				t.Errorf("chat.%s (%s) is not copied deeply by clone", f.Name, f.Type)
			}
		}
	}
}
