package engine

import (
	"fmt"
	"math"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// Chunk is one block of device memory from the pool. Its memory is not
// zeroed: it may hold a previous owner's bytes.
type Chunk struct {
	block Block
	n     int // bytes requested
	size  int // bytes of the size class
	class int
	pool  *devicePool
	live  atomic.Bool // between Alloc and Free; reused headers flip it again
}

// Bytes returns the chunk's host memory: len is the size requested from
// Alloc, cap the size class's, and the first byte is 64-byte aligned. It
// panics for device memory and after Free.
func (c *Chunk) Bytes() []byte {
	if !c.live.Load() {
		panic("engine: use of a freed chunk")
	}
	if c.block.Host == nil {
		panic(fmt.Sprintf("engine: chunk on %v is not host memory", c.pool.dev))
	}
	return c.block.Host[:c.n]
}

// Len returns the size requested from Alloc.
func (c *Chunk) Len() int { return c.n }

// Device returns the device the memory lives on.
func (c *Chunk) Device() Device { return c.pool.dev }

// Block returns the allocator's description of the memory (for backends
// that need the device address or their own handle).
func (c *Chunk) Block() Block { return c.block }

// Block is memory handed out by an Allocator.
type Block struct {
	Host   []byte  // host-addressable memory of the requested length; nil for device memory
	Ptr    uintptr // address of the first byte
	Handle any     // the backend's own handle, if it needs one to free
}

// Allocator provides the raw memory of one device type; the pool above it
// buckets, reuses and accounts. A CUDA backend registers one for GPU from
// an init function.
type Allocator interface {
	// Alloc returns nbytes of memory on dev, 64-byte aligned.
	Alloc(dev Device, nbytes int) (Block, error)
	// Free returns a block from Alloc to the device.
	Free(dev Device, b Block)
	// Capacity returns dev's total memory in bytes, or 0 when unknown.
	Capacity(dev Device) int64
}

// MemStat counts one device pool's memory. Byte counts are of size classes.
type MemStat struct {
	InUse  int64 // bytes held by live chunks
	Pooled int64 // bytes kept for reuse
	Peak   int64 // highest InUse since start or ResetPeak
	Allocs int64 // chunks obtained from the allocator
	Reuses int64 // chunks served from the pool
}

const (
	defaultHostPoolLimit = 256 << 20
	minClassSize         = 64
	numClasses           = 1 + (64-7)*4
	// defaultGPUReservePercent is MXNET_GPU_MEM_POOL_RESERVE's default:
	// the share of GPU memory kept out of the pool.
	defaultGPUReservePercent = 5
)

// sizeClass rounds n up to a class: 64 bytes, then four classes per power
// of two (at most 25% slack).
func sizeClass(n int) (class, size int) {
	if n <= minClassSize {
		return 0, minClassSize
	}
	e := bits.Len(uint(n - 1)) // 2^(e-1) < n <= 2^e, e >= 7
	step := 1 << (e - 3)
	q := (n + step - 1) / step // 5..8
	return 1 + (e-7)*4 + q - 5, q * step
}

type devicePool struct {
	dev   Device
	alloc Allocator

	mu    sync.Mutex
	free  [numClasses][]*Chunk
	limit int64
	stat  MemStat
	// freshSinceGC counts bytes taken from the allocator since the pool
	// last asked for a collection; outstanding, bytes handed out (fresh
	// or reused) less bytes freed since then.
	freshSinceGC, outstanding int64
}

var (
	allocMu    sync.RWMutex
	allocators = map[DeviceType]Allocator{
		CPU:       hostAllocator{},
		CPUPinned: hostAllocator{},
		CPUShared: hostAllocator{},
	}

	poolsMu  sync.RWMutex
	devPools = map[Device]*devicePool{}
	// poolCache skips the map's lock and hash for the usual devices.
	poolCache [8][64]atomic.Pointer[devicePool]
)

// cachedPool returns dev's slot in poolCache, or nil when it has none.
func cachedPool(dev Device) *atomic.Pointer[devicePool] {
	if uint32(dev.Type) < uint32(len(poolCache)) && uint(dev.ID) < uint(len(poolCache[0])) {
		return &poolCache[dev.Type][dev.ID]
	}
	return nil
}

// RegisterAllocator makes a the allocator of devices of type t. Call it from
// an init function, before the first Alloc on such a device.
func RegisterAllocator(t DeviceType, a Allocator) {
	allocMu.Lock()
	allocators[t] = a
	allocMu.Unlock()
}

func poolOf(dev Device) *devicePool {
	slot := cachedPool(dev)
	if slot != nil {
		if p := slot.Load(); p != nil {
			return p
		}
	}
	poolsMu.RLock()
	p := devPools[dev]
	poolsMu.RUnlock()
	if p != nil {
		return p
	}
	allocMu.RLock()
	a := allocators[dev.Type]
	allocMu.RUnlock()
	if a == nil {
		panic(fmt.Sprintf("engine: no allocator for %v: memory on this device needs a backend (for GPU, build with its tag and import it)", dev))
	}
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if p := devPools[dev]; p != nil {
		return p
	}
	p = &devicePool{dev: dev, alloc: a, limit: defaultPoolLimit(dev, a)}
	devPools[dev] = p
	if slot != nil {
		slot.Store(p)
	}
	return p
}

// defaultPoolLimit is 256 MiB for host memory (a training step reuses far
// less; more only raises the resident size); for other devices, the device's
// capacity less MXNET_GPU_MEM_POOL_RESERVE percent (default 5), or no limit
// when the capacity is unknown.
func defaultPoolLimit(dev Device, a Allocator) int64 {
	if isHost(dev.Type) {
		return defaultHostPoolLimit
	}
	capacity := a.Capacity(dev)
	if capacity <= 0 {
		return math.MaxInt64
	}
	reserve := int64(defaultGPUReservePercent)
	if s := os.Getenv("MXNET_GPU_MEM_POOL_RESERVE"); s != "" {
		if r, err := strconv.Atoi(s); err == nil && r >= 0 && r <= 100 {
			reserve = int64(r)
		}
	}
	return capacity / 100 * (100 - reserve)
}

// Alloc returns a chunk of at least nbytes on dev, reusing pooled memory of
// the same size class when there is some. It panics if nbytes is negative,
// if no allocator serves dev (GPU without a backend), or if the device is
// out of memory even after its pool is released.
func Alloc(dev Device, nbytes int) *Chunk {
	if nbytes < 0 {
		panic(fmt.Sprintf("engine: alloc of %d bytes on %v", nbytes, dev))
	}
	p := poolOf(dev)
	class, size := sizeClass(nbytes)
	p.mu.Lock()
	if free := p.free[class]; len(free) > 0 {
		c := free[len(free)-1]
		free[len(free)-1] = nil
		p.free[class] = free[:len(free)-1]
		p.stat.Pooled -= int64(size)
		p.stat.Reuses++
		p.use(int64(size))
		collect := p.serve(size, false)
		p.mu.Unlock()
		if collect {
			CollectSoon()
		}
		c.n = nbytes
		c.live.Store(true)
		return c
	}
	p.mu.Unlock()

	b, err := p.alloc.Alloc(dev, size)
	if err != nil {
		ReleaseAll(dev)
		if b, err = p.alloc.Alloc(dev, size); err != nil {
			panic(fmt.Sprintf("engine: alloc of %d bytes on %v: %v", nbytes, dev, err))
		}
	}
	c := &Chunk{block: b, n: nbytes, size: size, class: class, pool: p}
	c.live.Store(true)
	p.mu.Lock()
	p.stat.Allocs++
	p.use(int64(size))
	p.freshSinceGC += int64(size)
	collect := p.serve(size, true)
	p.mu.Unlock()
	if collect {
		CollectSoon()
	}
	return c
}

// freshCollectBytes bounds how much fresh host memory the pool takes
// before it asks for a garbage collection. Chunks return to the pool only
// when the collector finds their arrays dead, and the collector's pacing
// counts pooled memory as live, so without this a program that never calls
// autograd.Backward (inference, data preparation) could grow its heap
// geometrically between collections.
const freshCollectBytes = 128 << 20

// outstandingCollectBytes is how far the bytes the pool hands out may
// run ahead of those freed back before a miss asks for a collection. A
// loop that drops its results for the collector to find (inference, an
// op benchmark) gets its chunks back only at a collection: counting fresh
// bytes alone, it would reuse what one collection returned and then take
// a whole freshCollectBytes of new memory, every page of it faulted in
// (several µs a page on a virtual machine), before the next. Only a miss
// asks (collections cost the kernels a share of the cores while they
// mark), and a training step whose Backward frees its arrays hands back
// what it takes, so it asks for none.
const outstandingCollectBytes = 32 << 20

// serve accounts size bytes handed out, fresh when the pool had no chunk
// of the class (a miss), and reports whether to ask for a collection
// (resetting the counts); p.mu is held.
func (p *devicePool) serve(size int, miss bool) bool {
	p.outstanding += int64(size)
	if !isHostDevice(p.dev) || (p.freshSinceGC < freshCollectBytes && !(miss && p.outstanding >= outstandingCollectBytes)) {
		return false
	}
	p.freshSinceGC, p.outstanding = 0, 0
	return true
}

var collecting atomic.Bool

// CollectSoon starts one background garbage collection unless one is
// running, so that chunks of dead arrays return to their pools sooner.
func CollectSoon() {
	if !collecting.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer collecting.Store(false)
		runtime.GC()
	}()
}

