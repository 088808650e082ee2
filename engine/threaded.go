package engine

import (
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mxgo/mxgo/internal/spin"
)

// ThreadedOptions configures NewThreaded. Zero values pick defaults.
type ThreadedOptions struct {
	// WorkersPerDevice is the number of workers in each device's pool.
	// Zero takes MXNet's defaults: MXNET_CPU_WORKER_NTHREADS (default 1)
	// for the CPU pool and MXNET_GPU_WORKER_NTHREADS (default 2) per GPU.
	//
	// One CPU worker is the default because kernels spread large work over
	// the cores themselves (kernels.ParallelFor, OMP_NUM_THREADS): more
	// workers only add overlap of small ops, and handing a chain of
	// dependent ops from worker to worker costs a thread wake-up and moves
	// its data to another core's cache, which on small work costs more than
	// the ops (a hybridized LeNet step at batch 1 ran 1.3x slower on two
	// workers than on one).
	WorkersPerDevice int
	// Spin is how long an idle worker, or a goroutine waiting in
	// WaitForVar or WaitAll, polls before it blocks (see package
	// internal/spin); zero takes MXGO_ENGINE_SPIN (default 200µs), and a
	// negative value blocks at once.
	Spin time.Duration
	// QueueLimit is the number of pushed, unfinished operations at which
	// Push blocks until half of them are done; default 1<<14, at most 1<<20.
	QueueLimit int
}

const (
	defaultQueueLimit = 1 << 14
	maxQueueLimit     = 1 << 20
	defaultCPUWorkers = 1
	defaultGPUWorkers = 2
	defaultSpin       = 200 * time.Microsecond
)

// Threaded is the dependency engine: an operation runs on its device's
// worker pool as soon as every earlier operation it conflicts with is done.
// Reads of a variable run concurrently with each other; a write waits for
// every earlier read and write of it. Push order defines "earlier".
//
// Ops must not wait on the engine (WaitForVar, WaitAll, or a Push that may
// block on a full queue) from inside Run: if every worker of a pool does so,
// nothing is left to run the ops they wait for.
type Threaded struct {
	limit    int64 // pending operations at which Push blocks
	lowWater int64 // pending operations at which blocked pushers resume
	workers  int   // per pool, 0 = per-device default
	spin     time.Duration

	pending atomic.Int64 // pushed, unfinished operations (waits excluded)

	// mu guards the condition variables below; the waiter counts let
	// finishing ops skip the lock when nobody waits.
	mu          sync.Mutex
	idle        sync.Cond // pending reached 0
	room        sync.Cond // pending fell to lowWater
	idleWaiters atomic.Int32
	roomWaiters atomic.Int32

	errMu sync.Mutex
	errs  []error // op failures since the last WaitAll

	host    atomic.Pointer[workerPool] // CPU-like devices share one pool
	poolsMu sync.Mutex
	pools   map[Device]*workerPool // every started pool, host included
	wg      sync.WaitGroup         // running workers
	closed  atomic.Bool
}

// workerPool is one device's queue of ready operations and its workers.
type workerPool struct {
	ready chan *opr
}

// opr is a pushed operation's scheduling record, recycled through oprPool.
type opr struct {
	eng    *Threaded
	pool   *workerPool
	op     Op
	wait   atomic.Int32 // dependencies not yet granted, plus one while pushing
	nodes  []depNode    // one per distinct variable
	inline [4]depNode   // backing for nodes of small ops
	more   []depNode    // backing for nodes of larger ops, kept while pooled
	isWait bool         // a WaitForVar marker: signals done instead of running
	done   chan struct{}
}

var oprPool = sync.Pool{New: func() any { return new(opr) }}

// NewThreaded returns the dependency engine. Its dynamic type is *Threaded;
// call its Close method to stop its workers.
func NewThreaded(opts ThreadedOptions) Engine { return newThreaded(opts) }

func newThreaded(opts ThreadedOptions) *Threaded {
	limit := opts.QueueLimit
	if limit <= 0 {
		limit = defaultQueueLimit
	}
	limit = min(limit, maxQueueLimit)
	sp := opts.Spin
	if sp == 0 {
		sp = spin.EnvDuration("MXGO_ENGINE_SPIN", defaultSpin)
	}
	t := &Threaded{
		spin:     sp,
		limit:    int64(limit),
		lowWater: int64(limit / 2),
		workers:  opts.WorkersPerDevice,
		pools:    make(map[Device]*workerPool),
	}
	t.idle.L = &t.mu
	t.room.L = &t.mu
	return t
}

// Name returns "ThreadedEngine".
func (*Threaded) Name() string { return "ThreadedEngine" }

// NewVar returns a fresh variable.
func (*Threaded) NewVar() *Var { return newVar() }

