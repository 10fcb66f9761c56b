package bitrix24

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// reflectTimeBlock has timeBlock's fields and tags without its
// MarshalJSON: what encoding/json makes of them is the reference.
type reflectTimeBlock struct {
	Start      int64    `json:"start"`
	Finish     phpFloat `json:"finish"`
	Duration   phpFloat `json:"duration"`
	Processing int64    `json:"processing"`
	DateStart  string   `json:"date_start"`
	DateFinish string   `json:"date_finish"`
}

func TestTimeBlockJSONMatchesTags(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := 0; i < 2000; i++ {
		start := base.Add(time.Duration(r.Int64N(int64(1000 * time.Hour))))
		if i%3 == 0 {
			start = start.Truncate(time.Second)
		}
		finish := start.Add(time.Duration(r.Int64N(int64(3 * time.Second))))
		if i%5 == 0 {
			finish = start
		}
		tb := newTimeBlock(start, finish)
		got, err := json.Marshal(success{Result: true, Time: tb})
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(struct {
			Result any              `json:"result"`
			Time   reflectTimeBlock `json:"time"`
		}{true, reflectTimeBlock(tb)})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("time block\n got %s\nwant %s", got, want)
		}
	}
}

// phpDate's one-entry memo never gives another second's text, whatever
// the zone, the fraction of a second or the goroutine.
func TestPHPDateMatchesFormat(t *testing.T) {
	t.Parallel()
	zones := []*time.Location{time.UTC, time.FixedZone("X", 5*3600+1800), time.FixedZone("Y", -7*3600)}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func(seed uint64) {
			defer func() { done <- struct{}{} }()
			r := rand.New(rand.NewPCG(seed, 9))
			base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
			for i := 0; i < 3000; i++ {
				at := base.Add(time.Duration(r.Int64N(int64(20 * time.Second)))).In(zones[r.IntN(len(zones))])
				if i%100 == 0 {
					at = time.Unix(-r.Int64N(1e9), r.Int64N(1e9))
				}
				if got, want := phpDate(at), at.UTC().Format(dateLayout); got != want {
					t.Errorf("phpDate(%v) = %s, want %s", at, got, want)
					return
				}
			}
		}(uint64(g))
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
