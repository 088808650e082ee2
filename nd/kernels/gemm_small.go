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
	next             atomic.Int64
	body             func(lo, hi int)
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
	// Share (pack whole, serially) the smaller operand; the other is
	// packed unit by unit, in parallel.
	byRows := sizeB < sizeA
	if min(sizeA, sizeB) > smallSharedMax {
		return false
	}
	s := getSmall[T]()
	defer putSmall(s)
	s.g, s.kern, s.byRows = *g, kern, byRows
	// Even kc slices: 784 = 2×392 rather than 512 + 272 (with kc 256,
	// 4×196 rather than 3×256 + 16, whose last slice would load and
	// store the C tiles for only 16 steps).
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
		s.unitSize = max(1, min(4, s.rowTiles/(4*threads)))
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

// sharedPanel returns shared panel x (a column panel of op(B) when byRows,
// else a row tile of op(A)) of the kc-deep slice at pc in the thread's copy
// shared, packing it first unless packed says the thread has.
func (s *smallGemm[T]) sharedPanel(shared []T, packed bool, pc, kc, x int) *T {
	g, mr, nr := &s.g, s.kern.mr, s.kern.nr
	n, width := s.panels, nr
	if !s.byRows {
		n, width = s.rowTiles, mr
	}
	panel := shared[pc*n*width+x*kc*width : pc*n*width+(x+1)*kc*width]
	if packed {
		return &panel[0]
	}
	if s.byRows {
		j0 := x * nr
		packPanel(panel, g.b, g.ldb, g.transB, pc, kc, j0, min(nr, g.n-j0), nr, 1)
	} else {
		i0 := x * mr
		packPanel(panel, g.a, g.lda, !g.transA, pc, kc, i0, min(mr, g.m-i0), mr, g.alpha)
	}
	return &panel[0]
}

// work claims units until none are left. Each thread calls it once; the
// first unit it claims packs its copy of the shared operand.
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
			j0 := u * nr
			packPanel(unit, g.b, g.ldb, g.transB, pc, kc, j0, min(nr, g.n-j0), nr, 1)
			mode := modeAdd
			if pc == 0 {
				mode = betaMode(g.beta)
			}
			for t := range s.rowTiles {
				s.tile(t, u, s.sharedPanel(shared, packed, pc, kc, t), &unit[0], kc, mode, tile)
			}
		}
		packed = true
	}
}

// rowUnit computes row tiles [t0, t1) of C against every column panel of
// the thread's copy shared of op(B), packing them first unless packed.
func (s *smallGemm[T]) rowUnit(t0, t1 int, shared []T, packed bool, unit, tile []T) {
	g, kern := &s.g, s.kern
	mr := kern.mr
	for pc := 0; pc < g.k; pc += s.kcMax {
		kc := min(s.kcMax, g.k-pc)
		// The unit's row tiles: packed here, or ahead in packedA.
		var ahead []T
		if s.packedA != nil {
			ahead = any(s.packedA.data).([]T)
		} else {
			for t := t0; t < t1; t++ {
				i0 := t * mr
				packPanel(unit[(t-t0)*kc*mr:], g.a, g.lda, !g.transA, pc, kc, i0, min(mr, g.m-i0), mr, g.alpha)
			}
		}
		mode := modeAdd
		if pc == 0 {
			mode = betaMode(g.beta)
		}
		for q := range s.panels {
			bp := s.sharedPanel(shared, packed, pc, kc, q)
			for t := t0; t < t1; t++ {
				var ap *T
				if ahead != nil {
					ap = &ahead[s.packedA.panel(pc, kc, t)]
				} else {
					ap = &unit[(t-t0)*kc*mr]
				}
				s.tile(t, q, ap, bp, kc, mode, tile)
			}
		}
	}
}

// tile runs the micro-kernel for row tile t and column panel q, through
// the scratch tile at the edges of C.
func (s *smallGemm[T]) tile(t, q int, ap, bp *T, kc, mode int, scratch []T) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
	i0, j0 := t*mr, q*nr
	h, w := min(mr, g.m-i0), min(nr, g.n-j0)
	kern.tile(h, w, kc, ap, bp, g.c[i0*g.ldc+j0:], g.ldc, g.beta, mode, scratch)
}
