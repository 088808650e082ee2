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
// The shared operand is packed lazily, panel by panel, by the first thread
// that needs each panel, right before its first use (so it is still in
// cache). Threads sweep the shared panels from different starting points,
// so two threads pack disjoint halves; one that finds a panel being packed
// by the other packs a private copy rather than wait for it. Nothing runs
// serially before the helpers can start.

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
	next             atomic.Int64
	shared           []T
	sharedState      []atomic.Uint32 // per shared panel: panelUnpacked, ...
	body             func(lo, hi int)
}

// States of a shared panel.
const (
	panelUnpacked = iota
	panelPacking
	panelPacked
)

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
	s.g, s.kern, s.shared = gemmArgs[T]{}, nil, nil
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
	if flops := 2 * g.m * g.n * g.k; flops < smallParallelFlops && (flops < smallHotParallelFlops || !helperSpinning()) {
		threads = 1
	}
	s := getSmall[T]()
	defer putSmall(s)
	s.g, s.kern, s.byRows = *g, kern, byRows
	// Even kc slices: 784 = 2×392 rather than 512 + 272 (with kc 256,
	// 4×196 rather than 3×256 + 16, whose last slice would load and
	// store the C tiles for only 16 steps).
	s.kcMax = ceilDiv(g.k, ceilDiv(g.k, kern.kc))
	s.rowTiles, s.panels = rowTiles, panels
	// A column unit is one panel: its B micro-panel stays in L1 while every
	// row tile streams past. Row units hold a few tiles so that each B
	// micro-panel read from L2 serves more than one.
	s.unitSize = 1
	n := panels
	if byRows {
		n = rowTiles
		s.unitSize = max(1, min(4, rowTiles/(4*threads)))
	}
	s.units = ceilDiv(n, s.unitSize)
	s.next.Store(0)

	sbuf := getBuf[T](roleB)
	defer putBuf(roleB, sbuf)
	sharedPanels := ceilDiv(g.k, s.kcMax) * panels
	if byRows {
		s.shared = sbuf.get(sizeB)
	} else {
		s.shared = sbuf.get(sizeA)
		sharedPanels = ceilDiv(g.k, s.kcMax) * rowTiles
	}
	if cap(s.sharedState) < sharedPanels {
		s.sharedState = make([]atomic.Uint32, sharedPanels)
	}
	s.sharedState = s.sharedState[:sharedPanels]
	for i := range s.sharedState {
		s.sharedState[i].Store(panelUnpacked)
	}
	s.threads = min(threads, s.units)
	if s.threads <= 1 {
		s.work(0, 1)
	} else {
		ParallelFor(s.threads, 1, s.body)
	}
	return true
}

// sharedPanel returns shared panel x (a column panel of op(B) when byRows,
// else a row tile of op(A)) of the kc-deep slice at pc, packing it first if
// no thread has. If another thread is packing it right now, it packs a
// private copy into scratch instead of waiting (that thread may have lost
// its core).
func (s *smallGemm[T]) sharedPanel(pc, kc, x int, scratch []T) *T {
	g, mr, nr := &s.g, s.kern.mr, s.kern.nr
	n, width := s.panels, nr
	if !s.byRows {
		n, width = s.rowTiles, mr
	}
	panel := s.shared[pc*n*width+x*kc*width : pc*n*width+(x+1)*kc*width]
	st := &s.sharedState[pc/s.kcMax*n+x]
	switch st.Load() {
	case panelPacked:
		return &panel[0]
	case panelUnpacked:
		if st.CompareAndSwap(panelUnpacked, panelPacking) {
			break
		}
		if st.Load() == panelPacked {
			return &panel[0]
		}
		fallthrough
	default:
		panel = scratch[:kc*width]
		st = nil
	}
	if s.byRows {
		j0 := x * nr
		packPanel(panel, g.b, g.ldb, g.transB, pc, kc, j0, min(nr, g.n-j0), nr, 1)
	} else {
		i0 := x * mr
		packPanel(panel, g.a, g.lda, !g.transA, pc, kc, i0, min(mr, g.m-i0), mr, g.alpha)
	}
	if st != nil {
		st.Store(panelPacked)
	}
	return &panel[0]
}

// work claims units until none are left. Each thread calls it once, with
// its index in lo.
func (s *smallGemm[T]) work(lo, _ int) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
	ubuf := getBuf[T](roleA)
	defer putBuf(roleA, ubuf)
	width, sharedWidth, n := nr, mr, s.rowTiles
	if s.byRows {
		width, sharedWidth, n = mr, nr, s.panels
	}
	// Where this thread starts its sweeps over the shared panels.
	first := lo * n / max(s.threads, 1)
	unitLen := s.unitSize * width * s.kcMax
	unit := ubuf.get(unitLen + sharedWidth*s.kcMax + mr*nr)
	scratch := unit[unitLen : unitLen+sharedWidth*s.kcMax]
	tile := unit[unitLen+sharedWidth*s.kcMax:]
	for {
		u := int(s.next.Add(1) - 1)
		if u >= s.units {
			return
		}
		if s.byRows {
			t0 := u * s.unitSize
			s.rowUnit(t0, min(t0+s.unitSize, s.rowTiles), first, unit, scratch, tile)
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
			for i := range s.rowTiles {
				t := (first + i) % s.rowTiles
				s.tile(t, u, s.sharedPanel(pc, kc, t, scratch), &unit[0], kc, mode, tile)
			}
		}
	}
}

// rowUnit computes row tiles [t0, t1) of C against every column panel,
// starting at panel first.
func (s *smallGemm[T]) rowUnit(t0, t1, first int, unit, scratch, tile []T) {
	g, kern := &s.g, s.kern
	mr := kern.mr
	for pc := 0; pc < g.k; pc += s.kcMax {
		kc := min(s.kcMax, g.k-pc)
		for t := t0; t < t1; t++ {
			i0 := t * mr
			packPanel(unit[(t-t0)*kc*mr:], g.a, g.lda, !g.transA, pc, kc, i0, min(mr, g.m-i0), mr, g.alpha)
		}
		mode := modeAdd
		if pc == 0 {
			mode = betaMode(g.beta)
		}
		for i := range s.panels {
			q := (first + i) % s.panels
			bp := s.sharedPanel(pc, kc, q, scratch)
			for t := t0; t < t1; t++ {
				s.tile(t, q, &unit[(t-t0)*kc*mr], bp, kc, mode, tile)
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
