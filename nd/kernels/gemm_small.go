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
// than it saves. Here the smaller operand is packed once, whole, and one
// region hands out units (one column panel, or a few row tiles, all of K)
// from an atomic counter: a thread that starts late, or shares its core
// with another process, simply takes fewer units.

// smallSharedMax is the most elements the shared operand may hold, packed,
// for the small path (tests set it to 0 or huge to force either path).
var smallSharedMax = 1 << 18

// smallParallelFlops is the work (2mnk) below which the small path runs on
// one thread. ParallelFor returns only after every helper it woke has run,
// so a split pays the helper's wake-up (tens of microseconds when the other
// core is busy); below about 45 µs of one-core work that is not won back.
const smallParallelFlops = 8 << 20

// smallGemm is one call on the small path. It is pooled: body is bound
// once, so a call allocates nothing in the steady state.
type smallGemm[T float] struct {
	g                gemmArgs[T] // a copy, so the caller's never escapes
	kern             *microKernel[T]
	byRows           bool // units are row tiles (op(B) shared), else column panels (op(A) shared)
	kcMax            int
	rowTiles, panels int
	unitSize, units  int
	next             atomic.Int64
	shared           []T
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
	if 2*g.m*g.n*g.k < smallParallelFlops {
		threads = 1
	}
	s := getSmall[T]()
	defer putSmall(s)
	s.g, s.kern, s.byRows = *g, kern, byRows
	// Even kc slices: 784 = 4×196 rather than 3×256 + 16, whose last
	// slice would load and store the C tiles for only 16 steps.
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
	if byRows {
		s.shared = sbuf.get(sizeB)
		for pc := 0; pc < g.k; pc += s.kcMax {
			kc := min(s.kcMax, g.k-pc)
			for q := range panels {
				j0 := q * nr
				packPanel(s.shared[pc*panels*nr+q*kc*nr:], g.b, g.ldb, g.transB, pc, kc, j0, min(nr, g.n-j0), nr, 1)
			}
		}
	} else {
		s.shared = sbuf.get(sizeA)
		for pc := 0; pc < g.k; pc += s.kcMax {
			kc := min(s.kcMax, g.k-pc)
			for t := range rowTiles {
				i0 := t * mr
				packPanel(s.shared[pc*rowTiles*mr+t*kc*mr:], g.a, g.lda, !g.transA, pc, kc, i0, min(mr, g.m-i0), mr, g.alpha)
			}
		}
	}
	threads = min(threads, s.units)
	if threads <= 1 {
		s.work(0, 1)
	} else {
		ParallelFor(threads, 1, s.body)
	}
	return true
}

// work claims units until none are left. Each thread calls it once.
func (s *smallGemm[T]) work(_, _ int) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
	ubuf := getBuf[T](roleA)
	defer putBuf(roleA, ubuf)
	width := nr
	if s.byRows {
		width = mr
	}
	unit := ubuf.get(s.unitSize*width*s.kcMax + mr*nr)
	tile := unit[s.unitSize*width*s.kcMax:]
	for {
		u := int(s.next.Add(1) - 1)
		if u >= s.units {
			return
		}
		if s.byRows {
			t0 := u * s.unitSize
			s.rowUnit(t0, min(t0+s.unitSize, s.rowTiles), unit, tile)
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
				s.tile(t, u, &s.shared[pc*s.rowTiles*mr+t*kc*mr], &unit[0], kc, mode, tile)
			}
		}
	}
}

// rowUnit computes row tiles [t0, t1) of C against every column panel.
func (s *smallGemm[T]) rowUnit(t0, t1 int, unit, tile []T) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
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
		for q := range s.panels {
			bp := &s.shared[pc*s.panels*nr+q*kc*nr]
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
	ci := i0*g.ldc + j0
	if h == mr && w == nr {
		kern.fn(kc, ap, bp, &g.c[ci], g.ldc, g.beta, mode)
		return
	}
	kern.fn(kc, ap, bp, &scratch[0], nr, 0, modeStore)
	mergeTile(g.c[ci:], g.ldc, scratch, nr, h, w, g.beta, mode)
}
