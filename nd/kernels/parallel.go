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

var (
	numThreads atomic.Int64 // 0 until first read; see NumThreads

	poolBusy atomic.Bool // a region is running on the pool
	poolMu   sync.Mutex  // guards poolSize and starting workers
	poolSize int         // worker goroutines started so far
	poolJobs chan *region

	// theRegion is reused by every region: only one runs at a time, and the
	// caller waits for every helper it woke before it returns.
	theRegion region
)

// region is one ParallelFor call spread over the pool.
type region struct {
	body    func(lo, hi int)
	n       int
	chunk   int   // iterations per chunk
	chunks  int64 // number of chunks
	next    atomic.Int64
	helpers sync.WaitGroup
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
	r := &theRegion
	r.body = body
	r.n = n
	r.chunk = (n + chunks - 1) / chunks
	r.chunks = int64((n + r.chunk - 1) / r.chunk)
	r.next.Store(0)

	helpers := int(r.chunks) - 1
	ensureWorkers(helpers)
	r.helpers.Add(helpers)
	for range helpers {
		poolJobs <- r
	}
	defer r.finish() // even if body panics: helpers must be done before reuse
	r.run()
}

// finish waits for the helpers, releases the pool and re-raises a helper's
// panic on the calling goroutine.
func (r *region) finish() {
	r.helpers.Wait()
	r.body = nil // drop the closure so it can be collected
	p := r.panicV
	r.panicV = nil
	poolBusy.Store(false)
	if p != nil {
		panic(p)
	}
}

// runHelper is run by a worker; a panic in body is handed to the caller
// rather than crashing the process from a goroutine nobody can recover.
func (r *region) runHelper() {
	defer r.helpers.Done()
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

// ensureWorkers starts worker goroutines until at least n exist.
func ensureWorkers(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	if poolJobs == nil {
		// Capacity bounds how many helpers one region may wake; regions
		// never use more than NumThreads-1 helpers.
		poolJobs = make(chan *region, 1024)
	}
	for ; poolSize < n; poolSize++ {
		go worker(poolJobs)
	}
}

func worker(jobs <-chan *region) {
	for r := range jobs {
		r.runHelper()
	}
}
