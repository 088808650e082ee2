package kernels

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mxgo/mxgo/internal/spin"
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
//
// Waking a parked helper costs 50-100+ µs on a virtual machine (a futex
// wake, then the hypervisor and the OS must put its thread on a core),
// as long as a GEMM of a small network layer. So a helper that finishes
// a region spins for a while (yielding its P to runnable goroutines and
// its core to runnable threads) and takes the next region from its
// mailbox within a microsecond; after helperSpin without work, or as soon
// as it sees another thread take its core, it parks. A training loop on a
// quiet machine calls regions back to back and keeps its helpers hot; an
// idle process stops burning the cores helperSpin after its last region,
// and a busy machine gets its cores back at once.

var (
	numThreads atomic.Int64 // 0 until first read; see NumThreads

	poolBusy atomic.Bool // a region is running on the pool
	poolMu   sync.Mutex  // guards starting workers
	workers  atomic.Pointer[[]*poolWorker]

	// helperSpin is how long a helper polls for the next region before it
	// parks (nanoseconds); 0 parks at once.
	helperSpin atomic.Int64

	// regions are recycled once the caller and every helper sent one
	// (late ones included) have dropped it.
	regionPool = sync.Pool{New: func() any { return &region{signal: make(chan struct{}, 1)} }}
)

// defaultHelperSpin covers the gaps between the GEMMs of a training step
// (activation kernels, loss, the tape, the update), so one step's helpers
// stay awake into the next.
const defaultHelperSpin = 500 * time.Microsecond

func init() {
	helperSpin.Store(int64(spin.EnvDuration("MXGO_HELPER_SPIN", defaultHelperSpin)))
	spin.SetHelper(helpOpen)
}

// openRegion is the running region while its chunks may be unclaimed.
var openRegion atomic.Pointer[region]

// helpOpen runs chunks of the open region, if there is one, on the calling
// goroutine, and reports whether it ran any. (A region whose chunks are all
// taken is no help: a spinner told otherwise would loop back at once, never
// yielding its P or its core to the goroutines running those chunks.) Goroutines spinning in
// package spin call it: a goroutine that waits for an engine result, or
// for its next region, computes a region whose posted helper has no P yet
// (the waiter's own spin is what keeps it from getting one).
func helpOpen() bool {
	r := openRegion.Load()
	if r == nil || r.state.Load()&regionClosed != 0 {
		return false
	}
	// Take a reference unless the region was recycled meanwhile (refs 0:
	// pooled). One taken on a region reused since is on a live region,
	// which helper then joins or finds closed. Only atomic fields are read
	// before the reference is held.
	for {
		n := r.refs.Load()
		if n <= 0 {
			return false
		}
		if r.refs.CompareAndSwap(n, n+1) {
			break
		}
	}
	return r.helper()
}

// poolWorker is one helper goroutine. A region for it waits in pending
// (one at a time: regions run one after another, so a pending region that
// a newer one replaces has closed without this worker).
type poolWorker struct {
	mu       sync.Mutex
	pending  *region
	parked   bool        // blocked on wake; the next region must signal it
	spinning atomic.Bool // polling hasMail: a region reaches it at once
	hasMail  atomic.Bool // pending != nil, for the spinning poll
	wake     chan struct{}
}

// regionClosed is the flag in region.state set when the caller's loop has
// run out of chunks; regionWaiting is set after it, only while helpers are
// inside, when the caller stops spinning and blocks on signal (the last
// helper out then sends). The bits below count the helpers inside.
const (
	regionClosed  = 1 << 40
	regionWaiting = 1 << 41
)

// finishSpin is how long the caller of a region spins for the helpers
// still inside once it has run out of chunks, before it blocks. Blocking
// is dear: the last helper's wake-up puts the caller on the helper's P, so
// the helper goroutine must move to the caller's thread, which is asleep
// in the OS by then (tens of µs to wake on a VM, while the helper, not
// running, misses the start of the next region). The helpers inside run
// their last chunk, typically a few µs.
const finishSpin = 200 * time.Microsecond

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

// run claims chunks until none are left and reports whether it ran any.
func (r *region) run() (ran bool) {
	for ; ; ran = true {
		c := r.next.Add(1) - 1
		if c >= r.chunks {
			return ran
		}
		lo := int(c) * r.chunk
		hi := min(lo+r.chunk, r.n)
		r.body(lo, hi)
	}
}

// NumThreads reports how many goroutines ParallelFor spreads work over. The
// default is OMP_NUM_THREADS, else GOMAXPROCS. (As in MXNet,
// MXNET_CPU_WORKER_NTHREADS sets the engine's CPU workers, not these.)
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
	if v, err := strconv.Atoi(os.Getenv("OMP_NUM_THREADS")); err == nil && v > 0 {
		return v
	}
	return runtime.GOMAXPROCS(0)
}

