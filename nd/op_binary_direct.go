package nd

import "github.com/mxgo/mxgo/nd/kernels"

// Direct float32/float64 loops for the common binary ops: same shapes,
// one side a single value, and broadcasting row by row (a bias over a
// batch, a per-channel scale). The generic binaryApply calls a function
// value per element; these loops compute exactly the same values. For
// float32 the arithmetic, maximum and minimum run kernels.BinaryVec32,
// the comparisons kernels.CompareVec32, and their scalar forms (AVX-512
// where the CPU has them).
//
// Large arrays split over the threads through a pooled binaryJob whose
// loop body is bound once: a large op allocates no more than a small one.

// binaryDirect computes o = a op b for kind (kindLeft is the op with a as
// the scalar) and reports whether it had a loop for the shapes.
func binaryDirect[T nnFloat](kind, kindLeft scalarKind, o, a, b []T, os, as, bs Shape) bool {
	if kind == scalarGeneric || kindLeft == scalarGeneric {
		return false
	}
	switch {
	case as.Equal(bs):
		binaryParallel(binaryFormSame, kind, o, a[:len(o)], b[:len(o)], 0)
	case len(b) == 1 && len(a) == len(o):
		binaryParallel(binaryFormScalar, kind, o, a, nil, b[0])
	case len(a) == 1 && len(b) == len(o):
		binaryParallel(binaryFormScalar, kindLeft, o, b, nil, a[0])
	default:
		binaryRows(kind, kindLeft, o, a, b, os, as, bs)
	}
	return true
}

// binaryForm is the operand layout of a binaryJob.
type binaryForm uint8

const (
	binaryFormSame   binaryForm = iota // o = a op b, one shape
	binaryFormScalar                   // o = a op s
	binaryFormRows                     // o = a op b broadcast, row by row
)

// binaryJob is one direct binary or scalar op spread over the threads:
// the op, its operands and, for a broadcast, the walk over the output's
// rows. It is pooled with its loop body bound once.
//
// The broadcast walk: with the output's size-1 dimensions dropped and
// dimensions merged where both inputs are contiguous across them, the
// output is rows of rowLen elements; row r's index over dims, times the
// strides sa and sb, gives where a and b start, and they advance by stepA
// and stepB (1, or 0 for a value repeated along the row). Each row is cut
// into pieces parts when there are too few rows to split.
type binaryJob[T nnFloat] struct {
	form           binaryForm
	kind, kindLeft scalarKind
	o, a, b        []T
	s              T

	dims, sa, sb         []int
	rowLen, stepA, stepB int
	pieces               int

	// vec: the rows run op's (cmp: cmpOp's) float32 kernels on o32, a32
	// and b32 (o, a and b as float32), without the generic loops'
	// dispatch per row.
	vec, cmp      bool
	op            kernels.BinaryOp
	cmpOp         kernels.CmpOp
	o32, a32, b32 []float32

	body func(lo, hi int)
}

var binaryJobs kernelTasks

func newBinaryJob[T nnFloat]() *binaryJob[T] {
	j := new(binaryJob[T])
	j.body = j.run
	return j
}

func getBinaryJob[T nnFloat](form binaryForm, kind, kindLeft scalarKind) *binaryJob[T] {
	j := getKernelTask[T](&binaryJobs, newBinaryJob[T])
	j.form, j.kind, j.kindLeft = form, kind, kindLeft
	return j
}

// put returns j to its pool holding no array.
func (j *binaryJob[T]) put() {
	j.o, j.a, j.b = nil, nil, nil
	j.vec, j.cmp, j.o32, j.a32, j.b32 = false, false, nil, nil, nil
	putKernelTask[T](&binaryJobs, j)
}

