package kernels

import (
	"sync"
	"sync/atomic"
)

// The small-problem path serves GEMMs where one operand is small enough to
// pack whole (an MLP layer at a small batch: 64×256×784, or a weight
// gradient with K = 64). The blocked driver's loop nest opens two parallel
// regions per kc slice and splits rows of tiles evenly, which at these
// sizes costs more in wake-ups and imbalance (5 row tiles on 2 threads)
// than it saves. Here the smaller operand is shared, packed whole, and one
// region hands out units (one column panel, or a few row tiles, all of K)
// from an atomic counter: a thread that starts late, or shares its core
// with another process, simply takes fewer units.
//
// Each thread packs its own copy of the shared operand, lazily, panel by
// panel during its first unit, right before each panel's first use (so it
// is still in cache). Nothing runs serially before the helpers can start.
// One copy packed by both threads in halves costs far more than packing it
// twice: a panel written by one core and read by the other moves between
// their caches on every call (measured on the 2-vCPU VM: packing took 5×
// as long on two threads as on one, 140 µs against 25 µs for 256×256×784,
// and a call 15% longer). The copy costs 2-5% of one thread's work.
//
// Better still is no copy: where the kernel has in-place variants, full
// tiles of A (at alpha 1) and full panels of an untransposed B are read
// where they lie, at their own strides; these operands fit in L2 here, so
// packing buys little locality and costs a pass over memory (at batch 256
// it took 14% of an MLP training step's CPU time). Only a transposed B
// (a layer's weight in x·Wᵀ) and the zero-padded edge tiles are packed,
// and an operand read in place is the one shared, so nothing is copied
// twice.

// maxUnitTiles is the most row tiles in a row unit.
const maxUnitTiles = 4

// smallSharedMax is the most elements the shared operand may hold, packed,
// for the small path (tests set it to 0 or huge to force either path).
var smallSharedMax = 1 << 18

// smallParallelFlops is the work (2mnk) below which the small path runs on
// one thread when no helper is spinning: a parked helper takes 50-100+ µs
// to wake on this kind of VM (the caller does not wait for it, but the
// wake-up syscall and a helper joining for the last few units cost more
// than they win below about 45 µs of one-core work).
const smallParallelFlops = 8 << 20

// smallHotParallelFlops is the threshold when a helper is spinning (it
// joins within a microsecond): about 10 µs of one-core work.
const smallHotParallelFlops = 2 << 20

// smallGemm is one call on the small path. It is pooled: body is bound
// once, so a call allocates nothing in the steady state.
type smallGemm[T float] struct {
	g                gemmArgs[T] // a copy, so the caller's never escapes
	kern             *microKernel[T]
	byRows           bool // units are row tiles (op(B) shared), else column panels (op(A) shared)
	kcMax            int
	rowTiles, panels int
	unitSize, units  int
	threads          int
	sharedLen        int      // elements of the packed shared operand
	packedA          *PackedA // op(A) packed ahead (SgemmPackedA), else nil
	// inPlaceA and inPlaceB: full tiles of op(A) and full panels of op(B)
	// are read where they lie, by the kernel's in-place variants, rather
	// than packed (edge ones are always packed, zero-padded).
	inPlaceA, inPlaceB bool
	next               atomic.Int64
	body               func(lo, hi int)
}

var (
	smallPool32 = sync.Pool{New: func() any { return newSmallGemm[float32]() }}
	smallPool64 = sync.Pool{New: func() any { return newSmallGemm[float64]() }}
)

func newSmallGemm[T float]() *smallGemm[T] {
	s := new(smallGemm[T])
	s.body = s.work
	return s
}

func getSmall[T float]() *smallGemm[T] {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(smallPool32.Get()).(*smallGemm[T])
	}
	return any(smallPool64.Get()).(*smallGemm[T])
}

func putSmall[T float](s *smallGemm[T]) {
	s.g, s.kern, s.packedA = gemmArgs[T]{}, nil, nil
	switch v := any(s).(type) {
	case *smallGemm[float32]:
		smallPool32.Put(v)
	case *smallGemm[float64]:
		smallPool64.Put(v)
	}
}

// gemmSmall runs g on the small path and reports whether it did; it
// declines (false, nothing written) when neither operand is small enough.
func gemmSmall[T float](g *gemmArgs[T], kern *microKernel[T], threads int) bool {
	mr, nr := kern.mr, kern.nr
	rowTiles, panels := ceilDiv(g.m, mr), ceilDiv(g.n, nr)
	sizeA, sizeB := rowTiles*mr*g.k, panels*nr*g.k
	if min(sizeA, sizeB) > smallSharedMax {
		return false
	}
	// Share the operand that costs least per thread: one read in place
	// costs nothing; else the smaller (each thread packs its own copy);
	// the other is packed unit by unit, in parallel.
	// A row-major A is read by 14 rows at once: with a row stride of a
	// multiple of 4 KB they all fall in one L1 set (one thread, 128×1024
	// by 1024: 3-5% slower than packed), so such an A is packed.
	inPlaceA := kern.inPlaceC != nil && g.alpha == 1 && (g.transA || g.lda%1024 != 0)
	inPlaceB := kern.inPlaceC != nil && !g.transB
	byRows := sizeB < sizeA
	if inPlaceA != inPlaceB {
		byRows = inPlaceB
	}
	s := getSmall[T]()
	defer putSmall(s)
	s.g, s.kern, s.byRows = *g, kern, byRows
	s.inPlaceA, s.inPlaceB = inPlaceA, inPlaceB
	// Even kc slices: at kc 512, 784 = 2×392 rather than 512 + 272 (at
	// kc 256, 4×196 rather than 3×256 + 16, whose last slice would load
	// and store the C tiles for only 16 steps).
	s.kcMax = ceilDiv(g.k, ceilDiv(g.k, kern.kc))
	s.rowTiles, s.panels = rowTiles, panels
	s.sharedLen = sizeA
	if byRows {
		s.sharedLen = sizeB
	}
	s.run(threads)
	return true
}

// run splits s into units and computes them on up to threads goroutines
// (one when s is too little work to wake the helpers). A column unit is
// one panel: its B micro-panel stays in L1 while every row tile streams
// past. Row units hold a few tiles so that each B micro-panel read from
// L2 serves more than one.
func (s *smallGemm[T]) run(threads int) {
	g := &s.g
	if flops := 2 * g.m * g.n * g.k; flops < smallParallelFlops && (flops < smallHotParallelFlops || !HelpersAwake()) {
		threads = 1
	}
	s.unitSize = 1
	n := s.panels
	if s.byRows {
		n = s.rowTiles
		s.unitSize = max(1, min(maxUnitTiles, s.rowTiles/(4*threads)))
	}
	s.units = ceilDiv(n, s.unitSize)
	s.next.Store(0)
	s.threads = min(threads, s.units)
	if s.threads <= 1 {
		s.work(0, 1)
	} else {
		ParallelFor(s.threads, 1, s.body)
	}
}

// operand is a row tile of op(A) or a column panel of op(B) over one kc
// slice: packed, or read in place where it lies.
type operand[T float] struct {
	p      *T
	stride int  // packed: the panel's width; in place: the matrix's row stride
	packed bool // laid out as packPanel writes it, zero-padded
	rows   bool // op(A) in place and row-major: element (i, p) at p[i·stride+p]
}

// aInPlace returns row tile t of op(A) for the slice at pc in place, and
// false when it must be packed (an edge tile, alpha ≠ 1, or no in-place
// kernel).
func (s *smallGemm[T]) aInPlace(t, pc int) (operand[T], bool) {
	g, mr := &s.g, s.kern.mr
	i0 := t * mr
	if !s.inPlaceA || i0+mr > g.m {
		return operand[T]{}, false
	}
	if g.transA { // stored K×M: a column of op(A) per k step
		return operand[T]{p: &g.a[pc*g.lda+i0], stride: g.lda}, true
	}
	return operand[T]{p: &g.a[i0*g.lda+pc], stride: g.lda, rows: true}, true
}

// bInPlace returns column panel q of op(B) for the slice at pc in place,
// and false when it must be packed (an edge panel, a transposed B, or no
// in-place kernel).
func (s *smallGemm[T]) bInPlace(q, pc int) (operand[T], bool) {
	g, nr := &s.g, s.kern.nr
	j0 := q * nr
	if !s.inPlaceB || j0+nr > g.n {
		return operand[T]{}, false
	}
	return operand[T]{p: &g.b[pc*g.ldb+j0], stride: g.ldb}, true
}

// packA packs row tile t of op(A) for the slice at pc into dst.
func (s *smallGemm[T]) packA(dst []T, t, pc, kc int) operand[T] {
	g, mr := &s.g, s.kern.mr
	i0 := t * mr
	packPanel(dst, g.a, g.lda, !g.transA, pc, kc, i0, min(mr, g.m-i0), mr, g.alpha)
	return operand[T]{p: &dst[0], stride: mr, packed: true}
}

// packB packs column panel q of op(B) for the slice at pc into dst.
func (s *smallGemm[T]) packB(dst []T, q, pc, kc int) operand[T] {
	g, nr := &s.g, s.kern.nr
	j0 := q * nr
	packPanel(dst, g.b, g.ldb, g.transB, pc, kc, j0, min(nr, g.n-j0), nr, 1)
	return operand[T]{p: &dst[0], stride: nr, packed: true}
}

// sharedPanel returns shared panel x (a column panel of op(B) when byRows,
// else a row tile of op(A)) of the kc-deep slice at pc: in place, or from
// the thread's copy shared, packing it first unless packed says the
// thread has.
func (s *smallGemm[T]) sharedPanel(shared []T, packed bool, pc, kc, x int) operand[T] {
	mr, nr := s.kern.mr, s.kern.nr
	n, width := s.panels, nr
	if !s.byRows {
		n, width = s.rowTiles, mr
	}
	if s.byRows {
		if op, ok := s.bInPlace(x, pc); ok {
			return op
		}
	} else if op, ok := s.aInPlace(x, pc); ok {
		return op
	}
	panel := shared[pc*n*width+x*kc*width : pc*n*width+(x+1)*kc*width]
	if packed {
		return operand[T]{p: &panel[0], stride: width, packed: true}
	}
	if s.byRows {
		return s.packB(panel, x, pc, kc)
	}
	return s.packA(panel, x, pc, kc)
}

// work claims units until none are left. Each thread calls it once; the
// first unit it claims packs its copy of the shared operand (the parts
// not read in place).
func (s *smallGemm[T]) work(_, _ int) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
	ubuf := getBuf[T](roleA)
	defer putBuf(roleA, ubuf)
	sbuf := getBuf[T](roleB)
	defer putBuf(roleB, sbuf)
	shared := sbuf.get(s.sharedLen)
	packed := false
	width := nr
	if s.byRows {
		width = mr
	}
	unitLen := s.unitSize * width * s.kcMax
	if s.packedA != nil {
		unitLen = 0 // the row tiles are packed already
	}
	unit := ubuf.get(unitLen + mr*nr)
	tile := unit[unitLen:]
	for {
		u := int(s.next.Add(1) - 1)
		if u >= s.units {
			return
		}
		if s.byRows {
			t0 := u * s.unitSize
			s.rowUnit(t0, min(t0+s.unitSize, s.rowTiles), shared, packed, unit, tile)
			packed = true
			continue
		}
		for pc := 0; pc < g.k; pc += s.kcMax {
			kc := min(s.kcMax, g.k-pc)
			b, ok := s.bInPlace(u, pc)
			if !ok {
				b = s.packB(unit, u, pc, kc)
			}
			mode := modeAdd
			if pc == 0 {
				mode = betaMode(g.beta)
			}
			for t := range s.rowTiles {
				s.tile(t, u, s.sharedPanel(shared, packed, pc, kc, t), b, kc, mode, pc == 0, tile)
			}
		}
		packed = true
	}
}

// rowUnit computes row tiles [t0, t1) of C against every column panel of
// op(B), from the thread's copy shared where not in place, packing them
// first unless packed.
func (s *smallGemm[T]) rowUnit(t0, t1 int, shared []T, packed bool, unit, tile []T) {
	g, kern := &s.g, s.kern
	mr := kern.mr
	var as [maxUnitTiles]operand[T]
	for pc := 0; pc < g.k; pc += s.kcMax {
		kc := min(s.kcMax, g.k-pc)
		// The unit's row tiles: in place, packed here, or ahead in packedA.
		for t := t0; t < t1; t++ {
			switch op, ok := s.aInPlace(t, pc); {
			case s.packedA != nil:
				ahead := any(s.packedA.data).([]T)
				as[t-t0] = operand[T]{p: &ahead[s.packedA.panel(pc, kc, t)], stride: mr, packed: true}
			case ok:
				as[t-t0] = op
			default:
				as[t-t0] = s.packA(unit[(t-t0)*kc*mr:], t, pc, kc)
			}
		}
		mode := modeAdd
		if pc == 0 {
			mode = betaMode(g.beta)
		}
		for q := range s.panels {
			b := s.sharedPanel(shared, packed, pc, kc, q)
			for t := t0; t < t1; t++ {
				s.tile(t, q, as[t-t0], b, kc, mode, pc == 0, tile)
			}
		}
	}
}

// tile computes row tile t and column panel q of C: with the packed
// micro-kernel when both operands are packed, else with an in-place one;
// edge tiles of C go through the scratch tile.
func (s *smallGemm[T]) tile(t, q int, a, b operand[T], kc, mode int, first bool, scratch []T) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
	i0, j0 := t*mr, q*nr
	h, w := min(mr, g.m-i0), min(nr, g.n-j0)
	if first {
		mode = g.firstMode(mode, i0, h, j0, w)
	}
	c := g.c[i0*g.ldc+j0:]
	if a.packed && b.packed {
		kern.tile(h, w, kc, a.p, b.p, c, g.ldc, g.beta, mode, scratch)
		return
	}
	if kern.edge != nil && !a.rows && (h < mr || w < nr) {
		// A packed or transposed in place, B packed or in place: the edge
		// kernels read both as inPlaceC does.
		_ = c[(h-1)*g.ldc+w-1] // the last element touched
		kern.edge[h](kc, a.p, a.stride, b.p, b.stride, &c[0], g.ldc, g.beta, mode, uint32(1)<<w-1)
		return
	}
	fn := kern.inPlaceC
	if a.rows {
		fn = kern.inPlaceR
	}
	if h == mr && w == nr {
		_ = c[(mr-1)*g.ldc+nr-1] // the last element written
		fn(kc, a.p, a.stride, b.p, b.stride, &c[0], g.ldc, g.beta, mode)
		return
	}
	// A packed edge tile's zero rows, or a packed edge panel's zero
	// columns, land in the scratch tile.
	fn(kc, a.p, a.stride, b.p, b.stride, &scratch[0], nr, 0, modeStore)
	mergeTile(c, g.ldc, scratch, nr, h, w, g.beta, mode)
}
