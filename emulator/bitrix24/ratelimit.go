package bitrix24

import (
	"time"

	"github.com/chatemu/chatemu/internal/state"
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
	err := s.m.db.Update(func(tx *state.Tx) error {
		b, ok := s.m.buckets.Get(p.Name)
		if !ok {
			b = bucket{Portal: p.Name, At: now}
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
		s.m.buckets.Put(tx, b)
		return nil
	})
	if err != nil {
		return err
	}
	if refused {
		return errQueryLimit()
	}
	return nil
}
