package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// useSgemmKernel makes Sgemm use kern for the rest of the test.
func useSgemmKernel(t testing.TB, kern *microKernel[float32]) {
	old := sgemmKernel
	sgemmKernel = kern
	t.Cleanup(func() { sgemmKernel = old })
}

// gemmPaths force each driver path: the blocked loop nest only, or the
// small-problem path for every shape.
var gemmPaths = []struct {
	name      string
	sharedMax int
}{{"blocked", 0}, {"small", 1 << 30}}

// useSmallSharedMax sets smallSharedMax for the rest of the test.
func useSmallSharedMax(t testing.TB, n int) {
	old := smallSharedMax
	smallSharedMax = n
	t.Cleanup(func() { smallSharedMax = old })
}

// smallBlocks returns kern with tiny cache blocks so that small matrices
// cross every block boundary of the driver.
func smallBlocks[T float](kern *microKernel[T]) *microKernel[T] {
	k := *kern
	k.name += "-small"
	k.mc, k.kc, k.nc = 2*k.mr+1, 5, 3*k.nr
	return &k
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

type gemmCase struct {
	m, n, k        int
	transA, transB bool
	alpha, beta    float32
	pad            int // extra columns in each leading dimension
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("m%d_n%d_k%d_tA%v_tB%v_a%g_b%g_pad%d", tc.m, tc.n, tc.k, tc.transA, tc.transB, tc.alpha, tc.beta, tc.pad)
}

// sgemmFunc has Sgemm's signature.
type sgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// run checks Sgemm against SgemmNaive on random inputs.
func (tc gemmCase) run(t *testing.T, r *rand.Rand) { tc.runWith(t, r, Sgemm) }

// runWith checks sgemm against SgemmNaive on random inputs.
func (tc gemmCase) runWith(t *testing.T, r *rand.Rand, sgemm sgemmFunc) {
	a, b, lda, ldb, ldc := tc.operands(r)
	c := randSlice(r, max(tc.m*ldc, 1))
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	want := append([]float32(nil), c...)
	SgemmNaive(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	got := append([]float32(nil), c...)
	sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	// Inputs are in [-1, 1]: rounding error grows at most linearly in k.
	tol := 1e-6 * float64(tc.k+2) * (math.Abs(float64(tc.alpha)) + math.Abs(float64(tc.beta)) + 1) * 4
	tc.compare(t, got, want, c, ldc, tol)
}

// operands returns random A and B for tc, with tc.pad extra columns in
// every leading dimension, and those dimensions.
func (tc gemmCase) operands(r *rand.Rand) (a, b []float32, lda, ldb, ldc int) {
	ar, ac := stored(tc.m, tc.k, tc.transA)
	br, bc := stored(tc.k, tc.n, tc.transB)
	lda, ldb, ldc = ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	return randSlice(r, max(ar*lda, 1)), randSlice(r, max(br*ldb, 1)), lda, ldb, ldc
}

// compare fails t unless got matches want within tol in C's m×n part and
// the padding past column n is still c's, bit for bit.
func (tc gemmCase) compare(t *testing.T, got, want, c []float32, ldc int, tol float64) {
	t.Helper()
	for i := range tc.m {
		for j := range ldc {
			g, w := got[i*ldc+j], want[i*ldc+j]
			if j >= tc.n { // padding must be untouched
				if math.Float32bits(g) != math.Float32bits(c[i*ldc+j]) {
					t.Fatalf("C[%d,%d] (padding) changed: got %v, want %v", i, j, g, c[i*ldc+j])
				}
				continue
			}
			if math.IsNaN(float64(g)) || math.Abs(float64(g-w)) > tol {
				t.Fatalf("C[%d,%d] = %v, want %v (tol %g)", i, j, g, w, tol)
			}
		}
	}
}

func gemmCases() []gemmCase {
	dims := [][3]int{
		{1, 1, 1}, {7, 17, 1}, {17, 7, 255}, {1, 255, 17}, {255, 1, 7},
		{33, 65, 129}, {1023, 17, 7}, {7, 1023, 17}, {17, 7, 1023}, {255, 255, 255},
		// Few columns, many rows: computed transposed (gemmNarrow).
		{255, 10, 129}, {1023, 7, 17}, {300, 16, 600},
	}
	if raceEnabled || testing.Short() {
		dims = dims[:6]
	}
	scalars := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2.5}, {2, 0}}
	var cases []gemmCase
	for i, d := range dims {
		for tr := range 4 {
			s := scalars[(i+tr)%len(scalars)]
			cases = append(cases, gemmCase{m: d[0], n: d[1], k: d[2], transA: tr&1 != 0, transB: tr&2 != 0,
				alpha: s[0], beta: s[1], pad: (i + tr) % 3 * 5})
		}
	}
	return cases
}

