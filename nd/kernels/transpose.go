package kernels

import "sync"

// Transpose32 writes the transpose of the m×n matrix src (row stride lds)
// into the n×m matrix dst (row stride ldd): dst[j*ldd+i] = src[i*lds+j].
// It moves 32-bit words unchanged, so float32 and int32 data alike pass
// through it: 16×16 tiles transposed in registers with AVX-512, blocked
// loops elsewhere, and column blocks split over the kernel pool for large
// matrices. dst and src must not overlap. It panics with *Error on
// strides smaller than the rows or slices too short for them.
func Transpose32(dst, src []uint32, m, n, lds, ldd int) {
	if m < 0 || n < 0 || lds < n || ldd < m {
		panicf("transpose", "bad dimensions %dx%d with strides %d, %d", m, n, lds, ldd)
	}
	if m == 0 || n == 0 {
		return
	}
	if len(src) < (m-1)*lds+n || len(dst) < (n-1)*ldd+m {
		panicf("transpose", "slices of %d and %d words too short for %dx%d with strides %d, %d", len(src), len(dst), m, n, lds, ldd)
	}
	if m*n < transposeParallel || n <= transposeBlock || NumThreads() < 2 {
		transposeCols(dst, src, 0, n, m, lds, ldd)
		return
	}
	t := transposeJobs.Get().(*transposeJob)
	t.dst, t.src, t.m, t.n, t.lds, t.ldd = dst, src, m, n, lds, ldd
	ParallelFor(ceilDiv(n, transposeBlock), 1, t.body)
	t.dst, t.src = nil, nil
	transposeJobs.Put(t)
}

// transposeParallel is the size (words) from which Transpose32 splits: a
// megabyte of reads and writes, a few hundred microseconds on one core.
const transposeParallel = 1 << 18

// transposeJob is a split transpose, pooled with its body bound once so
// that a call allocates nothing.
type transposeJob struct {
	dst, src       []uint32
	m, n, lds, ldd int
	body           func(lo, hi int)
}

var transposeJobs = sync.Pool{New: func() any {
	t := new(transposeJob)
	t.body = func(lo, hi int) {
		transposeCols(t.dst, t.src, transposeBlock*lo, min(transposeBlock*hi, t.n), t.m, t.lds, t.ldd)
	}
	return t
}}

// transposeFast transposes blocks whole 16×16 tiles side by side, the 16
// rows of src from src[0] into dst from dst[0] (row strides lds and ldd);
// nil without the assembly.
var transposeFast func(dst, src []uint32, lds, ldd, blocks int)

// transposeBlock is the side of the square blocks Transpose32 walks. The
// walk goes down the source's columns: the destination rows a strip of
// blocks writes (64 pages at most, where rows are a page or more apart)
// stay in the TLB while the source rows pass. Across the rows first, a
// 1024×4096 transpose touched every destination page for each band of
// source rows and took 4× as long (a TLB miss costs a nested page walk on
// a virtual machine).
const transposeBlock = 64

// transposeCols transposes source columns [j0, j1) of all m rows, block
// by block, in 16×16 tiles.
func transposeCols(dst, src []uint32, j0, j1, m, lds, ldd int) {
	for jb := j0; jb < j1; jb += transposeBlock {
		je := min(jb+transposeBlock, j1)
		for i := 0; i < m; i += 16 {
			transposeTiles(dst, src, i, min(16, m-i), jb, je, lds, ldd)
		}
	}
}

// transposeTiles transposes the rows×(j1-j0) strip of src at row i and
// column j0: whole 16×16 tiles in registers where it can, the rest in a
// loop.
func transposeTiles(dst, src []uint32, i, rows, j0, j1, lds, ldd int) {
	j := j0
	if rows == 16 && transposeFast != nil && j1-j0 >= 16 {
		blocks := (j1 - j0) / 16
		transposeFast(dst[j0*ldd+i:], src[i*lds+j0:], lds, ldd, blocks)
		j += 16 * blocks
	}
	for ; j < j1; j += 16 {
		cols := min(16, j1-j)
		for r := range rows {
			row := src[(i+r)*lds+j : (i+r)*lds+j+cols]
			for c, v := range row {
				dst[(j+c)*ldd+i+r] = v
			}
		}
	}
}
