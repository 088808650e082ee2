package kernels

import "sync"

// The driver follows the BLIS/GotoBLAS loop nest. For each nc-wide column
// panel of C and kc-deep slice of K, op(B) is packed, then each thread
// packs mc×kc blocks of op(A) (kept in its L2) and sweeps the micro-kernel
// over them: the kc×nr micro-panel of B stays close while the mr×kc
// micro-panels of A stream past it.
//
// When each thread has a few hundred rows of C, each packs its own copy of
// the B panel instead, micro-panel by micro-panel right before its first
// use, and the threads split the rows: a pass over B per thread, but no
// barrier between packing and computing and no reading of panels another
// core just wrote (about 10 ns a cache line on the 2-vCPU VM in its slow
// phases, a fixed 0.3 ms or so per 4 MB panel). Measured alternately on
// two threads: 256×1024×1024 7-17% faster, 512×1024×1024 2-6%,
// 512×3136×576 8-10%; at 768 rows and more, the copy costs as much as it
// saves (1024³ within ±4%), so those share one copy.

// privateBRows bounds the rows of C per thread for which each thread packs
// its own copy of B: at least the first (below, the copy costs more than
// 15% of a thread's work), fewer than the second.
const (
	privateBRowsMin = 128
	privateBRowsMax = 384
)

// usePrivateB reports whether each of threads packs its own copy of B for
// a product with m rows.
func usePrivateB(m, threads int) bool {
	return threads > 1 && m >= privateBRowsMin*threads && m < privateBRowsMax*threads
}

// parallelFlops is the work (2mnk) below which a GEMM runs on one thread:
// waking the pool costs a few microseconds.
const parallelFlops = 2 * 96 * 96 * 96

func gemm[T float](g *gemmArgs[T], kern *microKernel[T], threads int) {
	if g.m == 0 || g.n == 0 {
		return
	}
	if g.k == 0 || g.alpha == 0 {
		g.biasUpFront()
		scaleC(g)
		return
	}
	if gemmNarrow(g, kern, threads) || gemmSmall(g, kern, threads) {
		return
	}
	if 2*g.m*g.n*g.k < parallelFlops {
		threads = 1
	}
	blk := getBlock[T]()
	defer putBlock(blk)
	blk.g, blk.kern = *g, kern
	g = &blk.g // the caller's copy never escapes into the closures below
	nr := kern.nr
	ncMax := roundUp(min(kern.nc, g.n), nr)
	// Even kc slices (1000 = 2×500, not 512 + 488 or worse 512 + 16:
	// a thin last slice would load and store C for few steps).
	kcMax := ceilDiv(g.k, ceilDiv(g.k, kern.kc))

	blk.bpackLen = kcMax * ncMax
	blk.privateB = usePrivateB(g.m, threads)
	if !blk.privateB {
		bbuf := getBuf[T](roleB)
		defer putBuf(roleB, bbuf)
		blk.bpack = bbuf.get(blk.bpackLen)
	}

	for jc := 0; jc < g.n; jc += ncMax {
		nc := min(ncMax, g.n-jc)
		panels := ceilDiv(nc, nr)
		for pc := 0; pc < g.k; pc += kcMax {
			kc := min(kcMax, g.k-pc)
			mode := modeAdd
			if pc == 0 {
				mode = betaMode(g.beta)
			}
			blk.jc, blk.nc, blk.pc, blk.kc, blk.mode, blk.panels = jc, nc, pc, kc, mode, panels
			if threads == 1 {
				blk.compute(blk.bpack, 0, ceilDiv(g.m, kern.mr), 0, panels, true)
				continue
			}
			if !blk.privateB {
				ParallelFor(panels, max(1, ceilDiv(panels, threads)), blk.packBody)
			}
			blk.computeParallel(threads)
		}
	}
}

// gemmNarrow computes a product with few columns and many rows (a
// classifier's 10 outputs over a batch) transposed, Cᵀ = op(B)ᵀ·op(A)ᵀ,
// into a scratch matrix that it then adds into C, and reports whether it
// did. Its register tiles are nr columns wide: 10 columns would fill a
// third of each, where the transposed product's 10 rows fill most of an
// mr-row tile (256×10×128: 13.7 µs as it is, 7 µs transposed and added
// back).
func gemmNarrow[T float](g *gemmArgs[T], kern *microKernel[T], threads int) bool {
	m, n := g.m, g.n
	if 2*n > kern.nr || m < 2*kern.nr {
		return false
	}
	g.biasUpFront() // C is few columns wide: cheap to fill
	buf := getBuf[T](roleC)
	defer putBuf(roleC, buf)
	s := buf.get(m * n)
	t := gemmArgs[T]{!g.transB, !g.transA, n, m, g.k, g.alpha, g.b, g.ldb, g.a, g.lda, 0, s, m, nil}
	gemm(&t, kern, threads)
	// Column j of C is row j of s: read in order, written a few floats
	// apart (n is small, so the lines stay in L1).
	c := g.c[:(m-1)*g.ldc+n]
	for j := range n {
		for i, v := range s[j*m : (j+1)*m] {
			if g.beta == 0 {
				c[i*g.ldc+j] = v
			} else {
				c[i*g.ldc+j] = g.beta*c[i*g.ldc+j] + v
			}
		}
	}
	return true
}

// block is the work on one packed kc×nc panel of op(B). It is pooled with
// its loop bodies bound once, so the driver allocates nothing per call.
type block[T float] struct {
	g        gemmArgs[T]
	kern     *microKernel[T]
	bpack    []T // the shared packed B panel (unless privateB)
	bpackLen int // elements of a packed B panel
	jc, nc   int
	pc, kc   int
	mode     int
	panels   int

	byRows      bool // computeParallel's split
	privateB    bool // each thread packs its own copy of the B panel (rows split)
	parts       int
	packBody    func(lo, hi int)
	computeBody func(lo, hi int)
}