// binaryGrain is the size from which kind's loop over n elements of T
// splits over the threads, in parts of half as many elements, or 0 when
// n is below it: vecGrain for the vectorized float32 loops (they stream
// about a float per cycle, so a split pays later, unless the helpers are
// awake), else 2·scalarGrain.
func binaryGrain[T nnFloat](kind scalarKind, n int) int {
	grain := 2 * scalarGrain
	if isFloat32[T]() {
		if binaryVecKind(kind) {
			if n < unaryVecHotGrain { // the least vecGrain: spare asking
				return 0
			}
			grain = vecGrain()
		}
	}
	if n < grain {
		return 0
	}
	return grain
}

// binaryParallel runs o = a op b (binaryFormSame) or o = a op s
// (binaryFormScalar) inline below kind's grain, else split.
func binaryParallel[T nnFloat](form binaryForm, kind scalarKind, o, a, b []T, s T) {
	grain := binaryGrain[T](kind, len(o))
	if grain == 0 {
		if form == binaryFormSame {
			binaryLoop(kind, o, a, b)
		} else {
			scalarLoop(kind, o, a, s)
		}
		return
	}
	j := getBinaryJob[T](form, kind, kind)
	j.o, j.a, j.b, j.s = o, a[:len(o)], b, s
	kernels.ParallelFor(len(o), grain/2, j.body)
	j.put()
}

// binaryRows computes o = a op b broadcast, row by row: inline for small
// outputs, else rows (or, when there are few, parts of rows) in parallel.
func binaryRows[T nnFloat](kind, kindLeft scalarKind, o, a, b []T, os, as, bs Shape) {
	total := len(o)
	if total == 0 {
		return
	}
	j := getBinaryJob[T](binaryFormRows, kind, kindLeft)
	j.o, j.a, j.b = o, a, b
	if o32, ok := any(o).([]float32); ok {
		if op, swap, ok := binaryVecOp(kind); ok && !swap {
			j.vec, j.op = true, op
		} else if op, ok := cmpVecOp(kind); ok {
			j.cmp, j.cmpOp = true, op
		}
		if j.vec || j.cmp {
			j.o32, j.a32, j.b32 = o32, any(a).([]float32), any(b).([]float32)
		}
	}
	j.setRows(os, as, bs)
	rows := total / j.rowLen
	if grain := binaryGrain[T](kind, total); grain == 0 {
		j.pieces = 1
		j.run(0, rows)
	} else {
		half := grain / 2
		j.pieces = max(1, min(j.rowLen/half, kernels.NumThreads()))
		part := j.rowLen / j.pieces
		kernels.ParallelFor(rows*j.pieces, max(1, (half+part-1)/part), j.body)
	}
	j.put()
}

// setRows sets j's broadcast walk for output shape os from inputs of
// shapes as and bs.
func (j *binaryJob[T]) setRows(os, as, bs Shape) {
	sa, sb := bcastStridesInto(j.sa[:0], as, os), bcastStridesInto(j.sb[:0], bs, os)
	dims := j.dims[:0]
	k := 0
	for d, n := range os { // size-1 dimensions are no steps
		if n != 1 {
			dims = append(dims, n)
			sa[k], sb[k] = sa[d], sb[d]
			k++
		}
	}
	j.rowLen, j.stepA, j.stepB = 1, 0, 0
	if k > 0 {
		// The last dimension is the row (an input's stride there is 1 or
		// 0); dimensions before it that continue both inputs' steps join it.
		k--
		j.rowLen, j.stepA, j.stepB = dims[k], sa[k], sb[k]
		for k > 0 && sa[k-1] == j.stepA*j.rowLen && sb[k-1] == j.stepB*j.rowLen {
			k--
			j.rowLen *= dims[k]
		}
	}
	// Merge neighbouring outer dimensions both inputs walk contiguously.
	m := 0
	for d := range k {
		if m > 0 && sa[m-1] == sa[d]*dims[d] && sb[m-1] == sb[d]*dims[d] {
			dims[m-1] *= dims[d]
			sa[m-1], sb[m-1] = sa[d], sb[d]
			continue
		}
		dims[m], sa[m], sb[m] = dims[d], sa[d], sb[d]
		m++
	}
	j.dims, j.sa, j.sb = dims[:m], sa[:m], sb[:m]
}

