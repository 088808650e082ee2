package engine

import (
	"math/rand/v2"
	"sync"
)

// defaultSeed seeds every stream until the first Seed call, so runs are
// reproducible by default.
const defaultSeed = 0

// rngStream is one device's random number stream. Its generator is used
// only by operations that write v, which serializes them in push order.
type rngStream struct {
	dev Device
	src *rand.PCG
	rng *rand.Rand
	v   *Var
}

var (
	rngMu   sync.Mutex
	rngSeed uint64 = defaultSeed
	rngs           = map[Device]*rngStream{}
)

// RNG returns dev's random number stream and the variable guarding it. An
// operation that draws from the stream must list the variable in its
// Writes: random operations on one device then run in push order, so
// results are reproducible on the threaded engine too. The generator must
// not be used outside such an operation.
func RNG(dev Device) (*rand.Rand, *Var) {
	rngMu.Lock()
	defer rngMu.Unlock()
	s := rngs[dev]
	if s == nil {
		s1, s2 := streamSeed(rngSeed, dev)
		s = &rngStream{dev: dev, src: rand.NewPCG(s1, s2), v: newVar()}
		s.rng = rand.New(s.src)
		rngs[dev] = s
	}
	return s.rng, s.v
}

// Seed reseeds every device's stream from n, the device mixed in so that
// devices draw different numbers. Through Default(), it pushes one op per
// existing stream, so it affects the operations pushed after it and none
// pushed before.
func Seed(n uint64) {
	rngMu.Lock()
	rngSeed = n
	streams := make([]*rngStream, 0, len(rngs))
	for _, s := range rngs {
		streams = append(streams, s)
	}
	rngMu.Unlock()
	e := Default()
	for _, s := range streams {
		s1, s2 := streamSeed(n, s.dev)
		e.Push(Op{Name: "seed", Device: s.dev, Writes: []*Var{s.v}, Run: func() error {
			s.src.Seed(s1, s2)
			return nil
		}})
	}
}

// streamSeed derives a device's PCG state from the global seed.
func streamSeed(n uint64, dev Device) (uint64, uint64) {
	d := uint64(uint32(dev.Type))<<32 | uint64(uint32(dev.ID))
	s1 := splitmix64(n ^ splitmix64(d))
	return s1, splitmix64(s1 ^ 0x6a09e667f3bcc909)
}

// splitmix64 is Steele, Lea and Flood's 64-bit mixing function.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Scratch returns nbytes of temporary CPU memory for a kernel, from the
// pool; the kernel returns it with Free before it finishes. In steady state
// this allocates nothing.
func Scratch(nbytes int) *Chunk { return Alloc(Device{Type: CPU}, nbytes) }
