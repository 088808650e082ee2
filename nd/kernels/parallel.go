package kernels

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// The pool runs one parallel region at a time. A call that finds the pool
// busy (a nested call from inside a body, or a concurrent call from another
// goroutine) runs its loop inline on the calling goroutine: that can never
// deadlock, and it keeps the machine from being oversubscribed.
//
// The caller never waits for a helper that has not started: helpers join a
// region only while it is open, and the caller closes it once its own loop
// runs out of chunks, then waits only for the helpers inside. On a busy
// machine a woken helper may get a core milliseconds later; the caller has
// done the work by then and goes on, and the late helper finds the region
// closed and leaves without touching it.

var (
	numThreads atomic.Int64 // 0 until first read; see NumThreads

	poolBusy atomic.Bool // a region is running on the pool
	poolMu   sync.Mutex  // guards poolSize and starting workers
	poolSize int         // worker goroutines started so far
	poolJobs chan *region

	// regions are recycled once the caller and every helper sent one
	// (late ones included) have dropped it.
	regionPool = sync.Pool{New: func() any { return &region{signal: make(chan struct{}, 1)} }}
)

// regionClosed is the flag in region.state set when the caller's loop has
// run out of chunks; the bits below it count the helpers inside.
const regionClosed = 1 << 40

// region is one ParallelFor call spread over the pool.
type region struct {
	body   func(lo, hi int)
	n      int
	chunk  int   // iterations per chunk
	chunks int64 // number of chunks
	next   atomic.Int64
	state  atomic.Int64  // helpers inside run, plus regionClosed
	refs   atomic.Int32  // the caller and the helpers sent the region
	signal chan struct{} // the last helper to leave a closed region wakes the caller

	panicMu sync.Mutex
	panicV  any // first panic raised by a helper, re-raised by the caller
}

// run claims chunks until none are left.
func (r *region) run() {
	for {
		c := r.next.Add(1) - 1
		if c >= r.chunks {
			return
		}
		lo := int(c) * r.chunk
		hi := min(lo+r.chunk, r.n)
		r.body(lo, hi)
	}
}

// NumThreads reports how many goroutines ParallelFor spreads work over. The
// default is MXNET_CPU_WORKER_NTHREADS, else OMP_NUM_THREADS, else GOMAXPROCS.
func NumThreads() int {
	if n := numThreads.Load(); n > 0 {
		return int(n)
	}
	n := defaultThreads()
	numThreads.CompareAndSwap(0, int64(n))
	return int(numThreads.Load())
}

// SetNumThreads sets how many goroutines ParallelFor uses; n < 1 restores
// the default.
func SetNumThreads(n int) {
	if n < 1 {
		n = defaultThreads()
	}
	numThreads.Store(int64(n))
}

func defaultThreads() int {
	for _, env := range []string{"MXNET_CPU_WORKER_NTHREADS", "OMP_NUM_THREADS"} {
		if v, err := strconv.Atoi(os.Getenv(env)); err == nil && v > 0 {
			return v
		}
	}
	return runtime.GOMAXPROCS(0)
}

// ParallelFor calls body over disjoint ranges [lo, hi) that together cover
// [0, n), each at least grain long (except the last), on up to NumThreads
// goroutines, and returns when all are done. It runs body(0, n) inline when
// n <= grain, when one thread is configured, or when another region is
// already running (nested or concurrent calls).
func ParallelFor(n, grain int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	threads := NumThreads()
	if threads <= 1 || n <= grain || !poolBusy.CompareAndSwap(false, true) {
		body(0, n)
		return
	}

	chunks := max(min(n/grain, threads), 1)
	r := regionPool.Get().(*region)
	r.body = body
	r.n = n
	r.chunk = (n + chunks - 1) / chunks
	r.chunks = int64((n + r.chunk - 1) / r.chunk)
	r.next.Store(0)
	r.state.Store(0)

	helpers := int(r.chunks) - 1
	ensureWorkers(helpers)
	r.refs.Store(int32(helpers + 1))
	for range helpers {
		poolJobs <- r
	}
	defer r.finish() // even if body panics: helpers inside must be done
	r.run()
}

// finish closes the region, waits for the helpers inside it, releases the
// pool and re-raises a helper's panic on the calling goroutine.
func (r *region) finish() {
	if r.state.Add(regionClosed) != regionClosed {
		<-r.signal // some helpers were inside: the last one out signals
	}
	p := r.panicV
	r.panicV = nil
	poolBusy.Store(false)
	r.release()
	if p != nil {
		panic(p)
	}
}

// release drops one reference; the last one recycles the region.
func (r *region) release() {
	if r.refs.Add(-1) == 0 {
		r.body = nil // drop the closure so it can be collected
		regionPool.Put(r)
	}
}

// helper is run by a worker for each region sent to it: it joins the region
// if it is still open and runs chunks; a panic in body is handed to the
// caller rather than crashing the process from a goroutine nobody can
// recover.
func (r *region) helper() {
	defer r.release()
	for {
		s := r.state.Load()
		if s&regionClosed != 0 {
			return // the caller finished without us
		}
		if r.state.CompareAndSwap(s, s+1) {
			break
		}
	}
	defer r.leave()
	defer func() {
		if p := recover(); p != nil {
			r.panicMu.Lock()
			if r.panicV == nil {
				r.panicV = p
			}
			r.panicMu.Unlock()
			r.next.Store(r.chunks) // stop handing out chunks
		}
	}()
	r.run()
}

// leave marks a helper out of the region, waking the caller if it closed
// the region while this was the last helper inside.
func (r *region) leave() {
	if r.state.Add(-1) == regionClosed {
		r.signal <- struct{}{}
	}
}

// ensureWorkers starts worker goroutines until at least n exist.
func ensureWorkers(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	if poolJobs == nil {
		// Capacity bounds how many helpers' jobs may wait; regions never
		// use more than NumThreads-1 helpers, and late helpers drain
		// their jobs without work.
		poolJobs = make(chan *region, 1024)
	}
	for ; poolSize < n; poolSize++ {
		go worker(poolJobs)
	}
}

func worker(jobs <-chan *region) {
	for r := range jobs {
		r.helper()
	}
}
