package autograd_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// Pooled arrays recorded on a graph that is never backpropagated give
// their memory back once dropped, although each is in a cycle with its
// tape node (its graph entry names the node, the node lists it).
func TestDroppedGraphReturnsMemory(t *testing.T) {
	cpu := engine.Device{Type: engine.CPU}
	const n, size = 8, 1 << 16
	x := nd.Zeros(nd.Shape{size}).AttachGrad()
	ys := make([]*nd.NDArray, n)
	autograd.Record(func() {
		for i := range ys {
			ys[i] = x.MulScalar(2)
		}
	})
	for _, y := range ys {
		if err := y.WaitToRead(); err != nil {
			t.Fatal(err)
		}
	}
	held := engine.MemStats(cpu).InUse
	if held < n*size*4 {
		t.Fatalf("pool in use is %d bytes with %d recorded arrays of %d bytes", held, n, size*4)
	}
	runtime.KeepAlive(ys)
	ys = nil
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		_ = nd.WaitAll()
		if engine.MemStats(cpu).InUse <= held-n*size*4 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool in use %d bytes, want at most %d once the recorded arrays are collected", engine.MemStats(cpu).InUse, held-n*size*4)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
