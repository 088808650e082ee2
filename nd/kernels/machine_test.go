package kernels

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRewriteAfterRemoteRead measures what the machine charges for
// data that moves between cores: another goroutine (on another core)
// reads an 800 KB slice, then this one rewrites it in place (an SGD
// update of a 784×256 weight). On the project's 2-vCPU VM it takes 16-25
// µs in some phases and 120-180 µs in others (about 10 ns per cache line,
// serialized), phases that last seconds to minutes; a training step whose
// buffers pass between the cores slows by a third in the slow ones. Run it
// next to a side-by-side comparison to know which phase it ran in (the
// µs/rewrite metric):
//
//	go test -run XXX -bench RewriteAfterRemoteRead ./nd/kernels
func BenchmarkRewriteAfterRemoteRead(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs two cores")
	}
	w, g := make([]float32, 200704), make([]float32, 200704)
	var asked, done, sink atomic.Int64
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		runtime.LockOSThread()
		var sum float32
		for i := int64(1); ; i++ {
			for asked.Load() < i {
				select {
				case <-quit:
					return
				default:
				}
			}
			for j := 0; j < len(w); j += 16 { // one read per cache line
				sum += w[j]
			}
			sink.Store(int64(sum)) // kept, so the reads are not optimized away
			done.Store(i)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Only the rewrite is timed, by hand: the benchmark timer's stops
	// read the memory statistics, which stops the world between them.
	var rewrite time.Duration
	n := int64(0)
	for b.Loop() {
		n++
		asked.Store(n)
		for done.Load() < n {
		}
		t0 := time.Now()
		SGDUpdate32(w, w, g, 1, 1e-9, 1)
		rewrite += time.Since(t0)
	}
	b.ReportMetric(float64(rewrite.Microseconds())/float64(n), "µs/rewrite")
}
