package kernels

import (
	"sync"
	"unsafe"
)

// float is the element type the generic GEMM driver works on.
type float interface{ ~float32 | ~float64 }

// Write-back modes of a micro-kernel: what it does with the C tile.
const (
	modeStore = 0 // C = AB
	modeAdd   = 1 // C += AB
	modeScale = 2 // C = beta*C + AB
)

// microKernel computes an mr×nr tile of C from packed panels: a holds kc
// steps of mr values, b kc steps of nr values; the tile is written to c
// (row stride ldc) as the mode says. blocking sizes come with it because
// they depend on the tile shape.
type microKernel[T float] struct {
	name       string
	mr, nr     int
	mc, kc, nc int // cache blocking: A block mc×kc (L2), B panel kc×nc
	fn         func(kc int, a, b, c *T, ldc int, beta T, mode int)
	// edge[h], when present, computes h rows of a tile from A and B read
	// as inPlaceC reads them, and touches only the C columns set in mask
	// (bit j: column j), so edge tiles need no scratch tile.
	edge []func(kc int, a *T, as int, b *T, bs int, c *T, ldc int, beta T, mode int, mask uint32)
	// inPlaceC and inPlaceR, when present, compute a full tile from
	// operands read where they lie (the small-problem path then packs
	// only what it must): B row p at b + p·bs, and A element (i, p) at
	// a + i + p·as (inPlaceC: a packed panel, as = mr, or a transposed A)
	// or at a + i·as + p (inPlaceR: a row-major A).
	inPlaceC, inPlaceR func(kc int, a *T, as int, b *T, bs int, c *T, ldc int, beta T, mode int)
}

// tile runs the micro-kernel on one h×w tile of C at c (row stride ldc):
// full tiles in place, edge tiles with an edge kernel, else through
// scratch (mr×nr) and mergeTile.
func (k *microKernel[T]) tile(h, w, kc int, a, b *T, c []T, ldc int, beta T, mode int, scratch []T) {
	switch {
	case h == k.mr && w == k.nr:
		k.fn(kc, a, b, &c[0], ldc, beta, mode)
	case k.edge != nil:
		_ = c[(h-1)*ldc+w-1] // the last element it touches
		k.edge[h](kc, a, k.mr, b, k.nr, &c[0], ldc, beta, mode, uint32(1)<<w-1)
	default:
		k.fn(kc, a, b, &scratch[0], k.nr, 0, modeStore)
		mergeTile(c, ldc, scratch, k.nr, h, w, beta, mode)
	}
}

// sgemmKernels lists the float32 micro-kernels this CPU can run, best first;
// the last is always the pure-Go one. sgemmKernel is the one in use.
var (
	sgemmKernels []*microKernel[float32]
	sgemmKernel  *microKernel[float32]
	dgemmKernel  = goKernel[float64]("go")
)

func init() {
	sgemmKernels = append(asmSgemmKernels(), goKernel[float32]("go"))
	sgemmKernel = sgemmKernels[0]
}

// SgemmKernelName names the float32 micro-kernel in use ("avx512", "avx2"
// or "go").
func SgemmKernelName() string { return sgemmKernel.name }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, where op(X) is X or its transpose. op(A) is m×k, op(B) k×n, C
// m×n; lda, ldb and ldc are the row strides of A, B and C as stored. When
// beta is 0, C is not read (NaNs in it are overwritten). It panics with
// *Error if a dimension is negative, a stride is too small, or a slice is
// too short.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	args := gemmArgs[float32]{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil}
	args.check("sgemm")
	if m > 0 && n > 0 && k > 0 && alpha != 0 && sgemmVector(&args) {
		return
	}
	gemm(&args, sgemmKernel, NumThreads())
}

// SgemmBias computes C = alpha*op(A)*op(B) + bias, with bias (at least n
// long) added to every row of C: a fully connected layer's output. C is only
// written. The blocked and small-problem paths write the bias into each
// tile of C just before the tile's first product lands on it, inside their
// parallel units, rather than in a serial pass over all of C beforehand
// (that pass cost 10-20 µs of one core, with the other idle, per layer of
// an MLP at batch 256). It panics as Sgemm does, and when bias is short.
func SgemmBias(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
	args := gemmArgs[float32]{transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, c, ldc, bias}
	args.check("sgemm")
	if m > 0 && n > 0 && k > 0 && alpha != 0 && (m == 1 || n == 1 || k == 1) {
		// The vector paths take C += op(A)·op(B); a shape they decline
		// (one column of a transposed A) goes on to gemm, likewise.
		args.biasUpFront()
		if sgemmVector(&args) {
			return
		}
	}
	gemm(&args, sgemmKernel, NumThreads())
}

// Dgemm is Sgemm for float64, computed with the pure-Go micro-kernel.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	args := gemmArgs[float64]{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil}
	args.check("dgemm")
	gemm(&args, dgemmKernel, NumThreads())
}