// bcastStridesInto is bcastStrides appended to dst[:0].
func bcastStridesInto(dst []int, s, out Shape) []int {
	dst = dst[:0]
	for range out {
		dst = append(dst, 0)
	}
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j < 0 {
			continue
		}
		if s[j] != 1 {
			dst[i] = acc
		}
		acc *= s[j]
	}
	return dst
}

// run computes j's elements [lo, hi), or for a broadcast its row parts.
func (j *binaryJob[T]) run(lo, hi int) {
	switch j.form {
	case binaryFormSame:
		binaryLoop(j.kind, j.o[lo:hi], j.a[lo:hi], j.b[lo:hi])
	case binaryFormScalar:
		scalarLoop(j.kind, j.o[lo:hi], j.a[lo:hi], j.s)
	case binaryFormRows:
		n := j.rowLen
		for u := lo; u < hi; u++ {
			r, c0, c1 := u, 0, n
			if j.pieces > 1 {
				r = u / j.pieces
				p := u - r*j.pieces
				c0, c1 = p*n/j.pieces, (p+1)*n/j.pieces
			}
			ai, bi := j.rowStart(r)
			j.row(r*n+c0, c1-c0, ai+c0*j.stepA, bi+c0*j.stepB)
		}
	}
}

// rowStart is where row r starts in a and in b.
func (j *binaryJob[T]) rowStart(r int) (ai, bi int) {
	d := len(j.dims) - 1
	for ; d > 0; d-- {
		q := r / j.dims[d]
		i := r - q*j.dims[d]
		ai += i * j.sa[d]
		bi += i * j.sb[d]
		r = q
	}
	if d == 0 {
		ai += r * j.sa[0]
		bi += r * j.sb[0]
	}
	return ai, bi
}

// row computes o's n elements from start, from a at ai and b at bi, each
// stepping as j says.
func (j *binaryJob[T]) row(start, n, ai, bi int) {
	if j.vec {
		o := j.o32[start : start+n]
		switch {
		case j.stepA != 0 && j.stepB != 0:
			kernels.BinaryVec32(j.op, o, j.a32[ai:ai+n], j.b32[bi:bi+n])
			return
		case j.stepA != 0:
			kernels.BinaryScalar32(j.op, o, j.a32[ai:ai+n], j.b32[bi])
			return
		case j.stepB != 0:
			kernels.BinaryScalarLeft32(j.op, o, j.a32[ai], j.b32[bi:bi+n])
			return
		}
	}
	if j.cmp {
		o := j.o32[start : start+n]
		switch {
		case j.stepA != 0 && j.stepB != 0:
			kernels.CompareVec32(j.cmpOp, o, j.a32[ai:ai+n], j.b32[bi:bi+n])
			return
		case j.stepA != 0:
			kernels.CompareScalar32(j.cmpOp, o, j.a32[ai:ai+n], j.b32[bi])
			return
		case j.stepB != 0:
			kernels.CompareScalarLeft32(j.cmpOp, o, j.a32[ai], j.b32[bi:bi+n])
			return
		}
	}
	dst := j.o[start : start+n]
	switch {
	case j.stepA != 0 && j.stepB != 0:
		binaryLoop(j.kind, dst, j.a[ai:ai+n], j.b[bi:bi+n])
	case j.stepA != 0:
		scalarLoop(j.kind, dst, j.a[ai:ai+n], j.b[bi])
	case j.stepB != 0:
		scalarLoop(j.kindLeft, dst, j.b[bi:bi+n], j.a[ai])
	default:
		scalarLoop(j.kind, dst[:1], j.a[ai:ai+1], j.b[bi])
		for i := 1; i < n; i++ {
			dst[i] = dst[0]
		}
	}
}

