package data

import (
	"fmt"
	"math/rand/v2"
)

// Sampler yields dataset indices for one epoch. Indices is called once per
// epoch, so random samplers reshuffle each time.
type Sampler interface {
	Indices() []int
	Len() int
}

// SequentialSampler gives 0..n-1.
type SequentialSampler struct{ N int }

func (s SequentialSampler) Len() int { return s.N }

func (s SequentialSampler) Indices() []int {
	idx := make([]int, s.N)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// RandomSampler gives a new permutation of 0..n-1 each epoch from a seeded
// stream, so runs with the same seed see the same orders.
type RandomSampler struct {
	n   int
	rng *rand.Rand
}

// NewRandomSampler returns a sampler over n items seeded with seed.
func NewRandomSampler(n int, seed uint64) *RandomSampler {
	return &RandomSampler{n: n, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (s *RandomSampler) Len() int       { return s.n }
func (s *RandomSampler) Indices() []int { return shuffled(s.n, s.rng) }

// FilterSampler keeps the indices of samples for which keep is true.
type FilterSampler struct{ idx []int }

// NewFilterSampler reads every sample of d once.
func NewFilterSampler(d Dataset, keep func(Sample) bool) (*FilterSampler, error) {
	f := &FilterSampler{}
	for i := 0; i < d.Len(); i++ {
		s, err := d.Get(i)
		if err != nil {
			return nil, fmt.Errorf("data: filter sampler: sample %d: %w", i, err)
		}
		if keep(s) {
			f.idx = append(f.idx, i)
		}
	}
	return f, nil
}

func (f *FilterSampler) Len() int       { return len(f.idx) }
func (f *FilterSampler) Indices() []int { return append([]int(nil), f.idx...) }

// IntervalSampler gives 0, k, 2k, ..., then 1, k+1, ... (with Rollover) or
// only the first pass (without), like Gluon's IntervalSampler.
type IntervalSampler struct {
	N, Interval int
	Rollover    bool
}

func (s IntervalSampler) Indices() []int {
	var idx []int
	starts := 1
	if s.Rollover {
		starts = s.Interval
	}
	for st := 0; st < starts && st < s.N; st++ {
		for i := st; i < s.N; i += s.Interval {
			idx = append(idx, i)
		}
	}
	return idx
}

func (s IntervalSampler) Len() int { return len(s.Indices()) }

// LastBatch says what to do with a final incomplete batch.
type LastBatch string

const (
	Keep     LastBatch = "keep"     // return it as is
	Discard  LastBatch = "discard"  // drop it
	Rollover LastBatch = "rollover" // carry its samples into the next epoch
)

// BatchSampler groups a sampler's indices into batches.
type BatchSampler struct {
	sampler   Sampler
	batchSize int
	last      LastBatch
	carry     []int
}

// NewBatchSampler checks its arguments and returns the batch sampler.
func NewBatchSampler(s Sampler, batchSize int, last LastBatch) (*BatchSampler, error) {
	if batchSize <= 0 {
		return nil, fmt.Errorf("data: batch size must be positive, got %d", batchSize)
	}
	switch last {
	case "":
		last = Keep
	case Keep, Discard, Rollover:
	default:
		return nil, fmt.Errorf("data: last_batch must be keep, discard or rollover, got %q", last)
	}
	return &BatchSampler{sampler: s, batchSize: batchSize, last: last}, nil
}

// Batches returns one epoch of batches.
func (b *BatchSampler) Batches() [][]int {
	idx := append(b.carry, b.sampler.Indices()...)
	b.carry = nil
	var out [][]int
	for len(idx) >= b.batchSize {
		out = append(out, idx[:b.batchSize:b.batchSize])
		idx = idx[b.batchSize:]
	}
	if len(idx) > 0 {
		switch b.last {
		case Keep:
			out = append(out, idx)
		case Rollover:
			b.carry = append([]int(nil), idx...)
		}
	}
	return out
}

// Len is the number of batches in the next epoch.
func (b *BatchSampler) Len() int {
	n := len(b.carry) + b.sampler.Len()
	if b.last == Keep {
		return (n + b.batchSize - 1) / b.batchSize
	}
	return n / b.batchSize
}
