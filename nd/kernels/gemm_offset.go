package kernels

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// The offset-B GEMM serves convolutions without an im2col matrix. Over a
// zero-padded image stored as planes of width Wv, the patch matrix of a
// stride-1 convolution has rows that are plain runs of the image: row
// (c, kh, kw) is the image from c·plane + kh·Wv + kw on, with output
// position (oh, ow) at column oh·Wv + ow (columns with ow ≥ OW are
// computed and dropped). Strided convolutions become the same thing over
// the image split into stride phases. So B is given by one offset per row
// into a source slice and the micro-kernel loads its B vectors straight
// from there. A (the weights) is read in place too: packing it would cost
// a pass over all of it per call, as much as the multiply for the deep
// layers of a network at batch 1. Nothing is packed but a partial last
// row tile, copied once into a zero-padded scratch.

// OffsetGemmSlack is how many elements past the last run Src must hold:
// edge tiles read a full micro-panel width and drop the extra columns.
const OffsetGemmSlack = 64

// OffsetGemm is C = A·B (float32) where B (K×N) is row p = Src[Off[p]:
// Off[p]+N]. A is M×K row-major with row stride LDA. Columns of B come in
// groups of Group, of which the first Keep land in C, packed: B column j
// = g·Group + r (r < Keep) is C column g·Keep + r. Group 0 means every
// column is kept (C column j). C has row stride LDC and is only written.
type OffsetGemm struct {
	M, N, K     int
	A           []float32
	LDA         int
	Src         []float32
	Off         []int32
	C           []float32
	LDC         int
	Group, Keep int
	Threads     int // 0 means NumThreads()
}

// offKernel is a micro-kernel for OffsetGemm: an mr×nr tile of C (row
// stride ldc, stored) from kc k-steps of A (mr rows at a + i·lda) and B
// row p at b + off[p] floats.
type offKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a *float32, lda int, b *float32, off *int32, c *float32, ldc int)
}

// offKernels32 lists the offset kernels this CPU runs, best first (the Go
// one last); offKernel32 is the one in use.
var (
	offKernels32 = []*offKernel{offKernelGo}
	offKernel32  = offKernelGo
)

// offKernelGo is the pure-Go offset kernel (the noasm build and the
// oracle the assembly ones are tested against).
var offKernelGo = &offKernel{name: "go", mr: 4, nr: 4, fn: offMicroGo}

func offMicroGo(kc int, a *float32, lda int, b *float32, off *int32, c *float32, ldc int) {
	as := unsafe.Slice(a, 3*lda+kc)
	offs := unsafe.Slice(off, kc)
	var acc [4][4]float32
	for p, o := range offs {
		bv := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(b), 4*int(o))), 4)
		for i := range 4 {
			ai := as[i*lda+p]
			for j := range 4 {
				acc[i][j] += ai * bv[j]
			}
		}
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	for i := range 4 {
		copy(cs[i*ldc:i*ldc+4], acc[i][:])
	}
}

// OffsetGemmKernelName names the micro-kernel SgemmOffset uses.
func OffsetGemmKernelName() string { return offKernel32.name }

// check panics unless g describes matrices that fit their slices.
func (g *OffsetGemm) check() {
	const op = "sgemm_offset"
	if g.M < 0 || g.N < 0 || g.K < 0 {
		panicf(op, "negative dimension m=%d n=%d k=%d", g.M, g.N, g.K)
	}
	if g.Group < 0 || g.Keep < 0 || (g.Group > 0 && (g.Keep == 0 || g.Keep > g.Group)) {
		panicf(op, "column groups of %d keeping %d", g.Group, g.Keep)
	}
	used := g.M > 0 && g.N > 0 && g.K > 0
	checkMatrix(op, "a", g.M, g.K, g.LDA, len(g.A), used)
	checkMatrix(op, "c", g.M, g.cols(), g.LDC, len(g.C), g.M > 0 && g.N > 0)
	if !used {
		return
	}
	if len(g.Off) < g.K {
		panicf(op, "%d offsets for k=%d", len(g.Off), g.K)
	}
	for p, o := range g.Off[:g.K] {
		if o < 0 || int(o)+g.N+OffsetGemmSlack > len(g.Src) {
			panicf(op, "offset %d of row %d: the run of %d and its slack of %d leave src (%d)", o, p, g.N, OffsetGemmSlack, len(g.Src))
		}
	}
}

// cols is the number of C columns the N columns of B produce.
func (g *OffsetGemm) cols() int {
	if g.Group == 0 {
		return g.N
	}
	return g.N/g.Group*g.Keep + min(g.N%g.Group, g.Keep)
}

// SgemmOffset computes g's C = A·B. It panics with *Error if a dimension
// is negative, a stride too small, or a slice too short (Src must hold
// OffsetGemmSlack elements past every run).
func SgemmOffset(g *OffsetGemm) {
	g.check()
	if g.M == 0 || g.N == 0 {
		return
	}
	if g.K == 0 {
		for i := range g.M {
			clear(g.C[i*g.LDC : i*g.LDC+g.cols()])
		}
		return
	}
	threads := g.Threads
	if threads <= 0 {
		threads = NumThreads()
	}
	if 2*g.M*g.N*g.K < smallParallelFlops {
		threads = 1
	}
	s := getOffsetState()
	defer putOffsetState(s)
	s.setup(g, offKernel32, threads)
	if h := g.M % s.kern.mr; h != 0 {
		ebuf := getBuf[float32](roleA)
		defer putBuf(roleA, ebuf)
		s.edge = ebuf.get(s.kern.mr * g.K)
		for i := range s.kern.mr {
			row := s.edge[i*g.K : (i+1)*g.K]
			if i < h {
				copy(row, g.A[(g.M-h+i)*g.LDA:])
			} else {
				clear(row)
			}
		}
	}
	if threads = min(threads, s.units); threads > 1 {
		ParallelFor(threads, 1, s.workBody)
	} else {
		s.work(0, 1)
	}
}