// gemmArgs is one BLAS-style GEMM call.
type gemmArgs[T float] struct {
	transA, transB bool
	m, n, k        int
	alpha          T
	a              []T
	lda            int
	b              []T
	ldb            int
	beta           T
	c              []T
	ldc            int
	// bias, when set (beta is then 0), is added to every row of C: each
	// path writes it into C before the first product lands there.
	bias []T
}

// stored returns the rows and columns of a rows×cols operand as stored:
// swapped when it is used transposed.
func stored(rows, cols int, trans bool) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}

// check panics unless the call describes matrices that fit their slices.
func (g *gemmArgs[T]) check(op string) {
	if g.m < 0 || g.n < 0 || g.k < 0 {
		panicf(op, "negative dimension m=%d n=%d k=%d", g.m, g.n, g.k)
	}
	ar, ac := stored(g.m, g.k, g.transA)
	br, bc := stored(g.k, g.n, g.transB)
	checkMatrix(op, "a", ar, ac, g.lda, len(g.a), g.m > 0 && g.n > 0 && g.k > 0)
	checkMatrix(op, "b", br, bc, g.ldb, len(g.b), g.m > 0 && g.n > 0 && g.k > 0)
	checkMatrix(op, "c", g.m, g.n, g.ldc, len(g.c), g.m > 0 && g.n > 0)
	if g.bias != nil && len(g.bias) < g.n {
		panicf(op, "len(bias)=%d < n=%d", len(g.bias), g.n)
	}
}

// biasUpFront writes the bias into every row of C and turns the call into
// C += op(A)·op(B): for the paths that do not place it tile by tile.
func (g *gemmArgs[T]) biasUpFront() {
	if g.bias == nil {
		return
	}
	g.fillBias(0, g.m, 0, g.n)
	g.bias, g.beta = nil, 1
}

// fillBias writes the bias into rows [i0, i0+h) and columns [j0, j0+w)
// of C.
func (g *gemmArgs[T]) fillBias(i0, h, j0, w int) {
	src := g.bias[j0 : j0+w]
	for i := i0; i < i0+h; i++ {
		copy(g.c[i*g.ldc+j0:i*g.ldc+j0+w], src)
	}
}

// firstMode is the write-back mode for the h×w tile of C at (i0, j0) on
// the first kc slice (mode is the beta's): with a bias, the tile gets the
// bias first and the product is added to it.
func (g *gemmArgs[T]) firstMode(mode, i0, h, j0, w int) int {
	if g.bias == nil {
		return mode
	}
	g.fillBias(i0, h, j0, w)
	return modeAdd
}

// checkMatrix panics if a rows×cols matrix with row stride ld does not fit
// in length elements; the length is only checked when the matrix is read.
func checkMatrix(op, name string, rows, cols, ld, length int, used bool) {
	if ld < max(cols, 1) {
		panicf(op, "ld%s=%d < max(1, %d columns)", name, ld, cols)
	}
	if used && length < (rows-1)*ld+cols {
		panicf(op, "len(%s)=%d < %d needed for %dx%d with ld %d", name, length, (rows-1)*ld+cols, rows, cols, ld)
	}
}

// scaleC sets C = beta*C (beta 0 writes zeros, never reading C).
func scaleC[T float](g *gemmArgs[T]) {
	for i := range g.m {
		row := g.c[i*g.ldc : i*g.ldc+g.n]
		switch g.beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= g.beta
			}
		}
	}
}

// alignedBuf is a reusable packing buffer whose data starts on a 64-byte
// boundary (a cache line and a zmm register).
type alignedBuf[T float] struct {
	raw  []T
	data []T
}

func (b *alignedBuf[T]) get(n int) []T {
	if cap(b.data) < n {
		const align = 64
		size := int(unsafe.Sizeof(T(0)))
		b.raw = make([]T, n+align/size)
		off := 0
		for uintptr(unsafe.Pointer(&b.raw[off]))%align != 0 {
			off++
		}
		b.data = b.raw[off : off+n : off+n]
	}
	return b.data[:n]
}

// Pools of packing buffers per element type and role (packed A blocks,
// packed B panels and transposed products differ in size; sharing a pool
// would keep regrowing them). A call takes one for B and one per worker for A, so the steady
// state allocates none.
const (
	roleA = iota
	roleB
	roleC // a transposed product (gemmNarrow)
)

var (
	bufPool32 = [3]sync.Pool{{New: newBuf[float32]}, {New: newBuf[float32]}, {New: newBuf[float32]}}
	bufPool64 = [3]sync.Pool{{New: newBuf[float64]}, {New: newBuf[float64]}, {New: newBuf[float64]}}
)

func newBuf[T float]() any { return new(alignedBuf[T]) }

func getBuf[T float](role int) *alignedBuf[T] {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(bufPool32[role].Get()).(*alignedBuf[T])
	}
	return any(bufPool64[role].Get()).(*alignedBuf[T])
}

func putBuf[T float](role int, b *alignedBuf[T]) {
	switch v := any(b).(type) {
	case *alignedBuf[float32]:
		bufPool32[role].Put(v)
	case *alignedBuf[float64]:
		bufPool64[role].Put(v)
	}
}
