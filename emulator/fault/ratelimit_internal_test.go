package fault

import (
	"fmt"
	"testing"
	"time"
)

func TestRateLimitBucketsAreBounded(t *testing.T) {
	t.Parallel()
	a := &Action{Rate: 1, Burst: 1}
	buckets := map[string]*bucket{}
	now := time.Now()
	for i := 0; i < 10; i++ {
		buckets[fmt.Sprint(i)] = &bucket{tokens: 0, at: now}
	}
	buckets["old"] = &bucket{tokens: 0, at: now.Add(-time.Hour)}
	dropFullBuckets(buckets, now, a)
	if _, ok := buckets["old"]; ok || len(buckets) != 10 {
		t.Errorf("kept %d buckets, old one: %v", len(buckets), ok)
	}
}
