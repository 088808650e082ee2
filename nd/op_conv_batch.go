package nd

import (
	"sync/atomic"
	"unsafe"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Batched convolution for small images (LeNet on MNIST: 28×28 and 12×12
// inputs, 24×24 and 8×8 outputs). One image's patch matrix is only a few
// dozen to a few hundred columns wide, so a GEMM per image spends its time
// packing and storing edge tiles. Here the patch matrices of a block of
// nb images sit side by side in one K × nb·L matrix (row stride nb·L), so
// each block is one GEMM with nb times the columns:
//
//	forward:  Y_blk  = W · col_blk                 then scattered to y (N, F, L), plus bias
//	data:     col_blk = Wᵀ · dY_blk                then added back into each image (col2im)
//	weight:   dW    += dY_blk · col_blkᵀ           K = nb·L
//
// where dY_blk gathers the output gradient of the block's images as
// F × nb·L. Blocks are sized so a patch matrix stays in a core's L2, and
// spread over the threads (claimed one at a time, so a core slowed by
// other load does fewer); each block's GEMM then runs on its own thread.
// Work under convBatchParallelFlops stays on the calling thread: waking a
// helper costs more than it saves.

// convBatchMaxL is the widest output (positions per image) the batched
// path takes; wider images already give each GEMM enough columns.
const convBatchMaxL = 1024

// convBatchColFloats is the target size in elements of one block's patch
// matrix: 512 KB of float32, half of a Zen core's L2.
var convBatchColFloats = 1 << 17

// convBatchMaxImageFloats is the largest patch matrix of one image the
// batched path takes.
const convBatchMaxImageFloats = 1 << 17

// convBatchParallelFlops is the work (2·M·N·K summed over the batch) below
// which a batched convolution runs on one thread: at about 100 GFLOP/s it
// is some 80 µs, near what waking a helper costs on a busy VM.
var convBatchParallelFlops = 8 << 20

// convBatchEnabled lets tests and benchmarks compare with the per-image
// paths.
var convBatchEnabled = true

// convBatchOK reports whether the batched path serves geo: small outputs
// whose patch matrix fits a block, and a real patch matrix (1×1 stride-1
// and depthwise convolutions have their own paths). Larger ones keep the
// per-image paths, whose GEMMs are wide enough and which cut an image
// into panels for the caches.
func convBatchOK(geo *convGeom) bool {
	L := geo.outSize()
	return convBatchEnabled && geo.n >= 1 && L <= convBatchMaxL && geo.c/geo.group*geo.kSize()*L <= convBatchMaxImageFloats &&
		!geo.direct() && !geo.depthwise()
}

// convBatchPlan is the blocking of one batched call.
type convBatchPlan struct {
	I, L, K      int
	cg, fg, rows int
	nb, blocks   int
	threads      int // 1: every block on the calling thread
}

func newConvBatchPlan(geo *convGeom) convBatchPlan {
	p := convBatchPlan{I: geo.inSize(), L: geo.outSize(), K: geo.kSize(), cg: geo.c / geo.group, fg: geo.f / geo.group}
	p.rows = p.cg * p.K
	n := geo.n
	p.nb = max(1, min(n, convBatchColFloats/max(p.rows*p.L, 1)))
	p.blocks = (n + p.nb - 1) / p.nb
	flops := 2 * float64(geo.f) * float64(p.rows) * float64(p.L) * float64(n)
	p.threads = 1
	if t := kernels.NumThreads(); t > 1 && flops >= float64(convBatchParallelFlops) {
		p.threads = t
		// At least two blocks a thread, so one slowed by other load
		// hands work to the other.
		p.blocks = max(p.blocks, min(n, 2*t))
		p.nb = (n + p.blocks - 1) / p.blocks
		p.blocks = (n + p.nb - 1) / p.nb
	}
	if p.blocks == 1 {
		p.threads = 1 // the GEMM may then use the pool itself
	}
	return p
}

// images returns the batch range of block b.
func (p *convBatchPlan) images(b, n int) (i0, i1 int) {
	return b * p.nb, min((b+1)*p.nb, n)
}

// The three batched computations.
const (
	convBatchForward = iota
	convBatchAdjoint
	convBatchWeight
)

// convBatchTask is one batched call: its plan, operands and the state its
// blocks share. It is pooled with its loop body bound once (see
// kernel_task.go) and keeps its per-thread flags for the next call, so a
// call allocates nothing in the steady state.
type convBatchTask[T nnFloat] struct {
	kind int
	p    convBatchPlan
	geo  convGeom
	gemm convGemmFunc[T]
	// forward: x, w, bias -> y; adjoint: dy, w -> dx; weight: x, dy -> the
	// per-thread partial sums in partial.
	x, w, bias, y, dy, dx []T
	rowsPad, size         int
	partial               []T
	used                  []bool // weight: slot has written its partial sum
	next                  atomic.Int64
	body                  func(lo, hi int)
}

var convBatchTasks kernelTasks

func newConvBatchTask[T nnFloat]() *convBatchTask[T] {
	t := new(convBatchTask[T])
	t.body = t.claim
	return t
}

// getConvBatchTask returns a task of kind for geo with its plan.
func getConvBatchTask[T nnFloat](kind int, geo *convGeom) *convBatchTask[T] {
	t := getKernelTask[T](&convBatchTasks, newConvBatchTask[T])
	t.kind, t.geo, t.gemm = kind, *geo, convGemm[T]()
	t.p = newConvBatchPlan(geo)
	return t
}

// release drops the arrays t points into and returns it to its pool.
func (t *convBatchTask[T]) release() {
	t.x, t.w, t.bias, t.y, t.dy, t.dx, t.partial = nil, nil, nil, nil, nil, nil, nil
	putKernelTask[T](&convBatchTasks, t)
}

// run calls block(b, slot) for every block b; slot < p.threads identifies
// the thread (each runs its blocks one after another).
func (t *convBatchTask[T]) run() {
	if t.p.threads == 1 {
		for b := 0; b < t.p.blocks; b++ {
			t.block(b, 0)
		}
		return
	}
	t.next.Store(0)
	kernels.ParallelFor(t.p.threads, 1, t.body)
}

// claim runs blocks, claimed one at a time, as threads [lo, hi). Weight
// gradient blocks are not claimed: slot s always sums the same contiguous
// range of blocks, in order, into its partial sum, so that the result
// does not depend on which thread ran first (training runs are
// reproducible for a given thread count).
func (t *convBatchTask[T]) claim(lo, hi int) {
	if t.kind == convBatchWeight {
		n, threads := t.p.blocks, t.p.threads
		for slot := lo; slot < hi; slot++ {
			for b := slot * n / threads; b < (slot+1)*n/threads; b++ {
				t.weightBlock(b, slot)
			}
		}
		return
	}
	for slot := lo; slot < hi; slot++ {
		for {
			b := int(t.next.Add(1) - 1)
			if b >= t.p.blocks {
				break
			}
			t.block(b, slot)
		}
	}
}

func (t *convBatchTask[T]) block(b, slot int) {
	switch t.kind {
	case convBatchForward:
		t.forwardBlock(b)
	case convBatchAdjoint:
		t.adjointBlock(b)
	default:
		t.weightBlock(b, slot)
	}
}

// convForwardBatched computes y = conv(x, w) + bias (bias may be nil).
func convForwardBatched[T nnFloat](x, w, bias, y []T, geo *convGeom) {
	t := getConvBatchTask[T](convBatchForward, geo)
	t.x, t.w, t.bias, t.y = x, w, bias, y
	t.run()
	t.release()
}

func (t *convBatchTask[T]) forwardBlock(b int) {
	p, geo, gemm := &t.p, &t.geo, t.gemm
	x, w, bias, y := t.x, t.w, t.bias, t.y
	I, L, rows, cg, fg := p.I, p.L, p.rows, p.cg, p.fg
	i0, i1 := p.images(b, geo.n)
	m := i1 - i0
	ld := m * L
	buf := nnGetBuf[T](rows*ld + fg*ld)
	defer nnPutBuf(buf)
	col, out := (*buf)[:rows*ld], (*buf)[rows*ld:rows*ld+fg*ld]
	for g := 0; g < geo.group; g++ {
		for i := i0; i < i1; i++ {
			convIm2colLd(x[i*geo.c*I:(i+1)*geo.c*I], col[(i-i0)*L:], ld, geo, g*cg, (g+1)*cg)
		}
		if m == 1 { // straight into y
			yg := y[(i0*geo.f+g*fg)*L : (i0*geo.f+(g+1)*fg)*L]
			gemm(false, false, fg, L, rows, 1, w[g*fg*rows:], rows, col, L, 0, yg, L)
			if bias != nil {
				for f := 0; f < fg; f++ {
					row := yg[f*L : (f+1)*L]
					convAddConst(row, row, bias[g*fg+f])
				}
			}
			continue
		}
		gemm(false, false, fg, ld, rows, 1, w[g*fg*rows:], rows, col, ld, 0, out, ld)
		for i := i0; i < i1; i++ {
			for f := 0; f < fg; f++ {
				ch := g*fg + f
				dst := y[(i*geo.f+ch)*L : (i*geo.f+ch+1)*L]
				src := out[f*ld+(i-i0)*L : f*ld+(i-i0+1)*L]
				if bias == nil {
					copy(dst, src)
				} else {
					convAddConst(dst, src, bias[ch])
				}
			}
		}
	}
}

// convGatherDY returns the output gradient of images [i0, i1), filters
// [f0, f0+fg), as an fg × (i1-i0)·L matrix: copied into dst, or dy itself
// for one image.
func convGatherDY[T nnFloat](dy, dst []T, geo *convGeom, i0, i1, f0, fg int) []T {
	L := geo.outSize()
	ld := (i1 - i0) * L
	if i1-i0 == 1 {
		return dy[(i0*geo.f+f0)*L : (i0*geo.f+f0+fg)*L]
	}
	for i := i0; i < i1; i++ {
		for f := 0; f < fg; f++ {
			copy(dst[f*ld+(i-i0)*L:f*ld+(i-i0+1)*L], dy[(i*geo.f+f0+f)*L:(i*geo.f+f0+f+1)*L])
		}
	}
	return dst[:fg*ld]
}

// convAdjointBatched computes dx = convᵀ(dy, w).
func convAdjointBatched[T nnFloat](dy, w, dx []T, geo *convGeom) {
	t := getConvBatchTask[T](convBatchAdjoint, geo)
	t.dy, t.w, t.dx = dy, w, dx
	t.run()
	t.release()
}

func (t *convBatchTask[T]) adjointBlock(b int) {
	p, geo, gemm := &t.p, &t.geo, t.gemm
	dy, w, dx := t.dy, t.w, t.dx
	I, L, rows, cg, fg := p.I, p.L, p.rows, p.cg, p.fg
	i0, i1 := p.images(b, geo.n)
	ld := (i1 - i0) * L
	buf := nnGetBuf[T](rows*ld + fg*ld)
	defer nnPutBuf(buf)
	col, dyb := (*buf)[:rows*ld], (*buf)[rows*ld:rows*ld+fg*ld]
	for g := 0; g < geo.group; g++ {
		dyg := convGatherDY(dy, dyb, geo, i0, i1, g*fg, fg)
		gemm(true, false, rows, ld, fg, 1, w[g*fg*rows:], rows, dyg, ld, 0, col, ld)
		for i := i0; i < i1; i++ {
			convCol2imLd(col[(i-i0)*L:], ld, dx[i*geo.c*I:(i+1)*geo.c*I], geo, g*cg, (g+1)*cg)
		}
	}
}

// convWeightBatched computes dw = Σ_n dy_n · im2col(x_n)ᵀ per group.
//
// The patch matrix gets zero rows up to a multiple of 32 (the widest GEMM
// panel): the GEMM reads it transposed, and the vector packing takes only
// full panels, so LeNet's first layer (25 rows) would otherwise pack all
// of it with scalar loops. The micro-kernel computes whole panels anyway,
// so the zero rows cost no multiplications.
func convWeightBatched[T nnFloat](x, dy, dw []T, geo *convGeom) {
	t := getConvBatchTask[T](convBatchWeight, geo)
	defer t.release()
	p, rows := &t.p, t.p.rows
	t.rowsPad = (rows + 31) / 32 * 32
	// Each thread sums its blocks into its own partial dw (f × rowsPad);
	// the first block a slot runs overwrites it.
	t.size = geo.f * t.rowsPad
	partial := nnGetBuf[T](p.threads * t.size)
	defer nnPutBuf(partial)
	t.x, t.dy, t.partial = x, dy, *partial
	if cap(t.used) < p.threads {
		t.used = make([]bool, p.threads)
	}
	t.used = t.used[:p.threads]
	clear(t.used)
	t.run()
	first := true
	for s, used := range t.used {
		if !used {
			continue
		}
		part := t.partial[s*t.size : (s+1)*t.size]
		for f := 0; f < geo.f; f++ {
			dst, src := dw[f*rows:(f+1)*rows], part[f*t.rowsPad:f*t.rowsPad+rows]
			if first {
				copy(dst, src)
			} else {
				convAddTo(dst, src)
			}
		}
		first = false
	}
	if first {
		clear(dw)
	}
}

// weightBlock adds block b's products into slot's partial sum.
func (t *convBatchTask[T]) weightBlock(b, slot int) {
	p, geo, gemm := &t.p, &t.geo, t.gemm
	x, dy, rowsPad := t.x, t.dy, t.rowsPad
	I, L, rows, cg, fg := p.I, p.L, p.rows, p.cg, p.fg
	i0, i1 := p.images(b, geo.n)
	ld := (i1 - i0) * L
	buf := nnGetBuf[T](rowsPad*ld + fg*ld)
	defer nnPutBuf(buf)
	col, dyb := (*buf)[:rowsPad*ld], (*buf)[rowsPad*ld:rowsPad*ld+fg*ld]
	clear(col[rows*ld:])
	acc := t.partial[slot*t.size : (slot+1)*t.size]
	var beta T
	if t.used[slot] {
		beta = 1
	}
	t.used[slot] = true
	for g := 0; g < geo.group; g++ {
		for i := i0; i < i1; i++ {
			convIm2colLd(x[i*geo.c*I:(i+1)*geo.c*I], col[(i-i0)*L:], ld, geo, g*cg, (g+1)*cg)
		}
		dyg := convGatherDY(dy, dyb, geo, i0, i1, g*fg, fg)
		gemm(false, true, fg, rowsPad, ld, 1, dyg, ld, col, ld, beta, acc[g*fg*rowsPad:], rowsPad)
	}
}

// convIm2colLd writes the patches of channels [c0, c1) of one image x
// (C, D, H, W) as rows of col with row stride ld: row (c-c0, kd, kh, kw)
// holds the L output positions from col[r·ld] on, zero where the window
// reads padding.
func convIm2colLd[T nnFloat](x, col []T, ld int, geo *convGeom, c0, c1 int) {
	D, H, W := geo.in[0], geo.in[1], geo.in[2]
	OD, OH, OW := geo.out[0], geo.out[1], geo.out[2]
	KD, KH, KW := geo.k[0], geo.k[1], geo.k[2]
	if geo.im2colPlain() {
		convIm2colPlainLd(x, col, ld, geo, c0, c1)
		return
	}
	r := 0
	sw := geo.s[2]
	for c := c0; c < c1; c++ {
		xc := x[c*D*H*W : (c+1)*D*H*W]
		for kd := 0; kd < KD; kd++ {
			for kh := 0; kh < KH; kh++ {
				for kw := 0; kw < KW; kw++ {
					dst := col[r*ld : r*ld+OD*OH*OW]
					r++
					offW := kw*geo.d[2] - geo.p[2]
					lo, hi := nnValidRange(offW, sw, W, OW)
					for od := 0; od < OD; od++ {
						id := od*geo.s[0] + kd*geo.d[0] - geo.p[0]
						for oh := 0; oh < OH; oh++ {
							ih := oh*geo.s[1] + kh*geo.d[1] - geo.p[1]
							seg := dst[(od*OH+oh)*OW : (od*OH+oh+1)*OW]
							if id < 0 || id >= D || ih < 0 || ih >= H || lo >= hi {
								convZero(seg)
								continue
							}
							row := xc[(id*H+ih)*W : (id*H+ih+1)*W]
							convZero(seg[:lo])
							convZero(seg[hi:])
							d := seg[lo:hi]
							if sw == 1 {
								convCopyRow(d, row[lo+offW:hi+offW])
								continue
							}
							for j := range d {
								d[j] = row[(lo+j)*sw+offW]
							}
						}
					}
				}
			}
		}
	}
}

// convCol2imLd sets channels [c0, c1) of one image dx (C, D, H, W) to the
// sum of the patch rows of col (row stride ld, laid out as convIm2colLd
// writes them) over the positions each reads.
func convCol2imLd[T nnFloat](col []T, ld int, dx []T, geo *convGeom, c0, c1 int) {
	D, H, W := geo.in[0], geo.in[1], geo.in[2]
	OD, OH, OW := geo.out[0], geo.out[1], geo.out[2]
	KD, KH, KW := geo.k[0], geo.k[1], geo.k[2]
	clear(dx[c0*D*H*W : c1*D*H*W])
	if geo.im2colPlain() {
		convCol2imPlainLd(col, ld, dx, geo, c0, c1)
		return
	}
	r := 0
	sw := geo.s[2]
	for c := c0; c < c1; c++ {
		xc := dx[c*D*H*W : (c+1)*D*H*W]
		for kd := 0; kd < KD; kd++ {
			for kh := 0; kh < KH; kh++ {
				for kw := 0; kw < KW; kw++ {
					src := col[r*ld : r*ld+OD*OH*OW]
					r++
					offW := kw*geo.d[2] - geo.p[2]
					lo, hi := nnValidRange(offW, sw, W, OW)
					if lo >= hi {
						continue
					}
					for od := 0; od < OD; od++ {
						id := od*geo.s[0] + kd*geo.d[0] - geo.p[0]
						if id < 0 || id >= D {
							continue
						}
						for oh := 0; oh < OH; oh++ {
							ih := oh*geo.s[1] + kh*geo.d[1] - geo.p[1]
							if ih < 0 || ih >= H {
								continue
							}
							row := xc[(id*H+ih)*W : (id*H+ih+1)*W]
							seg := src[(od*OH+oh)*OW+lo : (od*OH+oh)*OW+hi]
							if sw == 1 {
								convAddRow(row[lo+offW:hi+offW], seg)
								continue
							}
							for j, v := range seg {
								row[(lo+j)*sw+offW] += v
							}
						}
					}
				}
			}
		}
	}
}

// convCopyRow copies s into d (same length) in 8-byte words, four at a
// time: the rows of small images are too short for a call to memmove to
// pay (and a copy of a [k]T array compiles to one when T is a type
// parameter).
func convCopyRow[T nnFloat](d, s []T) {
	s = s[:len(d)]
	if len(d) == 0 {
		return
	}
	bytes := len(d) * int(unsafe.Sizeof(d[0]))
	dw := unsafe.Slice((*uint64)(unsafe.Pointer(&d[0])), bytes/8)
	sw := unsafe.Slice((*uint64)(unsafe.Pointer(&s[0])), bytes/8)
	for len(dw) >= 4 {
		a, b, c, e := sw[0], sw[1], sw[2], sw[3]
		dw[0], dw[1], dw[2], dw[3] = a, b, c, e
		dw, sw = dw[4:], sw[4:]
	}
	for i := range dw {
		dw[i] = sw[i]
	}
	if bytes%8 != 0 { // an odd float32 count
		d[len(d)-1] = s[len(d)-1]
	}
}

// convAddRow adds s to d (same length), unrolled by eight.
func convAddRow[T nnFloat](d, s []T) {
	s = s[:len(d)]
	for len(d) >= 8 {
		d8, s8 := (*[8]T)(d), (*[8]T)(s)
		d8[0] += s8[0]
		d8[1] += s8[1]
		d8[2] += s8[2]
		d8[3] += s8[3]
		d8[4] += s8[4]
		d8[5] += s8[5]
		d8[6] += s8[6]
		d8[7] += s8[7]
		d, s = d[8:], s[8:]
	}
	for i := range d {
		d[i] += s[i]
	}
}

// convAddConst sets d = s + v (same length).
func convAddConst[T nnFloat](d, s []T, v T) {
	s = s[:len(d)]
	for len(d) >= 8 {
		d8, s8 := (*[8]T)(d), (*[8]T)(s)
		d8[0] = s8[0] + v
		d8[1] = s8[1] + v
		d8[2] = s8[2] + v
		d8[3] = s8[3] + v
		d8[4] = s8[4] + v
		d8[5] = s8[5] + v
		d8[6] = s8[6] + v
		d8[7] = s8[7] + v
		d, s = d[8:], s[8:]
	}
	for i := range d {
		d[i] = s[i] + v
	}
}

// convAddTo adds s to d (same length), with the AVX-512 loop for float32.
func convAddTo[T nnFloat](d, s []T) {
	if d32, ok := any(d).([]float32); ok {
		kernels.AddTo32(d32, any(s).([]float32))
		return
	}
	convAddRow(d, s)
}
