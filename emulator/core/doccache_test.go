package core

import (
	"fmt"
	"sync"
	"testing"
)

type cachedDoc struct {
	N    int   `json:"n"`
	List []int `json:"list"`
}

func cloneCachedDoc(d *cachedDoc) *cachedDoc {
	out := *d
	out.List = append([]int(nil), d.List...)
	return &out
}

func TestDocCacheHandsOutCopies(t *testing.T) {
	t.Parallel()
	c := NewDocCache(2, cloneCachedDoc)
	a, err := c.Decode(`{"n":1,"list":[1,2]}`)
	if err != nil {
		t.Fatal(err)
	}
	a.N, a.List[0] = 5, 9
	b, err := c.Decode(`{"n":1,"list":[1,2]}`)
	if err != nil {
		t.Fatal(err)
	}
	if b.N != 1 || b.List[0] != 1 {
		t.Fatalf("a caller's change reached the cache: %+v", b)
	}
	if _, err := c.Decode(`{"n":`); err == nil {
		t.Fatal("broken JSON decoded")
	}
	for i := 0; i < 10; i++ { // past its size: starts again, stays bounded
		if _, err := c.Decode(fmt.Sprintf(`{"n":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.docs); n > 2 {
		t.Fatalf("cache holds %d documents, size 2", n)
	}
}

func TestDocCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := NewDocCache(8, cloneCachedDoc)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				d, err := c.Decode(fmt.Sprintf(`{"n":%d,"list":[%d]}`, i%12, i%12))
				if err != nil || d.N != i%12 || d.List[0] != i%12 {
					t.Errorf("decode %d: %+v %v", i, d, err)
					return
				}
				d.List[0] = -1
			}
		}()
	}
	wg.Wait()
}
