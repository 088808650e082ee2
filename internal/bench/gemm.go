package bench

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Gemm measures kernels.Sgemm on square n×n×n float32 matrices with the
// default thread count and reports "sgemm_N" in GFLOP/s (2n³ flops per
// call), the name bench/sgemm_numpy.py prints for NumPy. It panics if
// n < 1.
func Gemm(cfg Config, n int) []Result {
	if n < 1 {
		panic(fmt.Sprintf("bench: gemm size %d < 1", n))
	}
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := randFloats(r, n*n), randFloats(r, n*n), make([]float32, n*n)
	t := measure(cfg, func() {
		kernels.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
	})
	return rateResults(cfg, fmt.Sprintf("sgemm_%d", n), 2*float64(n)*float64(n)*float64(n), t)
}

// Peak measures the machine's float32 FMA peak on the kernel threads as
// it runs now (kernels.FMAPeak for one sample time per round, the
// median), the ceiling that "sgemm_N" is a fraction of, as "fma_peak" in
// GFLOP/s. It reports nothing where kernels has no assembly FMA loop.
func Peak(cfg Config) []Result {
	cfg = cfg.withDefaults()
	rates := make([]float64, cfg.Rounds)
	for i := range rates {
		rates[i] = kernels.FMAPeak(kernels.NumThreads(), cfg.SampleTime)
	}
	sort.Float64s(rates)
	if rates[len(rates)/2] == 0 {
		return nil
	}
	return []Result{{Name: "fma_peak", Value: round(rates[len(rates)/2], 4), Unit: "GFLOP/s"}}
}

// randFloats returns n values uniform in [-1, 1).
func randFloats(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}
