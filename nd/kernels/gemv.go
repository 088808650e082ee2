package kernels

import "sync"

// Matrix-vector shapes of SGEMM: one row of op(A) (a dense layer on one
// sample, and its data gradient), one column of op(B), or an inner
// dimension of 1 (a weight gradient from one sample, an outer product).
// Packing panels for these costs as much as the product itself — the
// whole weight matrix is copied to multiply it by one vector — so they run
// as dot products and axpy loops over the operands in place.

// The assembly versions, set by init when the CPU has them.
var (
	dot32Fast   func(a, b []float32) float32
	axpy32Fast  func(dst, src []float32, s float32)
	scale32Fast func(dst, src []float32, s float32)
)

// dot32 returns Σ a[i]·b[i] over len(a).
func dot32(a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	if dot32Fast != nil {
		return dot32Fast(a, b)
	}
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy32 sets dst[i] += s·src[i] over len(dst).
func axpy32(dst, src []float32, s float32) {
	if len(dst) == 0 {
		return
	}
	if axpy32Fast != nil {
		axpy32Fast(dst, src, s)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += s * v
	}
}

// scale32 sets dst[i] = s·src[i] over len(dst).
func scale32(dst, src []float32, s float32) {
	if len(dst) == 0 {
		return
	}
	if scale32Fast != nil {
		scale32Fast(dst, src, s)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = s * v
	}
}

// gemvMinWork is the multiply-add count from which the vector paths
// split their work over threads.
const gemvMinWork = 1 << 22

// gemvRows runs body over [0, n) in parallel chunks when the total work
// (n·perRow multiply-adds) is worth it.
func gemvRows(n, perRow int, body func(lo, hi int)) {
	if n*perRow < gemvMinWork || NumThreads() == 1 {
		body(0, n)
		return
	}
	ParallelFor(n, max(1, gemvMinWork/(2*max(perRow, 1))), body)
}

// scaleRow sets c = beta·c (beta 0 writes zeros without reading c).
func scaleRow(c []float32, beta float32) {
	switch beta {
	case 1:
	case 0:
		clear(c)
	default:
		for i := range c {
			c[i] *= beta
		}
	}
}

// The shapes sgemmVector serves.
const (
	gemvRowDotB = iota // m == 1, op(B) = Bᵀ: a dot product per row of B
	gemvRowAxpy        // m == 1: axpy of the rows of B
	gemvColDotA        // n == 1, op(A) = A: a dot product per row of A
	gemvOuter          // k == 1: an outer product
)

// gemvCall is one call on the vector paths. It is pooled with its loop
// body bound once, and keeps the buffer a strided vector is gathered
// into, so a call allocates nothing in the steady state.
type gemvCall struct {
	g    gemmArgs[float32] // a copy, so the caller's never escapes
	kind int
	vec  []float32 // op(A)'s row or op(B)'s column (or row, for gemvOuter), contiguous
	as   int       // gemvOuter: the distance between elements of op(A)'s column
	buf  []float32 // backing for a gathered vec
	body func(lo, hi int)
}

var gemvPool = sync.Pool{New: func() any {
	c := new(gemvCall)
	c.body = c.run
	return c
}}

// gather returns the k elements x[0], x[stride], ... as a contiguous
// slice (x itself when stride is 1).
func (c *gemvCall) gather(x []float32, k, stride int) []float32 {
	if stride == 1 || k <= 1 {
		return x[:k]
	}
	if cap(c.buf) < k {
		c.buf = make([]float32, k)
	}
	v := c.buf[:k]
	for i := range v {
		v[i] = x[i*stride]
	}
	return v
}

// sgemmVector computes g when op(A) is one row, op(B) one column, or k is
// 1, and reports whether it did. Results equal the packed path's up to the
// order of the additions.
func sgemmVector(g *gemmArgs[float32]) bool {
	m, n, k := g.m, g.n, g.k
	kind, rows, perRow := 0, 0, 0
	switch {
	case m == 1 && g.transB:
		kind, rows, perRow = gemvRowDotB, n, k
	case m == 1:
		kind, rows, perRow = gemvRowAxpy, n, k
	case n == 1 && !g.transA:
		kind, rows, perRow = gemvColDotA, m, k
	case k == 1:
		kind, rows, perRow = gemvOuter, m, n
	default:
		return false
	}
	c := gemvPool.Get().(*gemvCall)
	c.g, c.kind = *g, kind
	switch kind {
	case gemvRowDotB, gemvRowAxpy:
		c.vec = c.gather(g.a, k, aStride(g))
	case gemvColDotA:
		c.vec = c.gather(g.b, k, bStride(g))
	case gemvOuter:
		c.vec = c.gather(g.b, n, bStride(g))
		c.as = 1
		if !g.transA {
			c.as = g.lda
		}
	}
	gemvRows(rows, perRow, c.body)
	c.g, c.vec = gemmArgs[float32]{}, nil // hold no caller memory in the pool
	gemvPool.Put(c)
	return true
}

// run computes rows (or, for gemvRowAxpy, columns) [lo, hi) of C.
func (c *gemvCall) run(lo, hi int) {
	g := &c.g
	k, n := g.k, g.n
	switch c.kind {
	case gemvRowDotB:
		// c[j] = α·⟨B[j,:], a⟩ + β·c[j]: a dot product per row of B.
		for j := lo; j < hi; j++ {
			d := g.alpha * dot32(g.b[j*g.ldb:j*g.ldb+k], c.vec)
			if g.beta == 0 {
				g.c[j] = d
			} else {
				g.c[j] = d + g.beta*g.c[j]
			}
		}
	case gemvRowAxpy:
		// c = β·c + Σ_p (α·a[p])·B[p,:], over column chunks.
		cr := g.c[lo:hi]
		scaleRow(cr, g.beta)
		for p := 0; p < k; p++ {
			axpy32(cr, g.b[p*g.ldb+lo:p*g.ldb+hi], g.alpha*c.vec[p])
		}
	case gemvColDotA:
		// c[i] = α·⟨A[i,:], b⟩ + β·c[i]: a dot product per row of A.
		for i := lo; i < hi; i++ {
			d := g.alpha * dot32(g.a[i*g.lda:i*g.lda+k], c.vec)
			if g.beta == 0 {
				g.c[i*g.ldc] = d
			} else {
				g.c[i*g.ldc] = d + g.beta*g.c[i*g.ldc]
			}
		}
	case gemvOuter:
		// c[i,:] = β·c[i,:] + (α·a[i])·b: an outer product, row by row.
		for i := lo; i < hi; i++ {
			cr := g.c[i*g.ldc : i*g.ldc+n]
			if g.beta == 0 { // one pass, C not read
				scale32(cr, c.vec, g.alpha*g.a[i*c.as])
				continue
			}
			scaleRow(cr, g.beta)
			axpy32(cr, c.vec, g.alpha*g.a[i*c.as])
		}
	}
}

// aStride is the distance between consecutive elements of op(A)'s only
// row; bStride that of op(B)'s only column (or row when k is 1).
func aStride(g *gemmArgs[float32]) int {
	if g.transA {
		return g.lda
	}
	return 1
}

func bStride(g *gemmArgs[float32]) int {
	if g.k == 1 { // op(B) is one row
		if g.transB {
			return g.ldb
		}
		return 1
	}
	if g.transB {
		return 1
	}
	return g.ldb
}
