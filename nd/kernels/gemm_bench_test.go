package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemm measures square C = A*B with the default kernel and
// threads, reporting GFLOP/s (2n³ flops per call).
func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchSgemm(b, n, false, false) })
	}
	b.Run("1024_tA", func(b *testing.B) { benchSgemm(b, 1024, true, false) })
	b.Run("1024_tB", func(b *testing.B) { benchSgemm(b, 1024, false, true) })
}

// BenchmarkSgemmKernels compares the kernels at 1024.
func BenchmarkSgemmKernels(b *testing.B) {
	for _, kern := range sgemmKernels {
		b.Run(kern.name, func(b *testing.B) {
			useSgemmKernel(b, kern)
			benchSgemm(b, 1024, false, false)
		})
	}
}

func benchSgemm(b *testing.B, n int, transA, transB bool) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
	Sgemm(transA, transB, n, n, n, 1, x, n, y, n, 0, z, n) // warm buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Sgemm(transA, transB, n, n, n, 1, x, n, y, n, 0, z, n)
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
