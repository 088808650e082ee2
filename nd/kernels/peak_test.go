package kernels

import (
	"testing"
	"time"
)

// FMAPeak reports a plausible rate where there is an assembly loop (more
// on two threads than on one, below what any CPU of today reaches per
// core), and 0 where there is none or for no threads.
func TestFMAPeak(t *testing.T) {
	if FMAPeak(0, time.Millisecond) != 0 {
		t.Fatal("FMAPeak with no threads is not 0")
	}
	one := FMAPeak(1, 20*time.Millisecond)
	if fmaLoop == nil {
		if one != 0 {
			t.Fatalf("FMAPeak without an assembly loop = %v, want 0", one)
		}
		return
	}
	if one < 1 || one > 2000 {
		t.Fatalf("FMAPeak(1) = %v GFLOP/s, not plausible for one core", one)
	}
}

// BenchmarkFMAPeak reports the machine's float32 FMA peak on one thread
// and on NumThreads, the ceiling for BenchmarkSgemm's GFLOP/s.
func BenchmarkFMAPeak(b *testing.B) {
	for _, threads := range []int{1, NumThreads()} {
		b.Run(map[bool]string{true: "1", false: "all"}[threads == 1], func(b *testing.B) {
			var g float64
			for b.Loop() {
				g = FMAPeak(threads, 50*time.Millisecond)
			}
			b.ReportMetric(g, "GFLOP/s")
		})
	}
}
