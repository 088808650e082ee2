package kernels

// A matrix that multiplies many right-hand sides (a recurrent layer's
// weight times each step's state) can be packed for the micro-kernel once
// instead of in every product, as BLAS libraries' packed GEMM does
// (sgemm_pack and sgemm_compute in MKL). The products then run the small
// path with op(B) shared: each thread packs its copy of op(B) and claims
// row tiles of C from the packed A.

// PackedA is op(A) of a float32 GEMM, scaled by alpha and packed for the
// micro-kernel by PackA, for use by SgemmPackedA. The zero value is
// empty; packing again reuses its memory. A PackedA is read-only to
// SgemmPackedA, so concurrent products may share it.
type PackedA struct {
	kern     *microKernel[float32]
	m, k     int
	kcMax    int
	rowTiles int
	buf      alignedBuf[float32]
	data     []float32
}

// Rows and Depth report the m×k shape of the packed op(A).
func (p *PackedA) Rows() int  { return p.m }
func (p *PackedA) Depth() int { return p.k }

// PackA packs alpha·op(A) into p, where op(A) is m×k: A itself (row-major
// with row stride lda) or, with transA, the transpose of the k×m matrix A.
// It panics with *Error on a bad shape, as Sgemm does.
func PackA(p *PackedA, transA bool, m, k int, alpha float32, a []float32, lda int) {
	g := gemmArgs[float32]{transA: transA, m: m, n: 1, k: k, alpha: alpha, a: a, lda: lda}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	if m < 0 || k < 0 {
		panicf("sgemm pack", "negative dimension m=%d k=%d", m, k)
	}
	checkMatrix("sgemm pack", "a", ar, ac, lda, len(a), m > 0 && k > 0)
	kern := sgemmKernel
	p.kern, p.m, p.k = kern, m, k
	p.rowTiles = ceilDiv(m, kern.mr)
	p.kcMax = ceilDiv(k, max(1, ceilDiv(k, kern.kc)))
	p.data = p.buf.get(p.rowTiles * kern.mr * k)
	if m == 0 || k == 0 {
		return
	}
	mr := kern.mr
	for pc := 0; pc < k; pc += p.kcMax {
		kc := min(p.kcMax, k-pc)
		for t := range p.rowTiles {
			i0 := t * mr
			packPanel(p.data[p.panel(pc, kc, t):][:kc*mr], g.a, g.lda, !g.transA, pc, kc, i0, min(mr, m-i0), mr, g.alpha)
		}
	}
}

// panel is the offset of row tile t of the kc-deep slice at pc.
func (p *PackedA) panel(pc, kc, t int) int { return pc*p.rowTiles*p.kern.mr + t*kc*p.kern.mr }

// SgemmPackedA computes C = A'·op(B) + beta·C, where A' is the scaled
// op(A) that PackA packed into p (m×k), op(B) is B or, with transB, its
// transpose (k×n), and C is m×n with row stride ldc. It equals Sgemm with
// the same operands up to the order of additions. It panics with *Error
// when B or C does not fit its slice.
func SgemmPackedA(p *PackedA, transB bool, n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	m, k := p.m, p.k
	if n < 0 {
		panicf("sgemm packed", "negative dimension n=%d", n)
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("sgemm packed", "b", br, bc, ldb, len(b), m > 0 && n > 0 && k > 0)
	checkMatrix("sgemm packed", "c", m, n, ldc, len(c), m > 0 && n > 0)
	g := gemmArgs[float32]{transB: transB, m: m, n: n, k: k, alpha: 1, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(&g)
		return
	}
	// op(B) is shared whole by the small path: column blocks of it that
	// fit, each one call.
	nr := p.kern.nr
	cols := max(nr, smallSharedMax/(k*nr)*nr)
	for j0 := 0; j0 < n; j0 += cols {
		w := min(cols, n-j0)
		sub := g
		sub.n, sub.c = w, c[j0:]
		if transB {
			sub.b = b[j0*ldb:]
		} else {
			sub.b = b[j0:]
		}
		gemmSmallPacked(&sub, p, NumThreads())
	}
}

// gemmSmallPacked runs g, whose op(A) is p, on the small path with op(B)
// shared.
func gemmSmallPacked(g *gemmArgs[float32], p *PackedA, threads int) {
	s := getSmall[float32]()
	defer putSmall(s)
	s.g, s.kern, s.byRows, s.packedA = *g, p.kern, true, p
	s.inPlaceA, s.inPlaceB = false, p.kern.inPlaceC != nil && !g.transB
	s.kcMax = p.kcMax
	s.rowTiles, s.panels = p.rowTiles, ceilDiv(g.n, p.kern.nr)
	s.sharedLen = s.panels * p.kern.nr * g.k
	s.run(threads)
}