var (
	blockPool32 = sync.Pool{New: func() any { return newBlock[float32]() }}
	blockPool64 = sync.Pool{New: func() any { return newBlock[float64]() }}
)

func newBlock[T float]() *block[T] {
	b := new(block[T])
	b.packBody = b.packB
	b.computeBody = b.computePart
	return b
}

func getBlock[T float]() *block[T] {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(blockPool32.Get()).(*block[T])
	}
	return any(blockPool64.Get()).(*block[T])
}

func putBlock[T float](b *block[T]) {
	b.g, b.kern, b.bpack = gemmArgs[T]{}, nil, nil
	switch v := any(b).(type) {
	case *block[float32]:
		blockPool32.Put(v)
	case *block[float64]:
		blockPool64.Put(v)
	}
}

// packB packs column panels [lo, hi) of the current kc×nc block of op(B)
// into the shared copy.
func (blk *block[T]) packB(lo, hi int) {
	for q := lo; q < hi; q++ {
		blk.packBPanel(blk.bpack, q)
	}
}

// packBPanel packs column panel q of the current block of op(B) into its
// place in bpack.
func (blk *block[T]) packBPanel(bpack []T, q int) {
	g, nr, kc := &blk.g, blk.kern.nr, blk.kc
	j0 := blk.jc + q*nr
	packPanel(bpack[q*kc*nr:(q+1)*kc*nr], g.b, g.ldb, g.transB, blk.pc, kc, j0, min(nr, blk.jc+blk.nc-j0), nr, 1)
}

// computeParallel splits the tiles of C among threads: by rows of tiles
// when there are enough of them (each thread then packs only its own rows
// of A), else by columns.
func (blk *block[T]) computeParallel(threads int) {
	rowTiles := ceilDiv(blk.g.m, blk.kern.mr)
	blk.byRows = blk.privateB || rowTiles >= 2*threads || rowTiles >= blk.panels
	blk.parts = min(threads, rowTiles)
	if !blk.byRows {
		blk.parts = min(threads, blk.panels)
	}
	ParallelFor(blk.parts, 1, blk.computeBody)
}

// computePart runs parts [lo, hi) of computeParallel's split.
func (blk *block[T]) computePart(lo, hi int) {
	rowTiles, parts, panels := ceilDiv(blk.g.m, blk.kern.mr), blk.parts, blk.panels
	for t := lo; t < hi; t++ {
		switch {
		case blk.privateB:
			buf := getBuf[T](roleB)
			blk.compute(buf.get(blk.bpackLen), t*rowTiles/parts, (t+1)*rowTiles/parts, 0, panels, true)
			putBuf(roleB, buf)
		case blk.byRows:
			blk.compute(blk.bpack, t*rowTiles/parts, (t+1)*rowTiles/parts, 0, panels, false)
		default:
			blk.compute(blk.bpack, 0, rowTiles, t*panels/parts, (t+1)*panels/parts, false)
		}
	}
}

// compute runs row tiles [t0, t1) against column panels [q0, q1) of the
// packed B panel bpack; with packB, it packs each of those micro-panels
// there first, during the first block of A rows, right before its first
// use.
func (blk *block[T]) compute(bpack []T, t0, t1, q0, q1 int, packB bool) {
	g, kern := &blk.g, blk.kern
	mr, nr, kc := kern.mr, kern.nr, blk.kc
	mcMax := max(kern.mc/mr, 1) * mr

	abuf := getBuf[T](roleA)
	defer putBuf(roleA, abuf)
	apack := abuf.get(mcMax*kc + mr*nr)
	tile := apack[mcMax*kc:] // scratch for edge tiles

	for ic := t0 * mr; ic < min(t1*mr, g.m); ic += mcMax {
		mc := min(mcMax, min(t1*mr, g.m)-ic)
		for ir := 0; ir < mc; ir += mr {
			packPanel(apack[ir*kc:(ir+mr)*kc], g.a, g.lda, !g.transA, blk.pc, kc, ic+ir, min(mr, mc-ir), mr, g.alpha)
		}
		for q := q0; q < q1; q++ {
			jr := q * nr
			w := min(nr, blk.nc-jr)
			if packB && ic == t0*mr {
				blk.packBPanel(bpack, q)
			}
			bp := &bpack[q*kc*nr]
			for ir := 0; ir < mc; ir += mr {
				h := min(mr, mc-ir)
				ap := &apack[ir*kc]
				ci := (ic+ir)*g.ldc + blk.jc + jr
				mode := blk.mode
				if blk.pc == 0 {
					mode = g.firstMode(mode, ic+ir, h, blk.jc+jr, w)
				}
				kern.tile(h, w, kc, ap, bp, g.c[ci:], g.ldc, g.beta, mode, tile)
			}
		}
	}
}

// mergeTile writes the top-left h×w of an edge tile into C as mode says.
func mergeTile[T float](c []T, ldc int, tile []T, nr, h, w int, beta T, mode int) {
	for i := range h {
		dst := c[i*ldc : i*ldc+w]
		src := tile[i*nr : i*nr+w]
		switch mode {
		case modeStore:
			copy(dst, src)
		case modeAdd:
			for j, v := range src {
				dst[j] += v
			}
		default:
			for j, v := range src {
				dst[j] = beta*dst[j] + v
			}
		}
	}
}

func betaMode[T float](beta T) int {
	switch beta {
	case 0:
		return modeStore
	case 1:
		return modeAdd
	}
	return modeScale
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }
