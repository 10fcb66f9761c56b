package bitrix24

import (
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// throttle applies the portal's leaky bucket (reference §3.2, "Leaky bucket
// per portal"): every request that passed auth adds one; the level drains
// DrainPerSecond per second of emulator time; a request that would lift the
// level above Burst is refused with 503 QUERY_LIMIT_EXCEEDED and adds
// nothing. A batch is one request. Portals without an enabled limit do no
// work here.
func (s *Service) throttle(p *portal, now time.Time) error {
	rl := p.RateLimit
	if !rl.Enabled {
		return nil
	}
	refused := false
	err := s.deps.Store.Update(func(tx *core.Tx) error {
		b, err := getDoc[bucket](tx, bucketKey(p.Name))
		if err != nil {
			return err
		}
		if b == nil {
			b = &bucket{At: now}
		}
		if elapsed := now.Sub(b.At).Seconds(); elapsed > 0 {
			b.Level -= elapsed * rl.DrainPerSecond
			if b.Level < 0 {
				b.Level = 0
			}
			b.At = now
		}
		if b.Level+1 > rl.Burst {
			refused = true
			return nil
		}
		b.Level++
		return tx.Put(bucketKey(p.Name), b)
	})
	if err != nil {
		return err
	}
	if refused {
		return errQueryLimit()
	}
	return nil
}
