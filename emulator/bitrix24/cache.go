package bitrix24

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chatemu/chatemu/emulator/core"
)

// metaGeneration names the store value that changes whenever fixtures
// rewrite portal settings or bots (and vanishes with a reset), so that the
// decoded copies below are rebuilt exactly when they could be stale.
const metaGeneration = vendorName + "-generation"

// portalCache keeps decoded portal settings and chat bots between
// requests: auth and bot lookup read them on every call, and they change
// only when fixtures are applied.
type portalCache struct {
	mu      sync.RWMutex
	gen     string
	refs    []portalRef
	portals map[string]*portal
	bots    map[string][]bot // chat bots per portal, network bots excluded, in id order
	// checked is the store generation (plus one; zero: none) at which gen
	// was last found current: until the store is written again, the copy
	// is current without reading the store.
	checked uint64
}

// generations makes every stamp of this process unique.
var generations atomic.Uint64

// stampGeneration marks the state as changed; applyFixtures calls it.
func stampGeneration(tx *core.Tx) error {
	return tx.SetMeta(metaGeneration, strconv.FormatUint(generations.Add(1), 10))
}

// snapshot returns current portal settings and bots, rebuilding the copy
// when the store's generation moved. Callers must not modify what it
// returns.
func (s *Service) snapshot() (*portalCache, error) {
	c := &s.cache
	storeGen := s.deps.Store.Generation()
	c.mu.RLock()
	if c.portals != nil && c.checked == storeGen+1 {
		c.mu.RUnlock()
		return c, nil
	}
	c.mu.RUnlock()
	var gen string
	if err := s.deps.Store.View(func(tx *core.Tx) error {
		var err error
		gen, _, err = tx.Meta(metaGeneration)
		return err
	}); err != nil {
		return nil, err
	}
	c.mu.RLock()
	current := c.portals != nil && c.gen == gen
	c.mu.RUnlock()
	if current {
		// The store did not move while gen was read: the copy is current
		// at storeGen.
		if s.deps.Store.Generation() == storeGen {
			c.mu.Lock()
			if c.gen == gen {
				c.checked = storeGen + 1
			}
			c.mu.Unlock()
		}
		return c, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.portals != nil && c.gen == gen {
		return c, nil
	}
	refs, portals, bots := []portalRef{}, map[string]*portal{}, map[string][]bot{}
	err := s.deps.Store.View(func(tx *core.Tx) error {
		idx, err := getDoc[[]portalRef](tx, portalIndexKey)
		if err != nil || idx == nil {
			return err
		}
		refs = *idx
		for _, r := range refs {
			p, err := getDoc[portal](tx, portalKey(r.Name))
			if err != nil {
				return err
			}
			if p == nil {
				continue
			}
			portals[r.Name] = p
			if bots[r.Name], err = appBots(tx, r.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.gen, c.refs, c.portals, c.bots = gen, refs, portals, bots
	c.checked = 0
	return c, nil
}

// view is a consistent read of the cache under its lock.
func (c *portalCache) view() ([]portalRef, map[string]*portal, map[string][]bot) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.refs, c.portals, c.bots
}