// Push schedules op. It blocks while QueueLimit operations are unfinished.
// An op with no variables simply runs asynchronously. Nil entries in Reads
// and Writes are ignored, as are repeats; a variable in both lists counts as
// a write. An op whose Task is a SmallTask reporting true runs in the
// calling goroutine when all its variables are free (it still holds them
// while it runs, so ordering is unchanged). After Close, Push runs op
// inline. It panics if op has neither Run nor Task.
func (t *Threaded) Push(op Op) {
	if op.Run == nil && op.Task == nil {
		panic("engine: push of op " + op.Name + " with neither Run nor Task")
	}
	t.acquire()
	// Checked after acquire: Close sets closed before waiting for pending
	// to drain, so either Close waits for this op or this Push sees closed.
	if t.closed.Load() {
		t.release()
		t.runClosed(&op)
		return
	}
	o := oprPool.Get().(*opr)
	o.eng = t
	o.pool = t.poolFor(op.Device)
	o.op = op
	o.isWait = false
	o.buildDeps()
	o.wait.Store(int32(len(o.nodes)) + 1)
	granted := int32(0)
	for i := range o.nodes {
		n := &o.nodes[i]
		if n.v.appendDep(n) {
			granted++
		}
	}
	// The extra count held during the loop keeps o from starting before
	// all of its dependencies are queued.
	if o.wait.Add(-granted-1) == 0 {
		if s, ok := op.Task.(SmallTask); ok && op.Run == nil && s.Small() {
			t.execute(o) // ready now and tiny: cheaper here than on a worker
			return
		}
		o.pool.ready <- o
	}
}

// runClosed runs op inline once the engine is closed (arrays collected after
// Close still free their memory through it), after anything still pending.
func (t *Threaded) runClosed(op *Op) {
	t.waitIdle()
	if err := runOp(op); err != nil {
		t.errMu.Lock()
		t.errs = append(t.errs, err)
		t.errMu.Unlock()
	}
	finish(op)
}

// buildDeps lists o's distinct variables: writes first, then reads not
// also written.
func (o *opr) buildDeps() {
	nodes := o.inline[:0]
	if n := len(o.op.Writes) + len(o.op.Reads); n > len(o.inline) {
		// Sized once for every variable: appending would grow it step by
		// step, and the grown list stays with the pooled record.
		if cap(o.more) < n {
			o.more = make([]depNode, 0, n)
		}
		nodes = o.more[:0]
	}
	for i, v := range o.op.Writes {
		if v != nil && !containsVar(o.op.Writes[:i], v) {
			nodes = append(nodes, depNode{op: o, v: v, write: true})
		}
	}
	for i, v := range o.op.Reads {
		if v != nil && !containsVar(o.op.Writes, v) && !containsVar(o.op.Reads[:i], v) {
			nodes = append(nodes, depNode{op: o, v: v})
		}
	}
	o.nodes = nodes
}

func containsVar(vs []*Var, v *Var) bool {
	for _, w := range vs {
		if w == v {
			return true
		}
	}
	return false
}

// depReady records one granted dependency and starts o after the last.
func (o *opr) depReady() {
	if o.wait.Add(-1) != 0 {
		return
	}
	if o.isWait {
		// Release the variable before waking the waiter, which recycles o.
		o.completeDeps()
		o.done <- struct{}{}
		return
	}
	o.pool.ready <- o
}

func (o *opr) completeDeps() {
	for i := range o.nodes {
		n := &o.nodes[i]
		n.v.complete(n.write)
	}
}

// markWait makes o a WaitForVar marker on v, with one write node.
func (o *opr) markWait(v *Var) {
	o.isWait = true
	if o.done == nil {
		o.done = make(chan struct{}, 1)
	}
	o.nodes = append(o.inline[:0], depNode{op: o, v: v, write: true})
	o.wait.Store(2)
}

func (o *opr) recycle() {
	o.reset()
	oprPool.Put(o)
}

// reset drops o's references; its node lists' backing stays with it.
func (o *opr) reset() {
	clear(o.nodes)
	o.nodes = nil
	o.op = Op{}
	o.eng, o.pool = nil, nil
}

// execute runs a ready operation (on a worker, or inline for small ones).
func (t *Threaded) execute(o *opr) {
	if err := runOp(&o.op); err != nil {
		t.errMu.Lock()
		t.errs = append(t.errs, err)
		t.errMu.Unlock()
	}
	finish(&o.op)
	o.completeDeps()
	o.recycle()
	t.release()
}

// acquire reserves a pending slot, blocking while the queue is full.
func (t *Threaded) acquire() {
	for {
		n := t.pending.Load()
		if n < t.limit {
			if t.pending.CompareAndSwap(n, n+1) {
				return
			}
			continue
		}
		t.mu.Lock()
		t.roomWaiters.Add(1)
		for t.pending.Load() > t.lowWater {
			t.room.Wait()
		}
		t.roomWaiters.Add(-1)
		t.mu.Unlock()
	}
}

