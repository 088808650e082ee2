package nd_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// Pooled arrays that become unreachable must give their chunks back: a
// training loop would otherwise take fresh memory every step.
func TestCollectedArraysReturnMemory(t *testing.T) {
	cpu := engine.Device{Type: engine.CPU}
	const n, size = 16, 1 << 16
	// Earlier tests' garbage may be collected at any time: it can only
	// lower the count, so the checks compare with the count right after
	// the allocation (an upper bound for what is left once these arrays go).
	live := make([]*nd.NDArray, n) // reachable until checked, so no collection frees them early
	for i := range live {
		live[i] = nd.Zeros(nd.Shape{size})
		if err := live[i].WaitToRead(); err != nil {
			t.Fatal(err)
		}
	}
	held := engine.MemStats(cpu).InUse
	if held < n*size*4 {
		t.Fatalf("pool in use is %d bytes with %d live arrays of %d bytes", held, n, size*4)
	}
	runtime.KeepAlive(live)
	live = nil
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		_ = nd.WaitAll()
		if engine.MemStats(cpu).InUse <= held-n*size*4 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool in use %d bytes, want at most %d once the arrays are collected", engine.MemStats(cpu).InUse, held-n*size*4)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A loop that drops each result for the collector to find (inference, an
// op benchmark) must get its chunks back from the pool, not take fresh
// memory most of the time: every fresh page is faulted in, several µs a
// page on a virtual machine. The pool asks for a collection when it runs
// dry with much handed out and not freed (before, it waited for 128 MiB of
// fresh memory, so about half the loop's arrays were fresh).
func TestDroppedArraysAreReused(t *testing.T) {
	cpu := engine.Device{Type: engine.CPU}
	const iters, size = 400, 1 << 20 // 4 MiB arrays, 1.6 GB in all
	// Start from a settled heap and an empty pool: earlier tests' garbage
	// and pooled chunks would otherwise slow the collections this loop
	// relies on.
	runtime.GC()
	runtime.GC()
	engine.ReleaseAll(cpu)
	before := engine.MemStats(cpu)
	for range iters {
		if err := nd.Zeros(nd.Shape{size}).WaitToRead(); err != nil {
			t.Fatal(err)
		}
	}
	after := engine.MemStats(cpu)
	fresh := after.Allocs - before.Allocs
	t.Logf("%d of %d arrays took fresh memory", fresh, iters)
	// Collections run concurrently with the loop: the arrays made while
	// one runs are fresh. A quarter leaves room for a slow machine.
	if fresh > iters/4 {
		t.Fatalf("%d of %d dropped arrays took fresh memory, want at most %d", fresh, iters, iters/4)
	}
}
