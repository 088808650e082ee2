package nd

import (
	"math"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Float32 max, min, argmax and argmin through the vector kernels
// (kernels.Max32, MaxRows32, Argmax32 and their min forms, AVX-512 where
// the CPU has it), with the results of the scalar loops of op_reduce.go
// on one thread, bit for bit (NaN payloads aside):
//
//   - max (min) is NaN where any reduced element is. Otherwise the value
//     is the largest (smallest), and only the sign of a zero result
//     depends on the walk, which is the scalar loops' one:
//   - reducing the innermost axes, each contiguous run of reduced
//     elements keeps its first extreme element (kernels.Max32), and an
//     output combines its runs with Go's max (min), which prefers +0
//     (-0). One output of a single run of reduceParallelMin elements or
//     more combines the run's pieces of reducePiece elements that way
//     instead (as reduceWide did).
//   - reducing leading or middle axes, each output keeps its first
//     extreme element in input order (kernels.MaxRows32).
//   - argmax (argmin) along the last axis, or over the flattened array,
//     is the index of the first NaN, else of the first largest
//     (smallest) element, -0 and +0 equal. Along another axis it stays in
//     argRun's loop.
//
// The one departure: the scalar loops split a column reduction's rows by
// the thread count and joined the parts with Go's max, so the sign of a
// zero result could change with the number of threads. Here the work
// splits into pieces that the shape alone sets, joined so as to equal the
// walk in order: the result is the one-thread result on any number of
// threads.

// reduceExtJob is one float32 max or min by the vector kernels, carried
// to the threads through method values bound once and pooled with its
// layout lists and partial results, as reduceVecJob.
type reduceExtJob struct {
	isMin   bool
	out, in []float32
	g       reduceGeom

	// Innermost-axes reductions: each output reduces segs runs of run
	// contiguous elements, each in runPieces pieces; units =
	// segs·runPieces. wide: the pieces of the one run combine as runs.
	run, runPieces, segs, units int
	wide                        bool

	reduceColPlan // column reductions

	// parts holds the extremes of split outputs: per output and unit, or
	// per output row, block and column.
	parts []float32

	rowsBody, rowPartsBody, colsBody func(lo, hi int)
}

var reduceExtJobs = sync.Pool{New: func() any {
	j := new(reduceExtJob)
	j.rowsBody, j.rowPartsBody, j.colsBody = j.rowsRun, j.rowPartsRun, j.colsRun
	return j
}}

// reduceExt32 computes the float32 max (or, with isMin, min) of in (of
// shape shape) over mask into out.
func reduceExt32(isMin bool, out, in []float32, shape Shape, mask []bool) {
	j := reduceExtJobs.Get().(*reduceExtJob)
	j.isMin, j.out, j.in = isMin, out, in
	j.g.layout(shape, mask)
	switch g := &j.g; {
	case g.nOut == 0:
	case g.count == 0:
		fillSlice(out[:g.nOut], j.identity())
	case g.count == 1:
		// Each output is its one element (the extreme of it and the
		// identity); copy also allows an output that is the input.
		copy(out[:g.nOut], in)
	case g.lastRed:
		j.rows()
	default:
		j.cols()
	}
	j.out, j.in = nil, nil // keep no array alive in the pool
	reduceExtJobs.Put(j)
}

// identity is -Inf for max, +Inf for min.
func (j *reduceExtJob) identity() float32 {
	if j.isMin {
		return float32(math.Inf(1))
	}
	return float32(math.Inf(-1))
}

// ext is the first extreme element of the contiguous x.
func (j *reduceExtJob) ext(x []float32) float32 {
	if j.isMin {
		return kernels.Min32(x)
	}
	return kernels.Max32(x)
}

// join combines the extremes of two runs with Go's max (min): NaN if
// either is, +0 (-0) from zeros of both signs.
func (j *reduceExtJob) join(a, b float32) float32 {
	if j.isMin {
		return min(a, b)
	}
	return max(a, b)
}

// cat combines the first extremes a and b of two consecutive pieces of
// one walk into the first extreme of both: a unless a is NaN-free and b
// is better or NaN.
func (j *reduceExtJob) cat(a, b float32) float32 {
	better := b > a
	if j.isMin {
		better = b < a
	}
	if a == a && (better || b != b) {
		return b
	}
	return a
}

// rows reduces the innermost axes.
func (j *reduceExtJob) rows() {
	g := &j.g
	j.run = g.red[len(g.red)-1].size
	j.segs = g.count / j.run
	j.runPieces = (j.run + reducePiece - 1) / reducePiece
	j.units = j.segs * j.runPieces
	j.wide = g.nOut == 1 && j.segs == 1 && j.run >= reduceParallelMin
	part := reduceVecSplit(g.nOut * g.count)
	switch {
	case part == 0:
		j.rowsRun(0, g.nOut)
	case j.units == 1 || g.nOut >= 4*kernels.NumThreads():
		kernels.ParallelFor(g.nOut, max(1, part/g.count), j.rowsBody)
	default:
		// Few outputs of many pieces: the pieces in parallel, then each
		// output combines its own as rowsRun does.
		n := g.nOut * j.units
		j.parts = growF32(j.parts, n)
		kernels.ParallelFor(n, max(1, part/min(j.run, reducePiece)), j.rowPartsBody)
		for o := range g.nOut {
			acc := j.identity()
			ps := j.parts[o*j.units : (o+1)*j.units]
			for s := 0; s < len(ps); s += j.runPieces {
				v := ps[s]
				for _, p := range ps[s+1 : s+j.runPieces] {
					if j.wide {
						v = j.join(v, p)
					} else {
						v = j.cat(v, p)
					}
				}
				acc = j.join(acc, v)
			}
			j.out[o] = acc
		}
	}
}

// rowsRun computes outputs [lo, hi) of an innermost-axes reduction.
func (j *reduceExtJob) rowsRun(lo, hi int) {
	g := &j.g
	outer := g.red[:len(g.red)-1]
	var ib [8]int
	idx := ib[:0]
	if len(outer) > len(ib) {
		idx = make([]int, 0, len(outer))
	}
	idx = idx[:len(outer)]
	for o := lo; o < hi; o++ {
		clear(idx)
		acc, off := j.identity(), reduceOffsetOf(o, g.kept)
		for range j.segs {
			if j.wide {
				for p := 0; p < j.run; p += reducePiece {
					acc = j.join(acc, j.ext(j.in[off+p:off+min(p+reducePiece, j.run)]))
				}
			} else {
				acc = j.join(acc, j.ext(j.in[off:off+j.run]))
			}
			off += reduceStep(outer, idx)
		}
		j.out[o] = acc
	}
}

// rowPartsRun finds the extremes of units [lo, hi) (over all outputs)
// into j.parts.
func (j *reduceExtJob) rowPartsRun(lo, hi int) {
	g := &j.g
	outer := g.red[:len(g.red)-1]
	for k := lo; k < hi; k++ {
		o, u := k/j.units, k%j.units
		seg, p := u/j.runPieces, u%j.runPieces*reducePiece
		off := reduceOffsetOf(o, g.kept) + reduceOffsetOf(seg, outer)
		j.parts[k] = j.ext(j.in[off+p : off+min(p+reducePiece, j.run)])
	}
}

// cols reduces leading or middle axes, as reduceVecJob.cols, the blocks
// of a narrow output's rows combined in order (cat).
func (j *reduceExtJob) cols() {
	g := &j.g
	rows, items, grain := j.plan(g)
	if j.blocks > 1 {
		j.parts = growF32(j.parts, rows*j.blocks*j.width)
	}
	if grain == 0 {
		j.colsRun(0, items)
	} else {
		kernels.ParallelFor(items, grain, j.colsBody)
	}
	if j.blocks == 1 {
		return
	}
	for r := range rows {
		blk := j.parts[r*j.blocks*j.width : (r+1)*j.blocks*j.width]
		out := j.out[r*j.width : (r+1)*j.width]
		for c := range out {
			acc := blk[c]
			for b := 1; b < j.blocks; b++ {
				acc = j.cat(acc, blk[b*j.width+c])
			}
			out[c] = acc
		}
	}
}

// colsRun computes the work items [lo, hi) of a column reduction: item
// (row, chunk, block) folds the block's reduced rows into the chunk's
// columns of the output row (one block), or of its row of j.parts.
func (j *reduceExtJob) colsRun(lo, hi int) {
	g := &j.g
	outerKept := g.kept[:len(g.kept)-1]
	inner := g.red[len(g.red)-1]
	outer := g.red[:len(g.red)-1]
	for it := lo; it < hi; it++ {
		b := it % j.blocks
		c := it / j.blocks % j.chunks
		r := it / (j.blocks * j.chunks)
		c0 := c * j.chunkW
		c1 := min(c0+j.chunkW, j.width)
		var acc []float32
		if j.blocks == 1 {
			acc = j.out[r*j.width+c0 : r*j.width+c1]
		} else {
			at := (r*j.blocks+b)*j.width + c0
			acc = j.parts[at : at+c1-c0]
		}
		fillSlice(acc, j.identity())
		base := reduceOffsetOf(r, outerKept) + c0
		// The reduced rows [k0, k1) in C order of g.red, reduceRowBlock
		// rows a call along the innermost reduced dim.
		k0 := b * j.blockRows
		k1 := min(k0+j.blockRows, g.count)
		for k := k0; k < k1; {
			seg, i := k/inner.size, k%inner.size
			n := min(inner.size-i, k1-k)
			off := base + reduceOffsetOf(seg, outer) + i*inner.stride
			for k += n; n > 0; {
				m := min(n, reduceRowBlock)
				if j.isMin {
					kernels.MinRows32(acc, j.in[off:], m, inner.stride)
				} else {
					kernels.MaxRows32(acc, j.in[off:], m, inner.stride)
				}
				off += m * inner.stride
				n -= m
			}
		}
	}
}

// growF32 returns s with length n, reallocated only when too short.
func growF32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// argExtJob is one float32 argmax or argmin along the last axis (or of
// the flattened array): rows of n elements, each row in pieces of
// reducePiece when few long rows split over the threads. Pooled as
// reduceExtJob.
type argExtJob struct {
	isMin   bool
	out, in []float32
	n       int
	pieces  int       // per row, when split
	idx     []int     // each piece's index in its row
	val     []float32 // and value there

	rowsBody, partsBody func(lo, hi int)
}

var argExtJobs = sync.Pool{New: func() any {
	j := new(argExtJob)
	j.rowsBody, j.partsBody = j.rowsRun, j.partsRun
	return j
}}

// argExt32 writes the index of the first NaN, or else of the first
// largest (with isMin, smallest) element, of each of the rows of n
// elements of in to out, as a float32, as argRun does with inner 1.
func argExt32(out, in []float32, rows, n int, isMin bool) {
	if rows == 0 || n == 0 {
		return
	}
	j := argExtJobs.Get().(*argExtJob)
	j.isMin, j.out, j.in, j.n = isMin, out, in, n
	part := reduceVecSplit(rows * n)
	switch {
	case part == 0:
		j.rowsRun(0, rows)
	case n <= reducePiece || rows >= 4*kernels.NumThreads():
		kernels.ParallelFor(rows, max(1, part/n), j.rowsBody)
	default:
		j.pieces = (n + reducePiece - 1) / reducePiece
		units := rows * j.pieces
		if cap(j.idx) < units {
			j.idx, j.val = make([]int, units), make([]float32, units)
		}
		j.idx, j.val = j.idx[:units], j.val[:units]
		kernels.ParallelFor(units, max(1, part/reducePiece), j.partsBody)
		// Each row's pieces in order: the first NaN or the first best.
		for r := range rows {
			bi, best := j.idx[r*j.pieces], j.val[r*j.pieces]
			for p := r*j.pieces + 1; p < (r+1)*j.pieces; p++ {
				if kernels.ArgBetter32(j.val[p], best, isMin) {
					bi, best = j.idx[p], j.val[p]
				}
			}
			out[r] = float32(bi)
		}
	}
	j.out, j.in = nil, nil
	argExtJobs.Put(j)
}

// argOf is the index of x's first NaN or first extreme element.
func (j *argExtJob) argOf(x []float32) int {
	if j.isMin {
		return kernels.Argmin32(x)
	}
	return kernels.Argmax32(x)
}

// rowsRun searches rows [lo, hi).
func (j *argExtJob) rowsRun(lo, hi int) {
	for r := lo; r < hi; r++ {
		j.out[r] = float32(j.argOf(j.in[r*j.n : (r+1)*j.n]))
	}
}

// partsRun searches pieces [lo, hi) (over all rows) into j.idx and j.val.
func (j *argExtJob) partsRun(lo, hi int) {
	for u := lo; u < hi; u++ {
		r, p := u/j.pieces, u%j.pieces*reducePiece
		row := j.in[r*j.n : (r+1)*j.n]
		i := p + j.argOf(row[p:min(p+reducePiece, j.n)])
		j.idx[u], j.val[u] = i, row[i]
	}
}
