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
	before := engine.MemStats(cpu).InUse
	live := make([]*nd.NDArray, n) // reachable until checked, so no collection frees them early
	for i := range live {
		live[i] = nd.Zeros(nd.Shape{size})
		if err := live[i].WaitToRead(); err != nil {
			t.Fatal(err)
		}
	}
	if grew := engine.MemStats(cpu).InUse - before; grew < n*size*4 {
		t.Fatalf("pool in use grew by %d bytes, want at least %d", grew, n*size*4)
	}
	runtime.KeepAlive(live)
	live = nil
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		_ = nd.WaitAll()
		if engine.MemStats(cpu).InUse-before < n*size*4 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("collected arrays still hold %d pooled bytes", engine.MemStats(cpu).InUse-before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