// TestSgemmKernels runs every kernel this CPU supports (assembly and pure
// Go), with default and tiny blocking, against the naive reference.
func TestSgemmKernels(t *testing.T) {
	for _, kern := range sgemmKernels {
		for _, kv := range []*microKernel[float32]{kern, smallBlocks(kern)} {
			for _, path := range gemmPaths {
				t.Run(kv.name+"/"+path.name, func(t *testing.T) {
					useSgemmKernel(t, kv)
					useSmallSharedMax(t, path.sharedMax)
					r := rand.New(rand.NewPCG(1, 2))
					for _, tc := range gemmCases() {
						t.Run(tc.String(), func(t *testing.T) { tc.run(t, r) })
					}
				})
			}
		}
	}
}

func TestSgemmKernelAvailability(t *testing.T) {
	if got := sgemmKernels[len(sgemmKernels)-1].name; got != "go" {
		t.Fatalf("last kernel = %q, want the pure-Go fallback", got)
	}
	if SgemmKernelName() != sgemmKernels[0].name {
		t.Fatalf("default kernel %q, want best available %q", SgemmKernelName(), sgemmKernels[0].name)
	}
	t.Logf("sgemm kernels: %v", kernelNames())
}

func kernelNames() []string {
	var names []string
	for _, k := range sgemmKernels {
		names = append(names, k.name)
	}
	return names
}

// TestSgemmThreads checks the single- and multi-threaded splits agree
// (rows split, columns split) with the reference.
func TestSgemmThreads(t *testing.T) {
	old := NumThreads()
	defer SetNumThreads(old)
	r := rand.New(rand.NewPCG(3, 4))
	for _, path := range gemmPaths {
		useSmallSharedMax(t, path.sharedMax)
		for _, threads := range []int{1, 2, 3} {
			SetNumThreads(threads)
			for _, tc := range []gemmCase{
				{m: 300, n: 200, k: 150, alpha: 1, beta: 0},
				{m: 5, n: 700, k: 130, alpha: 1.5, beta: 1, transB: true},
				{m: 700, n: 9, k: 130, alpha: 1, beta: 0.5, transA: true, pad: 1},
				{m: 130, n: 130, k: 300, alpha: 1, beta: -1, transA: true, pad: 3},
				{m: 64, n: 256, k: 784, alpha: 1, beta: 1, transB: true},
				{m: 256, n: 784, k: 64, alpha: 1, beta: 0, transA: true},
				// Below smallParallelFlops: split only while a helper
				// spins (back-to-back calls keep one spinning).
				{m: 64, n: 128, k: 256, alpha: 1, beta: 1, transB: true},
				{m: 64, n: 128, k: 256, alpha: 1, beta: 1, transB: true},
				{m: 128, n: 256, k: 64, alpha: 1, beta: 0, transA: true},
				// Rows enough for each thread to pack its own B (at 2
				// and 3 threads; at 1 the shared, lazily packed panel).
				{m: 400, n: 300, k: 200, alpha: 1, beta: 0.5, transB: true, pad: 2},
				{m: 500, n: 70, k: 40, alpha: -1, beta: 0},
			} {
				t.Run(fmt.Sprintf("%s/threads%d/%v", path.name, threads, tc), func(t *testing.T) { tc.run(t, r) })
			}
		}
	}
}

func TestUsePrivateB(t *testing.T) {
	for _, c := range []struct {
		m, threads int
		want       bool
	}{{1000, 1, false}, {255, 2, false}, {256, 2, true}, {767, 2, true}, {768, 2, false}, {400, 3, true}, {300, 3, false}} {
		if got := usePrivateB(c.m, c.threads); got != c.want {
			t.Errorf("usePrivateB(%d, %d) = %v, want %v", c.m, c.threads, got, c.want)
		}
	}
}

