package core

import (
	"errors"
	"testing"
)

func TestLookupsFollowWrites(t *testing.T) {
	s, err := OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(v string) {
		t.Helper()
		if err := s.Update(func(tx *Tx) error { return tx.SetMeta("k", v) }); err != nil {
			t.Fatal(err)
		}
	}
	loads := 0
	load := func(tx *Tx, _ string) (string, error) {
		loads++
		v, _, err := tx.Meta("k")
		return v, err
	}
	c := NewLookups[string, string](s, 2)
	get := func(want string, wantLoads int) {
		t.Helper()
		got, err := c.Get("k", load)
		if err != nil || got != want || loads != wantLoads {
			t.Fatalf("Get = %q, %v after %d loads; want %q after %d", got, err, loads, want, wantLoads)
		}
	}
	put("a")
	get("a", 1)
	get("a", 1) // cached
	put("b")
	get("b", 2) // a write moves the generation
	get("b", 2)
	if err := s.Update(func(tx *Tx) error { _ = tx.SetMeta("k", "c"); return errors.New("rolled back") }); err == nil {
		t.Fatal("no error")
	}
	get("b", 3) // a rolled back write also moves it
	// Errors are not cached.
	fail := func(*Tx, string) (string, error) { return "", errors.New("down") }
	if _, err := c.Get("x", fail); err == nil {
		t.Fatal("no error")
	}
	get("b", 3)
	// Full: starts again empty.
	for _, k := range []string{"y", "z"} {
		if _, err := c.Get(k, load); err != nil {
			t.Fatal(err)
		}
	}
	get("b", 6)
}
