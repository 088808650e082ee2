package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// coverOnce runs ParallelFor and checks every index in [0, n) is visited
// exactly once and every chunk but the last is at least grain long.
func coverOnce(t *testing.T, n, grain int) {
	t.Helper()
	counts := make([]atomic.Int32, n)
	var short atomic.Int32
	ParallelFor(n, grain, func(lo, hi int) {
		if hi-lo < grain && hi != n {
			short.Add(1)
		}
		for i := lo; i < hi; i++ {
			counts[i].Add(1)
		}
	})
	for i := range counts {
		if c := counts[i].Load(); c != 1 {
			t.Fatalf("n=%d grain=%d: index %d visited %d times, want 1", n, grain, i, c)
		}
	}
	if short.Load() != 0 {
		t.Fatalf("n=%d grain=%d: %d chunks shorter than grain", n, grain, short.Load())
	}
}

func TestParallelForCoverage(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	for _, threads := range []int{1, 2, 4, 7} {
		SetNumThreads(threads)
		for _, n := range []int{0, 1, 2, 3, 10, 100, 1001} {
			for _, grain := range []int{0, 1, 3, 64, 5000} {
				coverOnce(t, n, grain)
			}
		}
	}
}

func TestParallelForUsesSeveralGoroutines(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(4)
	// Each chunk waits until all four have started: that only finishes if
	// four goroutines run chunks at once.
	var started sync.WaitGroup
	started.Add(4)
	ParallelFor(4, 1, func(lo, hi int) {
		started.Done()
		started.Wait()
	})
}

func TestParallelForNestedAndConcurrent(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(3)
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				ParallelFor(8, 1, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						ParallelFor(10, 2, func(lo, hi int) { total.Add(int64(hi - lo)) })
					}
				})
			}
			_ = g
		}()
	}
	wg.Wait()
	if got, want := total.Load(), int64(4*50*8*10); got != want {
		t.Fatalf("nested/concurrent total = %d, want %d", got, want)
	}
}

func TestParallelForPanicReachesCaller(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(2)
	for trial := range 20 {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Fatalf("trial %d: recovered %v, want boom", trial, r)
				}
			}()
			ParallelFor(2, 1, func(lo, hi int) {
				if lo == trial%2 {
					panic("boom")
				}
			})
		}()
	}
	coverOnce(t, 100, 1) // the pool still works afterwards
}

func TestNumThreadsEnv(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	t.Setenv("MXNET_CPU_WORKER_NTHREADS", "")
	t.Setenv("OMP_NUM_THREADS", "3")
	SetNumThreads(0)
	if got := NumThreads(); got != 3 {
		t.Fatalf("OMP_NUM_THREADS=3: NumThreads() = %d, want 3", got)
	}
	t.Setenv("MXNET_CPU_WORKER_NTHREADS", "5")
	SetNumThreads(0)
	if got := NumThreads(); got != 3 {
		t.Fatalf("MXNET_CPU_WORKER_NTHREADS=5: NumThreads() = %d, want OMP_NUM_THREADS's 3 (it sets engine workers)", got)
	}
	SetNumThreads(2)
	if got := NumThreads(); got != 2 {
		t.Fatalf("SetNumThreads(2): NumThreads() = %d", got)
	}
}

func BenchmarkParallelForOverhead(b *testing.B) {
	var sink atomic.Int64
	b.ReportAllocs()
	for b.Loop() {
		ParallelFor(2, 1, func(lo, hi int) { sink.Add(int64(hi)) })
	}
}

// With one P the helpers a region wakes cannot start before the caller
// blocks: the caller runs every chunk, closes the region and returns, and
// the helpers arrive late and must leave without running anything (or
// touching a recycled region). Every call still covers its range once.
func TestParallelForLateHelpers(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(4)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 2000 {
		n := 1 + i%37
		counts := make([]atomic.Int32, n)
		ParallelFor(n, 1, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				counts[j].Add(1)
			}
		})
		for j := range counts {
			if c := counts[j].Load(); c != 1 {
				t.Fatalf("call %d: index %d visited %d times", i, j, c)
			}
		}
		if i%100 == 0 {
			runtime.Gosched() // let the late helpers drain now and then
		}
	}
	runtime.GOMAXPROCS(2)
	coverOnce(t, 1000, 7)
}

// TestParallelForHelpersPark checks that idle helpers stop spinning: after
// helperSpin without work every worker is parked (blocked, using no CPU),
// and that parked workers are woken for the next region.
func TestParallelForHelpersPark(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(3)
	coverOnce(t, 300, 1)
	deadline := time.Now().Add(2*time.Second + time.Duration(helperSpin.Load()))
	for {
		spinning := 0
		for _, w := range *workers.Load() {
			w.mu.Lock()
			if !w.parked || w.spinning.Load() {
				spinning++
			}
			w.mu.Unlock()
		}
		if spinning == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still not parked %v after the last region", spinning, time.Duration(helperSpin.Load()))
		}
		time.Sleep(time.Millisecond)
	}
	if HelpersAwake() {
		t.Fatal("HelpersAwake() with every worker parked")
	}
	// Every chunk waits for all three: only parked workers woken by the
	// region can complete it.
	var started sync.WaitGroup
	started.Add(3)
	ParallelFor(3, 1, func(lo, hi int) {
		started.Done()
		started.Wait()
	})
}

// TestParallelForNoSpin runs regions with spinning disabled (helpers park
// at once) and with a long spin.
func TestParallelForNoSpin(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	oldSpin := helperSpin.Load()
	defer helperSpin.Store(oldSpin)
	for _, spin := range []time.Duration{0, time.Second} {
		helperSpin.Store(int64(spin))
		for _, threads := range []int{2, 4} {
			SetNumThreads(threads)
			for i := range 200 {
				coverOnce(t, 1+i%50, 1)
			}
		}
	}
}

// TestParallelForWaitsForSlowHelper checks the caller's wait at the end of
// a region when a helper's chunk outlasts finishSpin: the caller stops
// spinning and blocks, and must return only after that chunk is done.
func TestParallelForWaitsForSlowHelper(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	SetNumThreads(2)
	for i := range 20 {
		var started, done atomic.Int32
		ParallelFor(2, 1, func(lo, hi int) {
			if started.Add(1) == 2 {
				// The second chunk to start (a helper's, unless the caller
				// ran both) ends well after the caller's.
				time.Sleep(3 * finishSpin)
			}
			done.Add(1)
		})
		if d := done.Load(); d != 2 {
			t.Fatalf("call %d: ParallelFor returned with %d of 2 chunks done", i, d)
		}
	}
}