func isHostDevice(d Device) bool { return d.Type == CPU || d.Type == CPUPinned || d.Type == CPUShared }

// use accounts size more bytes in use; p.mu is held.
func (p *devicePool) use(size int64) {
	p.stat.InUse += size
	p.stat.Peak = max(p.stat.Peak, p.stat.InUse)
}

// Free returns c to its device's pool, or to the allocator when the pool is
// at its limit. It panics if c was already freed (and not handed out again).
func Free(c *Chunk) {
	if !c.live.CompareAndSwap(true, false) {
		panic(fmt.Sprintf("engine: double free of a %d-byte chunk on %v", c.n, c.pool.dev))
	}
	p := c.pool
	size := int64(c.size)
	p.mu.Lock()
	p.stat.InUse -= size
	// Frees count down to zero only: chunks a collection returns were
	// counted before the count was reset.
	p.outstanding = max(p.outstanding-size, 0)
	if p.stat.Pooled+size <= p.limit {
		p.free[c.class] = append(p.free[c.class], c)
		p.stat.Pooled += size
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.alloc.Free(p.dev, c.block)
}

// FreeAfter pushes an op that writes v and frees c, so c returns to the
// pool only after every operation pushed before it that uses v is done.
// Arrays call it when they are collected.
func FreeAfter(e Engine, v *Var, c *Chunk) {
	t := freeTaskPool.Get().(*freeTask)
	t.chunk, t.writes[0] = c, v
	e.Push(Op{Name: "free", Device: c.pool.dev, Writes: t.writes[:], Task: t})
}

// freeTask is FreeAfter's op, pooled: arrays are freed at the rate they
// are made, and a closure and a variable list for each would be most of a
// small training step's allocations.
type freeTask struct {
	chunk  *Chunk
	writes [1]*Var
}

var freeTaskPool = sync.Pool{New: func() any { return new(freeTask) }}

func (t *freeTask) Run() error {
	Free(t.chunk)
	return nil
}

// Small reports true: returning a chunk to its pool is cheaper than
// handing the op to a worker.
func (t *freeTask) Small() bool { return true }

func (t *freeTask) Recycle() {
	t.chunk, t.writes[0] = nil, nil
	freeTaskPool.Put(t)
}

// ReleaseAll returns dev's pooled memory to its allocator.
func ReleaseAll(dev Device) {
	p := poolOf(dev)
	p.mu.Lock()
	var drop []*Chunk
	for i := range p.free {
		drop = append(drop, p.free[i]...)
		clear(p.free[i])
		p.free[i] = nil
	}
	p.stat.Pooled = 0
	p.mu.Unlock()
	for _, c := range drop {
		p.alloc.Free(dev, c.block)
	}
}

// SetPoolLimit sets how many bytes dev's pool keeps for reuse, dropping
// pooled memory above the new limit.
func SetPoolLimit(dev Device, nbytes int64) {
	p := poolOf(dev)
	p.mu.Lock()
	p.limit = nbytes
	var drop []*Chunk
	for i := len(p.free) - 1; i >= 0 && p.stat.Pooled > p.limit; i-- {
		for len(p.free[i]) > 0 && p.stat.Pooled > p.limit {
			c := p.free[i][len(p.free[i])-1]
			p.free[i][len(p.free[i])-1] = nil
			p.free[i] = p.free[i][:len(p.free[i])-1]
			p.stat.Pooled -= int64(c.size)
			drop = append(drop, c)
		}
	}
	p.mu.Unlock()
	for _, c := range drop {
		p.alloc.Free(dev, c.block)
	}
}

// MemStats returns dev's memory counters.
func MemStats(dev Device) MemStat {
	p := poolOf(dev)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stat
}

// ResetPeak sets dev's Peak to its current InUse.
func ResetPeak(dev Device) {
	p := poolOf(dev)
	p.mu.Lock()
	p.stat.Peak = p.stat.InUse
	p.mu.Unlock()
}