// offsetState is one SgemmOffset call, pooled with its loop bodies bound
// so that a call allocates nothing in the steady state.
type offsetState struct {
	g                OffsetGemm
	kern             *offKernel
	edge             []float32 // the partial last row tile, mr×K, zero-padded
	rowTiles, panels int
	// Units of work, claimed from next: a run of column panels against
	// every row tile (panel-major, A small and shared), or a row tile
	// against a run of panels.
	panelMajor    bool
	chunk, chunks int // panels per unit, units per row tile (row-major)
	units         int
	next          atomic.Int64
	workBody      func(lo, hi int)
}

// offRun is a run of kept columns within a tile: n columns from tile
// column src to C column dst.
type offRun struct{ src, dst, n int }

var offsetPool = sync.Pool{New: func() any {
	s := new(offsetState)
	s.workBody = s.work
	return s
}}

func getOffsetState() *offsetState { return offsetPool.Get().(*offsetState) }

func putOffsetState(s *offsetState) {
	s.g, s.kern, s.edge = OffsetGemm{}, nil, nil
	offsetPool.Put(s)
}

// offsetSharedA is the most elements of A for which the work is split by
// column panels, every thread reading all of A (it then stays in L2);
// larger A is split by row tiles so each tile is read from memory once.
const offsetSharedA = 1 << 17

func (s *offsetState) setup(g *OffsetGemm, kern *offKernel, threads int) {
	s.g, s.kern = *g, kern
	s.rowTiles, s.panels = ceilDiv(g.M, kern.mr), ceilDiv(g.N, kern.nr)
	s.panelMajor = g.M*g.K <= offsetSharedA
	if s.panelMajor {
		s.chunk, s.chunks = 1, s.panels
		s.units = s.panels
	} else {
		// Enough units to balance the threads, each as many panels as that allows.
		s.chunks = min(s.panels, ceilDiv(16*threads, s.rowTiles))
		s.chunk = ceilDiv(s.panels, s.chunks)
		s.chunks = ceilDiv(s.panels, s.chunk)
		s.units = s.rowTiles * s.chunks
	}
	s.next.Store(0)
}

// work claims units until none are left; every thread calls it once.
func (s *offsetState) work(_, _ int) {
	mr, nr := s.kern.mr, s.kern.nr
	tbuf := getBuf[float32](roleB)
	defer putBuf(roleB, tbuf)
	tile := tbuf.get(mr * nr)
	var runs [32]offRun // nr ≤ 32 columns make at most 32 runs
	for {
		u := int(s.next.Add(1) - 1)
		if u >= s.units {
			return
		}
		if s.panelMajor {
			for t := range s.rowTiles {
				s.tile(t, u, tile, &runs)
			}
			continue
		}
		t, c := u/s.chunks, u%s.chunks
		for q := c * s.chunk; q < min((c+1)*s.chunk, s.panels); q++ {
			s.tile(t, q, tile, &runs)
		}
	}
}

// tile computes row tile t against column panel q: straight into C when
// the tile is whole and every column is kept, else through scratch.
func (s *offsetState) tile(t, q int, scratch []float32, runBuf *[32]offRun) {
	g, kern := &s.g, s.kern
	mr, nr := kern.mr, kern.nr
	i0, j0 := t*mr, q*nr
	h, w := min(mr, g.M-i0), min(nr, g.N-j0)
	ap, lda := &g.A[i0*g.LDA], g.LDA
	if h < mr {
		ap, lda = &s.edge[0], g.K
	}
	bp := &g.Src[j0]
	if g.Group == 0 && h == mr && w == nr {
		kern.fn(g.K, ap, lda, bp, &g.Off[0], &g.C[i0*g.LDC+j0], g.LDC)
		return
	}
	kern.fn(g.K, ap, lda, bp, &g.Off[0], &scratch[0], nr)
	runs := runBuf[:s.tileRuns(runBuf, j0, w)]
	for i := range h {
		src := scratch[i*nr : (i+1)*nr]
		dst := g.C[(i0+i)*g.LDC:]
		for _, r := range runs {
			d, sv := dst[r.dst:r.dst+r.n], src[r.src:r.src+r.n]
			if r.n >= 16 {
				copy(d, sv)
				continue
			}
			for j := range d { // a call to memmove costs more than a short run
				d[j] = sv[j]
			}
		}
	}
}

// tileRuns lists the kept columns of tile columns [j0, j0+w) as runs and
// returns how many there are.
func (s *offsetState) tileRuns(runs *[32]offRun, j0, w int) int {
	g := &s.g
	if g.Group == 0 {
		runs[0] = offRun{0, j0, w}
		return 1
	}
	n := 0
	for j := j0; j < j0+w; {
		grp, r := j/g.Group, j%g.Group
		end := min(j0+w, (grp+1)*g.Group)
		if r < g.Keep {
			runs[n] = offRun{j - j0, grp*g.Keep + r, min(end, grp*g.Group+g.Keep) - j}
			n++
		}
		j = end
	}
	return n
}