func TestSgemmDegenerate(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 3, c, 2)
	if c[0] != 3 || c[3] != 12 {
		t.Fatalf("k=0: C = %v, want beta*C = [3 6 9 12]", c)
	}
	c = []float32{float32(math.NaN()), 2, 3, 4}
	Sgemm(false, false, 2, 2, 2, 0, []float32{1, 2, 3, 4}, 2, []float32{1, 2, 3, 4}, 2, 0, c, 2)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("alpha=0 beta=0: C[%d] = %v, want 0", i, v)
		}
	}
	Sgemm(false, false, 0, 5, 3, 1, nil, 3, nil, 5, 0, nil, 5) // empty C: no-op
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 6)
	for name, call := range map[string]func(){
		"negative": func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) },
		"lda":      func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) },
		"short b":  func() { Sgemm(false, false, 2, 3, 3, 1, a, 3, a, 3, 0, a, 3) },
		"short c":  func() { Sgemm(false, false, 3, 2, 2, 1, a, 2, a, 2, 0, a[:5], 2) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if _, ok := recover().(*Error); !ok {
					t.Fatalf("want panic with *Error")
				}
			}()
			call()
		})
	}
}

func TestDgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	oldMax := smallSharedMax
	defer func() { smallSharedMax = oldMax }()
	for i, kern := range []*microKernel[float64]{dgemmKernel, smallBlocks(dgemmKernel), dgemmKernel, smallBlocks(dgemmKernel)} {
		smallSharedMax = gemmPaths[i/2].sharedMax
		old := dgemmKernel
		dgemmKernel = kern
		for _, d := range [][3]int{{1, 1, 1}, {17, 7, 255}, {63, 65, 31}, {130, 3, 300}} {
			for tr := range 4 {
				m, n, k := d[0], d[1], d[2]
				ta, tb := tr&1 != 0, tr&2 != 0
				a := make([]float64, m*k)
				b := make([]float64, k*n)
				c := make([]float64, m*n)
				for _, s := range [][]float64{a, b, c} {
					for i := range s {
						s[i] = r.Float64()*2 - 1
					}
				}
				lda, ldb := k, n
				if ta {
					lda = m
				}
				if tb {
					ldb = k
				}
				want := append([]float64(nil), c...)
				DgemmNaive(ta, tb, m, n, k, 0.5, a, lda, b, ldb, -1, want, n)
				Dgemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, -1, c, n)
				for i := range c {
					if math.Abs(c[i]-want[i]) > 1e-13*float64(k+1) {
						t.Fatalf("%s %v tA=%v tB=%v: C[%d] = %v, want %v", kern.name, d, ta, tb, i, c[i], want[i])
					}
				}
			}
		}
		dgemmKernel = old
	}
}

// TestPackTransFast checks the SIMD transposing pack against the scalar
// one bit for bit, over widths, tails and scales.
func TestPackTransFast(t *testing.T) {
	fast := packTransFast
	if fast == nil {
		t.Skip("no SIMD packer on this CPU or build")
	}
	r := rand.New(rand.NewPCG(9, 9))
	const ld = 300
	src := randSlice(r, 40*ld)
	for _, width := range []int{14, 16, 32, 6} {
		for _, kc := range []int{1, 15, 16, 17, 64, 255} {
			for _, scale := range []float32{1, -2.5} {
				got := make([]float32, kc*width)
				want := make([]float32, kc*width)
				packPanel(got, src, ld, true, 7, kc, 3, width, width, scale)
				packTransFast = nil
				packPanel(want, src, ld, true, 7, kc, 3, width, width, scale)
				packTransFast = fast
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("width %d kc %d scale %v: dst[%d] = %v, want %v", width, kc, scale, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestPackCopyFast checks the SIMD copying pack against the scalar one,
// including edge panels narrower than their width.
func TestPackCopyFast(t *testing.T) {
	fast := packCopyFast
	if fast == nil {
		t.Skip("no SIMD packer on this CPU or build")
	}
	r := rand.New(rand.NewPCG(9, 10))
	const ld = 50
	src := randSlice(r, 300*ld)
	for _, width := range []int{4, 6, 14, 16, 32} {
		for _, w := range []int{1, width / 2, width} {
			for _, scale := range []float32{1, 3} {
				kc := 257
				got := randSlice(r, kc*width)
				want := make([]float32, kc*width)
				j0 := ld - w // the panel ends at the end of a row
				packPanel(got, src, ld, false, 5, kc, j0, w, width, scale)
				packCopyFast = nil
				packPanel(want, src, ld, false, 5, kc, j0, w, width, scale)
				packCopyFast = fast
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("width %d w %d scale %v: dst[%d] = %v, want %v", width, w, scale, i, got[i], want[i])
					}
				}
			}
		}
	}
}
