package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmBias checks SgemmBias against the naive product added to C
// prefilled with the bias, on every kernel and driver path (blocked,
// small, the transposed narrow path and the vector ones) at 1 and 2
// threads, with C full of NaNs (it must only be written) and padded
// (the padding must stay as it was).
func TestSgemmBias(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	dims := [][3]int{
		// {40, 1, 17} at index 1 has a transposed A: one column that no
		// vector path takes.
		{1, 1, 1}, {40, 1, 17}, {1, 40, 17}, {9, 12, 1}, {5, 7, 0},
		{17, 7, 255}, {33, 65, 129}, {255, 10, 129}, {256, 256, 300}, {100, 300, 50},
	}
	if raceEnabled || testing.Short() {
		dims = dims[:7]
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, kern := range sgemmKernels {
		for _, kv := range []*microKernel[float32]{kern, smallBlocks(kern)} {
			for _, path := range gemmPaths {
				for _, threads := range []int{1, 2} {
					t.Run(fmt.Sprintf("%s/%s/threads%d", kv.name, path.name, threads), func(t *testing.T) {
						useSgemmKernel(t, kv)
						useSmallSharedMax(t, path.sharedMax)
						SetNumThreads(threads)
						for i, d := range dims {
							tc := gemmCase{m: d[0], n: d[1], k: d[2], transA: i&1 != 0, transB: i&2 != 0, alpha: 1, pad: i % 3 * 3}
							if i == 4 {
								tc.alpha = 0
							}
							t.Run(tc.String(), func(t *testing.T) { tc.runBias(t, r) })
						}
					})
				}
			}
		}
	}
}

func (tc gemmCase) runBias(t *testing.T, r *rand.Rand) {
	a, b, lda, ldb, ldc := tc.operands(r)
	bias := randSlice(r, tc.n)
	c := randSlice(r, tc.m*ldc)
	for i := range tc.m {
		for j := range tc.n {
			c[i*ldc+j] = float32(math.NaN())
		}
	}
	want := append([]float32(nil), c...)
	for i := range tc.m {
		copy(want[i*ldc:i*ldc+tc.n], bias)
	}
	SgemmNaive(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, 1, want, ldc)
	got := append([]float32(nil), c...)
	SgemmBias(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, bias, got, ldc)
	tc.compare(t, got, want, c, ldc, 1e-6*float64(tc.k+2)*8)
}

func TestSgemmBiasShort(t *testing.T) {
	defer func() {
		if _, ok := recover().(*Error); !ok {
			t.Fatal("want panic with *Error for a bias shorter than n")
		}
	}()
	a := make([]float32, 6)
	SgemmBias(false, false, 2, 3, 2, 1, a, 2, a, 3, a[:2], a, 3)
}
