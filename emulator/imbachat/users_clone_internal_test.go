package imbachat

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestUserCloneSharesNothing checks that a cloned user equals the original
// and shares nothing that changing the clone could reach. A user field of a
// new reference type must be copied in clone.
func TestUserCloneSharesNothing(t *testing.T) {
	t.Parallel()
	at := time.Unix(5, 0)
	orig := &user{ID: 1, UserData: json.RawMessage(`{"a":1}`), DeletedAt: &at, LastMessageAt: &at}
	c := orig.clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("clone %+v differs from %+v", c, orig)
	}
	c.UserData[0] = '['
	*c.DeletedAt = time.Unix(9, 0)
	*c.LastMessageAt = time.Unix(9, 0)
	if orig.UserData[0] != '{' || !orig.DeletedAt.Equal(at) || !orig.LastMessageAt.Equal(at) {
		t.Fatalf("changing the clone changed the original: %+v", orig)
	}
	handled := map[string]bool{"UserData": true, "DeletedAt": true, "LastMessageAt": true}
	typ := reflect.TypeOf(user{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
			if !handled[f.Name] {
				t.Errorf("user.%s (%s) is not copied deeply by clone", f.Name, f.Type)
			}
		}
	}
}

// TestWidgetHasNoReferences checks that a shallow copy of a widget, what
// widgetDocs hands out, shares nothing that changing it could reach: a
// widget field of a reference type needs a deep copy there.
func TestWidgetHasNoReferences(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeOf(widget{})
	for i := 0; i < typ.NumField(); i++ {
		switch f := typ.Field(i); f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Struct, reflect.Array:
			t.Errorf("widget.%s (%s) is shared by the copies widgetDocs hands out", f.Name, f.Type)
		}
	}
}
