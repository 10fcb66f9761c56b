package core

import "sync"

// Lookups caches values read from a store (the account of an API key, a
// tenant's settings) for as long as the store's generation does not move,
// so that a read-mostly lookup made on every request skips the read
// transaction until the next write, whatever that write changed. Values are
// shared between callers: they must not be changed (cache values without
// references, or copy them). It holds at most its size in keys, then
// starts again empty; a write empties it.
type Lookups[K comparable, V any] struct {
	store *Store
	size  int

	mu  sync.RWMutex
	gen uint64
	m   map[K]V
}

// NewLookups returns a cache of up to size values read from store.
func NewLookups[K comparable, V any](store *Store, size int) *Lookups[K, V] {
	return &Lookups[K, V]{store: store, size: max(size, 1)}
}

// Get returns the value of key: the cached one if the store has not
// been written since it was read, else load's in a read transaction (an
// error is returned and not cached). load gets key, so that it need not
// capture it (a function value that captures nothing costs no allocation).
func (c *Lookups[K, V]) Get(key K, load func(tx *Tx, key K) (V, error)) (V, error) {
	gen := c.store.Generation()
	c.mu.RLock()
	if c.gen == gen && c.m != nil {
		if v, ok := c.m[key]; ok {
			c.mu.RUnlock()
			return v, nil
		}
	}
	c.mu.RUnlock()
	var v V
	err := c.store.View(func(tx *Tx) error {
		var err error
		v, err = load(tx, key)
		return err
	})
	if err != nil {
		return v, err
	}
	c.keep(gen, key, v)
	return v, nil
}

// keep caches v for key as read at generation gen.
func (c *Lookups[K, V]) keep(gen uint64, key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return // read before a newer generation was cached: not kept
	case gen > c.gen || c.m == nil || len(c.m) >= c.size:
		c.gen, c.m = gen, make(map[K]V, min(c.size, 16))
	}
	c.m[key] = v
}
