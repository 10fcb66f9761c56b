package imbachat

import (
	"encoding/json"
	"testing"
	"time"
)

// TestRoomJSON checks the hand-written room encoding byte for byte against
// encoding/json.
func TestRoomJSON(t *testing.T) {
	t.Parallel()
	now := time.Date(2020, 12, 19, 20, 42, 7, 123456789, time.UTC)
	zone := time.FixedZone("X", 3*3600+1800)
	later := now.Add(time.Hour).In(zone)
	rooms := []room{
		{},
		{ID: 1854, ImbaID: 209, Pipe: "5fde64bf1e240_1608410303", Name: "new room", AdminID: 2201, Type: 1, IsPublic: 1,
			Members: []int64{2201, 2202}, CreatedAt: now, UpdatedAt: now},
		{ID: -1, ImbaID: -2, Pipe: "public_12", Name: "Тестовая API группа 9", Tab: 3, Status: 2, Banned: true,
			Members: []int64{}, CreatedAt: later, UpdatedAt: now.Truncate(time.Second), DeletedAt: &later, LastMessageAt: &now},
		{Pipe: `q"u\o<t>e&`, Name: "tab\t nl\n \u2028 \xff bad", Members: []int64{1<<63 - 1, -1 << 63}},
		{Name: "Ёжик & co", CreatedAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), UpdatedAt: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, r := range rooms {
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := r.appendJSON([]byte("x"))
		if !ok || string(got) != "x"+string(want) {
			t.Errorf("appendJSON(%+v) = %s, %v\nwant x%s", r, got, ok, want)
		}
	}
	for _, bad := range []time.Time{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 25*3600))} {
		r := room{UpdatedAt: bad}
		if _, err := json.Marshal(&r); err == nil {
			t.Fatalf("encoding/json encodes %v", bad)
		}
		if _, ok := r.appendJSON(nil); ok {
			t.Errorf("appendJSON encodes %v", bad)
		}
	}
}

// TestPipePivot checks the hand-built pipe pivot against encoding/json.
func TestPipePivot(t *testing.T) {
	t.Parallel()
	for _, pipe := range []string{"", "5fde64bf1e240_1608410303", "Public_12", `q"<&>\`, "Ёжик", "\xff"} {
		for _, id := range []int64{0, 209, -5} {
			want, err := json.Marshal(map[string]any{"imba_id": id, "pipe": pipe})
			if err != nil {
				t.Fatal(err)
			}
			if got := pipePivot(id, pipe); string(got) != string(want) {
				t.Errorf("pipePivot(%d, %q) = %s, want %s", id, pipe, got, want)
			}
		}
	}
}
