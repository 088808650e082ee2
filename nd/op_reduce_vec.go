package nd

import (
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Float32 sums, means, nansums and norms (and _sum_to, and the bias
// gradient of the fused dense-layer parameter gradient, which must equal
// it) through the vectorized float64 accumulations of kernels.SumOfF64
// and kernels.AddRowsOfF64 (AVX-512 where the CPU has it), and products
// through kernels.ProdOfF64 and kernels.MulRowsOfF64 in the same order,
// multiplying where the sums add. As the scalar loops of op_reduce.go
// they add float32 elements in float64 and round once at the end; what
// changes is the order of the adds, so results can differ from those
// loops in the last float64 bits (far below float32's precision), never
// from run to run:
//
//   - reducing the innermost axes (all of them, or the rows of a matrix):
//     each contiguous run of reduced elements is summed in pieces of
//     reducePiece elements, each piece in SumOfF64's fixed order (64
//     partial sums, then a fixed tree), and an output adds its pieces'
//     sums in order, starting from 0 (a product multiplies, from 1). The
//     pieces depend on the shape alone, so the result is the same
//     whether the pieces run on one thread or many, and whatever the
//     number of threads.
//   - reducing leading or middle axes (the columns of a matrix, a bias
//     gradient over the batch): each output adds its elements in the
//     input's order, one float64 add at a time, exactly as the scalar loop
//     did on one thread; the threads split the columns, which changes
//     nothing (the scalar loop split the reduced rows by thread count). Only
//     narrow outputs (rows shorter than reduceNarrow) of many reduced rows
//     split the reduced rows too, into blocks of about reducePiece
//     elements set by the shape, whose sums are added in order.
//
// (A product that leaves float64's range on the way, past 1e308 or
// below 1e-308, may come out differently in another order: Inf or 0
// where the scalar loop had a finite value, or the other way round.) Max
// and min are in op_reduce_ext.go.

const (
	// reducePiece is the length of the pieces a long contiguous run of
	// reduced elements is summed in (64 KB of float32), and about the
	// size of a block of reduced rows of a narrow column reduction.
	reducePiece = 1 << 14
	// reduceColMin is the fewest columns a column reduction splits off
	// for a thread.
	reduceColMin = 64
	// reduceRowBlock is the number of rows one kernels.AddRowsOfF64
	// call adds: the rows are read side by side, and more than 8 rows a
	// power-of-two stride apart would compete for the L1 cache's 8 ways.
	reduceRowBlock = 8
	// reduceNarrow is the output row width below which a column
	// reduction of many reduced rows splits them into blocks.
	reduceNarrow = 64
)

// reduceVecTerm gives the kernel term of a float32 reduction kind, or
// false for the kinds that do not accumulate here. A product has no term
// (AccValue: its factors are the elements themselves).
func reduceVecTerm(kind reduceKind) (kernels.Acc64, bool) {
	switch kind {
	case reduceSum, reduceMean, reduceProd:
		return kernels.AccValue, true
	case reduceNanSum:
		return kernels.AccNonNaN, true
	case reduceAbsSum:
		return kernels.AccAbs, true
	case reduceSqSum:
		return kernels.AccSquare, true
	}
	return 0, false
}

// reduceVecJob is one float32 reduction by the vector kernels, carried to
// the threads through method values bound once. It is pooled with its
// layout lists and partial sums, so a reduction allocates nothing in the
// steady state.
type reduceVecJob struct {
	kind    reduceKind
	term    kernels.Acc64
	out, in []float32
	g       reduceGeom

	// Innermost-axes reductions: each output reduces segs runs of run
	// contiguous elements (the outer reduced dims are g.red but the
	// last), each run in runPieces pieces; units = segs·runPieces.
	run, runPieces, units int

	reduceColPlan // column reductions

	// parts holds the partial sums of split outputs: per output and unit,
	// or per output row, block and column.
	parts []float64

	rowsBody, rowPartsBody, colsBody func(lo, hi int)
}

var reduceVecJobs = sync.Pool{New: func() any {
	j := new(reduceVecJob)
	j.rowsBody, j.rowPartsBody, j.colsBody = j.rowsRun, j.rowPartsRun, j.colsRun
	return j
}}

// reduceColAccs holds the float64 accumulator rows of column reductions.
var reduceColAccs = sync.Pool{New: func() any { return new([]float64) }}

// reduceVec32 reduces the float32 in (of shape shape) over mask into out
// with the vector kernels; kind is a sum, mean, nansum, norm or product
// and term its kernel term.
func reduceVec32(kind reduceKind, term kernels.Acc64, out, in []float32, shape Shape, mask []bool) {
	j := reduceVecJobs.Get().(*reduceVecJob)
	j.kind, j.term, j.out, j.in = kind, term, out, in
	j.g.layout(shape, mask)
	switch g := &j.g; {
	case g.nOut == 0:
	case g.count == 0:
		fillSlice(out[:g.nOut], reduceFinal[float32](kind, j.identity(), 0))
	case g.lastRed:
		j.rows()
	default:
		j.cols()
	}
	j.out, j.in = nil, nil // keep no array alive in the pool
	reduceVecJobs.Put(j)
}

// identity is the empty sum, 0, or the empty product, 1.
func (j *reduceVecJob) identity() float64 {
	if j.kind == reduceProd {
		return 1
	}
	return 0
}

// piece is the sum (product) of the contiguous x, in the kernels' order.
func (j *reduceVecJob) piece(x []float32) float64 {
	if j.kind == reduceProd {
		return kernels.ProdOfF64(x)
	}
	return kernels.SumOfF64(j.term, x)
}

// fold adds (multiplies) p into acc.
func (j *reduceVecJob) fold(acc, p float64) float64 {
	if j.kind == reduceProd {
		return acc * p
	}
	return acc + p
}

// reduceVecSplit is the number of input elements per part when a
// reduction of total elements splits over the threads, or 0 when it runs
// inline: the vector loops stream as the elementwise ones do, so they
// split where those do (vecGrain).
func reduceVecSplit(total int) int {
	grain := vecGrain()
	if total < grain || kernels.NumThreads() < 2 {
		return 0
	}
	return grain / 2
}

// rows reduces the innermost axes.
func (j *reduceVecJob) rows() {
	g := &j.g
	j.run = g.red[len(g.red)-1].size
	j.runPieces = (j.run + reducePiece - 1) / reducePiece
	j.units = g.count / j.run * j.runPieces
	total := g.nOut * g.count
	part := reduceVecSplit(total)
	switch {
	case part == 0:
		j.rowsRun(0, g.nOut)
	case j.units == 1 || g.nOut >= 4*kernels.NumThreads():
		// Whole outputs per part.
		kernels.ParallelFor(g.nOut, max(1, part/g.count), j.rowsBody)
	default:
		// Few outputs of many pieces: the pieces' sums in parallel, then
		// each output adds its own in order, as rowsRun does.
		n := g.nOut * j.units
		j.parts = growF64(j.parts, n)
		kernels.ParallelFor(n, max(1, part/min(j.run, reducePiece)), j.rowPartsBody)
		for o := range g.nOut {
			acc := j.identity()
			for _, p := range j.parts[o*j.units : (o+1)*j.units] {
				acc = j.fold(acc, p)
			}
			j.out[o] = reduceFinal[float32](j.kind, acc, g.count)
		}
	}
}

// rowsRun computes outputs [lo, hi) of an innermost-axes reduction.
func (j *reduceVecJob) rowsRun(lo, hi int) {
	g := &j.g
	outer := g.red[:len(g.red)-1]
	var ib [8]int
	idx := ib[:0]
	if len(outer) > len(ib) {
		idx = make([]int, 0, len(outer))
	}
	idx = idx[:len(outer)]
	segs := g.count / j.run
	for o := lo; o < hi; o++ {
		base := reduceOffsetOf(o, g.kept)
		clear(idx)
		acc, off := j.identity(), base
		for range segs {
			for p := 0; p < j.run; p += reducePiece {
				acc = j.fold(acc, j.piece(j.in[off+p:off+min(p+reducePiece, j.run)]))
			}
			off += reduceStep(outer, idx)
		}
		j.out[o] = reduceFinal[float32](j.kind, acc, g.count)
	}
}

// rowPartsRun sums units [lo, hi) (over all outputs) into j.parts.
func (j *reduceVecJob) rowPartsRun(lo, hi int) {
	g := &j.g
	outer := g.red[:len(g.red)-1]
	for k := lo; k < hi; k++ {
		o, u := k/j.units, k%j.units
		seg, p := u/j.runPieces, u%j.runPieces*reducePiece
		off := reduceOffsetOf(o, g.kept) + reduceOffsetOf(seg, outer)
		j.parts[k] = j.piece(j.in[off+p : off+min(p+reducePiece, j.run)])
	}
}

// reduceStep advances idx, an index of dims in C order, by one and
// returns the change of its input offset.
func reduceStep(dims []reduceDim, idx []int) int {
	d := 0
	for i := len(dims) - 1; i >= 0; i-- {
		idx[i]++
		d += dims[i].stride
		if idx[i] < dims[i].size {
			break
		}
		d -= dims[i].size * dims[i].stride
		idx[i] = 0
	}
	return d
}

// reduceColPlan is how a column reduction (the innermost axis kept)
// splits: rows of width outputs, each row in chunks of chunkW columns;
// the reduced rows in blocks of blockRows (blocks of them; 1 but for
// narrow rows). The sums and the extrema share it.
type reduceColPlan struct {
	width, chunks, chunkW, blocks, blockRows int
}

// plan fills p for g and returns the output rows, the work items
// (rows·chunks·blocks) and the ParallelFor grain (0: run inline). The
// rows of reduced rows are read in long runs, each output row whole
// where that leaves enough items for the threads; else the columns split
// into as many chunks as there are threads.
func (p *reduceColPlan) plan(g *reduceGeom) (rows, items, grain int) {
	p.width = g.kept[len(g.kept)-1].size
	p.blocks, p.blockRows = 1, g.count
	if p.width < reduceNarrow && g.count*p.width >= 2*reducePiece {
		p.blockRows = (reducePiece + p.width - 1) / p.width
		p.blocks = (g.count + p.blockRows - 1) / p.blockRows
	}
	rows = g.nOut / p.width
	p.chunks, p.chunkW = 1, p.width
	part := reduceVecSplit(g.nOut * g.count)
	if th := kernels.NumThreads(); part > 0 && rows*p.blocks < th {
		p.chunks = min(th, (p.width+reduceColMin-1)/reduceColMin)
		p.chunkW = (p.width + p.chunks - 1) / p.chunks
		p.chunkW = (p.chunkW + 15) &^ 15
		p.chunks = (p.width + p.chunkW - 1) / p.chunkW
	}
	items = rows * p.chunks * p.blocks
	if part > 0 {
		grain = max(1, part/(p.chunkW*p.blockRows))
	}
	return rows, items, grain
}

// cols reduces leading or middle axes: the innermost axis is kept.
func (j *reduceVecJob) cols() {
	g := &j.g
	rows, items, grain := j.plan(g)
	if j.blocks > 1 {
		j.parts = growF64(j.parts, rows*j.blocks*j.width)
	}
	if grain == 0 {
		j.colsRun(0, items)
	} else {
		kernels.ParallelFor(items, grain, j.colsBody)
	}
	if j.blocks == 1 {
		return
	}
	// Add (multiply) each column's block sums in order.
	for r := range rows {
		blk := j.parts[r*j.blocks*j.width : (r+1)*j.blocks*j.width]
		out := j.out[r*j.width : (r+1)*j.width]
		for c := range out {
			acc := blk[c]
			for b := 1; b < j.blocks; b++ {
				acc = j.fold(acc, blk[b*j.width+c])
			}
			out[c] = reduceFinal[float32](j.kind, acc, g.count)
		}
	}
}

// colsRun computes the work items [lo, hi) of a column reduction: item
// (row, chunk, block) adds the block's reduced rows into the chunk's
// columns of the output row, then stores them (one block) or leaves them
// in j.parts.
func (j *reduceVecJob) colsRun(lo, hi int) {
	g := &j.g
	outerKept := g.kept[:len(g.kept)-1]
	var scratch *[]float64
	if j.blocks == 1 {
		scratch = reduceColAccs.Get().(*[]float64)
		*scratch = growF64(*scratch, j.chunkW)
	}
	for it := lo; it < hi; it++ {
		b := it % j.blocks
		c := it / j.blocks % j.chunks
		r := it / (j.blocks * j.chunks)
		c0 := c * j.chunkW
		c1 := min(c0+j.chunkW, j.width)
		var acc []float64
		if j.blocks == 1 {
			acc = (*scratch)[:c1-c0]
		} else {
			at := (r*j.blocks+b)*j.width + c0
			acc = j.parts[at : at+c1-c0]
		}
		fillSlice(acc, j.identity())
		k0 := b * j.blockRows
		j.addRows(acc, reduceOffsetOf(r, outerKept)+c0, k0, min(k0+j.blockRows, g.count))
		if j.blocks == 1 {
			out := j.out[r*j.width+c0 : r*j.width+c1]
			for i, v := range acc {
				out[i] = reduceFinal[float32](j.kind, v, g.count)
			}
		}
	}
	if scratch != nil {
		reduceColAccs.Put(scratch)
	}
}

// addRows adds the reduced rows [k0, k1) (in C order of g.red) of the
// columns at input offset base into acc, in order, reduceRowBlock rows a
// call along the innermost reduced dim.
func (j *reduceVecJob) addRows(acc []float64, base, k0, k1 int) {
	g := &j.g
	inner := g.red[len(g.red)-1]
	outer := g.red[:len(g.red)-1]
	for k := k0; k < k1; {
		seg, i := k/inner.size, k%inner.size
		n := min(inner.size-i, k1-k)
		off := base + reduceOffsetOf(seg, outer) + i*inner.stride
		for k += n; n > 0; {
			m := min(n, reduceRowBlock)
			if j.kind == reduceProd {
				kernels.MulRowsOfF64(acc, j.in[off:], m, inner.stride)
			} else {
				kernels.AddRowsOfF64(j.term, acc, j.in[off:], m, inner.stride)
			}
			off += m * inner.stride
			n -= m
		}
	}
}

// growF64 returns s with length n, reallocated only when too short.
func growF64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
