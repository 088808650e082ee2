package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// packedSgemm is Sgemm through PackA and SgemmPackedA.
func packedSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var p PackedA
	PackA(&p, transA, m, k, alpha, a, lda)
	if p.Rows() != m || p.Depth() != k {
		panic(fmt.Sprintf("packed %dx%d, want %dx%d", p.Rows(), p.Depth(), m, k))
	}
	SgemmPackedA(&p, transB, n, b, ldb, beta, c, ldc)
}

// The packed products equal the naive ones for every kernel, on one and
// two threads, on the shapes Sgemm is tested with, and with op(B) cut in
// column blocks (a small shared-operand limit).
func TestSgemmPackedA(t *testing.T) {
	for _, kern := range sgemmKernels {
		for _, threads := range []int{1, 2} {
			for _, shared := range []int{smallSharedMax, 64} {
				t.Run(fmt.Sprintf("%s/threads%d/shared%d", kern.name, threads, shared), func(t *testing.T) {
					useSgemmKernel(t, kern)
					useSmallSharedMax(t, shared)
					SetNumThreads(threads)
					t.Cleanup(func() { SetNumThreads(0) })
					r := rand.New(rand.NewPCG(21, 22))
					for _, tc := range gemmCases() {
						tc.runWith(t, r, packedSgemm)
					}
				})
			}
		}
	}
}

// One packed A serves many products, also concurrent ones (-race), each
// equal to Sgemm's.
func TestSgemmPackedAReused(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	const m, k, n = 70, 300, 33
	a := randSlice(r, m*k)
	var p PackedA
	PackA(&p, false, m, k, 1, a, k)
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			r := rand.New(rand.NewPCG(25, uint64(g)))
			for range 5 {
				b := randSlice(r, n*k)
				got, want := make([]float32, m*n), make([]float32, m*n)
				SgemmPackedA(&p, true, n, b, k, 0, got, n)
				SgemmNaive(false, true, m, n, k, 1, a, k, b, k, 0, want, n)
				for i := range got {
					if d := got[i] - want[i]; d > 1e-3 || d < -1e-3 {
						done <- fmt.Errorf("C[%d] = %v, want %v", i, got[i], want[i])
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// Empty shapes: k = 0 scales C by beta, m = 0 or n = 0 touch nothing.
func TestSgemmPackedADegenerate(t *testing.T) {
	var p PackedA
	PackA(&p, false, 2, 0, 1, nil, 1)
	c := []float32{1, 2, 3, 4}
	SgemmPackedA(&p, false, 2, nil, 2, 3, c, 2)
	if c[0] != 3 || c[3] != 12 {
		t.Fatalf("k=0: C = %v, want beta*C = [3 6 9 12]", c)
	}
	PackA(&p, false, 0, 3, 1, nil, 3)
	SgemmPackedA(&p, false, 5, nil, 5, 0, nil, 5)
	PackA(&p, false, 2, 3, 1, []float32{1, 2, 3, 4, 5, 6}, 3)
	SgemmPackedA(&p, false, 0, nil, 1, 0, nil, 1)
}

func TestSgemmPackedAPanics(t *testing.T) {
	var p PackedA
	mustPanic(t, "short A", func() { PackA(&p, false, 4, 5, 1, make([]float32, 19), 5) })
	mustPanic(t, "negative m", func() { PackA(&p, false, -1, 5, 1, nil, 5) })
	PackA(&p, false, 4, 5, 1, make([]float32, 20), 5)
	mustPanic(t, "short B", func() { SgemmPackedA(&p, false, 3, make([]float32, 14), 3, 0, make([]float32, 12), 3) })
	mustPanic(t, "short C", func() { SgemmPackedA(&p, false, 3, make([]float32, 15), 3, 0, make([]float32, 11), 3) })
	mustPanic(t, "small ldc", func() { SgemmPackedA(&p, false, 3, make([]float32, 15), 3, 0, make([]float32, 12), 2) })
}

// Steady-state products allocate nothing.
func TestSgemmPackedANoAlloc(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 27))
	const m, k, n = 1024, 256, 32
	a, b, c := randSlice(r, m*k), randSlice(r, n*k), make([]float32, m*n)
	var p PackedA
	PackA(&p, false, m, k, 1, a, k)
	SgemmPackedA(&p, true, n, b, k, 0, c, n)
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	if got := testing.AllocsPerRun(50, func() { SgemmPackedA(&p, true, n, b, k, 0, c, n) }); got != 0 {
		t.Fatalf("%v allocs per product, want 0", got)
	}
	if got := testing.AllocsPerRun(50, func() { PackA(&p, false, m, k, 1, a, k) }); got != 0 {
		t.Fatalf("%v allocs per repack, want 0", got)
	}
}

// BenchmarkSgemmPackedA compares a recurrent layer's per-step products
// (an LSTM(256) at batch 32: the 1024×256 weight times the state, and its
// transpose times the gate gradients) through Sgemm, which packs the
// weight every call, and through one PackedA.
func BenchmarkSgemmPackedA(b *testing.B) {
	shapes := []struct {
		name   string
		transA bool
		m, k   int
	}{{"fwd_1024x32x256", false, 1024, 256}, {"bwdT_256x32x1024", true, 256, 1024}}
	for _, s := range shapes {
		r := rand.New(rand.NewPCG(28, 29))
		const n = 32
		lda := s.k
		if s.transA {
			lda = s.m
		}
		a, x, c := randSlice(r, s.m*s.k), randSlice(r, n*s.k), make([]float32, s.m*n)
		flops := 2 * float64(s.m*n*s.k)
		report := func(b *testing.B, start time.Time) {
			b.ReportMetric(flops*float64(b.N)/time.Since(start).Seconds()/1e9, "GFLOP/s")
		}
		b.Run(s.name+"/sgemm", func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				Sgemm(s.transA, true, s.m, n, s.k, 1, a, lda, x, s.k, 0, c, n)
			}
			report(b, start)
		})
		b.Run(s.name+"/packed", func(b *testing.B) {
			var p PackedA
			PackA(&p, s.transA, s.m, s.k, 1, a, lda)
			start := time.Now()
			for b.Loop() {
				SgemmPackedA(&p, true, n, x, s.k, 0, c, n)
			}
			report(b, start)
		})
	}
}

// mustPanic fails t unless call panics with *Error.
func mustPanic(t *testing.T, name string, call func()) {
	t.Helper()
	defer func() {
		if _, ok := recover().(*Error); !ok {
			t.Errorf("%s: want panic with *Error", name)
		}
	}()
	call()
}
