package kernels

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A goroutine that calls helpOpen while a region is open runs its
// unclaimed chunks, with the region's helper bookkeeping.
func TestHelpOpenRunsUnclaimedChunks(t *testing.T) {
	if helpOpen() {
		t.Fatal("helpOpen joined a region with none open")
	}
	counts := make([]int, 10)
	r := &region{signal: make(chan struct{}, 1)}
	r.body = func(lo, hi int) {
		for i := lo; i < hi; i++ {
			counts[i]++
		}
	}
	r.n, r.chunk, r.chunks = 10, 3, 4
	r.refs.Store(1) // the caller's
	openRegion.Store(r)
	defer openRegion.CompareAndSwap(r, nil)
	if !helpOpen() {
		t.Fatal("helpOpen did not join the open region")
	}
	for i, c := range counts {
		if c != 1 {
			t.Fatalf("index %d ran %d times, want 1", i, c)
		}
	}
	if got := r.refs.Load(); got != 1 {
		t.Fatalf("region references %d after helping, want the caller's 1", got)
	}
	if got := r.state.Load(); got != 0 {
		t.Fatalf("region state %#x after helping, want 0 (no helper inside)", got)
	}
	// Open, but every chunk taken: no help, so a spinner yields instead.
	if helpOpen() {
		t.Fatal("helpOpen reported help on a region with no chunk left")
	}
	if got := r.refs.Load(); got != 1 {
		t.Fatalf("region references %d after declining, want 1", got)
	}
	r.state.Add(regionClosed)
	if helpOpen() {
		t.Fatal("helpOpen joined a closed region")
	}
	r.refs.Store(0) // recycled
	r.state.Store(0)
	if helpOpen() {
		t.Fatal("helpOpen joined a pooled region")
	}
}

// Goroutines helping at random while regions open and close must never
// run an index twice or miss one (run with -race: regions are recycled
// under the helpers).
func TestHelpOpenWhileRegionsRecycle(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(3)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var joined atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if helpOpen() {
					joined.Add(1)
				}
			}
		}()
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for i := 0; time.Now().Before(deadline) || i < 200; i++ {
		coverOnce(t, 64+i%50, 4)
	}
	close(stop)
	wg.Wait()
	t.Logf("helpers joined %d regions", joined.Load())
}
