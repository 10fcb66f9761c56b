package core

import (
	"math/rand/v2"
	"sync"
)

// Random is an instance's seeded random source: the same seed gives the
// same generated values (message uuids, fault draws) in the same order.
type Random struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

// NewRandom returns a source seeded with seed.
func NewRandom(seed uint64) *Random {
	return &Random{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

const alphanumerics = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Alphanumeric returns n random letters and digits.
func (r *Random) Alphanumeric(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = alphanumerics[r.rnd.IntN(len(alphanumerics))]
	}
	return string(b)
}

// Float64 returns a number in [0, 1).
func (r *Random) Float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rnd.Float64()
}

// IntN returns a number in [0, n).
func (r *Random) IntN(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rnd.IntN(n)
}
