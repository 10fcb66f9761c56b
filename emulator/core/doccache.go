package core

import (
	"encoding/json"
	"sync"
)

// DocCache keeps decoded stored documents keyed by their JSON text, so that
// a document read on every request is decoded once per version: a changed
// document is different text, so a stale entry is never found, only
// evicted. Callers get their own copy (made by the clone function given to
// NewDocCache), which they may change and store; the cached value is never
// handed out. When the cache is full it starts again empty, so it holds at
// most its size in documents.
type DocCache[T any] struct {
	size  int
	clone func(*T) *T

	mu   sync.RWMutex
	docs map[string]*T
}

// NewDocCache returns a cache of up to size documents; clone must return a
// copy of its argument that shares nothing mutable with it (slices, maps,
// pointers copied deeply).
func NewDocCache[T any](size int, clone func(*T) *T) *DocCache[T] {
	return &DocCache[T]{size: size, clone: clone}
}

// Decode returns the document raw decoded as T, as a copy of its own.
func (c *DocCache[T]) Decode(raw string) (*T, error) {
	c.mu.RLock()
	v, ok := c.docs[raw]
	c.mu.RUnlock()
	if ok {
		return c.clone(v), nil
	}
	v = new(T)
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.docs == nil || len(c.docs) >= c.size {
		c.docs = make(map[string]*T, min(c.size, 64))
	}
	c.docs[raw] = v
	c.mu.Unlock()
	return c.clone(v), nil
}

// GetCached decodes the document at key through cache; found is false when
// it is absent.
func GetCached[T any](tx *Tx, cache *DocCache[T], key string) (v *T, found bool, err error) {
	raw, found, err := tx.GetRaw(key)
	if err != nil || !found {
		return nil, false, err
	}
	if v, err = cache.Decode(raw); err != nil {
		return nil, false, decodeError(key, err)
	}
	return v, true, nil
}
