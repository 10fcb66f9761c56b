package fault

import "time"

// latencyAction waits Delay, plus or minus up to Jitter (a seeded draw),
// then lets the real answer go out.
func latencyAction(a *Action) action {
	return func(x *request) bool {
		d := time.Duration(a.Delay)
		if j := time.Duration(a.Jitter); j > 0 {
			d += time.Duration((x.eng.random.Float64()*2 - 1) * float64(j))
		}
		if x.eng.wait(x, d) {
			x.serve(x.w)
		}
		return true
	}
}

// wait sleeps d unless the client goes away or the engine is released
// (shutdown); it reports whether the full time passed or was released.
func (e *Engine) wait(x *request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.release:
		return true
	case <-x.req.HTTP.Context().Done():
		return false
	}
}
