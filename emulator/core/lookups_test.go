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

func TestLookupsGetTx(t *testing.T) {
	s, err := OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(func(tx *Tx) error { return tx.SetMeta("k", "a") }); err != nil {
		t.Fatal(err)
	}
	loads := 0
	load := func(tx *Tx, _ string) (string, error) {
		loads++
		v, _, err := tx.Meta("k")
		return v, err
	}
	c := NewLookups[string, string](s, 4)
	view := func(want string, wantLoads int) {
		t.Helper()
		var got string
		err := s.View(func(tx *Tx) error {
			var err error
			got, err = c.GetTx(tx, "k", load)
			return err
		})
		if err != nil || got != want || loads != wantLoads {
			t.Fatalf("GetTx = %q, %v after %d loads; want %q after %d", got, err, loads, want, wantLoads)
		}
	}
	view("a", 1)
	view("a", 1) // cached, and shared with Get
	if v, err := c.Get("k", load); v != "a" || err != nil || loads != 1 {
		t.Fatalf("Get = %q, %v after %d loads", v, err, loads)
	}
	// In a read-write transaction GetTx reads what that transaction wrote
	// and keeps none of it: the write is rolled back here.
	err = s.Update(func(tx *Tx) error {
		if !tx.Writable() {
			t.Error("Update's transaction is not writable")
		}
		if err := tx.SetMeta("k", "uncommitted"); err != nil {
			return err
		}
		v, err := c.GetTx(tx, "k", load)
		if v != "uncommitted" || err != nil {
			t.Errorf("GetTx in the write = %q, %v", v, err)
		}
		return errors.New("rolled back")
	})
	if err == nil {
		t.Fatal("no error")
	}
	view("a", 3) // the generation moved; the rolled-back value was never kept
	view("a", 3)
	_ = s.View(func(tx *Tx) error {
		if tx.Writable() {
			t.Error("View's transaction is writable")
		}
		return nil
	})
}