// release frees a pending slot and wakes whoever waits for room or idleness.
// A waiter registers before checking pending, so with sequentially
// consistent atomics either it sees the new count or release sees it.
func (t *Threaded) release() {
	n := t.pending.Add(-1)
	if n <= t.lowWater && t.roomWaiters.Load() > 0 {
		t.mu.Lock()
		t.room.Broadcast()
		t.mu.Unlock()
	}
	if n == 0 && t.idleWaiters.Load() > 0 {
		t.mu.Lock()
		t.idle.Broadcast()
		t.mu.Unlock()
	}
}

// WaitForVar blocks until every operation pushed so far that reads or
// writes v is done and returns the error carried on v.
func (t *Threaded) WaitForVar(v *Var) error {
	if v.idle() {
		return v.Err()
	}
	// Queue a marker that writes v: it is granted once all earlier reads and
	// writes of v are done. It changes neither v's error nor pending.
	o := oprPool.Get().(*opr)
	o.markWait(v)
	if v.appendDep(&o.nodes[0]) {
		o.depReady()
	}
	o.depReady()
	spin.Until(t.spin, func() bool { return len(o.done) > 0 })
	<-o.done
	o.recycle()
	return v.Err()
}

// WaitAll blocks until every pushed operation is done and returns the
// errors of all operations that failed since the previous WaitAll, joined.
// Ops skipped because an input failed are not repeated there: their root
// cause is.
func (t *Threaded) WaitAll() error {
	t.waitIdle()
	t.errMu.Lock()
	errs := t.errs
	t.errs = nil
	t.errMu.Unlock()
	return joinErrs(errs)
}

// waitIdle blocks until no pushed operation is unfinished.
func (t *Threaded) waitIdle() {
	if spin.Until(t.spin, func() bool { return t.pending.Load() == 0 }) {
		return
	}
	t.mu.Lock()
	t.idleWaiters.Add(1)
	for t.pending.Load() > 0 {
		t.idle.Wait()
	}
	t.idleWaiters.Add(-1)
	t.mu.Unlock()
}

// Close waits for all pushed operations and stops the workers. Failures
// stay for the next WaitAll. Later pushes run inline, as on the naive
// engine; calling Close again does nothing.
func (t *Threaded) Close() {
	if !t.closed.CompareAndSwap(false, true) {
		return
	}
	t.waitIdle()
	t.poolsMu.Lock()
	for _, p := range t.pools {
		close(p.ready)
	}
	t.pools = nil
	t.poolsMu.Unlock()
	t.wg.Wait()
}

// isHost reports whether d's memory is the host's, so its ops share the
// CPU pool. The zero Device counts as the CPU.
func isHost(d DeviceType) bool {
	return d == 0 || d == CPU || d == CPUPinned || d == CPUShared
}

// poolFor returns d's worker pool, starting it on first use.
func (t *Threaded) poolFor(d Device) *workerPool {
	if isHost(d.Type) {
		if p := t.host.Load(); p != nil {
			return p
		}
		d = Device{Type: CPU}
	}
	t.poolsMu.Lock()
	defer t.poolsMu.Unlock()
	if p := t.pools[d]; p != nil {
		return p
	}
	workers := t.workers
	if workers <= 0 {
		workers = envWorkers("MXNET_CPU_WORKER_NTHREADS", defaultCPUWorkers)
		if !isHost(d.Type) {
			workers = envWorkers("MXNET_GPU_WORKER_NTHREADS", defaultGPUWorkers)
		}
	}
	// Ready ops never outnumber pending ones, so a channel this large never
	// blocks the worker that makes an op ready.
	p := &workerPool{ready: make(chan *opr, t.limit)}
	t.pools[d] = p
	if d.Type == CPU {
		t.host.Store(p)
	}
	t.wg.Add(workers)
	for range workers {
		go t.work(p)
	}
	return p
}

func (t *Threaded) work(p *workerPool) {
	defer t.wg.Done()
	for {
		// A training loop pushes its next ops within microseconds of the
		// last one finishing: poll for them before parking, so the pusher
		// does not pay for waking this thread (see package spin).
		spin.Until(t.spin, func() bool { return len(p.ready) > 0 || t.closed.Load() })
		o, ok := <-p.ready
		if !ok {
			return
		}
		t.execute(o)
	}
}

// envWorkers reads a positive worker count from the environment variable
// name, or returns def.
func envWorkers(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		slog.Warn("engine: ignoring invalid worker count", name, v, "default", def)
		return def
	}
	return n
}