// binaryVecOp is kind as a kernels.BinaryOp, with swap set where the
// operands trade places (b - a, b / a); ok is false for the kinds without
// an arithmetic vector loop (comparisons: cmpVecOp).
func binaryVecOp(kind scalarKind) (op kernels.BinaryOp, swap, ok bool) {
	switch kind {
	case scalarPlus:
		return kernels.BinaryAdd, false, true
	case scalarMinus:
		return kernels.BinarySub, false, true
	case scalarRminus:
		return kernels.BinarySub, true, true
	case scalarMul:
		return kernels.BinaryMul, false, true
	case scalarDiv:
		return kernels.BinaryDiv, false, true
	case scalarRdiv:
		return kernels.BinaryDiv, true, true
	case scalarMaximum:
		return kernels.BinaryMax, false, true
	case scalarMinimum:
		return kernels.BinaryMin, false, true
	}
	return 0, false, false
}

// cmpVecOp is a comparison kind as a kernels.CmpOp; ok is false for the
// other kinds.
func cmpVecOp(kind scalarKind) (op kernels.CmpOp, ok bool) {
	switch kind {
	case scalarEqual:
		return kernels.CmpEq, true
	case scalarNotEqual:
		return kernels.CmpNe, true
	case scalarGreater:
		return kernels.CmpGt, true
	case scalarGreaterEqual:
		return kernels.CmpGe, true
	case scalarLesser:
		return kernels.CmpLt, true
	case scalarLesserEqual:
		return kernels.CmpLe, true
	}
	return 0, false
}

// binaryVecKind reports whether kind has a float32 vector loop.
func binaryVecKind(kind scalarKind) bool {
	if _, _, ok := binaryVecOp(kind); ok {
		return true
	}
	_, ok := cmpVecOp(kind)
	return ok
}

// binaryLoop computes o = a op b elementwise; comparisons give 1 or 0.
func binaryLoop[T nnFloat](kind scalarKind, o, a, b []T) {
	a, b = a[:len(o)], b[:len(o)]
	if o32, ok := any(o).([]float32); ok {
		if op, swap, ok := binaryVecOp(kind); ok {
			a32, b32 := any(a).([]float32), any(b).([]float32)
			if swap {
				a32, b32 = b32, a32
			}
			kernels.BinaryVec32(op, o32, a32, b32)
			return
		}
		if op, ok := cmpVecOp(kind); ok {
			kernels.CompareVec32(op, o32, any(a).([]float32), any(b).([]float32))
			return
		}
	}
	switch kind {
	case scalarPlus:
		for i := range o {
			o[i] = a[i] + b[i]
		}
	case scalarMinus:
		for i := range o {
			o[i] = a[i] - b[i]
		}
	case scalarRminus:
		for i := range o {
			o[i] = b[i] - a[i]
		}
	case scalarMul:
		for i := range o {
			o[i] = a[i] * b[i]
		}
	case scalarDiv:
		for i := range o {
			o[i] = a[i] / b[i]
		}
	case scalarRdiv:
		for i := range o {
			o[i] = b[i] / a[i]
		}
	case scalarMaximum:
		for i := range o {
			o[i] = max(a[i], b[i])
		}
	case scalarMinimum:
		for i := range o {
			o[i] = min(a[i], b[i])
		}
	case scalarEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] == b[i]))
		}
	case scalarNotEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] != b[i]))
		}
	case scalarGreater:
		for i := range o {
			o[i] = T(scalarB2I(a[i] > b[i]))
		}
	case scalarGreaterEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] >= b[i]))
		}
	case scalarLesser:
		for i := range o {
			o[i] = T(scalarB2I(a[i] < b[i]))
		}
	case scalarLesserEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] <= b[i]))
		}
	default:
		panicf("", "binaryLoop: no loop for kind %d", kind)
	}
}
