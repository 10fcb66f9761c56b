package imbox_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chatemu/chatemu/testkit"
)

// The statistics view: the rows chatStatistics computes for a range, and
// each refusal with its status and message.
func TestStatisticsView(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	tests := []struct {
		name   string
		path   string
		status int
		rows   int    // on success
		want   string // on failure: the body
	}{
		{name: "the documentation's day", path: "/_emulator/imbox/1/statistics?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z", status: 200, rows: 2},
		{name: "a range before them", path: "/_emulator/imbox/1/statistics?from=2019-01-01T00:00:00Z&to=2019-02-01T00:00:00Z", status: 200, rows: 0},
		{name: "the default range", path: "/_emulator/imbox/1/statistics", status: 200, rows: 0},
		{name: "a bad start", path: "/_emulator/imbox/1/statistics?from=yesterday", status: 400,
			want: controlError(`Invalid from "yesterday": expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z`)},
		{name: "a bad end", path: "/_emulator/imbox/1/statistics?to=2020", status: 400,
			want: controlError(`Invalid to "2020": expected an RFC 3339 time such as 2020-01-01T00:00:00.000Z`)},
		{name: "an end before the start", path: "/_emulator/imbox/1/statistics?from=2020-02-01T00:00:00Z&to=2020-01-01T00:00:00Z", status: 400,
			want: controlError("to 2020-01-01T00:00:00.000Z is before from 2020-02-01T00:00:00.000Z")},
		{name: "over 365 days", path: "/_emulator/imbox/1/statistics?from=2018-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", status: 400,
			want: controlError("chatStatistics covers at most 365 days per request")},
		{name: "an unknown account", path: "/_emulator/imbox/9/statistics", status: 404, want: controlError("Account sid 9 not found")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := send(t, emu, http.MethodGet, tt.path, "", "")
			if a.status != tt.status {
				t.Fatalf("%d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.status != http.StatusOK {
				if a.body != tt.want {
					t.Errorf("body = %s, want %s", a.body, tt.want)
				}
				return
			}
			var got struct {
				From, To string
				Rows     []map[string]any
			}
			if err := json.Unmarshal([]byte(a.body), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Rows) != tt.rows || got.From == "" || got.To == "" {
				t.Errorf("%d rows (%s to %s), want %d: %s", len(got.Rows), got.From, got.To, tt.rows, a.body)
			}
		})
	}
}
