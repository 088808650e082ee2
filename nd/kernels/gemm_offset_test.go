package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func useOffKernel(t testing.TB, k *offKernel) {
	old := offKernel32
	offKernel32 = k
	t.Cleanup(func() { offKernel32 = old })
}

type offCase struct {
	m, n, k     int
	group, keep int
	threads     int
}

// run checks SgemmOffset against SgemmNaive on the B it describes: random
// (overlapping) runs of a source slice.
func (tc offCase) run(t *testing.T, r *rand.Rand) {
	srcLen := tc.n + 3*tc.k + OffsetGemmSlack
	src := randSlice(r, srcLen)
	off := make([]int32, tc.k)
	b := make([]float32, max(tc.k*tc.n, 1))
	for p := range off {
		off[p] = int32(r.IntN(srcLen - tc.n - OffsetGemmSlack + 1))
		copy(b[p*tc.n:(p+1)*tc.n], src[off[p]:])
	}
	lda := tc.k + 1
	a := randSlice(r, max(tc.m*lda, 1))
	full := make([]float32, max(tc.m*tc.n, 1))
	SgemmNaive(false, false, tc.m, tc.n, tc.k, 1, a, lda, b, max(tc.n, 1), 0, full, max(tc.n, 1))
	g := OffsetGemm{M: tc.m, N: tc.n, K: tc.k, A: a, LDA: lda, Src: src, Off: off, Group: tc.group, Keep: tc.keep, Threads: tc.threads}
	cols := g.cols()
	g.LDC = cols + 2
	g.C = make([]float32, max(tc.m*g.LDC, 1))
	for i := range g.C {
		g.C[i] = float32(math.NaN())
	}
	SgemmOffset(&g)
	tol := 4e-6 * float64(tc.k+2)
	for i := range tc.m {
		for j := range tc.n {
			dst := j
			if tc.group > 0 {
				if j%tc.group >= tc.keep {
					continue
				}
				dst = j/tc.group*tc.keep + j%tc.group
			}
			got, want := g.C[i*g.LDC+dst], full[i*tc.n+j]
			if math.Abs(float64(got-want)) > tol {
				t.Fatalf("C[%d,%d] (B column %d) = %v, want %v", i, dst, j, got, want)
			}
		}
		for j := cols; j < g.LDC; j++ {
			if !math.IsNaN(float64(g.C[i*g.LDC+j])) {
				t.Fatalf("C[%d,%d] past the columns was written", i, j)
			}
		}
	}
}

func TestSgemmOffset(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	var cases []offCase
	for _, m := range []int{1, 7, 14, 17, 64} {
		for _, n := range []int{1, 7, 31, 33, 100} {
			for _, k := range []int{1, 3, 17, 40} {
				cases = append(cases, offCase{m: m, n: n, k: k})
				cases = append(cases, offCase{m: m, n: n, k: k, group: 9, keep: 7})
			}
		}
	}
	cases = append(cases,
		offCase{m: 0, n: 5, k: 3}, offCase{m: 5, n: 0, k: 3}, offCase{m: 5, n: 5, k: 0, group: 3, keep: 2},
		offCase{m: 64, n: 3248, k: 64, group: 58, keep: 56, threads: 2},   // panel-major
		offCase{m: 300, n: 61, k: 600, group: 9, keep: 7, threads: 2},     // row-major
		offCase{m: 129, n: 200, k: 1100, group: 16, keep: 14, threads: 3}, // row-major, chunks
		offCase{m: 30, n: 40, k: 50, group: 1, keep: 1},
	)
	for _, kern := range offKernels32 {
		t.Run(kern.name, func(t *testing.T) {
			useOffKernel(t, kern)
			for _, tc := range cases {
				t.Run(fmt.Sprintf("m%d_n%d_k%d_g%d_%d_t%d", tc.m, tc.n, tc.k, tc.group, tc.keep, tc.threads), func(t *testing.T) {
					tc.run(t, r)
				})
			}
		})
	}
}

func TestSgemmOffsetErrors(t *testing.T) {
	ok := func() OffsetGemm {
		return OffsetGemm{M: 2, N: 3, K: 2, A: make([]float32, 4), LDA: 2, Src: make([]float32, 3+OffsetGemmSlack+1),
			Off: []int32{0, 1}, C: make([]float32, 6), LDC: 3}
	}
	for name, mod := range map[string]func(*OffsetGemm){
		"negative":     func(g *OffsetGemm) { g.N = -1 },
		"short a":      func(g *OffsetGemm) { g.A = g.A[:3] },
		"short c":      func(g *OffsetGemm) { g.C = g.C[:5] },
		"few offsets":  func(g *OffsetGemm) { g.Off = g.Off[:1] },
		"offset past":  func(g *OffsetGemm) { g.Off[1] = 2 },
		"negative off": func(g *OffsetGemm) { g.Off[0] = -1 },
		"keep > group": func(g *OffsetGemm) { g.Group, g.Keep = 2, 3 },
	} {
		t.Run(name, func(t *testing.T) {
			g := ok()
			mod(&g)
			defer func() {
				var e *Error
				if p := recover(); p == nil || !errors.As(p.(error), &e) {
					t.Fatalf("got panic %v, want *Error", p)
				}
			}()
			SgemmOffset(&g)
		})
	}
	g := ok()
	SgemmOffset(&g) // the unmodified call is valid
}

// TestSgemmOffsetNoAlloc checks the steady state allocates nothing.
func TestSgemmOffsetNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := rand.New(rand.NewPCG(1, 1))
	g := OffsetGemm{M: 64, N: 500, K: 100, A: randSlice(r, 6400), LDA: 100, Src: randSlice(r, 700+OffsetGemmSlack),
		Off: make([]int32, 100), C: make([]float32, 64*500), LDC: 500, Group: 50, Keep: 50}
	for p := range g.Off {
		g.Off[p] = int32(2 * p)
	}
	SgemmOffset(&g)
	if n := testing.AllocsPerRun(20, func() { SgemmOffset(&g) }); n > 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

// BenchmarkSgemmOffset measures a ResNet 3×3 64→64 layer on 56×56 as an
// offset GEMM (virtual width 58), in GFLOP/s of useful work.
func BenchmarkSgemmOffset(b *testing.B) {
	const c, hw, f = 64, 56, 64
	wv := hw + 2
	r := rand.New(rand.NewPCG(1, 1))
	src := randSlice(r, c*wv*wv+OffsetGemmSlack)
	off := make([]int32, 0, c*9)
	for ch := range c {
		for kh := range 3 {
			for kw := range 3 {
				off = append(off, int32(ch*wv*wv+kh*wv+kw))
			}
		}
	}
	g := OffsetGemm{M: f, N: (hw-1)*wv + hw, K: c * 9, A: randSlice(r, f*c*9), LDA: c * 9, Src: src, Off: off,
		C: make([]float32, f*hw*hw), LDC: hw * hw, Group: wv, Keep: hw}
	b.ReportAllocs()
	for b.Loop() {
		SgemmOffset(&g)
	}
	b.ReportMetric(2*float64(f*c*9*hw*hw)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
