package data

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime/debug"
	"sync"
	"time"

	"github.com/mxgo/mxgo/nd"
)

// LoaderOptions configures a DataLoader; zero values are Gluon's defaults.
type LoaderOptions struct {
	BatchSize    int           // samples per batch (required unless BatchSampler is set)
	Shuffle      bool          // random order each epoch (seeded by Seed)
	Seed         uint64        // seed for Shuffle
	Sampler      Sampler       // custom order (excludes Shuffle)
	BatchSampler *BatchSampler // custom batches (excludes BatchSize, Shuffle, Sampler, LastBatch)
	LastBatch    LastBatch     // keep (default), discard or rollover
	Batchify     BatchifyFunc  // default Stack
	NumWorkers   int           // 0 loads in the caller's goroutine
	Prefetch     int           // batches loaded ahead; default 2*NumWorkers
	Timeout      time.Duration // per batch; 0 means none
	Device       *nd.Device    // copy batches to this device
}

// DataLoader iterates over a dataset in batches.
type DataLoader struct {
	ds      Dataset
	opts    LoaderOptions
	batches *BatchSampler
}

// NewDataLoader validates opts and returns the loader.
func NewDataLoader(ds Dataset, opts LoaderOptions) (*DataLoader, error) {
	l := &DataLoader{ds: ds, opts: opts}
	if opts.BatchSampler != nil {
		if opts.BatchSize != 0 || opts.Shuffle || opts.Sampler != nil || opts.LastBatch != "" {
			return nil, errors.New("data: BatchSampler excludes BatchSize, Shuffle, Sampler and LastBatch")
		}
		l.batches = opts.BatchSampler
	} else {
		if opts.Sampler != nil && opts.Shuffle {
			return nil, errors.New("data: Shuffle and Sampler are mutually exclusive")
		}
		s := opts.Sampler
		if s == nil {
			if opts.Shuffle {
				s = NewRandomSampler(ds.Len(), opts.Seed)
			} else {
				s = SequentialSampler{N: ds.Len()}
			}
		}
		bs, err := NewBatchSampler(s, opts.BatchSize, opts.LastBatch)
		if err != nil {
			return nil, err
		}
		l.batches = bs
	}
	if l.opts.Batchify == nil {
		l.opts.Batchify = Stack
	}
	if opts.NumWorkers < 0 || opts.Prefetch < 0 {
		return nil, fmt.Errorf("data: NumWorkers %d and Prefetch %d must not be negative", opts.NumWorkers, opts.Prefetch)
	}
	if l.opts.Prefetch == 0 {
		l.opts.Prefetch = max(1, 2*opts.NumWorkers)
	}
	return l, nil
}

// Len is the number of batches in the next epoch.
func (l *DataLoader) Len() int { return l.batches.Len() }

// BatchError reports which batch and sample failed.
type BatchError struct {
	Batch  int
	Sample int // dataset index, -1 when the batchify step failed
	Err    error
}

func (e *BatchError) Error() string {
	if e.Sample < 0 {
		return fmt.Sprintf("data: batch %d: %v", e.Batch, e.Err)
	}
	return fmt.Sprintf("data: batch %d: sample %d: %v", e.Batch, e.Sample, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// load builds batch b from indices, turning panics into errors.
func (l *DataLoader) load(b int, idx []int) (batch Batch, err error) {
	cur := -1
	defer func() {
		if r := recover(); r != nil {
			batch, err = nil, &BatchError{Batch: b, Sample: cur, Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	samples := make([]Sample, len(idx))
	for i, j := range idx {
		cur = j
		s, err := l.ds.Get(j)
		if err != nil {
			return nil, &BatchError{Batch: b, Sample: j, Err: err}
		}
		samples[i] = s
	}
	cur = -1
	batch, err = l.opts.Batchify(samples)
	if err != nil {
		return nil, &BatchError{Batch: b, Sample: -1, Err: err}
	}
	if l.opts.Device != nil {
		for i, x := range batch {
			batch[i] = x.AsIn(*l.opts.Device)
		}
	}
	return batch, nil
}

// Batches iterates over one epoch. Batches come in order; an error ends the
// iteration after being yielded. Breaking out of the loop or cancelling ctx
// stops the workers, which leak no goroutines.
func (l *DataLoader) Batches(ctx context.Context) iter.Seq2[Batch, error] {
	return func(yield func(Batch, error) bool) {
		plan := l.batches.Batches()
		if l.opts.NumWorkers == 0 {
			for b, idx := range plan {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
				batch, err := l.load(b, idx)
				if !yield(batch, err) || err != nil {
					return
				}
			}
			return
		}
		l.parallel(ctx, plan, yield)
	}
}

type result struct {
	batch Batch
	err   error
}

// parallel runs workers over the plan with at most Prefetch batches in
// flight, delivering results in order.
func (l *DataLoader) parallel(ctx context.Context, plan [][]int, yield func(Batch, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	abandoned := false // a timed-out load may never return: do not wait for it
	defer func() {
		cancel()
		if !abandoned {
			wg.Wait()
		}
	}()
	slots := make([]chan result, len(plan))
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	for w := 0; w < l.opts.NumWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				batch, err := l.load(b, plan[b])
				slots[b] <- result{batch, err}
			}
		}()
	}
	// The feeder admits a batch only when a prefetch token is free; the
	// consumer returns a token per delivered batch.
	tokens := make(chan struct{}, l.opts.Prefetch)
	for i := 0; i < l.opts.Prefetch; i++ {
		tokens <- struct{}{}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for b := range plan {
			select {
			case <-tokens:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	for b := range plan {
		var timeout <-chan time.Time
		var timer *time.Timer
		if l.opts.Timeout > 0 {
			timer = time.NewTimer(l.opts.Timeout)
			timeout = timer.C
		}
		select {
		case r := <-slots[b]:
			if timer != nil {
				timer.Stop()
			}
			tokens <- struct{}{}
			if !yield(r.batch, r.err) || r.err != nil {
				return
			}
		case <-timeout:
			abandoned = true
			yield(nil, &BatchError{Batch: b, Sample: -1, Err: fmt.Errorf("timed out after %v", l.opts.Timeout)})
			return
		case <-ctx.Done():
			yield(nil, ctx.Err())
			return
		}
	}
}