// ParallelFor calls body over disjoint ranges [lo, hi) that together cover
// [0, n), each at least grain long (except the last), on up to NumThreads
// goroutines, and returns when all are done. It runs body(0, n) inline when
// n <= grain, when one thread is configured, or when another region is
// already running (nested or concurrent calls). Chunks may run on any
// goroutine that spins waiting in this package or the engine (see
// package internal/spin), so body must not wait for a lock that such a
// waiter could hold.
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
	r.refs.Store(int32(helpers + 1))
	dispatch(r, helpers)
	openRegion.Store(r)
	defer r.finish() // even if body panics: helpers inside must be done
	r.run()
}

// HelpersAwake reports whether a helper of the pool is spinning, so that
// a region started now is joined within about a microsecond rather than
// after a thread wake-up. While they are, loops pay to split at far
// smaller sizes; right after a parallel kernel they are, and its output
// then lies in every core's cache. (A hint: the answer may change at once.)
func HelpersAwake() bool {
	ws := workers.Load()
	if ws == nil {
		return false
	}
	for _, w := range *ws {
		if w.spinning.Load() {
			return true
		}
	}
	return false
}

// dispatch hands r to helpers workers, spinning ones first (they start at
// once), and starts workers while the pool has fewer than helpers.
func dispatch(r *region, helpers int) {
	ws := workers.Load()
	if ws == nil || len(*ws) < helpers {
		ws = startWorkers(helpers)
	}
	sent := 0
	for pass := 0; pass < 2 && sent < helpers; pass++ {
		for _, w := range *ws {
			if sent == helpers {
				break
			}
			if (pass == 0) == w.spinning.Load() && w.post(r) {
				sent++
			}
		}
	}
}

// post makes r w's next region, replacing one still pending (it closed
// without w: a worker that has yet to get a core), and reports whether w
// took r (false when r is pending there already).
func (w *poolWorker) post(r *region) bool {
	w.mu.Lock()
	old := w.pending
	if old == r {
		w.mu.Unlock()
		return false
	}
	w.pending = r
	w.hasMail.Store(true)
	wake := w.parked
	w.parked = false
	w.mu.Unlock()
	if old != nil {
		old.release()
	}
	if wake {
		w.wake <- struct{}{}
	}
	return true
}

// take returns w's pending region, or nil; if park is set and none is
// pending, w is marked parked under the same lock.
func (w *poolWorker) take(park bool) *region {
	w.mu.Lock()
	r := w.pending
	w.pending = nil
	w.hasMail.Store(false)
	if r == nil && park {
		w.parked = true
	}
	w.mu.Unlock()
	return r
}

// startWorkers grows the pool to at least n workers and returns it.
func startWorkers(n int) *[]*poolWorker {
	poolMu.Lock()
	defer poolMu.Unlock()
	var list []*poolWorker
	if ws := workers.Load(); ws != nil {
		list = append(list, *ws...)
	}
	for len(list) < n {
		w := &poolWorker{wake: make(chan struct{}, 1)}
		list = append(list, w)
		go w.loop()
	}
	workers.Store(&list)
	return &list
}

// loop runs the regions posted to w.
func (w *poolWorker) loop() {
	for {
		w.idle().helper()
	}
}

// idle waits for w's next region: it spins for helperSpin, then parks.
func (w *poolWorker) idle() *region {
	var r *region
	w.spinning.Store(true)
	spin.Until(time.Duration(helperSpin.Load()), func() bool {
		if w.hasMail.Load() {
			r = w.take(false)
		}
		return r != nil
	})
	w.spinning.Store(false)
	for r == nil {
		if r = w.take(true); r == nil {
			<-w.wake
		}
	}
	return r
}

// finish closes the region, waits for the helpers inside it, releases the
// pool and re-raises a helper's panic on the calling goroutine.
func (r *region) finish() {
	openRegion.CompareAndSwap(r, nil)
	if s := r.state.Add(regionClosed); s != regionClosed && !spin.Until(finishSpin, func() bool {
		return r.state.Load() == regionClosed
	}) {
		for {
			s = r.state.Load()
			if s == regionClosed {
				break // the last helper left meanwhile
			}
			if r.state.CompareAndSwap(s, s|regionWaiting) {
				<-r.signal // the last helper out signals
				break
			}
		}
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
// if it is still open and runs chunks, and reports whether it ran any. A
// panic in body is handed to the caller rather than crashing the process
// from a goroutine nobody can recover.
func (r *region) helper() (ran bool) {
	defer r.release()
	if r.next.Load() >= r.chunks {
		return false // every chunk is taken: nothing to join for
	}
	for {
		s := r.state.Load()
		if s&regionClosed != 0 {
			return false // the caller finished without us
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
	return r.run()
}

// leave marks a helper out of the region, waking the caller if it blocked
// waiting for the helpers while this was the last one inside.
func (r *region) leave() {
	if r.state.Add(-1) == regionClosed|regionWaiting {
		r.signal <- struct{}{}
	}
}
