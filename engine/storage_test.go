package engine

import (
	"errors"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// testDevice returns a CPU ordinal no other test uses, so pool counters
// start from zero.
var (
	testDevMu   sync.Mutex
	testDevNext = 100
)

func testDevice() Device {
	testDevMu.Lock()
	defer testDevMu.Unlock()
	testDevNext++
	return Device{Type: CPU, ID: testDevNext}
}

func TestSizeClass(t *testing.T) {
	prevClass, prevSize := -1, 0
	for n := 0; n <= 1<<20; n += 1 + n/37 {
		class, size := sizeClass(n)
		if size < n || size < minClassSize {
			t.Fatalf("sizeClass(%d) = %d bytes, too small", n, size)
		}
		if n > minClassSize && float64(size) > 1.25*float64(n) {
			t.Fatalf("sizeClass(%d) = %d bytes, more than 25%% slack", n, size)
		}
		if class < prevClass || (class == prevClass) != (size == prevSize) {
			t.Fatalf("sizeClass(%d) = (%d, %d) after (%d, %d): classes and sizes must agree", n, class, size, prevClass, prevSize)
		}
		prevClass, prevSize = class, size
	}
	if class, _ := sizeClass(1 << 62); class >= numClasses {
		t.Fatalf("class %d for 2^62 bytes is out of range", class)
	}
}

func TestAllocBytesAndAlignment(t *testing.T) {
	dev := testDevice()
	for _, n := range []int{0, 1, 7, 64, 65, 100, 1000, 4096, 100_000, 1 << 20} {
		c := Alloc(dev, n)
		b := c.Bytes()
		_, size := sizeClass(n)
		if len(b) != n || cap(b) != size || c.Len() != n {
			t.Errorf("Alloc(%d): len %d cap %d, want len %d cap %d", n, len(b), cap(b), n, size)
		}
		if p := uintptr(unsafe.Pointer(unsafe.SliceData(b))); p%64 != 0 {
			t.Errorf("Alloc(%d): address %#x is not 64-byte aligned", n, p)
		}
		b = b[:cap(b)]
		for i := range b {
			b[i] = byte(i) // the whole class is writable
		}
		if c.Device() != dev {
			t.Errorf("Device() = %v, want %v", c.Device(), dev)
		}
		Free(c)
	}
}

func TestPoolReuseAndCounters(t *testing.T) {
	dev := testDevice()
	a := Alloc(dev, 1000)
	_, size := sizeClass(1000)
	s := MemStats(dev)
	if s.InUse != int64(size) || s.Allocs != 1 || s.Reuses != 0 || s.Pooled != 0 || s.Peak != int64(size) {
		t.Fatalf("after one alloc: %+v", s)
	}
	a.Bytes()[0] = 42
	Free(a)
	if s := MemStats(dev); s.InUse != 0 || s.Pooled != int64(size) {
		t.Fatalf("after free: %+v", s)
	}
	b := Alloc(dev, 990) // same class
	if b != a {
		t.Fatal("a freed chunk of the same class was not reused")
	}
	if b.Bytes()[0] != 42 {
		t.Fatal("reused memory was changed; the pool must not zero")
	}
	c := Alloc(dev, 1000)
	s = MemStats(dev)
	if s.Allocs != 2 || s.Reuses != 1 || s.InUse != 2*int64(size) || s.Peak != 2*int64(size) || s.Pooled != 0 {
		t.Fatalf("after reuse and a second alloc: %+v", s)
	}
	Free(b)
	Free(c)
	ResetPeak(dev)
	if s := MemStats(dev); s.Peak != 0 || s.Pooled != 2*int64(size) {
		t.Fatalf("after ResetPeak: %+v", s)
	}
	ReleaseAll(dev)
	if s := MemStats(dev); s.Pooled != 0 {
		t.Fatalf("after ReleaseAll: %+v", s)
	}
	if d := Alloc(dev, 1000); d == a || d == c {
		t.Fatal("ReleaseAll kept a chunk")
	}
}

func TestPoolLimit(t *testing.T) {
	dev := testDevice()
	chunks := make([]*Chunk, 4)
	for i := range chunks {
		chunks[i] = Alloc(dev, 4096)
	}
	SetPoolLimit(dev, 2*4096)
	for _, c := range chunks {
		Free(c)
	}
	if s := MemStats(dev); s.Pooled != 2*4096 || s.InUse != 0 {
		t.Fatalf("with a limit of two chunks: %+v", s)
	}
	SetPoolLimit(dev, 4096)
	if s := MemStats(dev); s.Pooled != 4096 {
		t.Fatalf("after lowering the limit: %+v", s)
	}
}

func TestDoubleFreePanics(t *testing.T) {
	c := Alloc(testDevice(), 10)
	Free(c)
	for name, f := range map[string]func(){"Free": func() { Free(c) }, "Bytes": func() { c.Bytes() }} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, "engine:") {
					t.Errorf("%s of a freed chunk: panic %v, want an engine message", name, r)
				}
			}()
			f()
		}()
	}
}

func TestAllocWithoutBackendPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "no allocator for gpu(3)") {
			t.Fatalf("Alloc on a GPU without backend: panic %v", r)
		}
	}()
	Alloc(Device{Type: GPU, ID: 3}, 16)
}

// fakeDeviceMem stands in for a GPU backend: it hands out addresses only.
type fakeDeviceMem struct {
	mu       sync.Mutex
	next     uintptr
	live     map[uintptr]int
	capacity int64
	failNext bool
}

func (f *fakeDeviceMem) Alloc(_ Device, n int) (Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext {
		f.failNext = false
		return Block{}, errors.New("out of memory")
	}
	f.next += 1 << 20
	f.live[f.next] = n
	return Block{Ptr: f.next}, nil
}

func (f *fakeDeviceMem) Free(_ Device, b Block) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, b.Ptr)
}

func (f *fakeDeviceMem) Capacity(Device) int64 { return f.capacity }

func TestRegisteredAllocator(t *testing.T) {
	const fakeType DeviceType = 42
	fake := &fakeDeviceMem{live: map[uintptr]int{}, capacity: 1000 * 100}
	RegisterAllocator(fakeType, fake)
	t.Setenv("MXNET_GPU_MEM_POOL_RESERVE", "10")
	dev := Device{Type: fakeType, ID: testDevice().ID} // a fresh pool, bound to this fake
	c := Alloc(dev, 100)
	if c.Block().Ptr == 0 {
		t.Fatal("chunk lacks the backend's address")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Bytes of device memory did not panic")
			}
		}()
		c.Bytes()
	}()
	if p := poolOf(dev); p.limit != 90*1000 {
		t.Fatalf("pool limit %d, want 90%% of capacity", p.limit)
	}
	Free(c)
	// An allocation failure releases the pool and retries.
	fake.failNext = true
	d := Alloc(dev, 5000)
	if len(fake.live) != 1 || MemStats(dev).Pooled != 0 {
		t.Fatalf("after a retried alloc: %d live blocks, stats %+v", len(fake.live), MemStats(dev))
	}
	Free(d)
	ReleaseAll(dev)
	if len(fake.live) != 0 {
		t.Fatalf("%d blocks not returned to the backend", len(fake.live))
	}
}

func TestFreeAfterPendingOps(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	defer e.Close()
	dev := testDevice()
	c := Alloc(dev, 256)
	v := e.NewVar()
	gate := make(chan struct{})
	e.Push(Op{Name: "use", Reads: []*Var{v}, Run: func() error {
		<-gate
		c.Bytes()[0] = 1 // would panic if freed early
		return nil
	}})
	FreeAfter(e, v, c)
	if s := MemStats(dev); s.InUse == 0 {
		t.Fatal("chunk freed while an op using it was pending")
	}
	close(gate)
	if err := e.WaitForVar(v); err != nil {
		t.Fatal(err)
	}
	if s := MemStats(dev); s.InUse != 0 || s.Pooled == 0 {
		t.Fatalf("after the pending op: %+v, want the chunk pooled", s)
	}
}

func TestAllocSteadyStateAllocatesNothing(t *testing.T) {
	dev := testDevice()
	Free(Alloc(dev, 4096))
	if n := testing.AllocsPerRun(100, func() { Free(Alloc(dev, 4096)) }); n != 0 {
		t.Fatalf("Alloc+Free: %v heap allocations per run, want 0", n)
	}
	Free(Scratch(300))
	if n := testing.AllocsPerRun(100, func() { Free(Scratch(300)) }); n != 0 {
		t.Fatalf("Scratch+Free: %v heap allocations per run, want 0", n)
	}
}

func BenchmarkAllocFree(b *testing.B) {
	dev := Device{Type: CPU, ID: 1}
	b.ReportAllocs()
	for b.Loop() {
		Free(Alloc(dev, 4096))
	}
}

// Dropping fresh chunks without freeing them (as collected arrays do until
// their cleanups run) makes the pool ask for a collection after
// freshCollectBytes, so the heap cannot grow without bound.
func TestFreshAllocationsTriggerCollection(t *testing.T) {
	// With the collector's own pacing off, only the pool's request collects.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	dev := Device{Type: CPU}
	for i := 0; i < 2*freshCollectBytes/(64<<20)+1; i++ {
		c := Alloc(dev, 64<<20)
		Free(c)
		ReleaseAll(dev) // make every Alloc fresh
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var now runtime.MemStats
		runtime.ReadMemStats(&now)
		if now.NumGC > before.NumGC {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no collection after %d MiB of fresh allocations", 2*freshCollectBytes>>20)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
